"""Process table: the rows of the process view that fit, columns chosen by width."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sot.model import STATE_LETTERS, ProcessCounts, ProcessKey, ProcessRow
from sot.render.box import draw_box
from sot.render.cells import Block, Canvas, Line, Role, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.meters import level_role
from sot.render.text import joined_fields
from sot.render.units import UNKNOWN, cpu_time, human_bytes, percent
from sot.sorting import SortKey
from sot.view import ProcessQuery, ProcessView, ViewRow, process_key, shown_command

BORDER_AND_HEADER_ROWS = 3  # top border, column titles, bottom border
# A tagged row's mark, in the blank after its PID: a character (ASCII, so every glyph set has
# it), not a colour only, so that it shows with NO_COLOR and on a monochrome terminal too.
TAG_MARKER = "*"


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
    tagged: frozenset[ProcessKey] = frozenset()  # rows marked with TAG_MARKER
    # The rows are process-exporter groups (a Prometheus source), not processes: the PID column
    # is GROUP_PID_TITLE, each group's process count.
    groups: bool = False
    # A remote source's line about the table (Snapshot.processes_note): shown in place of the
    # rows when there are none (no per-process data for the host), else in the title.
    note: str | None = None


# A group has no PID: its column holds the group's process count, under this title instead.
GROUP_PID_TITLE = "PROCS"


def _pid(row: ProcessRow, glyphs: Glyphs) -> str:
    return str(row.pid if row.group_processes is None else row.group_processes)


def _start(row: ProcessRow, glyphs: Glyphs) -> str:
    if row.start_time_epoch_s is None:
        return UNKNOWN
    return time.strftime("%H:%M", time.localtime(row.start_time_epoch_s))


def _value_role(_: ProcessRow) -> str:
    return Role.VALUE


def _percent_cell(value: float | None) -> str:
    return UNKNOWN if value is None else percent(value)[:-1]


def _priority(row: ProcessRow, glyphs: Glyphs) -> str:
    """The kernel's priority; -100 (real-time priority 99) is "RT", as in top and htop."""
    if row.priority is None:
        return UNKNOWN
    return "RT" if row.priority <= -100 else str(row.priority)


def _number(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def _io_rate(value: float | None) -> str:
    """Bytes per second, as RSS shows sizes; nothing moved is "0", the same every tick (an
    unchanged cell sends no bytes), and "-" where the kernel does not say."""
    if value is None:
        return UNKNOWN
    return "0" if value == 0 else human_bytes(value)


def _cgroup(row: ProcessRow, glyphs: Glyphs) -> str:
    return sanitize(row.cgroup, glyphs.ascii_only) if row.cgroup else UNKNOWN


# The columns in the order they stand. Which are shown is decided by width, in this order of
# priority: PID, MEM% and CPU% always; then USER (table at least 60 cells wide inside), THR and
# RSS (70), TIME+ (80), S (100), START (110), READ/s and WRITE/s (140: the common wide view,
# 160x48, shows them), VIRT (168), NI and PRI (175), CGROUP (180): past 160x48, so the common
# wide view keeps its bytes per second (each changing cell is sent). The I/O rates stand after
# START, not among RSS, MEM%, CPU% and TIME+: those change together each tick, and cells that
# change close together go out as one run (screen.MERGE_GAP_CELLS); a rate that stays 0 costs
# nothing. The command takes the rest. Their titles, in this order, are
# sot.column_titles.PROCESS_COLUMN_TITLES (what the config file's columns are checked against).
COLUMNS: tuple[Column, ...] = (
    Column("PID", 7, ">", 0, SortKey.PID, _pid, lambda r: Role.LABEL),
    Column(
        "USER", 9, "<", 60, SortKey.USER,
        lambda r, g: sanitize(r.user or UNKNOWN, g.ascii_only), _value_role,
    ),
    Column("PRI", 4, ">", 175, SortKey.PRIORITY, _priority, _value_role),
    Column("NI", 3, ">", 175, SortKey.NICE, lambda r, g: _number(r.nice), _value_role),
    Column("S", 2, "<", 100, SortKey.STATE,
           lambda r, g: STATE_LETTERS.get(r.status or "", "?"), _value_role),
    Column("THR", 4, ">", 70, SortKey.THREADS,
           lambda r, g: str(r.threads) if r.threads else UNKNOWN, _value_role),
    Column("VIRT", 6, ">", 168, SortKey.VIRTUAL, lambda r, g: human_bytes(r.vms_bytes),
           _value_role),
    Column("RSS", 6, ">", 70, SortKey.MEMORY, lambda r, g: human_bytes(r.rss_bytes), _value_role),
    Column("MEM%", 5, ">", 0, SortKey.MEMORY, lambda r, g: _percent_cell(r.mem_percent),
           _value_role),
    Column("CPU%", 5, ">", 0, SortKey.CPU, lambda r, g: _percent_cell(r.cpu_percent),
           lambda r: level_role(r.cpu_percent, 50.0, 90.0)),
    Column("TIME+", 9, ">", 80, SortKey.TIME, lambda r, g: cpu_time(r.cpu_time_s), _value_role),
    Column("START", 6, ">", 110, SortKey.START, _start, _value_role),
    Column("READ/s", 7, ">", 140, SortKey.READ, lambda r, g: _io_rate(r.read_bytes_per_s),
           _value_role),
    Column("WRITE/s", 8, ">", 140, SortKey.WRITE, lambda r, g: _io_rate(r.write_bytes_per_s),
           _value_role),
    Column("CGROUP", 14, "<", 180, SortKey.CGROUP, _cgroup, _value_role),
)  # fmt: skip


# With columns chosen in the config file, the command keeps at least this many cells: columns
# are dropped from the right until it does.
MIN_COMMAND_CELLS = 10


def visible_columns(width: int, chosen: tuple[str, ...] | None = None) -> tuple[Column, ...]:
    """The columns a table ``width`` cells wide inside shows: by width, or the ``chosen``
    titles in table order, dropped from the right where the command would have too little."""
    if chosen is None:
        return tuple(c for c in COLUMNS if width >= c.min_table_width)
    shown = [c for c in COLUMNS if c.title in chosen]
    while shown and sum(c.width + 1 for c in shown) + MIN_COMMAND_CELLS > width:
        shown.pop()
    return tuple(shown)


def sort_marker(query: ProcessQuery, glyphs: Glyphs) -> str:
    return glyphs.down_arrow if query.descending else glyphs.up_arrow


TITLE = "processes"


def _title_note(table: ProcessTable, glyphs: Glyphs, room: int) -> str:
    """What the table shows, in at most ``room`` cells: whole parts, least important dropped
    first; only the filter and user texts (free text) are cut."""
    query, counts = table.query, table.counts
    sort = (
        f"sort {query.sort_key.value}{sort_marker(query, glyphs)}"
        if query.sort_key is not None
        else "unsorted"
    )
    what = "groups" if table.groups else "processes"
    parts: list[tuple[str, int, bool]] = [
        (f"{len(table.view.rows)} of {table.view.total} {what}", 0, False),
        (sort, 1, False),
    ]
    if table.tagged:
        parts.append((f"{len(table.tagged)} tagged", 1, False))
    if query.text:
        parts.append((f'filter "{sanitize(query.text, glyphs.ascii_only)}"', 2, True))
    if query.user is not None:
        parts.append((f"user {sanitize(query.user, glyphs.ascii_only)}", 2, True))
    if table.view.hidden_kernel_threads:
        hidden = table.view.hidden_kernel_threads
        parts.append((f"{hidden} kernel thread{'s' if hidden != 1 else ''} hidden", 2, False))
    if query.tree:
        parts.append(("tree", 3, False))
    parts.append((f"{counts.running} running", 5, False))
    if counts.zombie:
        parts.append((f"{counts.zombie} zombie", 4, False))
    parts.append((f"{counts.threads} threads", 6, False))
    if table.note is not None and table.view.total:
        parts.append((sanitize(table.note, glyphs.ascii_only), 7, False))
    return joined_fields(parts, room, glyphs)


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
        title = GROUP_PID_TITLE if table.groups and column.sort_key is SortKey.PID else column.title
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


def fixed_columns(row: ProcessRow, columns: tuple[Column, ...], glyphs: Glyphs) -> str:
    """The row's cells before the command, as one string."""
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


# What a finished row depends on besides its process row: panel width, matched, tree guide,
# command line or name, glyphs, tagged.
_RowKey = tuple[int, bool, str, bool, Glyphs, bool]


@dataclass(slots=True)
class RowMemo:
    """Finished table rows of the last frame, by process row object.

    An idle process keeps the same row object from tick to tick (the collector reuses it), so
    most rows of a frame are found here instead of being laid out cell by cell again. A cache
    only: the table is the same with or without it. The loop owns one and passes it in.
    """

    rows: dict[int, tuple[ProcessRow, _RowKey, Line]] = field(default_factory=dict)


def _bordered(width: int, glyphs: Glyphs) -> Canvas:
    """A one-row canvas holding a table row's side borders."""
    canvas = Canvas(width, 1)
    canvas.put(0, 0, glyphs.vertical, Role.BORDER)
    canvas.put(0, width - 1, glyphs.vertical, Role.BORDER)
    return canvas


def _row_line(
    view_row: ViewRow,
    columns: tuple[Column, ...],
    query: ProcessQuery,
    width: int,
    glyphs: Glyphs,
    tagged: bool = False,
) -> Line:
    """One table row, side borders included, ``width`` cells; a tagged one has TAG_MARKER
    after its PID, and the PID and mark in the warning colour (htop's tag colour)."""
    row = view_row.process
    canvas = _bordered(width, glyphs)
    inner_width = width - 2
    # The fixed columns go in as one string; only columns styled apart from VALUE (PID, CPU%)
    # are restyled: one write per row instead of one per cell.
    x = canvas.put(
        0, 1, fixed_columns(row, columns, glyphs), Role.VALUE if view_row.matched else Role.DIM
    )
    if view_row.matched:
        column_x = 1
        for column in columns:
            role = column.role(row)
            if role != Role.VALUE:
                canvas.restyle(0, column_x, column.width, role)
            column_x += column.width + 1
    if tagged and columns and 1 + columns[0].width < 1 + inner_width:
        canvas.put(0, 1 + columns[0].width, TAG_MARKER, Role.WARN)
        canvas.restyle(0, 1, columns[0].width, Role.WARN)
    room = 1 + inner_width - x
    if view_row.guide:
        x = canvas.put(0, x, fit(view_row.guide, room, ""), Role.BORDER)
        room = 1 + inner_width - x
    text, role = _command(row, query, glyphs)
    canvas.put(0, x, fit(text, room, glyphs.ellipsis), role if view_row.matched else Role.DIM)
    return canvas.block()[0]


def _selected(line: Line) -> Line:
    width = len(line.styles)
    return Line(line.cells, line.styles[0] + Role.SELECTED * (width - 2) + line.styles[-1])


def render_processes(
    table: ProcessTable, width: int, height: int, glyphs: Glyphs, memo: RowMemo | None = None
) -> Block:
    if width < 3 or height < BORDER_AND_HEADER_ROWS:
        canvas = Canvas(width, height)
        draw_box(canvas, TITLE, glyphs, _title_note(table, glyphs, width - 4 - len(TITLE) - 3))
        return canvas.block()
    # The border, title and column header are drawn on a three-row canvas (top border, header,
    # bottom border); the rows in between are whole lines, most of them from the memo.
    frame = Canvas(width, BORDER_AND_HEADER_ROWS)
    inner = draw_box(frame, TITLE, glyphs, _title_note(table, glyphs, width - 4 - len(TITLE) - 3))
    columns = visible_columns(inner.width, table.query.columns)
    _header(frame, inner.y, inner.x, inner.width, table, columns, glyphs)
    top, header, bottom = frame.block()
    capacity = height - BORDER_AND_HEADER_ROWS
    blank = _bordered(width, glyphs).block()[0]
    page = table.view.rows[table.scroll_top : table.scroll_top + capacity]
    lines: list[Line] = []
    if not page and capacity > 0:
        if table.view.total:
            message = "no process matches the filter"
        elif table.note is not None:
            message = sanitize(table.note, glyphs.ascii_only)  # no per-process data for the host
        else:
            message = "no processes"
        message_row = _bordered(width, glyphs)
        message_row.put(0, 1, fit(message, inner.width, glyphs.ellipsis), Role.DIM)
        lines.append(message_row.block()[0])
    remembered = memo.rows if memo is not None else {}
    kept: dict[int, tuple[ProcessRow, _RowKey, Line]] = {}
    for offset, view_row in enumerate(page):
        row = view_row.process
        tagged = bool(table.tagged) and process_key(row) in table.tagged
        key: _RowKey = (
            width,
            view_row.matched,
            view_row.guide,
            table.query.command_line,
            glyphs,
            tagged,
        )
        entry = remembered.get(id(row))
        if entry is not None and entry[0] is row and entry[1] == key:
            line = entry[2]
        else:
            line = _row_line(view_row, columns, table.query, width, glyphs, tagged)
        kept[id(row)] = (row, key, line)
        if table.selected_index == table.scroll_top + offset:
            line = _selected(line)
        lines.append(line)
    if memo is not None:
        memo.rows = kept
    lines.extend([blank] * (capacity - len(lines)))
    return (top, header, *lines, bottom)
