"""History graphs (braille, block or ASCII) and one-line sparklines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from sot.render.glyphs import Glyphs, GraphStyle
from sot.render.units import nice_ceiling

# Braille dots filled from the bottom: dots 7,3,2,1 in the left column, 8,6,5,4 in the right.
_LEFT_DOTS = (0x40, 0x04, 0x02, 0x01)
_RIGHT_DOTS = (0x80, 0x20, 0x10, 0x08)
_LEFT_MASKS = tuple(sum(_LEFT_DOTS[:n]) for n in range(5))
_RIGHT_MASKS = tuple(sum(_RIGHT_DOTS[:n]) for n in range(5))
_ASCII_LEVELS = " .:#"


def _all_levels(series: Sequence[float | None], maximum: float, steps: int) -> list[int]:
    """How many of ``steps`` sub-rows each value fills; any activity shows at least one, and
    unknown or non-finite values (or maximum) fill none. One comprehension: a graph has hundreds
    of samples and a frame half a dozen graphs, so a call per value was most of the cost.

    The fraction is taken first: ``min(v, maximum) / maximum`` is in [0, 1] for every finite
    pair, so ``steps *`` it can neither overflow (``steps * 1e308``) nor lose a subnormal."""
    if not 0 < maximum < math.inf:  # NaN too
        return [0] * len(series)
    # The comparison is False for NaN and both infinities.
    return [
        max(1, min(steps, round(steps * (min(v, maximum) / maximum))))
        if v is not None and 0 < v < math.inf
        else 0
        for v in series
    ]


def fill_level(value: float | None, maximum: float, steps: int) -> int:
    """How many of ``steps`` units (sub-rows, eighths of a bar, glyph levels) one value fills,
    by the same rule as the graphs: any activity shows at least one, unknown shows none."""
    return _all_levels((value,), maximum, steps)[0]


def samples_per_cell(glyphs: Glyphs) -> int:
    return 2 if glyphs.graph is GraphStyle.BRAILLE else 1


@lru_cache(maxsize=2048)
def _braille_column(left: int, right: int, height: int) -> tuple[str, ...]:
    """One cell column of a braille graph, top to bottom, for two sample levels (in dots)."""
    cells = []
    for row in range(height):
        base = (height - 1 - row) * 4
        bits = _LEFT_MASKS[min(4, max(0, left - base))] | _RIGHT_MASKS[min(4, max(0, right - base))]
        cells.append(chr(0x2800 + bits) if bits else " ")
    return tuple(cells)


@lru_cache(maxsize=2048)
def _palette_column(level: int, height: int, palette: str) -> tuple[str, ...]:
    steps = len(palette) - 1
    return tuple(
        palette[min(steps, max(0, level - (height - 1 - row) * steps))] for row in range(height)
    )


def graph_rows(
    values: Sequence[float | None], width: int, height: int, maximum: float, glyphs: Glyphs
) -> list[str]:
    """``height`` strings of ``width`` cells plotting the newest ``values`` at the right edge."""
    if width <= 0 or height <= 0:
        return [""] * max(0, height)
    per_cell = samples_per_cell(glyphs)
    wanted = width * per_cell
    recent = list(values[-wanted:])
    series: list[float | None] = [None] * (wanted - len(recent))
    series += recent
    # Columns come from a cache (most repeat: idle stretches, flat lines); rows are then one
    # transpose and join, which keeps a 160x48 frame's graphs well under a millisecond.
    if glyphs.graph is GraphStyle.BRAILLE:
        levels = _all_levels(series, maximum, 4 * height)
        columns = [_braille_column(levels[i], levels[i + 1], height) for i in range(0, wanted, 2)]
    else:
        palette = glyphs.spark_levels if glyphs.graph is GraphStyle.BLOCK else _ASCII_LEVELS
        steps = len(palette) - 1
        columns = [
            _palette_column(level, height, palette)
            for level in _all_levels(series, maximum, steps * height)
        ]
    return ["".join(row) for row in zip(*columns, strict=True)]


def sparkline(values: Sequence[float | None], width: int, maximum: float, glyphs: Glyphs) -> str:
    """One row of ``width`` cells, one sample per cell, newest at the right."""
    if width <= 0:
        return ""
    recent = list(values[-width:])
    series: list[float | None] = [None] * (width - len(recent))
    series += recent
    steps = len(glyphs.spark_levels) - 1
    return "".join(glyphs.spark_levels[level] for level in _all_levels(series, maximum, steps))


def autoscale(values: Sequence[float | None], floor: float) -> float:
    """A round upper bound for the visible values, so the graph never saturates."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    return nice_ceiling(max(known, default=0.0), floor)


def visible_samples(width: int, glyphs: Glyphs) -> int:
    return width * samples_per_cell(glyphs)
