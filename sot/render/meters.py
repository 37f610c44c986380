"""Horizontal bar meters."""

from __future__ import annotations

import math

from sot.render.cells import Role
from sot.render.glyphs import Glyphs
from sot.render.graph import fill_level


def level_role(percent: float | None, warn: float = 60.0, critical: float = 85.0) -> str:
    if percent is None or not math.isfinite(percent):
        return Role.DIM
    if percent >= critical:
        return Role.CRIT
    if percent >= warn:
        return Role.WARN
    return Role.OK


def bar(percent: float | None, width: int, glyphs: Glyphs) -> str:
    """A bar of exactly ``width`` cells (brackets included in ASCII) filled to ``percent``."""
    inner = width - len(glyphs.bar_open) - len(glyphs.bar_close)
    if inner <= 0:
        return (glyphs.bar_open + glyphs.bar_close)[: max(0, width)]
    if percent is None or not math.isfinite(percent):
        body = glyphs.bar_empty * inner
    else:
        eighths = fill_level(percent, 100.0, inner * 8)
        full, partial = divmod(eighths, 8)
        body = glyphs.bar_eighths[-1] * full
        if partial and full < inner:
            body += glyphs.bar_eighths[partial - 1]
        body += glyphs.bar_empty * (inner - len(body))
    return glyphs.bar_open + body + glyphs.bar_close
