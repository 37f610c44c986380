"""Panel frames: a border with a title, and the inner area to draw in."""

from __future__ import annotations

from sot.layout import Rect
from sot.render.cells import Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs


def draw_box(canvas: Canvas, title: str, glyphs: Glyphs, note: str = "") -> Rect:
    """Border around the whole canvas, ``title`` on the top edge at the left and ``note`` at the
    right; returns the inner rectangle (possibly empty on a tiny canvas)."""
    width, height = canvas.width, canvas.height
    if width < 2 or height < 2:
        return Rect(0, 0, 0, 0)
    horizontal = glyphs.horizontal * (width - 2)
    canvas.put(0, 0, glyphs.top_left + horizontal + glyphs.top_right, Role.BORDER)
    canvas.put(height - 1, 0, glyphs.bottom_left + horizontal + glyphs.bottom_right, Role.BORDER)
    canvas.column(0, 1, height - 1, glyphs.vertical, Role.BORDER)
    canvas.column(width - 1, 1, height - 1, glyphs.vertical, Role.BORDER)
    title = fit(sanitize(title, glyphs.ascii_only), max(0, width - 4), glyphs.ellipsis)
    if title:
        end = canvas.put(0, 1, " ", Role.BORDER)
        end = canvas.put(0, end, title, Role.TITLE)
        canvas.put(0, end, " ", Role.BORDER)
    room = width - 4 - display_width(title) - 3
    # A note holds figures (rates, totals): shown whole or not at all.
    note = sanitize(note, glyphs.ascii_only)
    if display_width(note) > room:
        note = ""
    if note:
        start = width - 2 - display_width(note)
        canvas.put(0, start - 1, " ", Role.BORDER)
        canvas.put(0, start, note, Role.LABEL)
        canvas.put(0, start + display_width(note), " ", Role.BORDER)
    return Rect(1, 1, width - 2, height - 2)


def open_box(
    width: int, height: int, title: str, glyphs: Glyphs, note: str = ""
) -> tuple[Canvas, Rect | None]:
    """A panel's canvas with its border and title drawn, and the inner rectangle to fill; None
    when the panel is too small to hold anything inside its border."""
    canvas = Canvas(width, height)
    inner = draw_box(canvas, title, glyphs, note)
    return canvas, inner if inner.width > 0 and inner.height > 0 else None
