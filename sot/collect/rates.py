"""Per-second rates from cumulative counters."""

from __future__ import annotations


def rate(previous: float | None, current: float | None, interval_s: float | None) -> float | None:
    """Counter change per second, or ``None`` when it cannot be trusted.

    A counter that went backwards (wrap, reset, re-created interface, hot-plugged disk), a missing
    reading, or a non-positive interval gives ``None``, never a negative rate.
    """
    if previous is None or current is None or interval_s is None or interval_s <= 0:
        return None
    delta = current - previous
    if delta < 0:
        return None
    return delta / interval_s


def percent_of(part: float | None, whole: float | None) -> float | None:
    """``part`` as a percentage of ``whole``, clamped to 0..100; ``None`` when unknowable."""
    if part is None or whole is None or whole <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * part / whole))
