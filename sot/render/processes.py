"""Process table: the rows of the process view that fit, columns chosen by width."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from sot.model import ProcessCounts, ProcessRow
from sot.render.box import draw_box
from sot.render.cells import Block, Canvas, Role, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.meters import level_role
from sot.render.units import UNKNOWN, cpu_time, human_bytes, percent
from sot.view import ProcessQuery, ProcessView, SortKey, shown_command

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
BORDER_AND_HEADER_ROWS = 3  # top border, column titles, bottom border


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: int
    align: str
    min_table_width: int  # the column is shown only when the table is at least this wide
    sort_key: SortKey
    value: Callable[[ProcessRow, Glyphs], str]
    role: Callable[[ProcessRow], str]


@dataclass(frozen=True, slots=True)
class ProcessTable:
    """What the table shows: the view, where the selection and the scroll are, and how sorted."""

    view: ProcessView
    counts: ProcessCounts
    query: ProcessQuery
    selected_index: int | None
    scroll_top: int
    order_cursor: SortKey | None  # the highlighted column in order-by mode


def _start(row: ProcessRow, glyphs: Glyphs) -> str:
    if row.start_time_epoch_s is None:
        return UNKNOWN
    return time.strftime("%H:%M", time.localtime(row.start_time_epoch_s))


def _value_role(_: ProcessRow) -> str:
    return Role.VALUE


def _percent_cell(value: float | None) -> str:
    return UNKNOWN if value is None else percent(value)[:-1]


COLUMNS: tuple[Column, ...] = (
    Column("PID", 7, ">", 0, SortKey.PID, lambda r, g: str(r.pid), lambda r: Role.LABEL),
    Column(
        "USER", 9, "<", 60, SortKey.USER,
        lambda r, g: sanitize(r.user or UNKNOWN, g.ascii_only), _value_role,
    ),
    Column("S", 2, "<", 100, SortKey.STATE,
           lambda r, g: _STATUS_LETTERS.get(r.status or "", "?"), _value_role),
    Column("THR", 4, ">", 70, SortKey.THREADS,
           lambda r, g: str(r.threads) if r.threads else UNKNOWN, _value_role),
    Column("RSS", 6, ">", 70, SortKey.MEMORY, lambda r, g: human_bytes(r.rss_bytes), _value_role),
    Column("MEM%", 5, ">", 0, SortKey.MEMORY, lambda r, g: _percent_cell(r.mem_percent),
           _value_role),
    Column("CPU%", 5, ">", 0, SortKey.CPU, lambda r, g: _percent_cell(r.cpu_percent),
           lambda r: level_role(r.cpu_percent, 50.0, 90.0)),
    Column("TIME+", 9, ">", 80, SortKey.TIME, lambda r, g: cpu_time(r.cpu_time_s), _value_role),
    Column("START", 6, ">", 110, SortKey.START, _start, _value_role),
)  # fmt: skip


def visible_columns(width: int) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if width >= c.min_table_width)


def sort_marker(query: ProcessQuery, glyphs: Glyphs) -> str:
    return glyphs.down_arrow if query.descending else glyphs.up_arrow


def _title_note(table: ProcessTable, glyphs: Glyphs) -> str:
    query, counts = table.query, table.counts
    parts = [f"{len(table.view.rows)} of {table.view.total} processes"]
    if query.sort_key is not None:
        parts.append(f"sort {query.sort_key.value}{sort_marker(query, glyphs)}")
    else:
        parts.append("unsorted")
    if query.text:
        parts.append(f'filter "{sanitize(query.text, glyphs.ascii_only)}"')
    if query.user is not None:
        parts.append(f"user {sanitize(query.user, glyphs.ascii_only)}")
    if query.tree:
        parts.append("tree")
    parts.append(f"{counts.running} running")
    if counts.zombie:
        parts.append(f"{counts.zombie} zombie")
    parts.append(f"{counts.threads} threads")
    return ", ".join(parts)


def _header(
    canvas: Canvas,
    y: int,
    x: int,
    width: int,
    table: ProcessTable,
    columns: tuple[Column, ...],
    glyphs: Glyphs,
) -> None:
    canvas.fill(y, x, width, " ", Role.COLUMN)
    marked: SortKey | None = table.query.sort_key
    cells: list[tuple[SortKey, str, int]] = []
    for column in columns:
        title = column.title
        if column.sort_key is marked:
            title += sort_marker(table.query, glyphs)
            marked = None  # RSS and MEM% share a key: mark the first one only
        cells.append((column.sort_key, pad(title, column.width, column.align, ""), column.width))
    command_title = "COMMAND" if table.query.command_line else "NAME"
    if marked is SortKey.COMMAND:
        command_title += sort_marker(table.query, glyphs)
    cells.append((SortKey.COMMAND, command_title, len(command_title)))
    column_x = x
    for key, text, cell_width in cells:
        if column_x >= x + width:
            break
        shown = text[: x + width - column_x]
        role = Role.SELECTED if key is table.order_cursor else Role.COLUMN
        canvas.put(y, column_x, shown, role)
        column_x += cell_width + 1


def _command(row: ProcessRow, query: ProcessQuery, glyphs: Glyphs) -> tuple[str, str]:
    """The last column: command line or name; kernel threads in brackets, zombies marked."""
    name = sanitize(row.name, glyphs.ascii_only) or UNKNOWN
    if row.status == "zombie":
        return f"{name} <defunct>", Role.DIM
    text = sanitize(shown_command(row, query.command_line), glyphs.ascii_only)
    return text, Role.DIM if query.command_line and not row.cmdline else Role.VALUE


@lru_cache(maxsize=512)
def fixed_columns(row: ProcessRow, columns: tuple[Column, ...], glyphs: Glyphs) -> str:
    """The row's cells before the command, as one string. Idle processes keep the same row
    object from tick to tick, so most rows of a frame come from this cache."""
    return (
        " ".join(
            pad(column.value(row, glyphs), column.width, column.align, glyphs.ellipsis)
            for column in columns
        )
        + " "
    )


def table_rows(height: int) -> int:
    """How many processes a table of ``height`` rows shows."""
    return max(0, height - BORDER_AND_HEADER_ROWS)


def render_processes(table: ProcessTable, width: int, height: int, glyphs: Glyphs) -> Block:
    canvas = Canvas(width, height)
    inner = draw_box(canvas, "processes", glyphs, _title_note(table, glyphs))
    if inner.width <= 0 or inner.height <= 0:
        return canvas.block()
    columns = visible_columns(inner.width)
    command_x = sum(c.width + 1 for c in columns)
    _header(canvas, inner.y, inner.x, inner.width, table, columns, glyphs)
    page = table.view.rows[table.scroll_top : table.scroll_top + inner.height - 1]
    if not page:
        empty = "no process matches the filter" if table.view.total else "no processes"
        canvas.put(inner.y + 1, inner.x, fit(empty, inner.width, glyphs.ellipsis), Role.DIM)
    for offset, view_row in enumerate(page):
        row, y = view_row.process, inner.y + 1 + offset
        # The fixed columns go in as one string; only columns styled apart from VALUE (PID,
        # CPU%) are restyled: one write per row instead of one per cell of the table.
        x = canvas.put(
            y,
            inner.x,
            fixed_columns(row, columns, glyphs),
            Role.VALUE if view_row.matched else Role.DIM,
        )
        if view_row.matched:
            column_x = inner.x
            for column in columns:
                role = column.role(row)
                if role != Role.VALUE:
                    canvas.restyle(y, column_x, column.width, role)
                column_x += column.width + 1
        room = inner.width - command_x
        if view_row.guide:
            x = canvas.put(y, x, fit(view_row.guide, room, ""), Role.BORDER)
            room = inner.x + inner.width - x
        text, role = _command(row, table.query, glyphs)
        canvas.put(y, x, fit(text, room, glyphs.ellipsis), role if view_row.matched else Role.DIM)
        if table.selected_index == table.scroll_top + offset:
            canvas.restyle(y, inner.x, inner.width, Role.SELECTED)
    return canvas.block()
