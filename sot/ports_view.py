"""The order of ``sot ps``'s ports and dev-server panels, shared by their renderers and the keys
that move in them (so the row a key selects is the row on screen). Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from sot.model import DevServerGroup, ListeningPort
from sot.sorting import SortKey


class PortColumn(Enum):
    PROTOCOL = "protocol"
    ADDRESS = "address"
    PORT = "port"
    PID = "pid"
    NAME = "name"


class DevColumn(Enum):
    KIND = "kind"
    PROCESSES = "processes"
    CPU = "cpu"
    MEMORY = "memory"


# Unknown owners (None) sort after every known one, whichever the direction.
_PORT_VALUES: dict[PortColumn, Callable[[ListeningPort], Any]] = {
    PortColumn.PROTOCOL: lambda p: (p.protocol, p.port),
    PortColumn.ADDRESS: lambda p: (p.address, p.port),
    PortColumn.PORT: lambda p: (p.port, p.protocol),
    PortColumn.PID: lambda p: (p.pid is None, p.pid or 0, p.port),
    PortColumn.NAME: lambda p: (p.name is None, p.name or "", p.port),
}
_DEV_VALUES: dict[DevColumn, Callable[[DevServerGroup], Any]] = {
    DevColumn.KIND: lambda g: g.kind,
    DevColumn.PROCESSES: lambda g: (g.process_count, g.kind),
    DevColumn.CPU: lambda g: (g.cpu_percent is not None, g.cpu_percent or 0.0, g.kind),
    DevColumn.MEMORY: lambda g: (g.rss_bytes is not None, g.rss_bytes or 0, g.kind),
}
# The process table's sort keys, as they apply to the other panels (c m p N ...).
PORT_SORT_KEYS: dict[SortKey, PortColumn] = {
    SortKey.PID: PortColumn.PID,
    SortKey.COMMAND: PortColumn.NAME,
}
DEV_SORT_KEYS: dict[SortKey, DevColumn] = {
    SortKey.CPU: DevColumn.CPU,
    SortKey.MEMORY: DevColumn.MEMORY,
    SortKey.COMMAND: DevColumn.KIND,
}


def sorted_ports(
    ports: Sequence[ListeningPort] | None, column: PortColumn, descending: bool
) -> tuple[ListeningPort, ...]:
    return tuple(sorted(ports or (), key=_PORT_VALUES[column], reverse=descending))


def sorted_groups(
    groups: Sequence[DevServerGroup] | None, column: DevColumn, descending: bool
) -> tuple[DevServerGroup, ...]:
    return tuple(sorted(groups or (), key=_DEV_VALUES[column], reverse=descending))


def window_top(index: int, count: int, rows: int) -> int:
    """The first row to show so that ``index`` is on screen, scrolling as little as it can
    from the top (the panels keep no scroll position of their own)."""
    rows = max(1, rows)
    return max(0, min(index - rows + 1, count - rows)) if index >= rows else 0
