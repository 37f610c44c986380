"""A recording is checked as a whole before anything is shown: it loads, or it is refused with
one RecordingError naming the field; it never fails later, inside the collector or the renderer."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.collect import recording_schema as schema
from sot.collect.collector import Collector
from sot.collect.records import (
    BatteryReading,
    CpuTimes,
    DiskCounters,
    FanReading,
    Frequency,
    NetCounters,
    NetStats,
    Partition,
    ProcessIdentity,
    RawProcess,
    SensorReading,
    StaticHostInfo,
    SwapMemory,
    UsageBytes,
    VirtualMemory,
)
from sot.collect.replay import (
    RecordingError,
    ReplaySource,
    parse_recording,
    readings_from,
    record,
)
from sot.history import History
from sot.model import Snapshot
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import UNICODE
from sot.state import AppState
from sot.view import build_view
from tests.fakes import DATA, readings
from tests.property import examples

DEEP = 100_000
DEEP_MARK = "__deep__"


def base_recording(processes: int = 12) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / "recorded_host.json").read_text())
    doc["processes"] = doc["processes"][:processes]
    kept = {str(p["pid"]) for p in doc["processes"]}
    doc["identities"] = {k: v for k, v in doc["identities"].items() if k in kept}
    return doc


def encoded(doc: Any) -> bytes:
    text = json.dumps(doc)  # NaN and Infinity are written as JSON's non-standard constants
    nested = "[" * DEEP + "]" * DEEP
    return text.replace(json.dumps(DEEP_MARK), nested).encode()


def show(data: bytes) -> None:
    """Load a recording and draw two frames of it, as ``sot --replay FILE`` does."""
    source = ReplaySource(readings_from(parse_recording(data)))
    collector = Collector(source)
    first = collector.sample(100.0, 1_800_000_000.0)
    second = collector.sample(101.0, 1_800_000_001.0)
    state = AppState()
    view = build_view(second.processes, state.query)
    history = History().push(first).push(second)
    for width, height in ((160, 48), (80, 24)):
        render_frame(FrameInput(second, history, state, view), width, height, UNICODE)


def refusal(data: bytes) -> str:
    with pytest.raises(RecordingError) as caught:
        show(data)
    return str(caught.value)


def test_the_recorded_host_loads_and_shows() -> None:
    show(encoded(base_recording(processes=400)))


def test_a_recording_of_this_machine_loads() -> None:
    show(json.dumps(record(ReplaySource(readings()))).encode())


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["memory"].update(percent=float("nan")), "NaN"),
        (lambda d: d["cpu"][0].update(user=float("inf")), "Infinity"),
        (lambda d: d["processes"][3].update(rss_bytes=-5), "processes[3].rss_bytes: expected an"),
        (lambda d: d["processes"][0].update(pid=10**40), "processes[0].pid: expected an integer"),
        (lambda d: d["processes"][0].update(threads=True), "processes[0].threads"),
        (lambda d: d["processes"][0].update(cpu_seconds="1"), "processes[0].cpu_seconds"),
        (lambda d: d["swap"].update(total=1.5), "swap.total: expected an integer"),
        (lambda d: d["host"].pop("hostname"), "host.hostname: missing"),
        (lambda d: d.update(load=[1, 2]), "load: expected a list of 3 items"),
        (lambda d: d.update(counts=[0, 1]), "counts[0]"),
        (lambda d: d.update(cpu={"user": 1}), "cpu: expected a list"),
        (lambda d: d["identities"].update({"abc": None}), "identities['abc'] (its name)"),
        (lambda d: d["nic_stats"]["lo"].update(is_up="yes"), "nic_stats['lo'].is_up"),
        (lambda d: d["identities"]["1"].update(name="x" * 5000), "identities['1'].name"),
        (lambda d: d["usage"].update({"\x1b]0;PWNED\x07": {"total": -1}}), "usage['\\x1b]0;"),
        (lambda d: d.update(processes=DEEP_MARK), "nests"),
        (lambda d: d.update(format=2), "not a sot recording"),
    ],
)
def test_malformed_recordings_are_refused_naming_the_field(edit: Any, expected: str) -> None:
    doc = base_recording()
    edit(doc)
    message = refusal(encoded(doc))
    assert expected in message
    assert "\n" not in message


def test_huge_float_literal_is_refused_though_json_reads_it_as_infinity() -> None:
    data = encoded(base_recording()).replace(b'"percent": 1.4', b'"percent": 1e999')
    assert "memory.percent" in refusal(data)


def test_missing_optional_fields_read_as_unknown_and_empty() -> None:
    doc = base_recording()
    for name in ("cpu", "counts", "frequency", "sensors", "load", "users", "swap", "disks"):
        del doc[name]
    for name in ("nic_stats", "addresses", "virtual", "route", "identities"):
        del doc[name]
    del doc["memory"]["cached"]
    for process in doc["processes"]:
        del process["rss_bytes"], process["threads"], process["ppid"]
    source = ReplaySource(readings_from(parse_recording(encoded(doc))))
    assert source.cpu_counts() == (None, None)
    assert source.per_cpu_times() is None and source.memory().swap is None
    assert source.temperatures() == () and source.net_addresses() == {}
    assert source.process_identity(1) is None
    virtual = source.memory().virtual
    assert virtual is not None and virtual.cached is None
    show(encoded(doc))


def snapshot_of(doc: dict[str, Any]) -> Snapshot:
    """The second tick of the collector on a recording, as ``sot --replay`` shows it."""
    collector = Collector(ReplaySource(readings_from(parse_recording(encoded(doc)))))
    collector.sample(100.0, 1_800_000_000.0)
    return collector.sample(101.0, 1_800_000_001.0)


def test_a_recording_without_newer_readings_shows_them_unknown_and_the_rest_intact() -> None:
    # As a recording made before these readings were recorded: sections and process fields gone.
    whole = base_recording(processes=400)
    older = copy.deepcopy(whole)
    for section in ("swap", "load", "frequency", "users", "nic_stats"):
        del older[section]
    for process in older["processes"]:
        del process["rss_bytes"], process["threads"]
    full, partial = snapshot_of(whole), snapshot_of(older)
    assert full.memory.swap_total_bytes is not None and full.host.load_average is not None
    assert full.cpu.frequency_mhz is not None and full.host.user_count is not None
    assert all(i.is_up is not None for i in full.interfaces)
    assert all(p.rss_bytes is not None and p.threads is not None for p in full.processes)
    unknown_swap = dict.fromkeys(
        (
            "swap_total_bytes",
            "swap_used_bytes",
            "swap_percent",
            "swap_in_bytes_per_s",
            "swap_out_bytes_per_s",
        )
    )
    assert partial == replace(
        full,
        host=replace(full.host, load_average=None, user_count=None),
        cpu=replace(full.cpu, frequency_mhz=None, max_frequency_mhz=None),
        memory=replace(full.memory, **unknown_swap),
        interfaces=tuple(replace(i, is_up=None, speed_mbps=None) for i in full.interfaces),
        processes=tuple(
            replace(p, rss_bytes=None, mem_percent=None, threads=None) for p in full.processes
        ),
        process_counts=replace(full.process_counts, threads=0),
    )


def test_the_schema_checks_every_field_of_every_recorded_record() -> None:
    # A field added to a record must be added to the schema (as one that may be missing: older
    # recordings lack it), or a replay would never see it.
    frequency = dict(schema.RECORDING.fields)["frequency"]
    assert isinstance(frequency, schema.Record)
    pairs: list[tuple[schema.Record, type[Any]]] = [
        (schema.HOST, StaticHostInfo),
        (schema.CPU_TIMES, CpuTimes),
        (frequency, Frequency),
        (schema.SENSOR, SensorReading),
        (schema.FAN, FanReading),
        (schema.BATTERY, BatteryReading),
        (schema.MEMORY, VirtualMemory),
        (schema.SWAP, SwapMemory),
        (schema.PARTITION, Partition),
        (schema.USAGE, UsageBytes),
        (schema.DISK_COUNTERS, DiskCounters),
        (schema.NET_COUNTERS, NetCounters),
        (schema.NET_STATS, NetStats),
        (schema.PROCESS, RawProcess),
        (schema.IDENTITY, ProcessIdentity),
    ]
    for spec, record_type in pairs:
        assert tuple(name for name, _ in spec.fields) == record_type._fields, record_type
    recorded = record(ReplaySource(readings()))
    assert [name for name, _ in schema.RECORDING.fields] == list(recorded)


# The property: any mutation of a good recording loads or is refused, never anything else. ------


def node_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from node_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from node_paths(item, (*path, index))


BASE = base_recording(processes=6)
PATHS = [path for path in node_paths(BASE) if path]
REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    -1e300,
    1.5,
    10**30,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "text",
    "\x1b[2J" * 100,
    "x" * 200_000,
    [],
    [1, 2, 3],
    {},
    {"user": 1},
    DEEP_MARK,
)


def mutate(doc: Any, path: tuple[Any, ...], how: str, replacement: Any) -> None:
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "deepen":
        parent[last] = [[[[[[[[parent[last]]]]]]]]]
    elif how == "negate" and isinstance(parent[last], int | float):
        parent[last] = -parent[last] - 1
    else:
        # A copy: the replacements are shared between examples, and a later mutation inside
        # one (or one put inside itself) must not change them for the next example.
        parent[last] = copy.deepcopy(replacement)


mutations = st.lists(
    st.tuples(
        st.sampled_from(PATHS),
        st.sampled_from(("replace", "delete", "deepen", "negate")),
        st.sampled_from(REPLACEMENTS),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=examples(300))
@given(mutations)
def test_any_mutated_recording_loads_or_is_refused_with_one_line(
    changes: list[tuple[tuple[Any, ...], str, Any]],
) -> None:
    doc = copy.deepcopy(BASE)
    for path, how, replacement in changes:
        try:
            mutate(doc, path, how, replacement)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this field's parent
    try:
        show(encoded(doc))
    except RecordingError as err:
        assert "\n" not in str(err)


def at_bounds(spec: schema.Spec, value: Any, high: bool) -> Any:
    """``value`` with every number set to the lowest or the highest its schema allows."""
    if isinstance(spec, schema.Number):
        if value is None:
            return None
        bound = spec.high if high else spec.low
        return int(bound) if spec.integer else float(bound)
    if isinstance(spec, schema.Record) and isinstance(value, dict):
        return {
            name: at_bounds(field, value[name], high)
            for name, field in spec.fields
            if name in value
        }
    if isinstance(spec, schema.ListOf) and isinstance(value, list):
        return [at_bounds(spec.item, item, high) for item in value]
    if isinstance(spec, schema.MapOf) and isinstance(value, dict):
        return {key: at_bounds(spec.value, item, high) for key, item in value.items()}
    return value


@pytest.mark.parametrize("high", [False, True], ids=["lowest", "highest"])
def test_every_number_at_its_bound_still_shows(high: bool) -> None:
    doc = at_bounds(schema.RECORDING, base_recording(), high)
    doc["format"] = 1
    show(encoded(doc))
