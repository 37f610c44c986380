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


def iostat_await_util(
    ios: int, waited_ms: int, busy_ms: int, interval_s: float | None
) -> tuple[float | None, float | None]:
    """(await ms, util %) of one block device between two readings of its counters, as
    ``iostat -x`` computes them from the changes (deltas) of /proc/diskstats' fields:

        await = (delta read ms + delta write ms) / (delta reads + delta writes)
        util  = delta io ms / (interval in ms) * 100

    ``ios``, ``waited_ms`` and ``busy_ms`` are those deltas. await is None when no I/O completed
    in the interval (iostat prints 0.00 there, which reads as "fast"; nothing was measured).
    util counts the time the device had any I/O in flight: a device serving parallel queues
    (NVMe, RAID, SSDs) can be busy all the time and still have room, and the kernel's io_ms can
    run a little ahead of the clock between two reads, so it may exceed 100; iostat clamps it
    to 100, and so does this. A counter that went backwards (reset, hot-plug) gives None.
    """
    if interval_s is None or interval_s <= 0:
        return None, None
    await_ms = waited_ms / ios if ios > 0 and waited_ms >= 0 else None
    util = min(100.0, 100.0 * busy_ms / (interval_s * 1000.0)) if busy_ms >= 0 else None
    return await_ms, util
