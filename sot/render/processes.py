"""Process table: the top processes by CPU, as many rows as fit, columns by width."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sot.model import ProcessCounts, ProcessRow
from sot.render.box import draw_box
from sot.render.cells import Block, Canvas, Role, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.meters import level_role
from sot.render.units import UNKNOWN, cpu_time, human_bytes, percent

_STATUS_LETTERS = {
    "running": "R",
    "sleeping": "S",
    "disk-sleep": "D",
    "stopped": "T",
    "tracing-stop": "t",
    "zombie": "Z",
    "dead": "X",
    "idle": "I",
    "parked": "P",
    "waking": "W",
    "wake-kill": "K",
    "locked": "L",
    "waiting": "W",
}


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: int
    align: str
    min_table_width: int  # the column is shown only when the table is at least this wide
    value: Callable[[ProcessRow, Glyphs], str]
    role: Callable[[ProcessRow], str]


def _start(row: ProcessRow, glyphs: Glyphs) -> str:
    if row.start_time_epoch_s is None:
        return UNKNOWN
    return time.strftime("%H:%M", time.localtime(row.start_time_epoch_s))


def _value_role(_: ProcessRow) -> str:
    return Role.VALUE


COLUMNS: tuple[Column, ...] = (
    Column("PID", 7, ">", 0, lambda r, g: str(r.pid), lambda r: Role.LABEL),
    Column("USER", 9, "<", 60, lambda r, g: sanitize(r.user or UNKNOWN, g.ascii_only), _value_role),
    Column("S", 1, "<", 100, lambda r, g: _STATUS_LETTERS.get(r.status or "", "?"), _value_role),
    Column("THR", 4, ">", 70, lambda r, g: str(r.threads) if r.threads else UNKNOWN, _value_role),
    Column("RSS", 6, ">", 70, lambda r, g: human_bytes(r.rss_bytes), _value_role),
    Column(
        "MEM%",
        5,
        ">",
        0,
        lambda r, g: percent(r.mem_percent)[:-1] if r.mem_percent is not None else UNKNOWN,
        _value_role,
    ),
    Column(
        "CPU%",
        5,
        ">",
        0,
        lambda r, g: percent(r.cpu_percent)[:-1] if r.cpu_percent is not None else UNKNOWN,
        lambda r: level_role(r.cpu_percent, 50.0, 90.0),
    ),
    Column("TIME+", 9, ">", 80, lambda r, g: cpu_time(r.cpu_time_s), _value_role),
    Column("START", 5, ">", 110, _start, _value_role),
)


def visible_columns(width: int) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if width >= c.min_table_width)


def _title_note(counts: ProcessCounts) -> str:
    parts = [f"{counts.total} total", f"{counts.running} running", f"{counts.sleeping} sleeping"]
    if counts.zombie:
        parts.append(f"{counts.zombie} zombie")
    parts.append(f"{counts.threads} threads")
    return ", ".join(parts)


def _command(row: ProcessRow, glyphs: Glyphs) -> tuple[str, str]:
    """The command line as htop shows it; kernel threads and processes whose command line is
    unreadable by name in brackets, zombies marked."""
    name = sanitize(row.name, glyphs.ascii_only) or UNKNOWN
    if row.status == "zombie":
        return f"{name} <defunct>", Role.DIM
    cmdline = sanitize(row.cmdline, glyphs.ascii_only)
    if not cmdline:
        return f"[{name}]", Role.DIM
    return cmdline, Role.VALUE


def render_processes(
    rows: Sequence[ProcessRow], counts: ProcessCounts, width: int, height: int, glyphs: Glyphs
) -> Block:
    """``rows`` are already in display order (see sot.view)."""
    canvas = Canvas(width, height)
    inner = draw_box(canvas, "processes", glyphs, _title_note(counts))
    if inner.width <= 0 or inner.height <= 0:
        return canvas.block()
    columns = visible_columns(inner.width)
    fixed = sum(c.width + 1 for c in columns)
    command_width = max(0, inner.width - fixed)
    header = " ".join(pad(c.title, c.width, c.align) for c in columns) + " " + "COMMAND"
    canvas.put(inner.y, inner.x, pad(header, inner.width), Role.COLUMN)
    for offset, row in enumerate(rows[: inner.height - 1]):
        y = inner.y + 1 + offset
        x = inner.x
        for column in columns:
            text = pad(column.value(row, glyphs), column.width, column.align, glyphs.ellipsis)
            canvas.put(y, x, text, column.role(row))
            x += column.width + 1
        text, role = _command(row, glyphs)
        canvas.put(y, x, fit(text, command_width, glyphs.ellipsis), role)
    return canvas.block()
