"""The fleet benchmark's OpenMetrics generator (benchmarks/fleet_engine.py), checked without
Prometheus: the format promtool needs, every metric ``sot fleet`` reads, monotone counters, down
hosts. tests/e2e/test_fleet_engine.py backfills it into a real Prometheus."""

from __future__ import annotations

import io
import re
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

# benchmarks/ is a folder of scripts, not a package: its modules import each other by name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from fleet_engine import DOWN_EVERY, STEP_S, synthetic_hosts, write_openmetrics

NOW_S = 1_800_000_007.0
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+) (\d+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"')
CONTRACT = {
    "up",
    "node_cpu_seconds_total",
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes",
    "node_load1",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "node_boot_time_seconds",
    "node_uname_info",
}
COUNTERS = {"node_cpu_seconds", "node_network_receive_bytes", "node_network_transmit_bytes"}
HISTORY_S, FUTURE_S = 600, 300

Series = dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[int, float]]]


def generated(count: int) -> tuple[str, Series]:
    out = io.StringIO()
    hosts = synthetic_hosts(count)
    written = write_openmetrics(out, hosts, NOW_S, HISTORY_S, FUTURE_S)
    text = out.getvalue()
    series: Series = defaultdict(list)
    families: list[str] = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:]
            assert kind in {"gauge", "counter"}
            assert name not in families, f"{name}: a family must come in one piece"
            families.append(name)
            continue
        if line == "# EOF":
            continue
        found = SAMPLE.match(line)
        assert found, line
        name, labels, value, timestamp = found.groups()
        family = families[-1]
        assert name == (f"{family}_total" if family in COUNTERS else family), line
        key = (name, tuple(sorted(LABEL.findall(labels))))
        series[key].append((int(timestamp), float(value)))
    assert written.series == len(series)
    assert written.samples == sum(map(len, series.values()))
    assert written.bytes == len(text)
    return text, series


def test_openmetrics_ends_with_eof_and_names_every_metric_of_the_fleet_contract() -> None:
    text, series = generated(40)
    assert text.endswith("\n# EOF\n")
    assert text.count("# EOF") == 1
    assert {name for name, _ in series} == CONTRACT


def test_every_series_is_in_time_order_every_step_and_counters_never_go_back() -> None:
    _, series = generated(40)
    for (name, labels), points in series.items():
        times = [t for t, _ in points]
        assert all(b - a == STEP_S for a, b in pairwise(times)), (name, labels)
        values = [v for _, v in points]
        if name.endswith("_total"):
            assert all(b >= a for a, b in pairwise(values)), (name, labels)
            assert all(b > a for a, b in pairwise(values)) or "lo" not in dict(labels)


def test_n_instances_with_jobs_cpus_and_mounts_and_a_few_down_with_no_recent_node_samples() -> None:
    count = 2 * DOWN_EVERY
    _, series = generated(count)
    up = {
        dict(labels)["instance"]: points
        for (name, labels), points in series.items()
        if name == "up"
    }
    assert sorted(up) == [f"host-{i:04d}:9100" for i in range(1, count + 1)]
    jobs = {dict(labels)["job"] for name, labels in series if name == "up"}
    assert jobs == {"node", "node-db"}
    last_s = max(t for points in up.values() for t, _ in points)
    assert last_s > NOW_S + FUTURE_S - STEP_S  # queries at "now" answer for the whole run
    down = {instance for instance, points in up.items() if points[-1][1] == 0}
    assert len(down) == 2
    for (name, labels), points in series.items():
        instance = dict(labels)["instance"]
        if name != "up" and instance in down:
            # Beyond Prometheus's 5 min lookback at "now": the host has no current figures.
            assert points[-1][0] < NOW_S - 300, (name, labels)
    for instance in set(up) - down:
        cpus = {
            dict(labels)["cpu"]
            for name, labels in series
            if name == "node_cpu_seconds_total" and dict(labels)["instance"] == instance
        }
        assert 2 <= len(cpus) <= 4
        mounts = {
            (dict(labels)["mountpoint"], dict(labels)["fstype"])
            for name, labels in series
            if name == "node_filesystem_size_bytes" and dict(labels)["instance"] == instance
        }
        assert mounts == {("/", "ext4"), ("/boot", "ext4"), ("/run", "tmpfs")}


def test_cpu_modes_of_one_cpu_add_up_to_the_seconds_that_passed() -> None:
    _, series = generated(3)
    per_cpu: dict[tuple[str, str], list[list[float]]] = defaultdict(list)
    for (name, labels), points in series.items():
        if name == "node_cpu_seconds_total":
            label = dict(labels)
            per_cpu[label["instance"], label["cpu"]].append([v for _, v in points])
    for modes in per_cpu.values():
        assert len(modes) == 8
        first = sum(values[0] for values in modes)
        last = sum(values[-1] for values in modes)
        steps = len(modes[0]) - 1
        assert abs((last - first) - steps * STEP_S) < 0.01 * 8 * steps
