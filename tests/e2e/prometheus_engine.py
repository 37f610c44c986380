"""A real Prometheus scraping a real node_exporter, both from the system's packages, started on
free loopback ports with a temporary storage directory and a 1 s scrape interval, and stopped
afterwards (for the e2e tests of the Prometheus source and ``sot fleet``). On request a real
process-exporter too, as a target of its own on the same host (another loopback port), with one
group per command name.

.ci/run installs the packages without letting them start their own services (they would listen
on every address); these tests never use those services, only processes of their own.
"""

from __future__ import annotations

import functools
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.e2e.harness import SOT, Tmux, base_env, run_sot, wait_until

PROMETHEUS = "prometheus"
NODE_EXPORTER = "prometheus-node-exporter"  # Debian's name; upstream's is node_exporter
PROCESS_EXPORTER = "prometheus-process-exporter"  # Debian's name; upstream's is process-exporter
# One group per command name (/proc/<pid>/comm), of every process with a command line (kernel
# threads have none): the README's example configuration.
PROCESS_EXPORTER_CONFIG = """\
process_names:
  - name: "{{.Comm}}"
    cmdline:
      - '.+'
"""
LOOPBACK = "127.0.0.1"
CHUNK_BYTES = 64 * 1024  # a loopback transfer's writes
START_TIMEOUT_S = 60.0  # a first scrape needs Prometheus up (a few seconds) and one interval


@dataclass(frozen=True, slots=True)
class Engine:
    url: str  # Prometheus's base URL, http://127.0.0.1:PORT
    instance: str  # node_exporter's target as Prometheus labels it, 127.0.0.1:PORT
    exporter: subprocess.Popen[bytes]  # to stop it in a test (the target goes down)
    prometheus: subprocess.Popen[bytes]
    # process-exporter's target (127.0.0.1:PORT: the same host, another port) and process,
    # where it was asked for.
    groups_instance: str | None = None
    process_exporter: subprocess.Popen[bytes] | None = None


def missing_binaries(*extra: str) -> list[str]:
    """The engine's programs (and ``extra`` ones, e.g. PROCESS_EXPORTER) not installed here."""
    names = (PROMETHEUS, NODE_EXPORTER, *extra)
    return [name for name in names if shutil.which(name) is None]


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice; it stays free long enough here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def require_binaries() -> None:
    """Skip (with the reason) where the packages are missing, outside CI; in CI, fail."""
    import os

    import pytest

    missing = missing_binaries()
    if missing:
        packages = "apt-get install prometheus prometheus-node-exporter"
        reason = f"{', '.join(missing)} not installed ({packages})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run must install them")
        pytest.skip(reason)


def query(url: str, expression: str, timeout_s: float = 2.0) -> list[dict[str, object]] | None:
    """The result of an instant query, or None where Prometheus does not answer (yet)."""
    address = f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
    try:
        with urllib.request.urlopen(address, timeout=timeout_s) as response:
            document = json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if document.get("status") != "success":
        return None
    result: list[dict[str, object]] = document["data"]["result"]
    return result


def target_up(url: str, instance: str) -> bool | None:
    """Whether Prometheus's last scrape of ``instance`` succeeded; None before any scrape."""
    result = query(url, f'up{{instance="{instance}"}}')
    if not result:
        return None
    value = result[0].get("value")
    return isinstance(value, list) and value[1] == "1"


def _is_up(url: str, instance: str) -> bool:
    return target_up(url, instance) is True


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start_process_exporter(
    directory: Path, instance: str, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    config = directory / "process-exporter.yml"
    config.write_text(PROCESS_EXPORTER_CONFIG, encoding="utf-8")
    return subprocess.Popen(
        [
            PROCESS_EXPORTER,
            f"-config.path={config}",
            f"-web.listen-address={instance}",
            "-threads=false",  # per-thread series: not read by sot
            "-gather-smaps=false",  # proportional memory: not read either, and costly
        ],
        stdout=log,
        stderr=log,
    )


@contextmanager
def running_engine(
    directory: Path,
    scrape_interval_s: int = 1,
    process_exporter: bool = False,
    exporter_args: Sequence[str] = (),
) -> Iterator[Engine]:
    """node_exporter and Prometheus on loopback, storing under ``directory`` (and
    process-exporter as a second target where ``process_exporter``); stopped on every way out,
    whatever the test did to them. ``exporter_args``: node_exporter's own options."""
    exporter_port, prometheus_port = free_port(), free_port()
    instance = f"{LOOPBACK}:{exporter_port}"
    groups_instance = f"{LOOPBACK}:{free_port()}" if process_exporter else None
    targets = [("node", instance)]
    if groups_instance is not None:
        targets.append(("process", groups_instance))
    config = directory / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {scrape_interval_s}s\n"
        f"  evaluation_interval: {scrape_interval_s}s\n"
        "scrape_configs:\n"
        + "".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            for job, target in targets
        ),
        encoding="utf-8",
    )
    log = (directory / "engine.log").open("wb")
    started: list[subprocess.Popen[bytes]] = []
    try:
        exporter = subprocess.Popen(
            [NODE_EXPORTER, f"--web.listen-address={instance}", *exporter_args],
            stdout=log,
            stderr=log,
        )
        started.append(exporter)
        groups = None
        if groups_instance is not None:
            groups = _start_process_exporter(directory, groups_instance, log)
            started.append(groups)
        prometheus = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address={LOOPBACK}:{prometheus_port}",
            ],
            stdout=log,
            stderr=log,
        )
        started.append(prometheus)
        url = f"http://{LOOPBACK}:{prometheus_port}"
        for _, target in targets:
            if not wait_until(functools.partial(_is_up, url, target), timeout=START_TIMEOUT_S):
                raise AssertionError(
                    f"target {target} not up in Prometheus after {START_TIMEOUT_S:.0f} s; "
                    f"log: {(directory / 'engine.log').read_text(errors='replace')[-2000:]}"
                )
        yield Engine(url, instance, exporter, prometheus, groups_instance, groups)
    finally:
        for process in reversed(started):  # Prometheus first, as before
            _stop(process)
        log.close()


def once_json(engine: Engine) -> dict[str, Any]:
    """``sot --prometheus URL --instance INSTANCE --once --format json``'s document."""
    result = run_sot(
        "--prometheus", engine.url, "--instance", engine.instance, "--once", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@contextmanager
def dashboard(engine: Engine, columns: int, lines: int = 40) -> Iterator[Tmux]:
    """The dashboard of ``engine``'s instance in a tmux of its own, killed on the way out."""
    tmux = Tmux()
    try:
        tmux.start(
            [*SOT, "--prometheus", engine.url, "--instance", engine.instance],
            columns=columns,
            lines=lines,
            env=base_env(TERM="tmux-256color"),
        )
        yield tmux
    finally:
        tmux.kill()


@contextmanager
def loopback_transfer(rate_bytes_per_s: int) -> Iterator[list[int]]:
    """A sender and a receiver over 127.0.0.1, the sender paced to ``rate_bytes_per_s`` on a
    fixed schedule (a late chunk is caught up, so the average holds on a busy machine); yields
    [bytes received so far]; both stopped and joined on the way out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(1)
    sender = socket.create_connection(listener.getsockname())
    receiver, _ = listener.accept()
    listener.close()
    stop = threading.Event()
    received = [0]

    def send() -> None:
        chunk = b"\0" * CHUNK_BYTES
        start, sent = time.monotonic(), 0
        while not stop.is_set():
            ahead_s = start + sent / rate_bytes_per_s - time.monotonic()
            if ahead_s > 0 and stop.wait(ahead_s):
                break
            try:
                sender.sendall(chunk)
            except OSError:
                break
            sent += CHUNK_BYTES

    def receive() -> None:
        while True:
            try:
                data = receiver.recv(1 << 20)
            except OSError:
                break
            if not data:
                break
            received[0] += len(data)

    threads = [threading.Thread(target=send), threading.Thread(target=receive)]
    for thread in threads:
        thread.start()
    try:
        yield received
    finally:
        stop.set()
        threads[0].join(10)
        sender.close()  # the receiver sees the end of the stream
        threads[1].join(10)
        receiver.close()
