"""Counters between scrapes: a Prometheus that scrapes every 15 s (its default) read by sot every
second. The recordings (tests/data/prometheus/slow_scrape_*.json, made by make_slow_scrape.py)
hold every sample such a Prometheus has; a fake transport answers each query of the source from
them as Prometheus would at the query's time, and the real collector computes the rates."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from sot.collect.collector import Collector
from sot.collect.prometheus_api import PrometheusClient, Response
from sot.collect.prometheus_counters import (
    CounterMemory,
    counter_value,
    learn_query,
    scrape_interval_of,
    window_s,
)
from sot.collect.prometheus_source import PrometheusSource, batch_query
from sot.model import Snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
INSTANCE = "web-1:9100"
BASE_S = 1764489600.0  # the recordings' t = 0
LOOKBACK_S = 300.0  # Prometheus's default lookback for instant queries
ETH0_RX = 1_000_000.0  # the recordings' true rates (make_slow_scrape.py)
ETH0_TX = 500_000.0
DISK_READ = 2_000_000.0
TRUE_CPU = 27.5  # CPU 0 40 % busy (iowait counts as idle), CPU 1 15 %
JITTER_S = (0.0, 0.03, -0.02, 0.05)  # of the ticks, by tick number modulo 4
_RANGE = re.compile(r"\[(\d+)(ms|s)\]$")


class Clock:
    """sot's clocks: the wall (epoch s) and a monotonic one that moves with it."""

    def __init__(self, t_s: float) -> None:
        self.wall_s = BASE_S + t_s

    def wall(self) -> float:
        return self.wall_s

    def monotonic(self) -> float:
        return self.wall_s - BASE_S + 5000.0


class RecordedPrometheus:
    """Answers the source's queries from a recording, at the query's ``time`` (or the clock's):
    a range selector with the samples in its window, an instant selector with each series'
    latest sample, left out where the target's latest scrape lacked it (a stale series)."""

    def __init__(self, name: str, clock: Clock, skew_s: float = 0.0) -> None:
        document = json.loads((DATA / name).read_text(encoding="utf-8"))
        self.series: list[tuple[dict[str, str], list[tuple[float, str]]]] = [
            (s["metric"], [(float(t), v) for t, v in s["values"]])
            for s in document["data"]["result"]
        ]
        self.clock = clock
        self.skew_s = skew_s  # the server's clock minus sot's
        self.queries: list[str] = []
        self.bytes_sent = 0

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        query = form["query"]
        self.queries.append(query)
        at_s = float(form.get("time", self.clock.wall() + self.skew_s))
        if query == "time()":
            return self._answer("scalar", [at_s, repr(at_s)])
        match = _RANGE.search(query)
        wanted = self.series
        if query.startswith("up{"):
            wanted = [s for s in self.series if s[0]["__name__"] == "up"]
        if match is not None:
            seconds = int(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
            result: list[dict[str, Any]] = []
            for metric, points in wanted:
                inside = [[t, v] for t, v in points if at_s - seconds <= t <= at_s]
                if inside:
                    result.append({"metric": metric, "values": inside})
            return self._answer("matrix", result)
        newest = max(
            (p[-1][0] for _, p in ((m, [q for q in ps if q[0] <= at_s]) for m, ps in wanted) if p),
            default=-math.inf,
        )
        vector = []
        for metric, points in wanted:
            seen = [p for p in points if p[0] <= at_s]
            if seen and seen[-1][0] >= newest and seen[-1][0] > at_s - LOOKBACK_S:
                vector.append({"metric": metric, "value": [at_s, seen[-1][1]]})
        return self._answer("vector", vector)

    def _answer(self, kind: str, result: Any) -> Response:
        body = json.dumps({"status": "success", "data": {"resultType": kind, "result": result}})
        self.bytes_sent += len(body)
        return Response(200, "application/json", body.encode())


def run(
    name: str, start_s: float, ticks: int, learn: bool = True, skew_s: float = 0.0
) -> tuple[list[Snapshot], PrometheusSource, RecordedPrometheus]:
    """``ticks`` collector samples one second apart (with a little jitter, as a loaded machine
    has), from ``start_s`` seconds into the recording (on the server's clock, ``skew_s`` ahead
    of sot's)."""
    clock = Clock(start_s - skew_s)
    server = RecordedPrometheus(name, clock, skew_s)
    if not learn:  # the scrape interval never found: the batch reads latest samples only
        server.series = [s for s in server.series if s[0]["__name__"] != "up"]
    client = PrometheusClient("http://prom:9090", transport=server)
    source = PrometheusSource(client, INSTANCE, clock.monotonic, wall=clock.wall)
    collector = Collector(source)
    snaps = []
    for tick in range(ticks):
        clock.wall_s = BASE_S + start_s - skew_s + tick + JITTER_S[tick % 4]
        snaps.append(collector.sample(clock.monotonic(), clock.wall()))
    return snaps, source, server


def eth0(snap: Snapshot) -> tuple[float | None, float | None]:
    found = [i for i in snap.interfaces if i.name == "eth0"]
    return (found[0].rx_bytes_per_s, found[0].tx_bytes_per_s) if found else (None, None)


def disk_read(snap: Snapshot) -> float | None:
    return snap.disk_total_io.read_bytes_per_s


def test_latest_samples_alone_give_zero_then_a_fifteen_fold_spike() -> None:
    """The problem, shown with instant queries (what the source falls back to while it does
    not know the scrape interval): rates stand at 0 between scrapes, then one tick carries the
    whole 15 s, and CPU is known only on that tick."""
    snaps, source, _ = run("slow_scrape_steady.json", 20.0, 31, learn=False)
    assert source.scrape_interval_s is None
    rates = [eth0(s)[0] for s in snaps[1:]]
    assert rates.count(0.0) >= 25
    assert max(r or 0.0 for r in rates) == pytest.approx(15 * ETH0_RX, rel=0.1)
    assert sum(s.cpu.total_percent is None for s in snaps[1:]) >= 25


def test_with_a_15_s_scrape_every_tick_shows_the_true_rates() -> None:
    snaps, source, server = run("slow_scrape_steady.json", 20.0, 61)
    assert source.scrape_interval_s == 15.0
    for snap in snaps[1:]:
        rx, tx = eth0(snap)
        assert rx == pytest.approx(ETH0_RX, rel=0.02)
        assert tx == pytest.approx(ETH0_TX, rel=0.02)
        assert disk_read(snap) == pytest.approx(DISK_READ, rel=0.02)
        assert snap.cpu.total_percent == pytest.approx(TRUE_CPU, abs=0.5)
        assert snap.cpu.per_cpu_percent == pytest.approx((40.0, 15.0), abs=0.5)
        assert snap.memory.total_bytes == 8589934592  # gauges: the latest sample
        assert snap.host.load_average == (0.52, 0.41, 0.3)
    # One query a tick, plus the one that read the scrape interval at start; the batch's
    # window spans the last two scrapes and a half.
    batch = batch_query(INSTANCE, window_s(15.0))
    assert batch.endswith("[37500ms]")
    assert server.queries == [learn_query(INSTANCE), "time()", *[batch] * 61]
    assert learn_query(INSTANCE) == 'up{instance="web-1:9100"}[300s]'


@pytest.mark.parametrize("skew_s", [-20.0, 20.0])
def test_a_host_clock_off_from_the_server_s_changes_nothing(skew_s: float) -> None:
    # The window and the query time are on Prometheus's clock (learnt once, with time()): a
    # host 20 s ahead would otherwise ask for a window with no sample yet, one 20 s behind
    # would never extrapolate.
    snaps, _, _ = run("slow_scrape_steady.json", 20.0, 31, skew_s=skew_s)
    assert [eth0(s)[0] for s in snaps[1:]] == pytest.approx([ETH0_RX] * 30, rel=0.02)
    assert [s.cpu.total_percent for s in snaps[1:]] == pytest.approx([TRUE_CPU] * 30, abs=0.5)


def test_a_counter_reset_reads_unknown_once_then_the_rate_again() -> None:
    # eth0's receive counter restarts from 0 at t = 55; the scrape at t = 60 shows it.
    snaps, _, _ = run("slow_scrape_faults.json", 50.0, 25)
    rx = [eth0(s)[0] for s in snaps]
    assert rx[1:11] == pytest.approx([ETH0_RX] * 10, rel=0.02)  # up to t = 59.98
    assert rx[11] is None  # t = 61.05: the counter went backwards, as a live reset reads
    # Then the rate from before the reset, and on through the next scrape (t = 75) unbroken.
    assert rx[12:] == pytest.approx([ETH0_RX] * 13, rel=0.02)
    assert [eth0(s)[1] for s in snaps[1:]] == pytest.approx([ETH0_TX] * 24, rel=0.02)


def test_a_series_that_stops_goes_and_a_target_that_goes_down_reads_unknown() -> None:
    snaps, source, _ = run("slow_scrape_faults.json", 55.0, 75)
    names = [{i.name for i in s.interfaces if i.rx_bytes_per_s is not None} for s in snaps]
    assert all("eth1" in n for n in names[1:5])  # t = 56 to 59
    # From the scrape at t = 60 eth1 is gone, though the window still holds its old samples.
    assert all("eth1" not in n for n in names[5:65])
    assert "eth1" not in source.net_counters()
    # t = 120: up = 0 and the node_* series stopped: unknown at once, and the status says so.
    before, down = snaps[64], snaps[65]
    assert before.cpu.total_percent is not None and before.memory.total_bytes is not None
    assert down.cpu.total_percent is None and down.memory.total_bytes is None
    assert eth0(down) == (None, None)
    assert source.status_message() == (
        "prometheus: web-1:9100 is down (up = 0: job node's exporter does not answer)"
    )


def test_when_the_scrape_interval_changes_the_window_follows_it() -> None:
    # 15 s scrapes, 5 s from t = 60, 30 s from t = 120 (recording slow_scrape_changing.json).
    snaps, source, server = run("slow_scrape_changing.json", 20.0, 200)
    rx = {20 + i: eth0(s)[0] for i, s in enumerate(snaps)}
    cpu = {20 + i: s.cpu.total_percent for i, s in enumerate(snaps)}
    # A shorter interval shows in the batch itself: no tick misses a beat.
    steady = [t for t in rx if 21 <= t <= 130 or t >= 153]
    assert [rx[t] for t in steady] == pytest.approx([ETH0_RX] * len(steady), rel=0.02)
    assert [cpu[t] for t in steady] == pytest.approx([TRUE_CPU] * len(steady), abs=0.5)
    # A longer one cannot show before its first sample (t = 150): the counters stop two
    # intervals (10 s) past the last sample, the window then holds none (unknown, as a target
    # that stopped being scraped), and that first sample tells the new interval (the times of
    # the last scrapes are kept): steady again a tick or two later. Never negative, no spike.
    assert all((r := rx[t]) is None or 0 <= r <= 2.5 * ETH0_RX for t in range(131, 153))
    assert source.scrape_interval_s == 30.0
    windows = {q[q.rindex("[") :] for q in server.queries if q.startswith("{")}
    assert windows == {"[37500ms]", "[12500ms]", "[75s]"}
    # While the window held no scrape, the small query of the interval, at most one per 10 s.
    assert 2 <= server.queries.count(learn_query(INSTANCE)) <= 4


def test_the_scrape_interval_is_the_longer_of_the_last_two_spacings() -> None:
    assert scrape_interval_of([0.0]) is None
    assert scrape_interval_of([0.0, 15.0]) == 15.0
    assert scrape_interval_of([0.0, 5.0, 10.0, 40.0]) == 30.0
    assert scrape_interval_of([0.0, 30.0, 35.0, 40.0]) == 5.0
    assert window_s(1.0) == 3.0 and window_s(15.0) == 37.5 and window_s(60.0) == 150.0


def counter(
    points: Sequence[tuple[float, float]], at_s: float, memory: CounterMemory | None = None
) -> float:
    return counter_value(points, at_s, 15.0, memory)[0]


def test_counter_values_extrapolate_then_move_at_the_latest_rate_within_the_bound() -> None:
    points = [(0.0, 100.0), (15.0, 250.0)]  # 10 a second
    # First seen: the value extrapolated to the query time, at most two intervals (30 s) past
    # the last sample, and not back before it (a query clock behind the sample's).
    assert counter(points, 15.0) == 250.0
    assert counter(points, 20.0) == 300.0
    assert counter(points, 45.0) == 550.0
    assert counter(points, 100.0) == 550.0
    assert counter(points, 10.0) == 250.0
    # Then on from last tick's value at the latest pair's rate: the next scrape says 2 a
    # second, and so does the next tick, with no catch-up (and no standing still).
    _, memory = counter_value(points, 29.0, 15.0, None)
    assert memory is not None and (memory.reported, memory.at_s) == (390.0, 29.0)
    assert counter([(15.0, 250.0), (30.0, 280.0)], 30.0, memory) == 392.0
    assert counter([(15.0, 250.0), (30.0, 280.0)], 40.0, memory) == 412.0
    # No new sample: on at the old rate up to the bound (45 s), then still.
    assert counter(points, 50.0, memory) == 550.0
    assert counter(points, 60.0, memory) == 550.0
    # A reset (a sample lower than the one before): the new value, extrapolated at the rate
    # from before it; lower than last tick's, so the collector reads that tick as unknown.
    assert counter([(15.0, 250.0), (30.0, 30.0)], 35.0, memory) == 80.0
    # Only the latest sample in the window: the one remembered from last tick stands in.
    _, memory = counter_value([(0.0, 100.0)], 10.0, 15.0, None)
    assert counter([(15.0, 250.0)], 20.0, memory) == 200.0  # 10 a second since last tick
    # Not a number: unknown, nothing remembered.
    value, memory = counter_value([(0.0, 100.0), (15.0, math.nan)], 20.0, 15.0, None)
    assert math.isnan(value) and memory is None


def test_a_recording_of_the_real_engine_shows_each_scrape_interval_s_cpu() -> None:
    """slow_scrape_real.json: ten minutes of a real node_exporter scraped every 15 s by a real
    Prometheus (this machine under the load of its other work), read every second: every tick
    shows the CPU % of the last completed scrape interval (what irate() gives), never 0 or
    100 % at a scrape and never a run of zeros after a busy interval."""
    snaps, source, _ = run("slow_scrape_real.json", 40.0, 500)
    assert source.scrape_interval_s == pytest.approx(15.0, abs=0.01)
    times, averages = real_cpu_averages()
    for tick, snap in enumerate(snaps[1:], 1):
        at_s = BASE_S + 40.0 + tick + JITTER_S[tick % 4]
        latest = max(i for i, t in enumerate(times) if t <= at_s) - 1  # its last interval
        shown = snap.cpu.total_percent
        assert shown is not None
        assert shown == pytest.approx(averages[latest], abs=1.0) or (
            shown == pytest.approx(averages[latest - 1], abs=1.0)  # a scrape still being written
        ), (tick, shown, averages[latest - 1 : latest + 1])


def real_cpu_averages() -> tuple[list[float], list[float]]:
    """The recording's scrape times, and its CPU % over each interval between two of them."""
    document = json.loads((DATA / "slow_scrape_real.json").read_text(encoding="utf-8"))
    cpu = [
        (s["metric"]["mode"], {float(t): float(v) for t, v in s["values"]})
        for s in document["data"]["result"]
        if s["metric"]["__name__"] == "node_cpu_seconds_total"
    ]
    times = sorted(cpu[0][1])
    averages = []
    for start, end in itertools.pairwise(times):
        total = sum(values[end] - values[start] for _, values in cpu)
        idle = sum(
            values[end] - values[start] for mode, values in cpu if mode in ("idle", "iowait")
        )
        averages.append(100.0 * (total - idle) / total)
    return times, averages
