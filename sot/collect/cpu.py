"""CPU percentages from two readings of cumulative per-CPU times."""

from __future__ import annotations

from collections.abc import Sequence

from sot.collect.records import CpuTimes
from sot.model import CpuBreakdown

UNKNOWN_BREAKDOWN = CpuBreakdown(None, None, None, None, None, None, None)


_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")
_IDLE_FIELDS = ("idle", "iowait")


def _growth(previous: CpuTimes, current: CpuTimes, fields: Sequence[str]) -> float:
    """How much the named counters grew. A counter that went backwards adds nothing instead of a
    negative share: Linux's iowait does (it is an estimate, documented as able to decrease), and
    so can any counter across CPU hot-plug or a VM migration; htop saturates the same way."""
    grown = 0.0
    for name in fields:
        before, now = getattr(previous, name), getattr(current, name)
        if before is not None and now is not None and now > before:
            grown += now - before
    return grown


def _busy_percent(previous: CpuTimes, current: CpuTimes) -> float | None:
    busy = _growth(previous, current, _BUSY_FIELDS)
    total = busy + _growth(previous, current, _IDLE_FIELDS)
    if total <= 0:
        return None  # no time passed that the kernel accounted for
    return min(100.0, 100.0 * busy / total)


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
    total = _growth(previous, current, (*_BUSY_FIELDS, *_IDLE_FIELDS))
    if total <= 0:
        return UNKNOWN_BREAKDOWN

    def share(*fields: str) -> float | None:
        if any(getattr(current, name) is None for name in fields[:1]):
            return None  # a counter this kernel does not keep
        return min(100.0, 100.0 * _growth(previous, current, fields) / total)

    return CpuBreakdown(
        user_percent=share("user"),
        system_percent=share("system"),
        nice_percent=share("nice"),
        iowait_percent=share("iowait"),
        irq_percent=share("irq", "softirq"),
        steal_percent=share("steal"),
        idle_percent=share("idle"),
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
