"""Writes the slow_scrape_*.json recordings: every sample a Prometheus holds for one
node_exporter target (web-1:9100) over a few minutes, as the range query ``{...}[4m]`` answers
at the end (a matrix, oldest sample first). tests/unit/test_prometheus_scrape.py answers each
query of the source from them, as that Prometheus would have at the query's time.

The series are node_tick1.json's, at its values at t = 0 (epoch 1764489600); counters grow at
the steady rates of RATES, so every rate sot shows has a known true value. Run from the
repository's root: ``uv run python tests/data/prometheus/make_slow_scrape.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASE_S = 1764489600.0
# (name, label, value) -> units per second; counters not listed stand still.
RATES = {
    ("node_network_receive_bytes_total", "eth0"): 1_000_000.0,
    ("node_network_transmit_bytes_total", "eth0"): 500_000.0,
    ("node_network_receive_packets_total", "eth0"): 1000.0,
    ("node_network_transmit_packets_total", "eth0"): 500.0,
    ("node_network_receive_bytes_total", "lo"): 200_000.0,
    ("node_network_transmit_bytes_total", "lo"): 200_000.0,
    ("node_disk_read_bytes_total", "sda"): 2_000_000.0,
    ("node_disk_written_bytes_total", "sda"): 1_000_000.0,
    ("node_disk_reads_completed_total", "sda"): 100.0,
    ("node_disk_writes_completed_total", "sda"): 50.0,
    ("node_disk_io_time_seconds_total", "sda"): 0.2,
}
# CPU seconds per second by (cpu, mode): CPU 0 is 40 % busy (and waits 5 %), CPU 1 15 %.
CPU_RATES = {
    ("0", "user"): 0.30,
    ("0", "system"): 0.10,
    ("0", "iowait"): 0.05,
    ("0", "idle"): 0.55,
    ("1", "user"): 0.10,
    ("1", "system"): 0.05,
    ("1", "idle"): 0.85,
}
TRUE_CPU_PERCENT = 27.5  # iowait is idle time: CPU 0 is 40 % busy

Metric = dict[str, str]
# A series' value at a scrape (seconds after BASE_S), or None where that scrape lacks it.
Value = Callable[[float], float | None]


def rate_of(metric: Metric) -> float:
    name = metric["__name__"]
    if name == "node_cpu_seconds_total":
        return CPU_RATES.get((metric["cpu"], metric["mode"]), 0.0)
    return RATES.get((name, metric.get("device", "")), 0.0)


def scrapes(*schedule: tuple[float, float, float]) -> list[float]:
    """Scrape times (s after BASE_S) from (start, end, interval) pieces, end excluded."""
    times: list[float] = []
    for start, end, interval in schedule:
        t = start
        while t < end:
            times.append(t)
            t += interval
    return times


def base_series() -> list[tuple[Metric, float]]:
    document = json.loads((HERE / "node_tick1.json").read_text(encoding="utf-8"))
    return [(r["metric"], float(r["value"][1])) for r in document["data"]["result"]]


def steady(metric: Metric, start: float) -> Value:
    rate = rate_of(metric)
    if not metric["__name__"].endswith("_total"):
        return lambda t: start
    return lambda t: start + rate * t


def until(end: float, value: Value) -> Value:
    """``value`` in the scrapes before ``end``, absent after."""
    return lambda t: value(t) if t < end else None


def write(name: str, times: list[float], series: list[tuple[Metric, Value]]) -> None:
    result: list[dict[str, Any]] = []
    for metric, value in series:
        values = [[BASE_S + t, repr(v)] for t in times if (v := value(t)) is not None]
        if values:
            result.append({"metric": metric, "values": values})
    document = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    text = json.dumps(document, separators=(",", ":")).replace('{"metric"', '\n{"metric"')
    (HERE / name).write_text(text + "\n", encoding="utf-8")


def main() -> None:
    node = [(m, steady(m, v)) for m, v in base_series()]
    up: Metric = {"__name__": "up", "instance": "web-1:9100", "job": "node"}

    # 15 s scrapes for four minutes, every rate steady.
    write("slow_scrape_steady.json", scrapes((0, 240, 15)), [(up, lambda t: 1.0), *node])

    # 15 s scrapes; eth0's receive counter restarts from 0 at t = 55 (a driver reloaded), eth1
    # is there until t = 60 (unplugged), and from t = 120 the target is down: up = 0 and no
    # node_* series any more.
    def reset(metric: Metric, value: Value) -> Value:
        if (metric["__name__"], metric.get("device")) != (
            "node_network_receive_bytes_total",
            "eth0",
        ):
            return value
        rate = rate_of(metric)
        return lambda t: value(t) if t < 55 else rate * (t - 55)

    eth1 = [
        ({**m, "device": "eth1"}, until(60, steady(m, v)))
        for m, v in base_series()
        if m.get("device") == "eth0" and m["__name__"].startswith("node_network_")
    ]
    write(
        "slow_scrape_faults.json",
        scrapes((0, 240, 15)),
        [
            (up, lambda t: 1.0 if t < 120 else 0.0),
            *((m, until(120, reset(m, v))) for m, v in node),
            *eth1,
        ],
    )

    # The scrape interval changes: 15 s, then 5 s from t = 60, then 30 s from t = 120.
    write(
        "slow_scrape_changing.json",
        scrapes((0, 60, 15), (60, 120, 5), (120, 300, 30)),
        [(up, lambda t: 1.0), *node],
    )


if __name__ == "__main__":
    main()
