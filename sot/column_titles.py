"""The process table's column titles, in table order: standard library only, so that checking
a config file's ``columns`` (which ``sot --help`` does) never imports the renderer.
sot.render.processes.COLUMNS has these titles in this order (a unit test holds them together)."""

from __future__ import annotations

PROCESS_COLUMN_TITLES: tuple[str, ...] = (
    "PID", "USER", "PRI", "NI", "S", "THR", "VIRT", "RSS", "MEM%", "CPU%", "TIME+", "START",
    "READ/s", "WRITE/s", "CGROUP",
)  # fmt: skip
