"""The details view of one process, and the small menus (user, signal) drawn over the table."""

from __future__ import annotations

from collections.abc import Sequence

from sot.layout import NO_GPUS, Rect, compute_layout
from sot.model import ProcessDetails
from sot.render.box import open_box
from sot.render.cells import Block, Role, display_width, fit, sanitize
from sot.render.details_content import Row, details_rows
from sot.render.glyphs import Glyphs

# The details view takes the process table's place, so opening and closing it redraws only that
# part of the screen (the meters above go on updating); a table shorter than this is too small
# to read details in, and the view takes the whole body between the header and the status line.
MIN_PLACE_ROWS = 12
CLOSE_NOTE = "Esc or q closes"


def details_place(
    width: int, height: int, hidden: frozenset[str] = NO_GPUS, zoom: str | None = None
) -> Rect:
    """Where the details view goes on a screen of this size (and these panels hidden or
    zoomed: sot.layout.compute_layout; by default the GPU panel is left out)."""
    table = compute_layout(width, height, True, "dashboard", hidden, zoom).rect("processes")
    if table is not None and table.height >= MIN_PLACE_ROWS:
        return table
    return Rect(1, 0, width, max(0, height - 2))


def details_extent(
    details: ProcessDetails | None, wall_epoch_s: float, width: int, height: int, glyphs: Glyphs
) -> tuple[int, int]:
    """(rows shown, rows in all) of the details view in a box of this size: how far it
    scrolls."""
    if details is None or width < 3 or height < 3:
        return 0, 0
    return height - 2, len(details_rows(details, wall_epoch_s, width - 2, glyphs))


def _note(title: str, width: int, top: int, shown: int, total: int, close: str) -> str:
    """The top edge's note: where the window is (when it scrolls) and how to close, whole
    parts that fit, the position first."""
    room = width - 7 - min(display_width(title), max(0, width - 4))
    position = f"{top + 1}-{min(total, top + shown)} of {total}" if total > shown else ""
    for note in (f"{position}  {close}" if position else close, position):
        if note and display_width(note) <= room:
            return note
    return ""


def render_details(
    details: ProcessDetails | None,
    pid: int,
    wall_epoch_s: float,
    top: int,
    width: int,
    height: int,
    glyphs: Glyphs,
    close_note: str = CLOSE_NOTE,
) -> Block:
    """The details box, showing its rows from ``top`` (clamped so the last row is at the
    bottom at most); ``close_note`` says which keys close it (the keys in force)."""
    name = sanitize(details.name, glyphs.ascii_only) if details else ""
    title = f"process {pid} {name}".strip()
    rows: tuple[Row, ...] = ()
    if details is not None and width >= 3:
        rows = details_rows(details, wall_epoch_s, width - 2, glyphs)
    shown = max(0, height - 2)
    top = max(0, min(top, len(rows) - shown))
    canvas, inner = open_box(
        width, height, title, glyphs, _note(title, width, top, shown, len(rows), close_note)
    )
    if inner is None:
        return canvas.block()
    if details is None:
        message = f"process {pid} has exited"
        canvas.put(inner.y, inner.x, fit(message, inner.width, glyphs.ellipsis), Role.WARN)
        return canvas.block()
    for offset, row in enumerate(rows[top : top + inner.height]):
        x = inner.x + row.x
        for text, role in row.segments:
            x = canvas.put(inner.y + offset, x, text, role)
    return canvas.block()


def render_menu(
    title: str,
    items: Sequence[str],
    index: int,
    width: int,
    height: int,
    glyphs: Glyphs,
    note: str = "Enter picks",
) -> Block:
    """A boxed list with the ``index`` item highlighted, scrolled to keep it in view."""
    canvas, inner = open_box(width, height, title, glyphs, note)
    if inner is None:
        return canvas.block()
    top = (
        max(0, min(index - inner.height + 1, len(items) - inner.height))
        if index >= inner.height
        else 0
    )
    for offset, item in enumerate(items[top : top + inner.height]):
        y = inner.y + offset
        canvas.put(
            y,
            inner.x,
            fit(" " + sanitize(item, glyphs.ascii_only), inner.width, glyphs.ellipsis),
            Role.VALUE,
        )
        if top + offset == index:
            canvas.restyle(y, inner.x, inner.width, Role.SELECTED)
    return canvas.block()
