"""Where each panel goes, from the terminal size alone, by a table of tiers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

MIN_WIDTH = 40
MIN_HEIGHT = 10
# The largest screen sot draws, in cells each way. Sizes come from outside (COLUMNS and LINES,
# the terminal's own report) and a frame is built cell by cell, so an unchecked 99,999,999 columns
# would ask for gigabytes. No terminal window shows 1,000 columns of readable text.
MAX_SIDE_CELLS = 1000


def clamp_size(width: int, height: int) -> tuple[int, int]:
    """The size to draw for a size reported from outside: at most 1,000 x 1,000, never negative.

    The one clamp for every such size (environment, terminal, recording), so none is missed."""
    return max(0, min(width, MAX_SIDE_CELLS)), max(0, min(height, MAX_SIDE_CELLS))


class Tier(Enum):
    FULL = "full"
    MEDIUM = "medium"
    NARROW = "narrow"
    TOO_SMALL = "too-small"


@dataclass(frozen=True, slots=True)
class Rect:
    y: int
    x: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def right(self) -> int:
        return self.x + self.width


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    height: int
    tier: Tier
    header: Rect | None = None
    cpu: Rect | None = None
    memory: Rect | None = None
    disks: Rect | None = None
    network: Rect | None = None
    processes: Rect | None = None
    status: Rect | None = None

    def panels(self) -> tuple[Rect, ...]:
        rects = (
            self.header,
            self.cpu,
            self.memory,
            self.disks,
            self.network,
            self.processes,
            self.status,
        )
        return tuple(r for r in rects if r is not None)


def split(total: int, weights: Sequence[int]) -> list[int]:
    """Integer shares of ``total`` in proportion to ``weights``; they always sum to ``total``.

    The rounding remainder is carried from share to share, so no 1-cell gap appears anywhere.
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0] * len(weights)
    shares: list[int] = []
    given = 0
    running = 0
    for weight in weights:
        running += weight
        edge = round(total * running / weight_sum)
        shares.append(edge - given)
        given = edge
    return shares


def _row(y: int, x: int, width: int, height: int, weights: Sequence[int]) -> list[Rect]:
    rects = []
    for share in split(width, weights):
        rects.append(Rect(y, x, share, height))
        x += share
    return rects


def compute_layout(width: int, height: int) -> Layout:
    width, height = max(0, width), max(0, height)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return Layout(width, height, Tier.TOO_SMALL)
    header = Rect(0, 0, width, 1)
    status = Rect(height - 1, 0, width, 1)
    body = height - 2
    if width >= 80 and height >= 24:
        tier = Tier.FULL if width >= 120 and height >= 36 else Tier.MEDIUM
        top = max(7, round(body * 0.30))
        middle = max(6, round(body * 0.22))
        cpu, memory = _row(1, 0, width, top, (60, 40))
        disks, network = _row(1 + top, 0, width, middle, (50, 50))
        processes = Rect(1 + top + middle, 0, width, body - top - middle)
        return Layout(width, height, tier, header, cpu, memory, disks, network, processes, status)
    # Narrow: panels stacked, the optional ones only when the height leaves the process table
    # room for a useful number of rows.
    cpu_height = max(3, min(8, round(body * 0.3)))
    memory_height = 4 if body >= 14 else 0
    extra = 5 if body >= 32 else 0
    y = 1
    narrow_cpu = Rect(y, 0, width, cpu_height)
    y += cpu_height
    narrow_memory = Rect(y, 0, width, memory_height) if memory_height else None
    y += memory_height
    narrow_network = Rect(y, 0, width, extra) if extra else None
    y += extra
    narrow_disks = Rect(y, 0, width, extra) if extra else None
    y += extra
    return Layout(
        width,
        height,
        Tier.NARROW,
        header,
        narrow_cpu,
        narrow_memory,
        narrow_disks,
        narrow_network,
        Rect(y, 0, width, height - 1 - y),
        status,
    )
