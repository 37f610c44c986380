"""CPU percentages from two readings of cumulative per-CPU times."""

from __future__ import annotations

from collections.abc import Sequence

from sot.collect.records import CpuTimes
from sot.model import CpuBreakdown

UNKNOWN_BREAKDOWN = CpuBreakdown(None, None, None, None, None, None, None)


def _busy_percent(previous: CpuTimes, current: CpuTimes) -> float | None:
    busy_before, total_before = previous.busy_total()
    busy_now, total_now = current.busy_total()
    total = total_now - total_before
    busy = busy_now - busy_before
    # Counters that went backwards (CPU hot-plug, a VM migration) give no trustworthy figure.
    if total <= 0 or busy < 0:
        return None
    return max(0.0, min(100.0, 100.0 * busy / total))


def _sum(times: Sequence[CpuTimes]) -> CpuTimes:
    def total(name: str) -> float | None:
        values = [getattr(t, name) for t in times]
        return None if any(v is None for v in values) else float(sum(values))

    return CpuTimes(
        user=sum(t.user for t in times),
        nice=sum(t.nice for t in times),
        system=sum(t.system for t in times),
        idle=sum(t.idle for t in times),
        iowait=total("iowait"),
        irq=total("irq"),
        softirq=total("softirq"),
        steal=total("steal"),
        guest=total("guest"),
        guest_nice=total("guest_nice"),
    )


def _breakdown(previous: CpuTimes, current: CpuTimes) -> CpuBreakdown:
    _, total_before = previous.busy_total()
    _, total_now = current.busy_total()
    total = total_now - total_before
    if total <= 0:
        return UNKNOWN_BREAKDOWN

    def share(before: float | None, now: float | None) -> float | None:
        if before is None or now is None or now < before:
            return None
        return min(100.0, 100.0 * (now - before) / total)

    irq_before = None if previous.irq is None else previous.irq + (previous.softirq or 0.0)
    irq_now = None if current.irq is None else current.irq + (current.softirq or 0.0)
    return CpuBreakdown(
        user_percent=share(previous.user, current.user),
        system_percent=share(previous.system, current.system),
        nice_percent=share(previous.nice, current.nice),
        iowait_percent=share(previous.iowait, current.iowait),
        irq_percent=share(irq_before, irq_now),
        steal_percent=share(previous.steal, current.steal),
        idle_percent=share(previous.idle, current.idle),
    )


def cpu_percentages(
    previous: Sequence[CpuTimes] | None, current: Sequence[CpuTimes] | None
) -> tuple[float | None, tuple[float | None, ...], CpuBreakdown]:
    """(total %, per-CPU %, breakdown) over the interval between two readings.

    With no previous reading, or when the CPU set changed between the two, every figure is
    unknown rather than a made-up zero.
    """
    if not current:
        return None, (), UNKNOWN_BREAKDOWN
    if not previous or len(previous) != len(current):
        return None, (None,) * len(current), UNKNOWN_BREAKDOWN
    per_cpu = tuple(_busy_percent(p, c) for p, c in zip(previous, current, strict=True))
    total_before, total_now = _sum(previous), _sum(current)
    return (
        _busy_percent(total_before, total_now),
        per_cpu,
        _breakdown(total_before, total_now),
    )
