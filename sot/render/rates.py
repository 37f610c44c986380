"""Two autoscaled rate graphs stacked in one area: used by the disk and network panels."""

from __future__ import annotations

from sot.history import Series
from sot.render.cells import Canvas, Role
from sot.render.glyphs import Glyphs
from sot.render.graph import autoscale, graph_rows, visible_samples
from sot.render.text import field, put_fields
from sot.render.units import human_rate

RATE_FLOOR_BYTES_PER_S = 1024.0  # below this an idle link's noise would fill the graph


def draw_rate_pair(
    canvas: Canvas,
    top: int,
    left: int,
    width: int,
    height: int,
    upper: tuple[str, Series, str],
    lower: tuple[str, Series, str],
    glyphs: Glyphs,
) -> None:
    """Upper and lower halves each plot one (label, series, role), scaled to its own visible max,
    with the max written at the top-left so the scale is always readable."""
    if width <= 0 or height <= 0:
        return
    halves = [(upper, (height + 1) // 2, top), (lower, height // 2, top + (height + 1) // 2)]
    for (label, series, role), rows_count, y in halves:
        if rows_count <= 0:
            continue
        recent = series[-visible_samples(width, glyphs) :]
        maximum = autoscale(recent, RATE_FLOOR_BYTES_PER_S)
        for offset, text in enumerate(graph_rows(recent, width, rows_count, maximum, glyphs)):
            canvas.put(y + offset, left, text, role)
        # The scale, dim at the graph's edge and named as one: an arrow beside a rate read as
        # "upload", and a bare figure as the current reading.
        scale = [field((label, Role.DIM)), field((f" max {human_rate(maximum)}", Role.DIM))]
        put_fields(canvas, y, left, width, scale, glyphs)
