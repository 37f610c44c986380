"""Where each panel goes, from the terminal size alone, by a table of tiers.

A tier is a list of bands stacked top to bottom; a band is a row of panels side by side, each
with a width weight. Adding a panel to the screen is one more band or one more entry in a band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    COMPACT = "compact"
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
class Band:
    """A row of panels ``(name, width weight)``. Its height is ``rows`` when given (header and
    status lines); else ``share`` of the body (the rows between the fixed bands) kept within
    ``minimum``..``maximum``; a band with neither takes what the others leave. A band appears
    only when the body has at least ``from_body`` rows."""

    panels: tuple[tuple[str, int], ...]
    rows: int | None = None
    share: float | None = None
    minimum: int = 1
    maximum: int | None = None
    from_body: int = 0

    def height(self, body: int) -> int:
        if self.rows is not None:
            return self.rows
        if self.share is None:
            return 0  # the rest: sized after the others
        wanted = max(self.minimum, round(body * self.share))
        return wanted if self.maximum is None else min(self.maximum, wanted)


@dataclass(frozen=True, slots=True)
class TierSpec:
    tier: Tier
    min_width: int
    min_height: int
    bands: tuple[Band, ...]


HEADER = Band((("header", 1),), rows=1)
STATUS = Band((("status", 1),), rows=1)
PROCESSES = Band((("processes", 1),))
# Where the GPU panel is a band of its own: a line per GPU (two) in the medium tier, one line
# in the smaller ones. Like every GPU place, dropped on a machine without GPUs (``hidden``);
# GPU_LINES is one row where the panel has one line to show (GPU_SECOND_LINE in ``hidden``).
GPU_LINES = Band((("gpu", 1),), rows=2)
GPU_LINE = Band((("gpu", 1),), rows=1)
GPU_SECOND_LINE = "gpu:second-line"

# First match wins: a tier applies from its minimum size up. The process table gets the room
# first; history graphs appear as the terminal grows (at 80x24, 14 process rows; at 160x48, 25).
TIERS: tuple[TierSpec, ...] = (
    TierSpec(
        Tier.FULL,
        120,
        36,
        (
            HEADER,
            # The GPU panel (only on a machine with GPUs) takes a share beside memory: at
            # 160x48 wide enough for a line of utilisation, memory, temperature and power.
            Band((("cpu", 60), ("memory", 40), ("gpu", 55)), share=0.22, minimum=7),
            Band((("disks", 50), ("network", 50)), share=0.17, minimum=6),
            PROCESSES,
            STATUS,
        ),
    ),
    # Graphs of CPU and memory; disk and network rates as one line each.
    TierSpec(
        Tier.MEDIUM,
        80,
        30,
        (
            HEADER,
            Band((("cpu", 60), ("memory", 40)), share=0.24, minimum=7),
            Band((("rates", 1),), rows=2),
            GPU_LINES,
            PROCESSES,
            STATUS,
        ),
    ),
    # htop-style one-line meters above the table: CPU, each CPU, memory, disk, network.
    TierSpec(
        Tier.COMPACT,
        60,
        16,
        (HEADER, Band((("summary", 1),), rows=5), GPU_LINE, PROCESSES, STATUS),
    ),
    # The meters that fit (CPU and memory first) and the table.
    TierSpec(
        Tier.NARROW,
        MIN_WIDTH,
        MIN_HEIGHT,
        (
            HEADER,
            Band((("summary", 1),), share=0.2, minimum=2, maximum=5),
            GPU_LINE,
            PROCESSES,
            STATUS,
        ),
    ),
)


# `sot ps`: the process table under the listening ports and the development servers. Side by
# side where there is width for both tables, stacked on narrow terminals; on the smallest the
# dev servers go first (the process table keeps at least 3 rows: a row and its header).
PS_TIERS: tuple[TierSpec, ...] = (
    TierSpec(
        Tier.FULL,
        120,
        30,
        (
            HEADER,
            Band((("ports", 55), ("devservers", 45)), share=0.4, minimum=6, maximum=20),
            PROCESSES,
            STATUS,
        ),
    ),
    TierSpec(
        Tier.MEDIUM,
        80,
        20,
        (
            HEADER,
            Band((("ports", 50), ("devservers", 50)), share=0.4, minimum=5),
            PROCESSES,
            STATUS,
        ),
    ),
    TierSpec(
        Tier.NARROW,
        MIN_WIDTH,
        MIN_HEIGHT,
        (
            HEADER,
            Band((("ports", 1),), share=0.3, minimum=3),
            Band((("devservers", 1),), share=0.25, minimum=3, from_body=16),
            PROCESSES,
            STATUS,
        ),
    ),
)

# `sot disk`: the disk tree (disks, partitions, holders) beside the selected disk's graphs;
# below 100 columns the graphs go under the tree. Every size from 40x10 has both.
DISK_TIERS: tuple[TierSpec, ...] = (
    TierSpec(
        Tier.FULL,
        100,
        MIN_HEIGHT,
        (HEADER, Band((("disk_tree", 55), ("disk_graphs", 45))), STATUS),
    ),
    TierSpec(
        Tier.NARROW,
        MIN_WIDTH,
        MIN_HEIGHT,
        (
            HEADER,
            Band((("disk_tree", 1),), share=0.55, minimum=4),
            Band((("disk_graphs", 1),)),
            STATUS,
        ),
    ),
)

# Each full-screen view (the dashboard; `sot ps`, `sot disk`) is a tier table of its own: the
# same loop, panels and keys, another arrangement. A subcommand's screen registers here.
SCREENS: dict[str, tuple[TierSpec, ...]] = {"dashboard": TIERS, "ps": PS_TIERS, "disk": DISK_TIERS}
# What a screen reads beyond the dashboard's readings (Collector.sample's ``wanted``): the
# dashboard wants nothing extra, so its cost does not change when screens are added.
SCREEN_READINGS: dict[str, frozenset[str]] = {
    "ps": frozenset({"ports", "dev_servers"}),
    "disk": frozenset({"block_devices"}),
}
# The panels Tab moves the focus between, in order; a screen not listed has only the table.
FOCUS_ORDER: dict[str, tuple[str, ...]] = {"ps": ("processes", "ports", "devservers")}


# Panels the number keys show and hide (1 is the first) and the config file's ``panels`` names;
# a panel a tier does not draw (disks and network are one "rates" band in the medium tier) is
# hidden with its band's share of it.
TOGGLEABLE_PANELS: tuple[str, ...] = ("cpu", "memory", "disks", "network", "gpu", "processes")
# What ``compute_layout`` leaves out on a machine without GPUs (``hidden``); see
# ``sot.render.panels.hidden_panels`` for the rule from a snapshot.
NO_GPUS = frozenset({"gpu"})


def screen_readings(screen: str) -> frozenset[str]:
    return SCREEN_READINGS.get(screen, frozenset())


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    height: int
    tier: Tier
    places: tuple[tuple[str, Rect], ...] = ()

    def panels(self) -> tuple[Rect, ...]:
        return tuple(rect for _, rect in self.places)

    def rect(self, name: str) -> Rect | None:
        return next((rect for placed, rect in self.places if placed == name), None)


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


def _tier_for(width: int, height: int, screen: str) -> TierSpec | None:
    tiers = SCREENS[screen]
    return next((t for t in tiers if width >= t.min_width and height >= t.min_height), None)


def _band_heights(bands: Sequence[Band], height: int) -> list[int]:
    """Each band's rows (0: not shown); the bands without a size share what is left."""
    fixed = sum(band.rows for band in bands if band.rows is not None and band.from_body == 0)
    body = height - fixed
    heights = [band.height(body) if body >= band.from_body else 0 for band in bands]
    rest = [
        i
        for i, band in enumerate(bands)
        if band.rows is None and band.share is None and body >= band.from_body
    ]
    for index, share in zip(rest, split(height - sum(heights), [1] * len(rest)), strict=True):
        heights[index] = share
    return heights


# The lines of the one-line meter bands, by the toggleable panel each belongs to: a hidden panel
# leaves its lines out ("cores" goes with cpu), and a band whose lines are all hidden goes.
BAND_LINES: dict[str, tuple[tuple[str, str], ...]] = {
    "summary": (
        ("cpu", "cpu"),
        ("cores", "cpu"),
        ("memory", "memory"),
        ("disk", "disks"),
        ("network", "network"),
    ),
    "rates": (("disk", "disks"), ("network", "network")),
}


def shown_lines(band: str, hidden: frozenset[str]) -> tuple[str, ...]:
    """The lines of a meter band (``BAND_LINES``) whose panel is not hidden."""
    return tuple(line for line, panel in BAND_LINES.get(band, ()) if panel not in hidden)


def screen_panels(screen: str) -> tuple[str, ...]:
    """The panels of ``screen`` that can be focused and zoomed, in the order Tab visits them:
    the process table first, then the others as the largest tier places them (the meter bands
    and the header and status lines are not panels of their own)."""
    names: list[str] = []
    for spec in SCREENS[screen]:
        for band in spec.bands:
            for name, _ in band.panels:
                if name not in names and name not in ("header", "status", *BAND_LINES):
                    names.append(name)
    first = [n for n in names if n == "processes"]
    return (*first, *(n for n in names if n != "processes"))


def _visible_band(band: Band, hidden: frozenset[str]) -> Band | None:
    """``band`` without its hidden panels (None: nothing left): their width goes to their
    neighbours; a meter band loses their lines."""
    name = band.panels[0][0]
    if name not in BAND_LINES:
        panels = tuple((n, w) for n, w in band.panels if n not in hidden)
        if band is GPU_LINES and panels and GPU_SECOND_LINE in hidden:
            return replace(band, panels=panels, rows=1)  # one GPU: one line
        return replace(band, panels=panels) if panels else None
    lines = len(shown_lines(name, hidden))
    if lines == 0:
        return None
    if band.rows is not None:
        return replace(band, rows=min(band.rows, lines))
    return replace(
        band, minimum=min(band.minimum, lines), maximum=min(band.maximum or lines, lines)
    )


def _visible_bands(bands: Sequence[Band], hidden: frozenset[str]) -> tuple[Band, ...]:
    """The bands without the hidden panels; an emptied band goes (its rows to the table).
    With the table hidden, the other bands share its rows."""
    kept: list[Band] = []
    for band in bands:
        if band is HEADER or band is STATUS:
            kept.append(band)
            continue
        visible = _visible_band(band, hidden)
        if visible is None:
            continue
        if "processes" in hidden:
            visible = _without_table(visible, hidden)
        kept.append(visible)
    body = [i for i, band in enumerate(kept) if band is not HEADER and band is not STATUS]
    if not body:  # everything hidden: the table stays, so the screen is never blank
        return tuple(b for b in bands if b is HEADER or b is STATUS or b is PROCESSES)
    if not any(kept[i].rows is None and kept[i].share is None for i in body):
        kept[body[-1]] = _rest(kept[body[-1]])  # someone takes the rows left over
    return tuple(kept)


def _without_table(band: Band, hidden: frozenset[str]) -> Band:
    """``band`` where the table is hidden: a graph band shares the table's rows; a meter band
    keeps a row per line it shows (more would be blank), unless no band can take the rest."""
    name = band.panels[0][0]
    if name in BAND_LINES:
        return replace(band, rows=len(shown_lines(name, hidden)), share=None, maximum=None)
    return _rest(band) if band.rows is None else band


def _rest(band: Band) -> Band:
    """``band`` taking (a share of) the rows the fixed bands leave."""
    return replace(band, rows=None, share=None, maximum=None)


def compute_layout(
    width: int,
    height: int,
    with_status: bool = True,
    screen: str = "dashboard",
    hidden: frozenset[str] = NO_GPUS,
    zoom: str | None = None,
) -> Layout:
    """Where each panel of ``screen`` goes; ``with_status=False`` leaves out the key hints
    (one-shot output, where no key can be pressed). ``hidden`` panels give their room to the
    others (sot.layout.TOGGLEABLE_PANELS' names, and GPU_SECOND_LINE); it defaults to NO_GPUS
    (a machine without GPUs), here and in ``process_page_rows`` and ``details_place``: callers
    showing a snapshot pass the user's hidden panels and ``sot.render.panels.hidden_panels`` of
    it. ``zoom`` (a panel of ``screen_panels``) takes every row between the header and the
    status line, hidden or not."""
    width, height = max(0, width), max(0, height)
    spec = _tier_for(width, height, screen)
    if spec is None:
        return Layout(width, height, Tier.TOO_SMALL)
    if zoom is not None and zoom in screen_panels(screen):
        all_bands: tuple[Band, ...] = (HEADER, Band(((zoom, 1),)), STATUS)
    else:
        all_bands = _visible_bands(spec.bands, hidden) if hidden else spec.bands
    bands = tuple(b for b in all_bands if with_status or b is not STATUS)
    places: list[tuple[str, Rect]] = []
    y = 0
    for band, rows in zip(bands, _band_heights(bands, height), strict=True):
        if rows <= 0:
            continue
        x = 0
        names = [name for name, _ in band.panels]
        for name, share in zip(names, split(width, [w for _, w in band.panels]), strict=True):
            places.append((name, Rect(y, x, share, rows)))
            x += share
        y += rows
    return Layout(width, height, spec.tier, tuple(places))
