"""The fleet screen (``sot fleet``): a title row, the table of instances, a status row. Pure:
the snapshot, the state and a size in, a block of exactly that size out.

Only the rows on the page are formatted, and column widths come from one pass over the shown
rows' label widths, so a frame of 1,000 instances costs about what one of 40 does. Columns drop
by priority as the terminal narrows (``PRIORITY``: the instance, up/down, CPU and memory stay
longest), down to a title and a status row in a tiny pane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sot.fleet_model import FleetRow, FleetSnapshot
from sot.fleet_view import FleetColumn, FleetState, help_lines
from sot.key_help import key_column, key_width, keys_text
from sot.keys import Mode
from sot.render.cells import Block, Canvas, Role, display_width, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.status import fit_words, put_hints
from sot.render.units import UNKNOWN, duration, human_bytes

TITLE_ROWS = 2  # the title and the column titles
STATUS_ROWS = 1
GAP = 1  # blanks between two columns


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    column: FleetColumn
    width: int  # the least it is shown with
    most: int  # the most it grows to (flexible text columns); == width: fixed
    align: str  # "<" or ">"


SPECS = {
    FleetColumn.INSTANCE: ColumnSpec(FleetColumn.INSTANCE, 10, 40, "<"),
    FleetColumn.JOB: ColumnSpec(FleetColumn.JOB, 5, 16, "<"),
    FleetColumn.UP: ColumnSpec(FleetColumn.UP, 4, 4, "<"),
    FleetColumn.CPU: ColumnSpec(FleetColumn.CPU, 5, 5, ">"),
    FleetColumn.MEMORY: ColumnSpec(FleetColumn.MEMORY, 5, 5, ">"),
    FleetColumn.DISK: ColumnSpec(FleetColumn.DISK, 5, 5, ">"),
    FleetColumn.LOAD: ColumnSpec(FleetColumn.LOAD, 6, 6, ">"),
    FleetColumn.RX: ColumnSpec(FleetColumn.RX, 6, 6, ">"),
    FleetColumn.TX: ColumnSpec(FleetColumn.TX, 6, 6, ">"),
    FleetColumn.UPTIME: ColumnSpec(FleetColumn.UPTIME, 9, 9, ">"),
    FleetColumn.MOUNT: ColumnSpec(FleetColumn.MOUNT, 7, 20, "<"),
    FleetColumn.HOST: ColumnSpec(FleetColumn.HOST, 6, 24, "<"),
}
# Which columns stay as the terminal narrows, the most important first.
PRIORITY = (
    FleetColumn.INSTANCE,
    FleetColumn.UP,
    FleetColumn.CPU,
    FleetColumn.MEMORY,
    FleetColumn.DISK,
    FleetColumn.LOAD,
    FleetColumn.JOB,
    FleetColumn.RX,
    FleetColumn.TX,
    FleetColumn.UPTIME,
    FleetColumn.MOUNT,
    FleetColumn.HOST,
)
# Shown in this order (the order ``<`` ``>`` walk).
ORDER = tuple(FleetColumn)
HINTS = (  # keys (the defaults), what they do, the action (its first key in force if rebound)
    ("Enter", "dashboard", "details"),
    ("/", "filter", "filter"),
    ("F6", "sort", "order"),
    ("?", "help", "help"),
    ("q", "quit", "quit"),
)
ORDER_NOTE = "sort by: Left/Right choose the column, Enter or Esc done"
ORDER_TEMPLATE = (
    "sort by: {order-left}/{order-right} choose the column, {order-cycle} or {close-menu} done"
)
HELP_NOTE = "Up/Down scroll, Esc or ? closes the help"
HELP_TEMPLATE = "{up}/{down} scroll, {close-help} or {help} closes the help"
WARN_PERCENT = 70.0
CRIT_PERCENT = 90.0


def page_rows(height: int) -> int:
    """Table rows on a screen ``height`` rows tall."""
    return max(0, height - TITLE_ROWS - STATUS_ROWS)


def _figure(value: float | None, decimals: int) -> str:
    return UNKNOWN if value is None else f"{value:.{decimals}f}"


def _text(value: str | None) -> str:
    return UNKNOWN if value is None or value == "" else value


CELL_TEXT: dict[FleetColumn, Callable[[FleetRow], str]] = {
    FleetColumn.INSTANCE: lambda row: _text(row.instance),
    FleetColumn.JOB: lambda row: _text(row.job),
    FleetColumn.UP: lambda row: UNKNOWN if row.up is None else ("up" if row.up else "down"),
    FleetColumn.CPU: lambda row: _figure(row.cpu_percent, 1),
    FleetColumn.MEMORY: lambda row: _figure(row.memory_used_percent, 1),
    FleetColumn.DISK: lambda row: _figure(row.fullest_filesystem_percent, 1),
    FleetColumn.LOAD: lambda row: _figure(row.load1_per_core, 2),
    FleetColumn.RX: lambda row: human_bytes(row.network_rx_bytes_per_s),
    FleetColumn.TX: lambda row: human_bytes(row.network_tx_bytes_per_s),
    FleetColumn.UPTIME: lambda row: duration(row.uptime_s),
    FleetColumn.MOUNT: lambda row: _text(row.fullest_filesystem_mount),
    FleetColumn.HOST: lambda row: _text(row.nodename),
}


def _level(value: float | None) -> str:
    if value is None:
        return Role.DIM
    if value >= CRIT_PERCENT:
        return Role.CRIT
    if value >= WARN_PERCENT:
        return Role.WARN
    return Role.VALUE


def _role(row: FleetRow, column: FleetColumn) -> str:
    if column is FleetColumn.UP:
        return Role.DIM if row.up is None else (Role.OK if row.up else Role.CRIT)
    if column is FleetColumn.CPU:
        return _level(row.cpu_percent)
    if column is FleetColumn.MEMORY:
        return _level(row.memory_used_percent)
    if column is FleetColumn.DISK:
        return _level(row.fullest_filesystem_percent)
    if column is FleetColumn.LOAD:
        load = row.load1_per_core
        return _level(None if load is None else load * 100.0)
    if column is FleetColumn.INSTANCE:
        return Role.LABEL
    return Role.NORMAL


def _natural_width(column: FleetColumn, rows: Sequence[FleetRow]) -> int:
    """The width a flexible column wants: its widest text over every shown row (one pass)."""
    spec = SPECS[column]
    widest = display_width(column.value)
    text = CELL_TEXT[column]
    for row in rows:
        widest = max(widest, display_width(sanitize(text(row))))
        if widest >= spec.most:
            return spec.most
    return max(spec.width, widest)


def column_widths(rows: Sequence[FleetRow], width: int) -> list[tuple[FleetColumn, int]]:
    """The columns that fit in ``width`` cells (by priority) with their widths, in screen
    order; what room is left goes to the flexible columns, the instance first."""
    chosen: list[FleetColumn] = []
    used = 0
    for column in PRIORITY:
        needed = SPECS[column].width + (GAP if chosen else 0)
        if used + needed > width:
            break
        chosen.append(column)
        used += needed
    if not chosen:
        return [(FleetColumn.INSTANCE, max(0, width))]
    widths = {column: SPECS[column].width for column in chosen}
    room = width - used
    for column in PRIORITY:
        if column in widths and SPECS[column].most > SPECS[column].width and room > 0:
            extra = min(room, _natural_width(column, rows) - widths[column])
            if extra > 0:
                widths[column] += extra
                room -= extra
    return [(column, widths[column]) for column in ORDER if column in widths]


def _title(snapshot: FleetSnapshot, shown: int, width: int, glyphs: Glyphs) -> str:
    total = len(snapshot.rows)
    words = f" sot fleet  {snapshot.url}  {total} instances"
    words += f"  {snapshot.up_count} up  {snapshot.down_count} down"
    if shown != total:
        words += f"  ({shown} shown)"
    return fit(sanitize(words, glyphs.ascii_only), width, glyphs.ellipsis)


def _header(
    canvas: Canvas,
    y: int,
    columns: list[tuple[FleetColumn, int]],
    state: FleetState,
    glyphs: Glyphs,
) -> None:
    canvas.fill(y, 0, canvas.width, " ", Role.HEADER)
    x = 0
    for column, width in columns:
        title = column.value
        role = Role.HEADER
        if column is state.sort:
            title += glyphs.down_arrow if state.descending else glyphs.up_arrow
            role = Role.COLUMN
        canvas.put(y, x, pad(title, width, SPECS[column].align, glyphs.ellipsis), role)
        x += width + GAP


def _row(
    canvas: Canvas,
    y: int,
    row: FleetRow,
    columns: list[tuple[FleetColumn, int]],
    selected: bool,
    glyphs: Glyphs,
) -> None:
    if selected:
        canvas.fill(y, 0, canvas.width, " ", Role.SELECTED)
    x = 0
    for column, width in columns:
        role = Role.SELECTED if selected else _role(row, column)
        # Labels come from the scraped hosts: sanitized here too (the API client already did),
        # since a render function takes rows from anywhere (a test, a future recording).
        cell = sanitize(CELL_TEXT[column](row), glyphs.ascii_only)
        text = pad(cell, width, SPECS[column].align, glyphs.ellipsis)
        canvas.put(y, x, text, role)
        x += width + GAP


def _help(canvas: Canvas, top: int, rows: int, state: FleetState, glyphs: Glyphs) -> None:
    lines = help_lines(state.keymap)
    keys_width = key_width([keys for keys, _ in lines])
    for offset, (keys, what) in enumerate(lines[state.help_top : state.help_top + rows]):
        y = top + offset
        x = canvas.put(y, 1, key_column(keys, keys_width), Role.KEY)
        canvas.put(y, x + 2, fit(what, max(0, canvas.width - x - 2), glyphs.ellipsis), Role.NORMAL)


def _said(state: FleetState, default: str, template: str) -> str:
    return keys_text(state.keymap, default, template)


def _status(snapshot: FleetSnapshot, state: FleetState, width: int, glyphs: Glyphs) -> Block:
    canvas = Canvas(width, 1)
    y = 0
    if state.mode is Mode.FILTER:
        prompt = "filter: "
        x = canvas.put(y, 0, prompt, Role.LABEL)
        room = max(0, width - x - 1)
        text = sanitize(state.filter_text, glyphs.ascii_only)
        if display_width(text) > room:  # the end, where the cursor types
            text = glyphs.ellipsis + text[-max(0, room - 1) :] if room > 1 else ""
        canvas.put(y, x, fit(text, room, glyphs.ellipsis) + "_", Role.VALUE)
        return canvas.block()
    if state.mode is Mode.ORDER:
        canvas.put(
            y,
            0,
            fit(_said(state, ORDER_NOTE, ORDER_TEMPLATE), width, glyphs.ellipsis),
            Role.LABEL,
        )
        return canvas.block()
    if state.mode is Mode.HELP:
        canvas.put(
            y,
            0,
            fit(_said(state, HELP_NOTE, HELP_TEMPLATE), width, glyphs.ellipsis),
            Role.LABEL,
        )
        return canvas.block()
    message = state.message or snapshot.status
    if message is not None:
        role = Role.WARN if state.message is None else Role.VALUE
        canvas.put(
            y, 0, fit_words(sanitize(message, glyphs.ascii_only), width, glyphs.ellipsis), role
        )
        return canvas.block()
    x = 0
    if state.filter_text:
        x = canvas.put(
            y,
            0,
            fit(
                sanitize(
                    f"filter: {state.filter_text} ({_said(state, 'Esc', '{close}')} clears)  ",
                    glyphs.ascii_only,
                ),
                width,
                glyphs.ellipsis,
            ),
            Role.LABEL,
        )
    hints = [(keys_text(state.keymap, keys, f"{{{name}}}"), what) for keys, what, name in HINTS]
    put_hints(canvas, x, max(0, width - x), hints, glyphs)
    return canvas.block()


def render_fleet(
    snapshot: FleetSnapshot,
    shown: Sequence[FleetRow],
    state: FleetState,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    """The whole fleet screen, ``width`` x ``height``; ``shown``: the rows after the filter
    and the sort (``sot.fleet_view.visible_rows``), of which the page from ``state.top`` is
    drawn."""
    canvas = Canvas(width, height)
    if width <= 0 or height <= 0:
        return canvas.block()
    canvas.fill(0, 0, width, " ", Role.TITLE)
    canvas.put(0, 0, _title(snapshot, len(shown), width, glyphs), Role.TITLE)
    if height >= 2:
        canvas.paste(height - 1, 0, _status(snapshot, state, width, glyphs))
    rows = page_rows(height)
    if rows <= 0:
        return canvas.block()
    if state.mode is Mode.HELP:
        _help(canvas, 1, height - 2, state, glyphs)
        return canvas.block()
    columns = column_widths(shown, width)
    _header(canvas, 1, columns, state, glyphs)
    if not shown:
        empty = "no instance matches the filter" if state.filter_text else "no instances"
        canvas.put(TITLE_ROWS, 1, fit(empty, width - 1, glyphs.ellipsis), Role.DIM)
        return canvas.block()
    page = shown[state.top : state.top + rows]
    for offset, row in enumerate(page):
        _row(canvas, TITLE_ROWS + offset, row, columns, row.key == state.selected, glyphs)
    return canvas.block()
