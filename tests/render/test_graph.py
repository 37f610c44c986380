"""Graph levels: the fast comprehension against the plain per-value rule, written out here."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from sot.render.graph import _all_levels


def _levels(value: float | None, maximum: float, steps: int) -> int:
    """How many of ``steps`` sub-rows ``value`` fills; any activity shows at least one."""
    if value is None or not math.isfinite(value) or value <= 0 or not 0 < maximum < math.inf:
        return 0
    filled = round(steps * min(value, maximum) / maximum)
    return max(1, min(steps, filled))


VALUES = st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))


@given(VALUES, st.floats(allow_nan=True, allow_infinity=True), st.integers(1, 64))
@example([math.inf, -math.inf, math.nan, None, 0.0, 5.0], 10.0, 8)
@example([1.0], math.nan, 1)
def test_every_value_gets_the_level_of_the_plain_rule(
    values: list[float | None], maximum: float, steps: int
) -> None:
    assert _all_levels(values, maximum, steps) == [_levels(v, maximum, steps) for v in values]
