"""The remote host's past for the first graphs (query_range per family), and the worker that
fetches it and follows the dashboard's interval: recorded answers (tests/data/prometheus)
through a fake transport, an injected clock; the thread tests wait for conditions."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sot.collect import prometheus_history as past_module
from sot.collect.collector import Collector
from sot.collect.prometheus_api import PrometheusClient, Response
from sot.collect.prometheus_source import PrometheusSource
from sot.history import HISTORY_LENGTH, History

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
INSTANCE = "web-1:9100"
END_S = 1764489600.0


def _vector(name: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads((DATA / name).read_text())["data"]["result"]
    return result


class RangeServer:
    """Answers query_range as Prometheus would for a host scraped only for the last two steps
    of the range: the recorded tick 1 at end - step, tick 2 at end; and instant queries with
    tick 2. ``fail_after``: that many range answers, then errors."""

    def __init__(self, fail_after: int | None = None, matrix_file: str | None = None) -> None:
        self.forms: list[Mapping[str, str]] = []
        self.fail_after = fail_after
        self.matrix_file = matrix_file

    def _matrix(self, form: Mapping[str, str]) -> bytes:
        if self.matrix_file is not None:  # the first family's answer; nothing for the others
            if len(self.range_forms()) == 1:
                return (DATA / self.matrix_file).read_bytes()
            return b'{"status": "success", "data": {"resultType": "matrix", "result": []}}'
        wanted = re.fullmatch(r'\{instance="[^"]*",__name__=~"(.*)"\}', form["query"])
        assert wanted is not None, form["query"]
        end, step = float(form["end"]), float(form["step"])
        series = []
        for one, two in zip(_vector("node_tick1.json"), _vector("node_tick2.json"), strict=True):
            assert one["metric"] == two["metric"]
            if re.fullmatch(wanted.group(1), one["metric"]["__name__"]):
                values = [[end - step, one["value"][1]], [end, two["value"][1]]]
                series.append({"metric": one["metric"], "values": values})
        body = {"status": "success", "data": {"resultType": "matrix", "result": series}}
        return json.dumps(body).encode()

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        self.forms.append(form)
        if not url.endswith("/query_range"):
            return Response(200, "application/json", (DATA / "node_tick2.json").read_bytes())
        ranges = sum(1 for f in self.forms if "step" in f)
        if self.fail_after is not None and ranges > self.fail_after:
            return Response(503, "text/html", (DATA / "unavailable_503.html").read_bytes())
        return Response(200, "application/json", self._matrix(form))

    def range_forms(self) -> list[Mapping[str, str]]:
        return [f for f in self.forms if "step" in f]

    def batches(self) -> int:
        """The per-tick batch queries: not the past's ranges, nor the scrape interval's and the
        server clock's small queries at start."""
        return sum(1 for f in self.forms if "step" not in f and f["query"].startswith("{"))


def client_for(server: RangeServer) -> PrometheusClient:
    return PrometheusClient("http://prom:9090", transport=server)


def test_one_query_range_per_family_stepped_by_the_interval() -> None:
    server = RangeServer()
    batches = past_module.fetch_past(client_for(server), INSTANCE, END_S, 2.0, 600)
    forms = server.range_forms()
    wanted = [past_module.range_query(INSTANCE, p) for _, p in past_module.FAMILIES]
    assert [f["query"] for f in forms] == wanted
    assert {(float(f["start"]), float(f["end"]), float(f["step"])) for f in forms} == {
        (END_S - 599 * 2.0, END_S, 2.0)
    }
    # Only the times the host has data for, oldest first, each with every family's series.
    assert [t for t, _ in batches] == [END_S - 2.0, END_S]
    names = set(batches[0][1].by_name)
    assert {"node_cpu_seconds_total", "node_memory_MemTotal_bytes"} <= names
    assert {"node_disk_read_bytes_total", "node_filesystem_size_bytes"} <= names
    assert "node_network_receive_bytes_total" in names
    assert "node_load1" not in names  # no graph plots it: not asked for


def test_the_past_goes_through_the_collector_as_live_batches_do() -> None:
    server = RangeServer()
    client = client_for(server)
    batches = past_module.fetch_past(client, INSTANCE, END_S, 1.0, 600)
    first, second = past_module.past_snapshots(client, INSTANCE, batches, frozenset())
    assert first.cpu.total_percent is None  # the oldest point has no point before it
    # The same figures as two live ticks of the same answers (test_prometheus_source).
    assert second.cpu.total_percent == pytest.approx(30.0)
    assert second.memory.percent == 50.0
    eth0 = next(i for i in second.interfaces if i.name == "eth0")
    assert eth0.rx_bytes_per_s == pytest.approx(20_000_000)
    assert [d.mount_point for d in second.disks] == ["/", "/boot"]
    assert second.wall_epoch_s == END_S


def test_the_past_joins_the_dashboard_history_in_front() -> None:
    server = RangeServer()
    client = client_for(server)
    batches = past_module.fetch_past(client, INSTANCE, END_S, 1.0, 9)
    past = past_module.past_snapshots(client, INSTANCE, batches, frozenset())
    source = PrometheusSource(client, INSTANCE, clock=lambda: 0.0)
    live = Collector(source).sample(0.0, END_S + 1.0)
    joined = History().push(live).after(History.of(past))
    assert joined.cpu_total[0] is None and joined.cpu_total[2] is None
    assert joined.cpu_total[1] == pytest.approx(30.0)
    assert joined.memory_used_percent == (50.0, 50.0, 50.0)
    assert set(joined.net_rx) == {i.name for i in live.interfaces}
    assert joined.net_rx["eth0"][0] is None
    assert joined.net_rx["eth0"][1] == pytest.approx(20_000_000)
    assert len(joined.per_cpu) == 2 and len(joined.per_cpu[0]) == 3


def test_joining_keeps_the_newest_points_and_the_present_devices_only() -> None:
    past = History(cpu_total=(1.0,) * HISTORY_LENGTH, net_rx={"old0": (1.0,), "eth0": (2.0,)})
    present = History(cpu_total=(5.0, 6.0), net_rx={"eth0": (3.0,)})
    joined = present.after(past)
    assert len(joined.cpu_total) == HISTORY_LENGTH and joined.cpu_total[-2:] == (5.0, 6.0)
    assert joined.net_rx == {"eth0": (2.0, 3.0)}
    assert present.after(History()) == present


def test_history_of_many_snapshots_is_pushing_them_one_by_one() -> None:
    client = client_for(RangeServer())
    batches = past_module.fetch_past(client, INSTANCE, END_S, 1.0, 600)
    first, second = past_module.past_snapshots(client, INSTANCE, batches, frozenset())
    # Devices and CPUs come and go (a NIC unplugged then back, a CPU hot-plugged), and there
    # are more snapshots than a history keeps.
    no_eth0 = replace(second, interfaces=tuple(i for i in second.interfaces if i.name != "eth0"))
    one_cpu = replace(second, cpu=replace(second.cpu, per_cpu_percent=(12.5,)))
    no_disks = replace(second, disks=())
    pattern = [first, second, no_eth0, second, one_cpu, one_cpu, second, no_disks, second]
    snapshots = [pattern[n % len(pattern)] for n in range(HISTORY_LENGTH + 37)]
    for length in (0, 1, 5, 9, len(snapshots)):
        pushed = History()
        for snapshot in snapshots[:length]:
            pushed = pushed.push(snapshot)
        assert History.of(snapshots[:length]) == pushed, length


def test_recorded_matrix_answers_are_regrouped_by_time_nan_unknown() -> None:
    batches = past_module.fetch_past(
        client_for(RangeServer(matrix_file="matrix_range.json")), INSTANCE, END_S, 15.0, 3
    )
    assert [t for t, _ in batches] == [1764489570.0, 1764489585.0, 1764489600.0]
    assert [b.value("node_load1") for _, b in batches] == [0.5, 0.75, None]


def test_a_failed_range_query_leaves_no_past_and_stops_asking() -> None:
    server = RangeServer(fail_after=1)
    job = past_module.PastFetch(client_for(server), INSTANCE, END_S, 1.0, 600, frozenset())
    job()
    assert job.snapshots == ()
    assert job.error is not None and "HTTP 503" in job.error
    assert len(server.range_forms()) == 2  # the second failed: the others were not asked


# The worker: a real thread over the fake transport, stopped by every test.


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll until ``condition`` holds or ``timeout`` passes (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_next_wait_is_an_interval_after_the_last_fetch_and_follows_a_new_interval() -> None:
    clock = Clock()
    source = PrometheusSource(client_for(RangeServer()), INSTANCE, clock, interval_s=60.0)
    assert source.next_wait_s() == 0.0  # nothing fetched yet: now
    source.fetch_once()
    clock.now_s += 10.0
    assert source.next_wait_s() == 50.0
    source.set_interval(30.0)
    assert source.next_wait_s() == 20.0
    source.set_interval(5.0)
    assert source.next_wait_s() == 0.0  # overdue on the new interval: at once


def test_the_feed_fetches_the_past_then_follows_the_interval_and_closes() -> None:
    server = RangeServer()
    client = client_for(server)
    source = PrometheusSource(client, INSTANCE, clock=time.monotonic, interval_s=3600.0)
    Collector(source).sample(time.monotonic(), END_S)  # the first frame's, before the worker
    feed = past_module.RemoteFeed(source, END_S + 3600.0)
    try:
        feed.start(HISTORY_LENGTH, frozenset())
        assert wait_until(lambda: feed.past() is not None, timeout=10)
        past = feed.past()
        assert past is not None and len(past) == 2
        assert float(server.range_forms()[0]["end"]) == END_S  # one interval before the first
        assert server.batches() == 1  # the first sample's; the worker waits its hour
        feed.set_interval(0.2)  # the - key: the hour's wait ends, fetches follow the new pace
        assert wait_until(lambda: server.batches() >= 3, 10)
        assert source.running
    finally:
        feed.close()
    assert not source.running  # joined, not left behind


def test_close_stops_a_worker_in_a_long_wait_at_once_and_is_harmless_twice() -> None:
    source = PrometheusSource(
        client_for(RangeServer()), INSTANCE, clock=time.monotonic, interval_s=3600.0
    )
    source.fetch_once()
    source.start()
    assert source.running
    source.close(timeout_s=5.0)
    assert not source.running
    source.close()
    never_started = PrometheusSource(client_for(RangeServer()), INSTANCE, clock=lambda: 0.0)
    never_started.close()
    assert not never_started.running


# --- a scrape interval longer than the step --------------------------------------------------


def _staircase(scrape_s: int, rate: float, points: int) -> tuple[tuple[float, float], ...]:
    """A counter as query_range gives it at a 1 s step when the host is scraped every
    ``scrape_s`` seconds: the latest scraped value at each point."""
    return tuple((END_S + i, rate * (i - i % scrape_s)) for i in range(points))


def test_a_counter_s_growth_is_spread_between_the_points_where_it_changed() -> None:
    spread = past_module.spread_counter(_staircase(15, 1000.0, 61))
    steps = [b - a for (_, a), (_, b) in itertools.pairwise(spread)]
    # Every point from the first change on moves by the true rate, never 0 then 15x.
    assert steps[15:] == pytest.approx([1000.0] * len(steps[15:]))
    assert all(0 < step <= 1000.0 for step in steps)
    assert [t for t, _ in spread] == [END_S + i for i in range(61)]  # the times stay


def test_after_the_last_change_the_counter_goes_on_for_one_gap_then_stands() -> None:
    points = tuple((t, min(v, 30_000.0)) for t, v in _staircase(15, 1000.0, 60))
    spread = past_module.spread_counter(points)
    values = [v for _, v in spread]
    assert values[30] == 30_000.0
    assert values[40] == pytest.approx(40_000.0)  # on at the last slope, one gap ahead at most
    assert values[45:] == pytest.approx([45_000.0] * 15)  # then it stands: the host went quiet


def test_a_reset_stays_where_it_is_and_gauges_are_not_spread() -> None:
    points = ((END_S, 100.0), (END_S + 1, 100.0), (END_S + 2, 300.0), (END_S + 3, 5.0))
    spread = past_module.spread_counter(points)
    assert [v for _, v in spread] == [100.0, 200.0, 300.0, 5.0]


NETWORK_COUNTERS = tuple(
    f"node_network_{way}_{what}_total"
    for way in ("receive", "transmit")
    for what in ("bytes", "packets", "errs", "drop")
)


def test_the_past_of_a_slow_scrape_reads_a_steady_rate_through_the_collector() -> None:
    class SlowScrape(RangeServer):
        """eth0's counters as a 15 s scrape leaves them at a 1 s step (20 MB/s)."""

        def _matrix(self, form: Mapping[str, str]) -> bytes:
            if "network" not in form["query"]:
                return b'{"status": "success", "data": {"resultType": "matrix", "result": []}}'
            start = float(form["start"])
            values = [[start + i, str(20e6 * (i - i % 15))] for i in range(61)]
            result = [
                {
                    "metric": {"__name__": name, "device": "eth0", "instance": INSTANCE},
                    "values": values,
                }
                for name in NETWORK_COUNTERS
            ]
            body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
            return json.dumps(body).encode()

    client = client_for(SlowScrape())
    batches = past_module.fetch_past(client, INSTANCE, END_S + 60, 1.0, 61)
    snapshots = past_module.past_snapshots(client, INSTANCE, batches, frozenset())
    rates = [{i.name: i.rx_bytes_per_s for i in s.interfaces}.get("eth0") for s in snapshots]
    # From the first change on, every point reads the true rate (not 0 then 15 times it).
    assert rates[16:] == pytest.approx([20e6] * len(rates[16:]))
