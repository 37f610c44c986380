"""The Prometheus source: recorded node_exporter answers (tests/data/prometheus) through the
source and the real collector, with an injected clock and a fake transport (no network)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from sot.collect.collector import Collector, select_real_filesystems
from sot.collect.prometheus_api import PrometheusClient, Response
from sot.collect.prometheus_counters import learn_query
from sot.collect.prometheus_source import PrometheusSource, batch_query, retry_delay_s
from sot.collect.records import DiskCounters, NetCounters, NetStats, Partition
from sot.config import MIN_INTERVAL_S

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
INSTANCE = "web-1:9100"
TOKEN = "s3cr3t-t0ken-value"


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Server:
    """Answers each query with the current recorded file; counts the queries."""

    def __init__(self, name: str = "node_tick1.json") -> None:
        self.name = name
        self.status = 200
        self.down = False
        self.queries: list[str] = []

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        self.queries.append(form["query"])
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return Response(self.status, "application/json", (DATA / self.name).read_bytes())


def source_for(server: Server, clock: Clock) -> PrometheusSource:
    client = PrometheusClient("http://prom:9090", token=TOKEN, transport=server)
    return PrometheusSource(client, INSTANCE, clock, wall=clock)


def test_the_batch_query_selects_the_instance_and_escapes_it() -> None:
    query = batch_query('we"b')
    assert query.startswith('{instance=~"we\\"b",__name__=~"up|node_(')
    assert "cpu_seconds_total" in query and "memory_(MemTotal" in query
    # With a port: the exact instance and every target of its host (process-exporter's),
    # regex characters of the name matched literally.
    assert batch_query("web.1:9100").startswith('{instance=~"web\\\\.1:9100|web\\\\.1:[0-9]+",')


def test_host_facts_load_and_memory() -> None:
    source = source_for(Server(), Clock())
    host = source.host_info()
    assert (host.hostname, host.os_name, host.kernel, host.architecture) == (
        "web-1",
        "Ubuntu 24.04.1 LTS",
        "6.8.0-49-generic",
        "x86_64",
    )
    assert host.boot_time_epoch_s == 1764400000.0
    assert source.load_average() == (0.52, 0.41, 0.3)
    virtual, swap = source.memory()
    assert virtual is not None and swap is not None
    assert virtual.total == 8589934592
    assert virtual.used == 4294967296 and virtual.percent == 50.0
    assert (virtual.cached, virtual.buffers, virtual.free) == (2147483648, 268435456, 1073741824)
    assert (swap.total, swap.used, swap.percent) == (2147483648, 536870912, 25.0)
    assert swap.sin is None and swap.sout is None


def test_cpu_times_are_cumulative_counters_in_cpu_order() -> None:
    source = source_for(Server(), Clock())
    times = source.per_cpu_times()
    assert times is not None and len(times) == 2
    assert (times[0].user, times[0].system, times[0].idle, times[0].iowait) == (100, 50, 800, 10)
    assert times[1].user == 200 and times[1].guest is None
    assert source.cpu_counts() == (2, None)


def test_filesystems_disks_and_network() -> None:
    source = source_for(Server(), Clock())
    partitions = source.partitions()
    assert Partition("tmpfs", "/run", "tmpfs") in partitions
    # The collector's own filter drops the pseudo filesystem.
    assert [p.mount_point for p in select_real_filesystems(partitions)] == ["/", "/boot"]
    root = source.disk_usage("/")
    assert root is not None
    assert (root.total, root.used, root.free) == (100 * 2**30, 55 * 2**30, 40 * 2**30)
    assert root.percent == round(55 / 95 * 100, 1)
    assert source.disk_usage("/nowhere") is None
    assert source.resolve_device("/dev/sda1") == "sda1"
    assert source.disk_counters() == {
        "sda": DiskCounters(1000000, 2000000, 100, 200, 1500, 3250, 4000)
    }
    assert source.net_counters()["eth0"] == NetCounters(5000000, 2500000, 1000, 900, 0, 0, 3, 0)
    assert source.net_stats() == {"eth0": NetStats(True, 1000), "lo": NetStats(False, None)}


def test_what_node_exporter_cannot_give_is_unknown() -> None:
    source = source_for(Server(), Clock())
    assert source.processes() == ()
    assert source.process_identity(1) is None and source.process_start_time(1) is None
    assert source.cpu_frequency() is None and source.temperatures() == ()
    assert source.user_count() is None and source.host_info().cpu_model is None


def test_nan_values_read_as_unknown() -> None:
    source = source_for(Server("nan_values.json"), Clock())
    virtual, swap = source.memory()
    assert virtual is None and swap is None
    assert source.load_average() is None  # node_load1 is NaN
    assert source.per_cpu_times() is None


def batches(server: Server) -> list[str]:
    """The batch queries sent, without those of the scrape interval and the clock, sent once
    at start (see test_prometheus_scrape)."""
    return [q for q in server.queries if q not in (learn_query(INSTANCE), "time()")]


def test_one_query_per_tick_for_the_whole_dashboard() -> None:
    server, clock = Server(), Clock()
    collector = Collector(source_for(server, clock))
    assert len(batches(server)) == 1  # host facts and CPU counts at start: the same batch
    # and once, before it, the scrape interval and the server's clock (these answers have no
    # sample times: the interval stays unknown, the batch reads the latest samples)
    assert server.queries == [learn_query(INSTANCE), "time()", batch_query(INSTANCE)]
    collector.sample(clock.now_s, 1764489600.0)
    assert len(batches(server)) == 1  # same tick
    clock.now_s += 1.0
    collector.sample(clock.now_s, 1764489601.0)
    assert len(batches(server)) == 2
    clock.now_s += MIN_INTERVAL_S  # the shortest interval sot allows still refetches
    collector.sample(clock.now_s, 1764489601.2)
    assert len(batches(server)) == 3
    assert set(batches(server)) == {batch_query(INSTANCE)}
    assert len(server.queries) == 5  # the interval asked again only after RELEARN_AFTER_S


def test_a_collector_sample_gives_memory_total_and_cpu_percent() -> None:
    server, clock = Server(), Clock()
    collector = Collector(source_for(server, clock))
    first = collector.sample(clock.now_s, 1764489600.0)
    assert first.memory.total_bytes == 8589934592
    assert first.cpu.total_percent is None  # no previous reading yet: unknown, not 0
    server.name = "node_tick2.json"
    clock.now_s += 1.0
    second = collector.sample(clock.now_s, 1764489601.0)
    # CPU 0: 40 busy of 100 s; CPU 1: 20 of 100 s.
    assert second.cpu.per_cpu_percent == pytest.approx((40.0, 20.0))
    assert second.cpu.total_percent == pytest.approx(30.0)
    assert second.memory.percent == 50.0
    eth0 = next(i for i in second.interfaces if i.name == "eth0")
    assert eth0.rx_bytes_per_s == pytest.approx(20_000_000)
    assert [d.mount_point for d in second.disks] == ["/", "/boot"]
    assert second.processes == ()


def test_a_failed_query_makes_readings_unknown_and_says_why() -> None:
    server, clock = Server(), Clock()
    source = source_for(server, clock)
    collector = Collector(source)
    collector.sample(clock.now_s, 1764489600.0)
    assert source.last_success_wall_s == 100.0 and source.last_error is None
    server.down = True
    clock.now_s += 1.0
    snap = collector.sample(clock.now_s, 1764489601.0)
    assert snap.memory.total_bytes is None
    assert snap.cpu.total_percent is None
    assert snap.host.load_average is None
    # Interfaces known from the slow schedule stay listed, with their rates unknown.
    assert all(i.rx_bytes_per_s is None for i in snap.interfaces)
    assert source.last_error is not None
    assert "cannot connect" in source.last_error and TOKEN not in source.last_error
    assert source.last_success_wall_s == 100.0  # when data last came
    server.down = False
    clock.now_s += 1.0
    collector.sample(clock.now_s, 1764489602.0)
    assert source.last_error is None and source.last_success_wall_s == 102.0


def test_an_api_error_answer_is_a_failed_query() -> None:
    server = Server("error_timeout.json")
    server.status = 503
    source = source_for(server, Clock())
    assert source.memory() == (None, None)
    assert source.last_error is not None and "timeout" in source.last_error


def test_partial_results_keep_what_came_and_the_warning() -> None:
    source = source_for(Server("warnings_partial.json"), Clock())
    assert source.memory() == (None, None)
    assert source.batch().warnings == (
        "remote read: store 10.0.0.7:10901 unavailable, partial response",
    )
    assert source.last_error is None


# The worker (issue 14's faults): driven step by step through fetch_once(), no thread, no sleep.


def worker_source(server: Server, clock: Clock) -> PrometheusSource:
    client = PrometheusClient("http://prom:9090", token=TOKEN, transport=server)
    source = PrometheusSource(client, INSTANCE, clock, wall=clock, interval_s=1.0)
    source.start(spawn=False)
    return source


def test_retry_waits_double_from_one_second_up_to_thirty() -> None:
    assert [retry_delay_s(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert retry_delay_s(10_000) == 30


def test_fetch_once_waits_an_interval_after_success_and_backs_off_after_failures() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    assert source.fetch_once() == 1.0
    server.down = True
    assert [source.fetch_once() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    server.down = False
    assert source.fetch_once() == 1.0  # one success resets the back-off
    server.down = True
    assert source.fetch_once() == 1.0


def test_with_the_worker_the_loop_never_queries_and_reads_the_latest_batch() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    assert source.memory() == (None, None)  # nothing fetched yet: unknown, and no query
    assert server.queries == []
    source.fetch_once()
    collector = Collector(source)
    snap = collector.sample(clock.now_s, 1764489600.0)
    assert snap.memory.total_bytes == 8589934592
    clock.now_s += 1.9  # under two intervals: still fresh
    assert source.memory().virtual is not None
    assert len(batches(server)) == 1
    assert source.status_message() is None


def test_a_stale_batch_answers_none_and_the_status_says_so() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    source.fetch_once()
    clock.now_s += 2.9  # two intervals, but within the 2 s query timeout + an interval
    assert source.fresh()
    clock.now_s += 0.1  # the timeout and an interval without a new batch (a hung server)
    assert not source.fresh()
    snap = Collector(source).sample(clock.now_s, 1764489603.0)
    assert snap.memory.total_bytes is None and snap.host.load_average is None
    assert source.status_message() == (
        "prometheus: no fresh data (slow server?); last success 3 s ago"
    )


def test_a_failed_fetch_blanks_the_readings_and_the_status_names_error_and_age() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    assert source.status_message() is None  # nothing tried yet
    server.down = True
    source.fetch_once()
    message = source.status_message()
    assert message is not None and message.startswith("prometheus: ")
    assert message.endswith("; no success yet") and TOKEN not in message
    server.down = False
    source.fetch_once()
    assert source.last_success_wall_s == 100.0
    server.down = True
    clock.now_s += 12.0
    source.fetch_once()
    assert source.memory() == (None, None)
    message = source.status_message()
    assert message is not None and "cannot connect" in message
    assert message.endswith("; last success 12 s ago")
    assert source.last_error is not None and source.last_success_wall_s == 100.0
    clock.now_s += 300.0
    assert (source.status_message() or "").endswith("; last success 5 min ago")
    server.down = False
    source.fetch_once()  # back: the message clears and the values return
    assert source.status_message() is None and source.last_error is None
    assert source.memory().virtual is not None


def test_warnings_of_a_partial_batch_are_exposed_and_shown() -> None:
    server, clock = Server("warnings_partial.json"), Clock()
    source = worker_source(server, clock)
    source.fetch_once()
    assert source.warnings == ("remote read: store 10.0.0.7:10901 unavailable, partial response",)
    assert source.status_message() == (
        "prometheus: warning: remote read: store 10.0.0.7:10901 unavailable, partial response"
    )


def test_the_collector_puts_the_source_status_on_the_snapshot_and_clears_it() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    source.fetch_once()
    collector = Collector(source)
    assert collector.sample(clock.now_s, 1764489600.0).source_status is None
    server.down = True
    clock.now_s += 1.0
    source.fetch_once()
    down = collector.sample(clock.now_s, 1764489601.0)
    assert down.source_status is not None and "last success 1 s ago" in down.source_status
    assert down.memory.total_bytes is None
    server.down = False
    clock.now_s += 1.0
    source.fetch_once()
    back = collector.sample(clock.now_s, 1764489602.0)
    assert back.source_status is None and back.memory.total_bytes == 8589934592


def test_a_target_prometheus_cannot_scrape_reads_unknown_and_the_status_says_down() -> None:
    server, clock = Server("node_down.json"), Clock()  # only up = 0: node_* series went stale
    source = worker_source(server, clock)
    source.fetch_once()
    assert source.memory() == (None, None) and source.load_average() is None
    assert source.last_error is None  # the query worked: the host is what is down
    assert source.status_message() == (
        "prometheus: web-1:9100 is down (up = 0: job node's exporter does not answer)"
    )


def test_the_host_s_uptime_goes_unknown_while_it_is_down_and_follows_a_reboot() -> None:
    server, clock = Server(), Clock()
    source = worker_source(server, clock)
    source.fetch_once()
    collector = Collector(source)
    up = collector.sample(clock.now_s, 1764489600.0).host
    assert up.uptime_s is not None and up.hostname != INSTANCE
    server.name = "node_down.json"  # its exporter stops answering
    clock.now_s += 1.0
    source.fetch_once()
    down = collector.sample(clock.now_s, 1764489601.0).host
    assert down.uptime_s is None and down.boot_time_epoch_s is None  # not running on as if up
    server.name = "node_tick1.json"
    clock.now_s += 1.0
    source.fetch_once()
    back = collector.sample(clock.now_s, 1764489602.0).host
    assert back.uptime_s == pytest.approx(up.uptime_s + 2.0)
    assert back.hostname == up.hostname
