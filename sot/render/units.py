"""Human-readable numbers. Every formatter shows unknown (``None``) as ``-``."""

from __future__ import annotations

import math

UNKNOWN = "-"
_BINARY_UNITS = ("B", "K", "M", "G", "T", "P", "E")


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def human_bytes(value: float | None) -> str:
    """1024-based, at most 6 cells below 1 PiB: ``512B``, ``1.5K``, ``23M``, ``1.50G``."""
    if value is None or not _known(value):
        return UNKNOWN
    size = max(0.0, float(value))
    unit = 0
    while size >= 1000 and unit < len(_BINARY_UNITS) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{int(size)}B"
    if size < 10:
        return (
            f"{size:.2f}{_BINARY_UNITS[unit]}" if unit >= 3 else f"{size:.1f}{_BINARY_UNITS[unit]}"
        )
    if size < 100:
        return f"{size:.1f}{_BINARY_UNITS[unit]}"
    return f"{int(size)}{_BINARY_UNITS[unit]}"


def human_rate(value: float | None) -> str:
    if value is None or not _known(value):
        return UNKNOWN
    return f"{human_bytes(value)}/s"


def percent(value: float | None, decimals: int = 1) -> str:
    if value is None or not _known(value):
        return UNKNOWN
    return f"{value:.{decimals}f}%"


def count_per_s(value: float | None) -> str:
    if value is None or not _known(value):
        return UNKNOWN
    if value >= 10_000:
        return f"{value / 1000:.0f}k/s"
    if value >= 100:
        return f"{value:.0f}/s"
    return f"{value:.1f}/s"


def duration(seconds: float | None) -> str:
    """Uptime style: ``3d 04:12``, ``04:12:09``."""
    if seconds is None or not _known(seconds) or seconds < 0:
        return UNKNOWN
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def cpu_time(seconds: float | None) -> str:
    """htop's TIME+ style: ``M:SS.hh`` under an hour, then ``HhMM:SS``, then days."""
    if seconds is None or not _known(seconds) or seconds < 0:
        return UNKNOWN
    if seconds < 3600:
        minutes, secs = divmod(seconds, 60)
        return f"{int(minutes)}:{secs:05.2f}"
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours < 100:
        return f"{hours}h{minutes:02d}:{secs:02d}"
    return f"{hours // 24}d{hours % 24:02d}h"


def milliseconds(value: float | None) -> str:
    """A latency: ``0.4ms``, ``12.3ms``, ``250ms``, ``1.5s``: at most 6 cells."""
    if value is None or not _known(value) or value < 0:
        return UNKNOWN
    if value < 100:
        return f"{value:.1f}ms"
    if value < 1000:
        return f"{value:.0f}ms"
    return f"{value / 1000:.1f}s" if value < 100_000 else f"{value / 1000:.0f}s"


def frequency(mhz: float | None) -> str:
    if mhz is None or not _known(mhz):
        return UNKNOWN
    return f"{mhz / 1000:.2f}GHz" if mhz >= 1000 else f"{mhz:.0f}MHz"


def celsius(value: float | None, ascii_only: bool) -> str:
    if value is None or not _known(value):
        return UNKNOWN
    return f"{value:.0f}C" if ascii_only else f"{value:.0f}°C"


def nice_ceiling(value: float, floor: float) -> float:
    """The smallest 1/2/5 x 10^n at or above ``value`` (and at least ``floor``): graph scales."""
    value = max(value, floor)
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * 0.999999:
            # Near the top of the float range the round step is infinite: the value itself
            # is then the only finite scale that holds it.
            return candidate if candidate < math.inf else value
    return value
