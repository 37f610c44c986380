"""process-exporter's groups through the Prometheus source: recorded answers
(tests/data/prometheus/namedprocess_*.json: groups present, process-exporter down, partial
series) through the source, the real collector, the view, the reducer and the JSON export."""

from __future__ import annotations

import json

import pytest

from sot.collect.collector import Collector
from sot.collect.prometheus_api import Sample
from sot.collect.prometheus_source import (
    GROUP_PID_BASE,
    NO_GROUPS_NOTE,
    PrometheusSource,
    host_of,
    instance_pattern,
    split_batch,
)
from sot.collect.records import IoCounters, RawProcess
from sot.export import snapshot_to_json
from sot.keys import Action, Command
from sot.model import ProcessRow
from sot.reducer import GROUP_MESSAGE, PID_ACTIONS, Reaction, reduce
from sot.sorting import SortKey
from sot.state import AppState, Context
from sot.view import ProcessQuery, build_view, process_key
from tests.fakes import process, snapshot
from tests.unit.test_prometheus_source import INSTANCE, Clock, Server, batches, source_for

WALL_S = 1764489600.0
NO_GROUPS = NO_GROUPS_NOTE.format(instance=INSTANCE)


def groups_by_name(source: PrometheusSource) -> dict[str, RawProcess]:
    named = {}
    for row in source.processes():
        identity = source.process_identity(row.pid)
        assert identity is not None
        named[identity.name] = row
    return named


def test_groups_of_the_host_s_process_exporter_are_rows_with_made_up_pids() -> None:
    source = source_for(Server("namedprocess_groups1.json"), Clock())
    rows = groups_by_name(source)
    # "gone" (no processes left: process-exporter keeps reporting it with zeros) is left out;
    # the hostile name's control characters are gone (the API client sanitizes labels).
    assert sorted(rows) == ["[2Jevil name", "nginx", "postgres"]
    nginx, postgres = rows["nginx"], rows["postgres"]
    assert nginx.group_processes == 4 and postgres.group_processes == 10
    assert nginx.status == "running"  # one of its 4 runs
    assert postgres.status == "disk-sleep"  # none runs, 2 wait on I/O
    assert nginx.cpu_seconds == pytest.approx(120.0)  # user + system
    assert nginx.rss_bytes == 4 * 50 * 1048576 and nginx.vms_bytes == 4 * 200 * 1048576
    assert nginx.threads == 8 and nginx.create_time == 1764480000.0 and nginx.ppid is None
    assert all(p.pid >= GROUP_PID_BASE for p in rows.values())
    assert source.process_io(nginx.pid) == IoCounters(1000000, 2000000)
    assert source.process_start_time(nginx.pid) is None  # nothing may be signalled
    assert source.process_details(nginx.pid) is None
    assert source.processes_note() == "process-exporter groups from web-1:9256"


def test_the_collector_gives_group_rates_and_keeps_each_group_s_row() -> None:
    server, clock = Server("namedprocess_groups1.json"), Clock()
    collector = Collector(source_for(server, clock))
    first = collector.sample(clock.now_s, WALL_S)
    server.name = "namedprocess_groups2.json"
    clock.now_s += 1.0
    second = collector.sample(clock.now_s, WALL_S + 1.0)
    assert [r.pid for r in first.processes] == [r.pid for r in second.processes]
    rows = {r.name: r for r in second.processes}
    nginx, postgres = rows["nginx"], rows["postgres"]
    assert nginx.cpu_percent == pytest.approx(50.0)  # 0.4 user + 0.1 system in 1 s
    assert postgres.cpu_percent == pytest.approx(20.0)
    assert nginx.read_bytes_per_s == pytest.approx(1_000_000.0)
    assert nginx.write_bytes_per_s == 0.0
    assert postgres.write_bytes_per_s == pytest.approx(500_000.0)
    assert nginx.group_processes == 4 and nginx.user is None and nginx.cmdline == "nginx"
    assert nginx.mem_percent == pytest.approx(100.0 * 200 * 1048576 / 8589934592)
    assert nginx.start_time_epoch_s == 1764480000.0
    assert second.processes_note == "process-exporter groups from web-1:9256"
    # Still one query a tick: the groups come in the node_exporter batch.
    assert len(batches(server)) == 2


def test_a_group_whose_oldest_process_exits_keeps_its_row_and_its_rate() -> None:
    server, clock = Server("namedprocess_groups1.json"), Clock()
    collector = Collector(source_for(server, clock))
    collector.sample(clock.now_s, WALL_S)
    rows = []
    for tick, answer in enumerate(("namedprocess_groups2.json", "namedprocess_groups3.json"), 1):
        server.name, clock.now_s = answer, clock.now_s + 1.0
        snap = collector.sample(clock.now_s, WALL_S + tick)
        rows.append(next(r for r in snap.processes if r.name == "nginx"))
    before, after = rows
    assert after.start_time_epoch_s == 1764485000.0 != before.start_time_epoch_s
    assert after.group_processes == 3
    assert after.cpu_percent == pytest.approx(30.0)  # a rate over the tick, not a lifetime mean
    assert process_key(after) == process_key(before)  # the selection stays on it


def test_a_group_s_io_counters_missing_from_one_answer_are_read_again() -> None:
    server, clock = Server("namedprocess_partial.json"), Clock()  # nginx without its I/O
    collector = Collector(source_for(server, clock))
    collector.sample(clock.now_s, WALL_S)
    for tick, answer in enumerate(("namedprocess_groups1.json", "namedprocess_groups2.json"), 1):
        server.name, clock.now_s = answer, clock.now_s + 1.0
        snap = collector.sample(clock.now_s, WALL_S + tick)
    nginx = next(r for r in snap.processes if r.name == "nginx")
    assert nginx.read_bytes_per_s == pytest.approx(1_000_000.0)


@pytest.mark.parametrize("name", ["node_tick1.json", "namedprocess_absent.json"])
def test_without_process_exporter_the_note_says_there_is_no_per_process_data(name: str) -> None:
    server, clock = Server(name), Clock()
    source = source_for(server, clock)
    snap = Collector(source).sample(clock.now_s, WALL_S)
    assert snap.processes == ()
    assert snap.processes_note == NO_GROUPS
    assert "Prometheus has no per-process data for web-1:9100" in NO_GROUPS
    assert snap.memory.total_bytes == 8589934592  # the rest of the batch still reads
    # process-exporter's own up = 0 is not the host's: the host is not "down".
    assert source.status_message() is None


def test_no_note_without_data_at_all_the_status_line_says_why() -> None:
    server, clock = Server("namedprocess_groups1.json"), Clock()
    server.down = True
    snap = Collector(source_for(server, clock)).sample(clock.now_s, WALL_S)
    assert snap.processes == () and snap.processes_note is None
    assert snap.source_status is not None and "prometheus:" in snap.source_status


def test_partial_groups_keep_what_came() -> None:
    source = source_for(Server("namedprocess_partial.json"), Clock())
    rows = groups_by_name(source)
    assert sorted(rows) == ["bare", "nginx"]  # "nocount" has no process count: not shown
    nginx, bare = rows["nginx"], rows["bare"]
    assert nginx.rss_bytes is None  # NaN: unknown, not 0
    assert nginx.vms_bytes == 4 * 200 * 1048576
    assert source.process_io(nginx.pid) is None
    assert bare.group_processes == 3
    assert (bare.cpu_seconds, bare.rss_bytes, bare.threads, bare.status, bare.create_time) == (
        None,
        None,
        None,
        None,
        None,
    )


def _sample(name: str, instance: str, value: float = 1.0, group: str = "g") -> Sample:
    labels = sorted({"__name__": name, "instance": instance, "groupname": group}.items())
    return Sample(tuple(labels), value, 0.0)


def test_the_exact_instance_s_groups_win_else_the_first_other_port_s() -> None:
    groups = "namedprocess_namegroup_num_procs"
    samples = [
        _sample("up", "h:9100"),
        _sample("up", "h:9256", 0.0),  # another target's up: not the host's
        _sample(groups, "h:9999", group="late"),
        _sample(groups, "h:10256", group="first"),
    ]
    batch = split_batch(samples, "h:9100", ())
    assert batch.groups_instance == "h:10256"  # the first by name
    assert [s.label("groupname") for s in batch.samples(groups)] == ["first"]
    assert batch.value("up") == 1.0
    exact = split_batch([*samples, _sample(groups, "h:9100", group="own")], "h:9100", ())
    assert exact.groups_instance == "h:9100"
    assert [s.label("groupname") for s in exact.samples(groups)] == ["own"]
    assert split_batch(samples[:2], "h:9100", ()).groups_instance is None


@pytest.mark.parametrize(
    ("instance", "host", "pattern"),
    [
        ("web-1:9100", "web-1", "web-1:9100|web-1:[0-9]+"),
        ("10.0.0.5:9100", "10.0.0.5", "10\\.0\\.0\\.5:9100|10\\.0\\.0\\.5:[0-9]+"),
        ("[::1]:9100", "[::1]", "\\[::1\\]:9100|\\[::1\\]:[0-9]+"),
        ("web1", "web1", "web1"),  # no port: only itself
        ("fe80::1", "fe80::1", "fe80::1"),  # a bare IPv6 address: its last part is no port
        ("a+b(c)", "a+b(c)", "a\\+b\\(c\\)"),
    ],
)
def test_the_host_s_targets_are_its_name_with_any_port(
    instance: str, host: str, pattern: str
) -> None:
    assert host_of(instance) == host
    assert instance_pattern(instance) == pattern


def group(pid: int, name: str, count: int, cpu: float) -> ProcessRow:
    row = process(pid, name, cpu=cpu, user=None, cmdline=name)
    return ProcessRow(**{**{f: getattr(row, f) for f in row.__slots__}, "group_processes": count})


GROUPS = (
    group(GROUP_PID_BASE, "nginx", 4, 50.0),
    group(GROUP_PID_BASE + 1, "postgres", 10, 20.0),
    group(GROUP_PID_BASE + 2, "sshd", 2, 0.0),
)


def test_groups_sort_and_filter_like_processes() -> None:
    by_cpu = build_view(GROUPS, ProcessQuery())
    assert [r.process.name for r in by_cpu.rows] == ["nginx", "postgres", "sshd"]
    by_count = build_view(GROUPS, ProcessQuery(sort_key=SortKey.PID, descending=True))
    assert [r.process.name for r in by_count.rows] == ["postgres", "nginx", "sshd"]
    filtered = build_view(GROUPS, ProcessQuery(text="gres"))
    assert [r.process.name for r in filtered.rows] == ["postgres"]


def _context(rows: tuple[ProcessRow, ...]) -> Context:
    return Context(snapshot(processes=rows), build_view(rows, ProcessQuery()), page_rows=10)


@pytest.mark.parametrize("action", sorted(PID_ACTIONS, key=str))
def test_what_needs_a_pid_is_refused_on_a_group_in_one_line(action: Action) -> None:
    context = _context(GROUPS)
    state = AppState(selected=process_key(GROUPS[1]))
    new, reaction = reduce(state, Command(action), context)
    assert new.message == GROUP_MESSAGE and "\n" not in GROUP_MESSAGE
    assert new.mode is state.mode and new.tagged == frozenset()
    assert new.pending_signal is None and new.pending_renice is None and new.details is None
    assert not reaction & (Reaction.SEND_SIGNAL | Reaction.RENICE | Reaction.OPEN_DETAILS)


def test_a_process_is_still_acted_on() -> None:
    rows = (process(4242, "postgres"),)
    state = AppState(selected=process_key(rows[0]))
    new, reaction = reduce(state, Command(Action.DETAILS), _context(rows))
    assert new.message != GROUP_MESSAGE and Reaction.OPEN_DETAILS in reaction


def test_json_has_the_note_and_the_group_counts_and_a_local_document_neither() -> None:
    server, clock = Server("namedprocess_groups1.json"), Clock()
    snap = Collector(source_for(server, clock)).sample(clock.now_s, WALL_S)
    document = json.loads(snapshot_to_json(snap))
    assert document["processes_note"] == "process-exporter groups from web-1:9256"
    nginx = next(p for p in document["processes"] if p["name"] == "nginx")
    assert nginx["group_processes"] == 4 and nginx["pid"] >= GROUP_PID_BASE
    server.name = "node_tick1.json"
    bare = Collector(source_for(server, Clock())).sample(clock.now_s, WALL_S)
    assert json.loads(snapshot_to_json(bare))["processes_note"] == NO_GROUPS
    local = json.loads(snapshot_to_json(snapshot(processes=[process(1, "init")])))
    assert "processes_note" not in local
    assert local["processes"][0]["group_processes"] is None
