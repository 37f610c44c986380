"""The process list as shown: which rows, in which order, flat or as a tree.

Everything here works on the snapshot already sampled, so a key press that re-sorts, filters or
folds the tree re-renders without a rescan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from sot.model import ProcessKey, ProcessRow
from sot.sorting import SortKey


@dataclass(frozen=True, slots=True)
class ProcessQuery:
    """How the user wants the table: ``sort_key`` None means unsorted (PID order)."""

    sort_key: SortKey | None = SortKey.CPU
    descending: bool = True
    text: str = ""
    user: str | None = None
    tree: bool = False
    command_line: bool = True  # show (and sort by) the command line rather than the name
    kernel_threads: bool = False  # list kernel threads (htop hides them too: K there, x here)
    # The table's columns by title (the config file's ``columns``), width permitting; None:
    # chosen by width. Here, with the sort, so that the renderer has it with the rest.
    columns: tuple[str, ...] | None = None


class ViewRow(NamedTuple):
    """A row of the view. A NamedTuple, as the collector's records are: the view makes one per
    process each tick, and a frozen dataclass takes four times as long to create."""

    process: ProcessRow
    guide: str  # tree guides before the command ("├─ "), empty in the flat view
    matched: bool  # False for an ancestor kept visible in the tree only for a match below it


@dataclass(frozen=True, slots=True)
class ProcessView:
    rows: tuple[ViewRow, ...]
    total: int  # processes in the snapshot, before filtering
    hidden_kernel_threads: int = 0  # kernel threads left out (ProcessQuery.kernel_threads off)

    def index_of(self, key: ProcessKey | None) -> int | None:
        if key is None:
            return None
        for index, row in enumerate(self.rows):
            if process_key(row.process) == key:
                return index
        return None


def process_key(row: ProcessRow) -> ProcessKey:
    if row.group_processes is not None:
        # A group's start is its oldest process's, which moves when that one exits: the group
        # stays the same row (and selection) by its made-up PID alone.
        return row.pid, None
    return row.pid, row.start_time_epoch_s


def shown_command(row: ProcessRow, command_line: bool) -> str:
    """What the last column shows: the command line (or [name] when it is empty), or the name."""
    if command_line and row.cmdline:
        return row.cmdline
    return row.name if not command_line else f"[{row.name}]"


# Columns that sort by a field of the row as it is: read by operator.attrgetter, which is C
# code (sorting 2,000 rows each tick calls it thousands of times).
_SORT_FIELDS: dict[SortKey, str] = {
    SortKey.PID: "pid",
    SortKey.STATE: "status",
    SortKey.THREADS: "threads",
    SortKey.MEMORY: "rss_bytes",
    SortKey.CPU: "cpu_percent",
    SortKey.TIME: "cpu_time_s",
    SortKey.START: "start_time_epoch_s",
    SortKey.VIRTUAL: "vms_bytes",
    SortKey.NICE: "nice",
    SortKey.PRIORITY: "priority",
    SortKey.READ: "read_bytes_per_s",
    SortKey.WRITE: "write_bytes_per_s",
}
_BY_PID = attrgetter("pid")
_BY_GROUP_SIZE = attrgetter("group_processes")


def _sort_value(key: SortKey, command_line: bool) -> Callable[[ProcessRow], Any]:
    """The value a column sorts by; ``None`` means unknown (sorted last in either direction)."""
    field = _SORT_FIELDS.get(key)
    if field is not None:
        return attrgetter(field)
    getters: dict[SortKey, Callable[[ProcessRow], Any]] = {
        SortKey.USER: lambda r: r.user.lower() if r.user is not None else None,
        SortKey.COMMAND: lambda r: shown_command(r, command_line).lower(),
        SortKey.CGROUP: lambda r: r.cgroup.lower() if r.cgroup is not None else None,
    }
    return getters[key]


def sort_rows(rows: Iterable[ProcessRow], query: ProcessQuery) -> list[ProcessRow]:
    """Stable sort by the query's column; ties by PID; unknown values last in both directions."""
    by_pid = sorted(rows, key=_BY_PID)
    if query.sort_key is None:
        return by_pid
    value = _sort_value(query.sort_key, query.command_line)
    if query.sort_key is SortKey.PID and by_pid and by_pid[0].group_processes is not None:
        value = _BY_GROUP_SIZE  # a group's PID column shows its process count: sort by that
    values = list(map(value, by_pid))
    known = [r for r, v in zip(by_pid, values, strict=True) if v is not None]
    unknown = [r for r, v in zip(by_pid, values, strict=True) if v is None]
    known.sort(key=value, reverse=query.descending)  # reverse keeps equal items in PID order
    return known + unknown


def matches(row: ProcessRow, query: ProcessQuery) -> bool:
    if query.user is not None and row.user != query.user:
        return False
    if not query.text:
        return True
    needle = query.text.lower()
    return (
        needle in row.name.lower()
        or needle in row.cmdline.lower()
        or (row.user is not None and needle in row.user.lower())
        or (row.cgroup is not None and needle in row.cgroup.lower())
    )


def _tree_rows(
    processes: Sequence[ProcessRow], query: ProcessQuery, ascii_guides: bool
) -> list[ViewRow]:
    by_pid = {p.pid: p for p in processes}
    matched = {p.pid for p in processes if matches(p, query)}
    kept = set(matched)
    for pid in matched:  # the ancestors of every match stay visible, so the tree still reads
        parent = by_pid[pid].ppid
        seen = {pid}
        while parent is not None and parent in by_pid and parent not in seen:
            kept.add(parent)
            seen.add(parent)
            parent = by_pid[parent].ppid
    children: dict[int | None, list[ProcessRow]] = {}
    for process in processes:
        if process.pid not in kept:
            continue
        parent = process.ppid
        if parent is None or parent not in kept or parent == process.pid:
            parent = None
        children.setdefault(parent, []).append(process)
    branch, last, pipe, blank = (
        ("|- ", "`- ", "|  ", "   ") if ascii_guides else ("├─ ", "└─ ", "│  ", "   ")
    )
    rows: list[ViewRow] = []
    # Iterative depth-first walk: a pathological ppid chain must not hit the recursion limit.
    stack: list[tuple[ProcessRow, str, str]] = [
        (p, "", "") for p in reversed(sort_rows(children.get(None, []), query))
    ]
    visited: set[int] = set()
    while stack:
        process, guide, indent = stack.pop()
        if process.pid in visited:
            continue
        visited.add(process.pid)
        rows.append(ViewRow(process, guide, process.pid in matched))
        kids = sort_rows(children.get(process.pid, []), query)
        for position, child in reversed(list(enumerate(kids))):
            is_last = position == len(kids) - 1
            stack.append(
                (
                    child,
                    indent + (last if is_last else branch),
                    indent + (blank if is_last else pipe),
                )
            )
    return rows


def build_view(
    processes: Sequence[ProcessRow], query: ProcessQuery, ascii_guides: bool = False
) -> ProcessView:
    total = len(processes)
    if not query.kernel_threads:
        processes = [p for p in processes if not p.is_kernel_thread]
    if query.tree:
        rows = _tree_rows(processes, query, ascii_guides)
    else:
        ordered = sort_rows(processes, query)
        if query.text or query.user is not None:
            ordered = [p for p in ordered if matches(p, query)]
        rows = [ViewRow(p, "", True) for p in ordered]
    return ProcessView(tuple(rows), total, total - len(processes))
