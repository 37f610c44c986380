"""The fleet benchmark's engine (benchmarks/fleet_engine.py) with a handful of hosts: promtool
backfills the generated OpenMetrics, and Prometheus answers at "now" for up and down hosts, so a
broken generator fails here, in ``make test``, rather than in ``make bench``."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from fleet import measure_window, sot_env, terminal
from fleet_engine import DOWN_EVERY, FleetEngine, fleet_engine, instant_query, missing_binaries

COUNT = DOWN_EVERY + 2  # one host down


@pytest.fixture(scope="module")
def engine() -> Iterator[FleetEngine]:
    missing = missing_binaries()
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install prometheus)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)
    with fleet_engine(COUNT, history_s=600, future_s=120) as running:
        yield running


def values(engine: FleetEngine, expression: str) -> dict[str, float]:
    result = instant_query(engine.url, expression)
    out = {}
    for item in result:
        metric, value = item["metric"], item["value"]
        assert isinstance(metric, dict)
        assert isinstance(value, list)
        out[str(metric.get("instance"))] = float(value[1])
    return out


def test_prometheus_knows_every_host_and_which_one_is_down(engine: FleetEngine) -> None:
    up = values(engine, "up")
    assert len(up) == COUNT
    assert [i for i, v in up.items() if v == 0] == [f"host-{DOWN_EVERY:04d}:9100"]
    assert engine.up_count == COUNT - 1


def test_live_hosts_answer_rates_and_gauges_now_and_the_down_one_does_not(
    engine: FleetEngine,
) -> None:
    busy = values(
        engine,
        'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[1m]))'
        " / count by (instance) (node_cpu_seconds_total{mode='idle'})",
    )
    assert len(busy) == COUNT - 1
    assert all(0 < v < 1 for v in busy.values()), busy
    for metric in ("node_memory_MemAvailable_bytes", "node_load1", "node_boot_time_seconds"):
        assert len(values(engine, metric)) == COUNT - 1, metric
    rx = values(engine, 'rate(node_network_receive_bytes_total{device="eth0"}[1m])')
    assert len(rx) == COUNT - 1
    assert all(v > 0 for v in rx.values())


def test_the_one_host_dashboard_asks_one_query_per_refresh(engine: FleetEngine) -> None:
    """The fleet benchmark's measurement (benchmarks/fleet.py) on the one-host dashboard: a
    window cut between refreshes holds exactly one query per refresh, as its source promises."""
    host = engine.hosts[0].instance
    command = [sys.executable, "-m", "sot", "--prometheus", engine.url, "--instance", host]
    with (
        tempfile.TemporaryDirectory() as cache,
        terminal([*command, "-i", "0.5"], sot_env(cache), (120, 40)) as run,
    ):
        window = measure_window(engine, run, refreshes=3, interval_s=0.5)
    assert (window.http_queries, window.logged_queries) == (3, 3)
    assert 0.4 < window.period_s < 1.5  # the interval, or a little more on a busy machine
    assert window.cpu_s >= 0
