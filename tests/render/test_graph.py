"""Scaling a value to a height or a width (graphs, sparklines, bars, core glyphs), against a rule
written out here with exact rational arithmetic, for every float a caller can pass."""

from __future__ import annotations

import math
import sys
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from sot.render.glyphs import ASCII, BLOCK, UNICODE, Glyphs
from sot.render.graph import _all_levels, autoscale, fill_level, graph_rows, sparkline
from sot.render.meters import bar

HUGE = sys.float_info.max
TINY = 5e-324  # the smallest subnormal
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
VALUES = st.lists(st.one_of(st.none(), FLOATS))


def exact_levels(value: float | None, maximum: float, steps: int) -> set[int]:
    """The levels a value may get: the nearest whole number of ``steps`` to value / maximum,
    computed exactly; where that ratio lies within a rounding error of a half step, either
    neighbour is right. Any activity shows at least one level; unknown shows none."""
    if value is None or math.isnan(value) or math.isnan(maximum):
        return {0}
    if value <= 0 or maximum <= 0 or math.isinf(maximum) or (math.isinf(value) and value > 0):
        return {0}
    exact = Fraction(min(value, maximum)) / Fraction(maximum) * steps
    candidates = {math.floor(exact), math.ceil(exact)}
    if abs(exact - math.floor(exact) - Fraction(1, 2)) > Fraction(1, 10**9):
        candidates = {math.floor(exact + Fraction(1, 2))}
    return {max(1, min(steps, level)) for level in candidates}


EDGES = [0.0, -0.0, -1.0, TINY, -TINY, 1.0, HUGE, -HUGE, math.inf, -math.inf, math.nan, None]


@given(VALUES, FLOATS, st.integers(1, 64))
@example([6.658122721712281e306], 6.658122721712281e306, 27)  # the overflow a clone once found
@example(EDGES, 10.0, 8)
@example(EDGES, HUGE, 64)
@example(EDGES, TINY, 4)
@example([HUGE, TINY, 1.0], TINY, 7)
@example([1.0], math.nan, 1)
@example([1.0], math.inf, 3)
@example([1.0], -5.0, 3)
@example([1.0], 0.0, 3)
def test_every_value_gets_the_level_of_the_exact_rule(
    values: list[float | None], maximum: float, steps: int
) -> None:
    levels = _all_levels(values, maximum, steps)
    assert len(levels) == len(values)
    for value, level in zip(values, levels, strict=True):
        assert level in exact_levels(value, maximum, steps), (value, maximum, steps, level)
        assert fill_level(value, maximum, steps) == level


@given(st.one_of(st.none(), FLOATS), st.integers(0, 300), st.sampled_from([UNICODE, ASCII]))
@example(HUGE, 10, UNICODE)
@example(math.nan, 10, UNICODE)
@example(-math.inf, 10, ASCII)
@example(TINY, 3, UNICODE)
def test_a_bar_is_always_its_width_and_full_only_at_a_hundred(
    percent: float | None, width: int, glyphs: Glyphs
) -> None:
    drawn = bar(percent, width, glyphs)
    assert len(drawn) == width
    inner = width - len(glyphs.bar_open) - len(glyphs.bar_close)
    if inner > 0 and (percent is None or not percent > 0 or math.isnan(percent)):
        assert glyphs.bar_eighths[-1] not in drawn  # unknown, zero and negative show nothing


@given(
    VALUES,
    FLOATS,
    st.integers(0, 40),
    st.integers(0, 6),
    st.sampled_from([UNICODE, ASCII, BLOCK]),
)
@example([HUGE, 1.0, TINY, None], HUGE, 4, 2, UNICODE)
@example([math.inf, math.nan, -1.0], math.nan, 3, 1, BLOCK)
def test_graphs_and_sparklines_keep_their_size_for_any_float(
    values: list[float | None], maximum: float, width: int, height: int, glyphs: Glyphs
) -> None:
    rows = graph_rows(values, width, height, maximum, glyphs)
    assert len(rows) == height and all(len(row) == width for row in rows)
    assert len(sparkline(values, width, maximum, glyphs)) == width


@given(VALUES)
@example([HUGE])
@example([HUGE / 3, None, math.nan])
@example([TINY])
def test_autoscale_gives_a_finite_scale_that_holds_every_value(values: list[float | None]) -> None:
    scale = autoscale(values, 1.0)
    assert 1.0 <= scale < math.inf
    known = [v for v in values if v is not None and math.isfinite(v)]
    assert all(v <= scale for v in known)
