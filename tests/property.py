"""How hard property tests search: fixed examples in `make test`, ten times as many random ones
under `make fuzz` (SOT_HYPOTHESIS=fuzz)."""

from __future__ import annotations

import os

PROFILE = os.environ.get("SOT_HYPOTHESIS", "deterministic")
_FACTOR = 10 if PROFILE == "fuzz" else 1


def examples(count: int) -> int:
    """A test's own example count, scaled for a fuzzing run."""
    return count * _FACTOR
