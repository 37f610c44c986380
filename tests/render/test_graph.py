"""Graph levels: the fast comprehension against the plain per-value rule."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from sot.render.graph import _all_levels, _levels

VALUES = st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))


@given(VALUES, st.floats(allow_nan=True, allow_infinity=True), st.integers(1, 64))
@example([math.inf, -math.inf, math.nan, None, 0.0, 5.0], 10.0, 8)
@example([1.0], math.nan, 1)
def test_every_value_gets_the_level_of_the_plain_rule(
    values: list[float | None], maximum: float, steps: int
) -> None:
    assert _all_levels(values, maximum, steps) == [_levels(v, maximum, steps) for v in values]
