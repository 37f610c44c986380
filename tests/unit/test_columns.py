"""The process table's VIRT, NI and PRI columns: where they show, how they sort, and JSON."""

from __future__ import annotations

import dataclasses
import json

from sot.export import snapshot_to_json
from sot.render.glyphs import UNICODE
from sot.render.processes import COLUMNS, visible_columns
from sot.sorting import SORT_ORDER, SortKey
from sot.view import ProcessQuery, build_view
from tests.fakes import process, snapshot


def titles(width: int) -> list[str]:
    return [column.title for column in visible_columns(width)]


def test_new_columns_show_only_where_the_table_is_wide_enough() -> None:
    assert titles(138) == ["PID", "USER", "S", "THR", "RSS", "MEM%", "CPU%", "TIME+", "START"]
    io = ["PID", "USER", "S", "THR", "RSS", "MEM%", "CPU%", "TIME+", "START", "READ/s", "WRITE/s"]
    assert titles(140) == io
    assert titles(158) == io  # 160x48: the I/O columns, not VIRT, NI, PRI nor CGROUP
    assert titles(168) == [
        "PID", "USER", "S", "THR", "VIRT", "RSS", "MEM%", "CPU%", "TIME+", "START", "READ/s",
        "WRITE/s",
    ]  # fmt: skip
    assert titles(175) == [
        "PID", "USER", "PRI", "NI", "S", "THR", "VIRT", "RSS", "MEM%", "CPU%", "TIME+", "START",
        "READ/s", "WRITE/s",
    ]  # fmt: skip
    assert titles(180) == [*titles(175), "CGROUP"]
    # What the fixed columns take at 160 (and at 180) leaves the command most of the row.
    fixed = sum(c.width + 1 for c in visible_columns(158))
    assert 158 - fixed >= 70
    assert 180 - sum(c.width + 1 for c in visible_columns(180)) >= 70


def test_the_sort_keys_keep_their_order_and_the_new_ones_come_last() -> None:
    assert [key.value for key in SORT_ORDER] == [
        "PID", "USER", "S", "THR", "MEM", "CPU%", "TIME+", "START", "COMMAND", "VIRT", "NI", "PRI",
        "READ/s", "WRITE/s", "CGROUP",
    ]  # fmt: skip


def test_sorting_by_virtual_size_nice_and_priority() -> None:
    rows = [
        dataclasses.replace(process(1, "a"), vms_bytes=300, nice=5, priority=25),
        dataclasses.replace(process(2, "b"), vms_bytes=100, nice=-10, priority=10),
        dataclasses.replace(process(3, "c"), vms_bytes=None, nice=None, priority=None),
        dataclasses.replace(process(4, "d"), vms_bytes=200, nice=0, priority=-100),
    ]
    snap = snapshot(processes=rows)

    def order(key: SortKey, descending: bool) -> list[int]:
        query = ProcessQuery(sort_key=key, descending=descending)
        return [row.process.pid for row in build_view(snap.processes, query).rows]

    assert order(SortKey.VIRTUAL, True) == [1, 4, 2, 3]  # unknown last
    assert order(SortKey.NICE, False) == [2, 4, 1, 3]
    assert order(SortKey.PRIORITY, False) == [4, 2, 1, 3]
    priority = next(c for c in COLUMNS if c.title == "PRI")
    assert priority.value(rows[3], UNICODE) == "RT"  # real-time priority 99, as top shows it
    assert priority.value(rows[2], UNICODE) == "-"


def test_json_holds_virtual_size_nice_and_priority_per_process() -> None:
    row = dataclasses.replace(process(1, "a"), vms_bytes=4096, nice=-5, priority=15)
    unknown = dataclasses.replace(process(2, "b"), vms_bytes=None, nice=None, priority=None)
    document = json.loads(snapshot_to_json(snapshot(processes=[row, unknown])))
    first, second = document["processes"]
    assert (first["vms_bytes"], first["nice"], first["priority"]) == (4096, -5, 15)
    assert (second["vms_bytes"], second["nice"], second["priority"]) == (None, None, None)
