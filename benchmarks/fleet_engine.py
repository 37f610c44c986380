"""A real Prometheus filled with N synthetic node_exporter hosts (default 1,000), for the fleet
benchmark (``benchmarks/fleet.py``), with no exporter running at all.

The hosts are written as one OpenMetrics file (every metric ``sot fleet`` reads: ``up``, CPU
seconds per CPU and mode, memory, filesystems, load, network bytes, boot time, uname), backfilled
with ``promtool tsdb create-blocks-from openmetrics`` into a temporary storage directory, and
served by ``prometheus`` on a free 127.0.0.1 port with a configuration that scrapes nothing, so
``count(up)`` is exactly N and nothing appends to the head (whose blocks end in the future).

Time window: samples every 15 s (a common scrape interval) from ``history_s`` before now to
``future_s`` after it. Prometheus answers an instant query at time t from the last sample in
(t - 5 min, t] (its default lookback) and a ``rate(x[w])`` from the samples in (t - w, t], and
ignores samples after t: the future half keeps every query at "now" answering with fresh
figures for the whole benchmark run, however long the rate window is (up to ``history_s``).
Measured with Prometheus 2.42: promtool backfills samples 10 min ahead without complaint, and
Prometheus serves them; queries at now + 9 min still see the fleet with rates over [1m], at
now + 11 min (past the last sample) gauges still answer from the lookback but rate()s over [1m]
no longer do. Without the future half, a [1m] rate would be gone 45 s after the backfill.
Down hosts have ``up`` 0 for the last ``DOWN_FOR_S`` seconds and no node_* samples since then,
so beyond the lookback they have no figures, as a host whose scrapes fail has.

Run alone, it starts the engine and prints its timings: ``python benchmarks/fleet_engine.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repo's root

# The e2e engine's helpers (loopback only; stop = terminate, then kill after 10 s). Imported by
# their private name rather than renamed there, where other work on the e2e engine goes on.
from tests.e2e.prometheus_engine import LOOPBACK, PROMETHEUS, free_port
from tests.e2e.prometheus_engine import _stop as stop

PROMTOOL = "promtool"
STEP_S = 15
HISTORY_S = 15 * 60
FUTURE_S = 10 * 60
DOWN_FOR_S = 8 * 60  # longer than the 5 min lookback: a down host's gauges have gone from queries
DOWN_EVERY = 33  # one host in 33 (3 %) is down
DB_EVERY = 5  # one host in 5 is a database server (job node-db)
START_TIMEOUT_S = 60.0
GIB = 1024**3
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
# How a busy CPU second splits between the modes (idle takes the rest).
BUSY_SHARES = {
    "user": 0.62,
    "nice": 0.02,
    "system": 0.22,
    "iowait": 0.05,
    "irq": 0.01,
    "softirq": 0.05,
    "steal": 0.03,
}


@dataclass(frozen=True, slots=True)
class Host:
    """One synthetic node_exporter host; every figure is drawn from ``random.Random(index)``."""

    index: int
    instance: str
    job: str
    down: bool
    cpus: int
    busy_fraction: float  # mean share of each CPU's time not idle
    memory_bytes: int
    memory_used_fraction: float
    root_bytes: int
    root_used_fraction: float
    uptime_s: float  # at the start of the window
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    phase: int  # offsets the host's load curve, so hosts do not move in step


@dataclass(frozen=True, slots=True)
class Written:
    hosts: int
    series: int
    samples: int
    bytes: int
    first_s: int  # timestamps of the first and last samples (epoch seconds)
    last_s: int


def instance_name(index: int) -> str:
    return f"host-{index:04d}:9100"


def synthetic_hosts(count: int) -> tuple[Host, ...]:
    hosts = []
    for index in range(1, count + 1):
        draw = random.Random(index)
        hosts.append(
            Host(
                index=index,
                instance=instance_name(index),
                job="node-db" if index % DB_EVERY == 0 else "node",
                down=index % DOWN_EVERY == 0,
                cpus=draw.choice((2, 2, 3, 4, 4)),
                busy_fraction=min(0.97, draw.betavariate(1.3, 4.0)),
                memory_bytes=draw.choice((2, 4, 8, 16, 32, 64)) * GIB,
                memory_used_fraction=draw.uniform(0.15, 0.92),
                root_bytes=draw.choice((20, 50, 100, 250, 500)) * 10**9,
                root_used_fraction=draw.uniform(0.1, 0.97),
                uptime_s=draw.uniform(3600, 400 * 86400),
                rx_bytes_per_s=10 ** draw.uniform(3, 7.5),
                tx_bytes_per_s=10 ** draw.uniform(3, 7),
                phase=draw.randrange(1000),
            )
        )
    return tuple(hosts)


def _curve(steps: int, phase: int) -> list[float]:
    """A load multiplier per step around 1 (0.5 to 1.5): a slow wave and some jitter."""
    draw = random.Random(phase)
    return [
        1.0 + 0.35 * math.sin((step + phase) / 9.0) + draw.uniform(-0.15, 0.15)
        for step in range(steps)
    ]


class _Writer:
    """OpenMetrics text: a family's ``# TYPE`` line, then all its samples, series by series in
    time order (promtool needs each family in one piece and each series in order)."""

    def __init__(self, out: TextIO, times: list[str]) -> None:
        self.out, self.times = out, times
        self.series = self.samples = 0

    def family(self, name: str, kind: str) -> None:
        self.out.write(f"# TYPE {name} {kind}\n")

    def series_values(self, name: str, labels: str, values: list[str], first: int = 0) -> None:
        """One series: ``values[i]`` at ``times[first + i]``."""
        head = f"{name}{{{labels}}} "
        times = self.times[first : first + len(values)]
        self.out.write("".join(f"{head}{v} {t}\n" for v, t in zip(values, times, strict=True)))
        self.series += 1
        self.samples += len(values)


def _ids(host: Host) -> str:
    return f'instance="{host.instance}",job="{host.job}"'


def _counter(start: float, increments: list[float], digits: int) -> list[str]:
    """A monotone counter's values: ``start``, then each increment (all >= 0) added in turn."""
    out, total = [], start
    for increment in increments:
        out.append(f"{total:.{digits}f}")
        total += increment
    return out


def write_openmetrics(
    out: TextIO,
    hosts: tuple[Host, ...],
    now_s: float,
    history_s: int = HISTORY_S,
    future_s: int = FUTURE_S,
    step_s: int = STEP_S,
) -> Written:
    """Write ``hosts`` as OpenMetrics to ``out``: samples every ``step_s`` from ``now_s -
    history_s`` to ``now_s + future_s``, ending with ``# EOF``."""
    first_s = int(now_s - history_s) // step_s * step_s
    steps = (history_s + future_s) // step_s + 1
    times = [str(first_s + i * step_s) for i in range(steps)]
    # A down host's node_* series stop, and its up turns 0, at this step.
    down_step = max(1, (history_s - DOWN_FOR_S) // step_s)
    writer = _Writer(out, times)
    curves = {host.index: _curve(steps, host.phase) for host in hosts}

    def live_steps(host: Host) -> int:
        return down_step if host.down else steps

    writer.family("up", "gauge")
    for host in hosts:
        values = ["1"] * steps
        if host.down:
            values[down_step:] = ["0"] * (steps - down_step)
        writer.series_values("up", _ids(host), values)

    writer.family("node_cpu_seconds", "counter")
    for host in hosts:
        n, curve = live_steps(host), curves[host.index]
        busy = [min(0.99, host.busy_fraction * m) for m in curve[:n]]
        for cpu in range(host.cpus):
            # Each CPU second goes to one mode: the modes' increments add up to step_s.
            tilt = 1.0 + 0.1 * (cpu - host.cpus / 2)
            for mode in CPU_MODES:
                if mode == "idle":
                    shares = [1.0 - min(0.99, b * tilt) for b in busy]
                else:
                    shares = [min(0.99, b * tilt) * BUSY_SHARES[mode] for b in busy]
                start = host.uptime_s * (
                    1.0 - host.busy_fraction
                    if mode == "idle"
                    else host.busy_fraction * BUSY_SHARES[mode]
                )
                labels = f'cpu="{cpu}",{_ids(host)},mode="{mode}"'
                increments = [s * step_s for s in shares]
                writer.series_values(
                    "node_cpu_seconds_total", labels, _counter(start, increments, 2)
                )

    writer.family("node_memory_MemTotal_bytes", "gauge")
    for host in hosts:
        n = live_steps(host)
        writer.series_values("node_memory_MemTotal_bytes", _ids(host), [str(host.memory_bytes)] * n)
    writer.family("node_memory_MemAvailable_bytes", "gauge")
    for host in hosts:
        n, curve = live_steps(host), curves[host.index]
        in_use = [min(0.99, host.memory_used_fraction * (0.9 + m / 10)) for m in curve[:n]]
        values = [str(int(host.memory_bytes * (1 - u))) for u in in_use]
        writer.series_values("node_memory_MemAvailable_bytes", _ids(host), values)

    for metric in ("size", "avail"):
        name = f"node_filesystem_{metric}_bytes"
        writer.family(name, "gauge")
        for host in hosts:
            n = live_steps(host)
            tmpfs = host.memory_bytes // 10
            mounts = (
                ("/dev/sda1", "ext4", "/", host.root_bytes, host.root_used_fraction),
                ("/dev/sda2", "ext4", "/boot", 1_000_000_000, 0.3),
                ("tmpfs", "tmpfs", "/run", tmpfs, 0.01),
            )
            for device, fstype, mount, size, used in mounts:
                labels = f'device="{device}",fstype="{fstype}",{_ids(host)},mountpoint="{mount}"'
                if metric == "size":
                    values = [str(size)] * n
                else:
                    # The root filesystem fills slowly (a log growing), never past full.
                    grow = 4096 * host.phase if mount == "/" else 0
                    values = [str(max(0, int(size * (1 - used)) - grow * i)) for i in range(n)]
                writer.series_values(name, labels, values)

    writer.family("node_load1", "gauge")
    for host in hosts:
        n, curve = live_steps(host), curves[host.index]
        values = [f"{host.cpus * host.busy_fraction * m * 1.1:.2f}" for m in curve[:n]]
        writer.series_values("node_load1", _ids(host), values)

    for direction, attribute in (("receive", "rx_bytes_per_s"), ("transmit", "tx_bytes_per_s")):
        name = f"node_network_{direction}_bytes"
        writer.family(name, "counter")
        for host in hosts:
            n, curve = live_steps(host), curves[host.index]
            rate = float(getattr(host, attribute))
            for device, scale in (("eth0", 1.0), ("lo", 0.01)):
                increments = [rate * scale * m * step_s for m in curve[:n]]
                start = rate * scale * host.uptime_s
                labels = f'device="{device}",{_ids(host)}'
                writer.series_values(f"{name}_total", labels, _counter(start, increments, 0))

    writer.family("node_boot_time_seconds", "gauge")
    for host in hosts:
        boot = f"{first_s - host.uptime_s:.3f}"
        writer.series_values("node_boot_time_seconds", _ids(host), [boot] * live_steps(host))

    writer.family("node_uname_info", "gauge")
    for host in hosts:
        labels = (
            f'{_ids(host)},machine="x86_64",nodename="{host.instance.split(":")[0]}",'
            'release="6.1.0-28-amd64",sysname="Linux"'
        )
        writer.series_values("node_uname_info", labels, ["1"] * live_steps(host))
    out.write("# EOF\n")
    return Written(
        hosts=len(hosts),
        series=writer.series,
        samples=writer.samples,
        bytes=out.tell() if out.seekable() else -1,
        first_s=first_s,
        last_s=int(times[-1]),
    )


# --- the engine ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FleetEngine:
    url: str  # http://127.0.0.1:PORT
    pid: int  # prometheus's, for its CPU time
    hosts: tuple[Host, ...]
    written: Written
    query_log: Path  # Prometheus's log of every query it ran (JSON lines)
    generate_s: float
    backfill_s: float
    start_s: float  # from exec to count(up) == N

    @property
    def up_count(self) -> int:
        return sum(not host.down for host in self.hosts)


def missing_binaries() -> list[str]:
    return [name for name in (PROMETHEUS, PROMTOOL) if shutil.which(name) is None]


def instant_query(url: str, expression: str, timeout_s: float = 5.0) -> list[dict[str, object]]:
    """The result vector of an instant query (POST, as sot sends them); raises OSError/ValueError
    where Prometheus does not answer (yet)."""
    body = urllib.parse.urlencode({"query": expression}).encode()
    with urllib.request.urlopen(f"{url}/api/v1/query", data=body, timeout=timeout_s) as response:
        document = json.load(response)
    if document.get("status") != "success":
        raise ValueError(str(document.get("error")))
    result: list[dict[str, object]] = document["data"]["result"]
    return result


def count_up(url: str) -> int | None:
    try:
        result = instant_query(url, "count(up)", timeout_s=2.0)
    except (OSError, ValueError):
        return None
    if not result:
        return 0
    value = result[0].get("value")
    return int(float(value[1])) if isinstance(value, list) else None


@contextmanager
def fleet_engine(
    count: int = 1000,
    history_s: int = HISTORY_S,
    future_s: int = FUTURE_S,
    keep: Path | None = None,
) -> Iterator[FleetEngine]:
    """Prometheus on loopback serving ``count`` backfilled hosts; stopped, and its storage
    deleted, on every way out. ``keep``: also copy the OpenMetrics file there (for a look)."""
    with tempfile.TemporaryDirectory(prefix="sot-fleet-bench-") as tmp:
        directory = Path(tmp)
        hosts = synthetic_hosts(count)
        started = time.monotonic()
        source = directory / "fleet.om"
        with source.open("w", encoding="ascii") as out:
            written = write_openmetrics(out, hosts, time.time(), history_s, future_s)
        generate_s = time.monotonic() - started
        if keep is not None:
            shutil.copyfile(source, keep)
        log_path = directory / "engine.log"
        with log_path.open("wb") as log:
            started = time.monotonic()
            data = directory / "data"
            backfill = subprocess.run(
                [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
                stdout=log,
                stderr=log,
                check=False,
            )
            backfill_s = time.monotonic() - started
            source.unlink()  # hundreds of MB, read once
            if backfill.returncode != 0:
                raise RuntimeError(f"promtool failed: {_tail(log_path)}")
            port = free_port()
            config = directory / "prometheus.yml"
            query_log = directory / "queries.jsonl"
            # No scrape targets: ``up`` is the backfilled hosts' only; a self-scrape would add
            # an instance and write "now" samples under blocks that reach into the future.
            config.write_text(
                f"global:\n  query_log_file: {query_log}\nscrape_configs: []\n", encoding="utf-8"
            )
            started = time.monotonic()
            prometheus = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address={LOOPBACK}:{port}",
                    "--storage.tsdb.retention.time=30d",
                ],
                stdout=log,
                stderr=log,
            )
            try:
                url = f"http://{LOOPBACK}:{port}"
                deadline = time.monotonic() + START_TIMEOUT_S
                while count_up(url) != count:
                    if prometheus.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"Prometheus did not answer count(up) == {count}: {_tail(log_path)}"
                        )
                    time.sleep(0.05)
                start_s = time.monotonic() - started
                yield FleetEngine(
                    url=url,
                    pid=prometheus.pid,
                    hosts=hosts,
                    written=written,
                    query_log=query_log,
                    generate_s=generate_s,
                    backfill_s=backfill_s,
                    start_s=start_s,
                )
            finally:
                stop(prometheus)


def _tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-1500:].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="also copy the OpenMetrics file here")
    parser.add_argument("--hold", type=float, default=0, help="seconds to keep it running")
    args = parser.parse_args()
    missing = missing_binaries()
    if missing:
        print(f"fleet engine: {', '.join(missing)} not installed", file=sys.stderr)
        return 2
    with fleet_engine(args.instances, keep=args.keep) as engine:
        w = engine.written
        print(
            f"{w.hosts} hosts, {w.series} series, {w.samples} samples, {w.bytes / 1e6:.0f} MB; "
            f"generate {engine.generate_s:.1f} s, backfill {engine.backfill_s:.1f} s, "
            f"start {engine.start_s:.1f} s; {engine.url}"
        )
        time.sleep(args.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
