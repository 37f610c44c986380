"""A real Prometheus scraping a real node_exporter, both from the system's packages, started on
free loopback ports with a temporary storage directory and a 1 s scrape interval, and stopped
afterwards (for the e2e tests of the Prometheus source and ``sot fleet``).

.ci/run installs the packages without letting them start their own services (they would listen
on every address); these tests never use those services, only processes of their own.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import wait_until

PROMETHEUS = "prometheus"
NODE_EXPORTER = "prometheus-node-exporter"  # Debian's name; upstream's is node_exporter
LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 60.0  # a first scrape needs Prometheus up (a few seconds) and one interval


@dataclass(frozen=True, slots=True)
class Engine:
    url: str  # Prometheus's base URL, http://127.0.0.1:PORT
    instance: str  # node_exporter's target as Prometheus labels it, 127.0.0.1:PORT
    exporter: subprocess.Popen[bytes]  # to stop it in a test (the target goes down)
    prometheus: subprocess.Popen[bytes]


def missing_binaries() -> list[str]:
    return [name for name in (PROMETHEUS, NODE_EXPORTER) if shutil.which(name) is None]


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice; it stays free long enough here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


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


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_engine(directory: Path, scrape_interval_s: int = 1) -> Iterator[Engine]:
    """node_exporter and Prometheus on loopback, storing under ``directory``; stopped on every
    way out, whatever the test did to them."""
    exporter_port, prometheus_port = free_port(), free_port()
    instance = f"{LOOPBACK}:{exporter_port}"
    config = directory / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {scrape_interval_s}s\n"
        f"  evaluation_interval: {scrape_interval_s}s\n"
        "scrape_configs:\n"
        "  - job_name: node\n"
        "    static_configs:\n"
        f"      - targets: ['{instance}']\n",
        encoding="utf-8",
    )
    log = (directory / "engine.log").open("wb")
    exporter = subprocess.Popen(
        [NODE_EXPORTER, f"--web.listen-address={instance}"], stdout=log, stderr=log
    )
    prometheus: subprocess.Popen[bytes] | None = None
    try:
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
        url = f"http://{LOOPBACK}:{prometheus_port}"
        if not wait_until(lambda: target_up(url, instance) is True, timeout=START_TIMEOUT_S):
            raise AssertionError(
                f"node_exporter at {instance} not up in Prometheus after {START_TIMEOUT_S:.0f} s; "
                f"log: {(directory / 'engine.log').read_text(errors='replace')[-2000:]}"
            )
        yield Engine(url, instance, exporter, prometheus)
    finally:
        if prometheus is not None:
            _stop(prometheus)
        _stop(exporter)
        log.close()
