"""Writing labelled fields into a canvas row, left to right, clipped to a width."""

from __future__ import annotations

from collections.abc import Sequence

from sot.render.cells import Canvas, display_width, fit, sanitize
from sot.render.glyphs import Glyphs

Segment = tuple[str, str]  # (text, role)


def put_segments(
    canvas: Canvas, y: int, x: int, width: int, segments: Sequence[Segment], glyphs: Glyphs
) -> int:
    """Write segments from x, never past x + width; the one that does not fit is cut with an
    ellipsis and the rest are dropped. Returns the column after the last cell written."""
    end = x + width
    for raw, role in segments:
        text = sanitize(raw, glyphs.ascii_only)
        room = end - x
        if room <= 0:
            break
        if display_width(text) > room:
            x = canvas.put(y, x, fit(text, room, glyphs.ellipsis), role)
            break
        x = canvas.put(y, x, text, role)
    return x
