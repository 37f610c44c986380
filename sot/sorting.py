"""The process table's sort keys: their own module, so the key table (and ``sot --help``) can
name them without importing the process view and the data model."""

from __future__ import annotations

from enum import Enum


class SortKey(Enum):
    """Sortable columns, in the order ←/→ walks them in order-by mode; values are the titles."""

    PID = "PID"
    USER = "USER"
    STATE = "S"
    THREADS = "THR"
    MEMORY = "MEM"
    CPU = "CPU%"
    TIME = "TIME+"
    START = "START"
    COMMAND = "COMMAND"
    # Added after the first nine, so the keys before keep their place in order-by mode.
    VIRTUAL = "VIRT"
    NICE = "NI"
    PRIORITY = "PRI"
    READ = "READ/s"
    WRITE = "WRITE/s"
    CGROUP = "CGROUP"


SORT_ORDER: tuple[SortKey, ...] = tuple(SortKey)
