"""Cells, lines and blocks: the plain data every render function produces.

A ``Line`` is one screen row: one string per cell (a wide character fills its cell and leaves ``""``
in the next) and one style letter per cell. Style letters name roles, not colours; the screen maps
them to escape sequences for the terminal at hand, so render code never sees an escape byte.

All text from the system passes through ``sanitize`` here, and every width is measured here with
wcwidth semantics, so no caller ever uses ``len()`` for columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from wcwidth import wcwidth

from sot import safe_text


class Role:
    """Style letters. One character each so a line's styles are a plain string."""

    NORMAL = " "
    DIM = "d"
    BORDER = "b"
    TITLE = "t"
    HEADER = "H"
    LABEL = "l"
    VALUE = "v"
    OK = "g"
    WARN = "y"
    CRIT = "r"
    CPU = "c"
    MEMORY = "m"
    RX = "x"
    TX = "w"
    SELECTED = "S"
    COLUMN = "C"
    KEY = "k"


# Roles that paint a background (or reverse video): a blank in any other role looks the same as a
# plain blank, which lets the screen writer skip style changes around spaces.
BACKGROUND_ROLES = frozenset({Role.HEADER, Role.SELECTED, Role.COLUMN})


# Printable ASCII plus the box-drawing, block and braille ranges the dashboard draws with: one cell
# per character and nothing to strip, so such text skips the per-character work.
_ONE_CELL_TEXT = re.compile("[\x20-\x7e\u2500-\u259f\u2800-\u28ff]*")


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    width = wcwidth(char)
    return max(width, 0)


def sanitize(text: str, ascii_only: bool = False) -> str:
    """Text safe to put on a terminal (see ``sot.safe_text.sanitize``, the one sanitizer that
    stderr and the log share), with a fast path for the dashboard's own glyph text."""
    if _ONE_CELL_TEXT.fullmatch(text) and (not ascii_only or text.isascii()):
        return text  # the common case: plain ASCII, or our own box, bar and graph glyphs
    return safe_text.sanitize(text, ascii_only)


# Emoji sequences that terminals (tmux, kitty, wezterm, foot, iTerm2) draw differently from the
# sum of their characters' wcwidth: two regional indicators are one flag, two cells (not four);
# VARIATION SELECTOR-16 asks for the emoji form, two cells, even after a narrow character (❤️).
_VS16 = "\ufe0f"
_REGIONAL_FIRST, _REGIONAL_LAST = "\U0001f1e6", "\U0001f1ff"


def clusters(text: str) -> Iterator[tuple[str, int]]:
    """``text`` cut where a terminal moves the cursor on, each piece with the cells it takes.

    A piece is a character with the zero-width characters after it (combining marks,
    selectors), or a pair of regional indicators; a zero-width character with nothing before it
    is a piece of width 0.
    """
    cluster, width = "", 0
    for char in text:
        char_width = _char_width(char)
        if cluster and char_width == 0:
            cluster += char
            if char == _VS16 and width == 1:
                width = 2
            continue
        if len(cluster) == 1 and _is_regional(cluster) and _is_regional(char):
            cluster += char  # the second half of a flag: the pair takes the first's cells
            continue
        if cluster:
            yield cluster, width
        cluster, width = char, char_width
    if cluster:
        yield cluster, width


def _is_regional(char: str) -> bool:
    return _REGIONAL_FIRST <= char <= _REGIONAL_LAST


@lru_cache(maxsize=4096)
def cell_width(cell: str) -> int:
    """Cells that one cell's text (a character, or a cluster) occupies on a terminal."""
    if len(cell) == 1:
        return _char_width(cell)
    return sum(width for _, width in clusters(cell))


def display_width(text: str) -> int:
    """Terminal cells ``text`` occupies (text must already be sanitized)."""
    if text.isascii() or _ONE_CELL_TEXT.fullmatch(text):
        return len(text)  # our own bars, boxes and graphs are one cell a character
    return sum(width for _, width in clusters(text))


def fit(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` cells, ending in ``ellipsis`` when cut (never inside
    a flag or before a character's selector)."""
    if width <= 0:
        return ""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    if room < 0:
        return ellipsis[:width] if ellipsis.isascii() else ""
    used = 0
    out: list[str] = []
    for cluster, cluster_width in clusters(text):
        if used + cluster_width > room:
            break
        out.append(cluster)
        used += cluster_width
    return "".join(out) + ellipsis


def pad(text: str, width: int, align: str = "<", ellipsis: str = "~") -> str:
    """``text`` fitted and padded with spaces to exactly ``width`` cells."""
    text = fit(text, width, ellipsis)
    gap = width - display_width(text)
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


@dataclass(frozen=True, slots=True)
class Line:
    cells: tuple[str, ...]
    styles: str

    @property
    def text(self) -> str:
        return "".join(self.cells)


Block = tuple[Line, ...]


def blank_block(width: int, height: int, role: str = Role.NORMAL) -> Block:
    line = Line((" ",) * width, role * width)
    return (line,) * height


class Canvas:
    """A width x height grid that render functions draw into, then freeze with ``block()``.

    Writes are clipped to the grid; a wide character that would straddle the right edge becomes a
    space, and overwriting half of a wide character blanks the other half.
    """

    def __init__(self, width: int, height: int, role: str = Role.NORMAL) -> None:
        self.width = max(0, width)
        self.height = max(0, height)
        self._cells = [[" "] * self.width for _ in range(self.height)]
        self._styles = [[role] * self.width for _ in range(self.height)]

    @classmethod
    def of(cls, block: Block) -> Canvas:
        """A canvas showing ``block``, to draw more on."""
        canvas = cls(len(block[0].cells) if block else 0, 0)
        canvas.height = len(block)
        canvas._cells = [list(line.cells) for line in block]
        canvas._styles = [list(line.styles) for line in block]
        return canvas

    def put(self, y: int, x: int, text: str, role: str = Role.NORMAL) -> int:
        """Write sanitized ``text`` at (y, x); returns the column after the last cell written."""
        if y < 0 or y >= self.height or x >= self.width:
            return x
        cells, styles = self._cells[y], self._styles[y]
        if _ONE_CELL_TEXT.fullmatch(text):  # nothing to sanitize, one cell per character
            start = max(x, 0)
            end = min(self.width, x + len(text))
            if start < end:
                # Inline _unsplit: this is the hottest line of rendering.
                if start and cells[start] == "":
                    cells[start - 1] = cells[start] = " "
                if end < self.width and cells[end] == "":
                    cells[end - 1] = cells[end] = " "
                cells[start:end] = text[start - x : end - x]
                styles[start:end] = role * (end - start)
            return x + len(text)
        for cluster, width in clusters(sanitize(text)):
            if width == 0:
                if 0 < x <= self.width and cells[x - 1] != "":
                    cells[x - 1] += cluster
                elif 1 < x <= self.width and cells[x - 1] == "":
                    cells[x - 2] += cluster
                continue
            if x >= self.width:
                break
            if x >= 0:
                self._unsplit(cells, x)
                self._unsplit(cells, x + width)
                if x + width > self.width:
                    cells[x] = " "
                    styles[x] = role
                else:
                    cells[x] = cluster
                    styles[x] = role
                    if width == 2:
                        cells[x + 1] = ""
                        styles[x + 1] = role
            x += width
        return x

    def _unsplit(self, cells: list[str], x: int) -> None:
        """Before writing at x, blank a wide character whose halves x would separate."""
        if 0 < x < self.width and cells[x] == "":
            cells[x - 1] = " "
            cells[x] = " "

    def column(self, x: int, top: int, bottom: int, char: str, role: str) -> None:
        """``char`` (one narrow glyph of our own, not system text) in rows top..bottom-1."""
        if 0 <= x < self.width:
            for y in range(max(0, top), min(self.height, bottom)):
                self._unsplit(self._cells[y], x)
                self._unsplit(self._cells[y], x + 1)
                self._cells[y][x] = char
                self._styles[y][x] = role

    def fill(self, y: int, x: int, width: int, char: str = " ", role: str = Role.NORMAL) -> None:
        if width > 0:
            self.put(y, x, char * width, role)

    def paste(self, y: int, x: int, block: Block) -> None:
        """Copy a block's cells at (y, x), clipped to the canvas."""
        for row, line in enumerate(block):
            target = y + row
            if not 0 <= target < self.height:
                continue
            cells, styles = self._cells[target], self._styles[target]
            start, end = max(0, x), min(self.width, x + len(line.cells))
            if start >= end:
                continue
            self._unsplit(cells, start)
            self._unsplit(cells, end)
            cells[start:end] = line.cells[start - x : end - x]
            styles[start:end] = line.styles[start - x : end - x]
            # Clipping can cut a wide character of the block in half: blank the orphan half.
            if cells[start] == "":
                cells[start] = " "
            if cell_width(cells[end - 1] or " ") == 2:
                cells[end - 1] = " "

    def restyle(self, y: int, x: int, width: int, role: str) -> None:
        if 0 <= y < self.height:
            start, end = max(0, x), min(self.width, x + width)
            if start < end:
                self._styles[y][start:end] = role * (end - start)

    def block(self) -> Block:
        return tuple(
            Line(tuple(cells), "".join(styles))
            for cells, styles in zip(self._cells, self._styles, strict=True)
        )
