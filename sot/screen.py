"""The screen writer: turns the difference between two frames into the few bytes that change it.

blessed does no screen diffing (ncurses would), so this module keeps the last frame and sends only
changed cell runs, tracking the cursor position and the current style so neither is re-sent. One
write per frame; an unchanged frame writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sot.render.cells import BACKGROUND_ROLES, Block, Line, Role, blank_block

# Re-sending up to this many unchanged cells is cheaper than a cursor movement (4-8 bytes).
MERGE_GAP_CELLS = 5
# Rows shifted by up to this many lines (a process moving up or down the table pushes every row
# below it) are moved with a scroll region instead of being re-sent.
MAX_SHIFT_ROWS = 4
MIN_SHIFT_GAIN_ROWS = 2


@dataclass(frozen=True, slots=True)
class Sequences:
    """The escape sequences the writer needs, from the terminal's capabilities."""

    styles: Mapping[str, str]  # role letter -> full SGR (reset first), "" if none
    move: Callable[[int, int], str]  # absolute (y, x)
    move_right: Callable[[int], str]  # n cells right on the same row; "" if unsupported
    clear: str  # home + clear screen
    reset: str  # all attributes off
    scroll_region: Callable[[int, int], str] = lambda top, bottom: ""  # rows top..bottom; "" = none
    index: str = ""  # at the bottom margin: scroll the region up one line
    reverse_index: str = ""  # at the top margin: scroll the region down one line
    # Relative movements ("" if unsupported); they never scroll or wrap.
    move_left: Callable[[int], str] = lambda n: ""
    move_down: Callable[[int], str] = lambda n: ""
    move_up: Callable[[int], str] = lambda n: ""
    back: str = ""  # one cell left
    carriage_return: str = ""  # to column 0 of the same row
    # n cells from the cursor blanked in the current background, the cursor staying (ECH);
    # "" if unsupported.
    erase: Callable[[int], str] = lambda n: ""
    clear_to_end: str = ""  # from the cursor to the end of the row (EL); "" if unsupported
    # (from role, to role) -> the shortest SGR for that change, where shorter than a full style.
    transitions: Mapping[tuple[str, str], str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transitions", style_transitions(self.styles))


# A style that is a reset plus at most a foreground colour (and nothing else).
_FOREGROUND_ONLY = re.compile(r"\x1b\[0(?:;(3[0-7]|9[0-7]|38;5;\d+|38;2;\d+;\d+;\d+))?m")


def style_transitions(styles: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """Between two styles that set nothing but a foreground colour, setting the new colour alone
    is enough (``ESC[38;5;71m`` instead of ``ESC[0;38;5;71m``): most changes on a frame are
    between such styles, and over SSH every byte counts."""
    foregrounds = {}
    for role, sgr in styles.items():
        match = _FOREGROUND_ONLY.fullmatch(sgr)
        if match:
            foregrounds[role] = match.group(1)
    return {
        (old, new): f"\x1b[{colour}m"
        for old in foregrounds
        for new, colour in foregrounds.items()
        if colour is not None and old != new
    }


class _Writer:
    """Accumulates output while tracking cursor and style."""

    def __init__(self, seq: Sequences) -> None:
        self.seq = seq
        self.parts: list[str] = []
        # None where the position is unknown (or at the right margin, where it is
        # terminal-specific): only an absolute move is safe from there.
        self.cursor: tuple[int, int] | None = None
        self.role: str | None = None

    def goto(self, y: int, x: int) -> None:
        if self.cursor == (y, x):
            return
        move = self.seq.move(y, x)
        if self.cursor is not None:
            relative = self._relative(y - self.cursor[0], x - self.cursor[1], x)
            if relative is not None and len(relative) < len(move):
                move = relative
        self.parts.append(move)
        self.cursor = (y, x)

    def _relative(self, dy: int, dx: int, x: int) -> str | None:
        """The shortest relative movement by (dy, dx) to column x, or None if there is none.
        A graph column drawn downwards, for instance, needs one cell left and one row down:
        4 bytes instead of the 8 of an absolute move."""
        seq = self.seq
        vertical = seq.move_down(dy) if dy > 0 else seq.move_up(-dy) if dy < 0 else ""
        if dy and not vertical:
            return None
        if dx == 0:
            return vertical
        if dx > 0:
            horizontal = seq.move_right(dx)
        else:
            options = [seq.move_left(-dx), seq.back if dx == -1 else ""]
            if seq.carriage_return:
                options.append(seq.carriage_return + seq.move_right(x))
            horizontal = min((o for o in options if o), key=len, default="")
        return vertical + horizontal if horizontal else None

    def style(self, role: str) -> None:
        if role != self.role:
            seq = self.seq
            shorter = seq.transitions.get((self.role, role)) if self.role is not None else None
            self.parts.append(shorter or seq.styles.get(role, seq.reset))
            self.role = role

    def blank(self, role: str) -> None:
        """A space: its colour only shows if it has a background, so keep the current style
        when neither the current nor the wanted one paints one."""
        if self.role is None or role in BACKGROUND_ROLES or self.role in BACKGROUND_ROLES:
            self.style(role)
        self.parts.append(" ")


def _looks_same(old_cell: str, old_style: str, new_cell: str, new_style: str) -> bool:
    if old_cell != new_cell:
        return False
    if old_style == new_style:
        return True
    return (
        new_cell == " " and old_style not in BACKGROUND_ROLES and new_style not in BACKGROUND_ROLES
    )


def _changed_runs(old: Line, new: Line, limit: int) -> list[tuple[int, int]]:
    """Half-open [start, end) column ranges of ``new`` that differ from ``old``, merged across
    small gaps, never splitting a wide character."""
    old_cells, new_cells = old.cells, new.cells
    old_styles, new_styles = old.styles, new.styles
    # One pass in a comprehension finds the differing cells; the blank rule only runs on those.
    differing = [
        x
        for x, (a, b, c, d) in enumerate(
            zip(old_cells, new_cells, old_styles, new_styles, strict=True)
        )
        if x < limit and (a != b or c != d) and not _looks_same(a, c, b, d)
    ]
    runs: list[tuple[int, int]] = []
    for x in differing:
        if runs and x - runs[-1][1] <= MERGE_GAP_CELLS:
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    fixed: list[tuple[int, int]] = []
    for first, after in runs:
        start, end = first, after
        # A continuation cell cannot be drawn alone: start at its wide character.
        while start > 0 and new_cells[start] == "":
            start -= 1
        # A wide character's second half travels with it.
        while end < limit and new_cells[end] == "":
            end += 1
        fixed.append((start, end))
    return fixed


def find_shift(
    old: Block, new: Block, hashes: dict[int, int] | None = None
) -> tuple[int, int, int] | None:
    """The band of rows that moved: (first, last, by) where new rows first..last equal old rows
    first+by..last+by; chosen to spare the most rows from being re-sent, or None.

    ``hashes`` maps id(line) to hash(line) for lines that stay alive (the screen's shown frame):
    most rows of a frame are the very objects of the last one, and hashing a row of 160 cells
    is the cost here. It is filled in for the rows of ``new``.

    The bottom row never takes part: scrolling it would carry a cell into the bottom-right corner,
    which the writer never draws."""
    height = min(len(old), len(new)) - 1
    changed = [y for y in range(height) if new[y] != old[y]]
    if len(changed) < MIN_SHIFT_GAIN_ROWS:
        return None
    known = hashes if hashes is not None else {}

    def row_hash(line: Line) -> int:
        value = known.get(id(line))
        if value is None:
            value = known[id(line)] = hash(line)
        return value

    # Where each old row can be found: one hash per row instead of comparing every pair, and
    # equality checked on a match (hashes can collide).
    positions: dict[int, list[int]] = {}
    for y in range(height):
        positions.setdefault(row_hash(old[y]), []).append(y)
    shifts_at = [
        {
            src - y
            for src in positions.get(row_hash(new[y]), ())
            if 0 < abs(src - y) <= MAX_SHIFT_ROWS and old[src] == new[y]
        }
        for y in range(height)
    ]
    best: tuple[int, int, int] | None = None
    best_gain = MIN_SHIFT_GAIN_ROWS - 1
    for shift in sorted({shift for shifts in shifts_at for shift in shifts}):
        y = 0
        while y < height:
            if shift not in shifts_at[y]:
                y += 1
                continue
            start, gain = y, 0
            while y < height and shift in shifts_at[y]:
                gain += new[y] != old[y]
                y += 1
            if gain > best_gain:
                best, best_gain = (start, y - 1, shift), gain
    return best


def _apply_shift(writer: _Writer, old: Block, shift: tuple[int, int, int], width: int) -> Block:
    """Scroll the band on the terminal and return what the screen now shows."""
    first, last, by = shift
    seq = writer.seq
    blank = blank_block(width, 1)[0]
    top, bottom = (first, last + by) if by > 0 else (first + by, last)
    # Scrolled-in lines take the current background: reset it first.
    writer.parts.append(seq.reset)
    writer.role = Role.NORMAL
    writer.parts.append(seq.scroll_region(top, bottom))
    writer.cursor = (0, 0)  # setting the margins homes the cursor (DECSTBM)
    if by > 0:
        writer.goto(bottom, 0)
        writer.parts.append(seq.index * by)
    else:
        writer.goto(top, 0)
        writer.parts.append(seq.reverse_index * -by)
    writer.parts.append(seq.scroll_region(0, len(old) - 1))
    writer.cursor = (0, 0)
    rows = list(old)
    region = rows[top : bottom + 1]
    rows[top : bottom + 1] = region[by:] + [blank] * by if by > 0 else [blank] * -by + region[:by]
    return tuple(rows)


def render_diff(
    old: Block, new: Block, seq: Sequences, full: bool, hashes: dict[int, int] | None = None
) -> str:
    """The output that turns a screen showing ``old`` into one showing ``new``.

    With ``full``, the screen is cleared first and ``old`` is taken to be blank. The bottom-right
    cell is never written, so no terminal scrolls.
    """
    height = len(new)
    width = len(new[0].cells) if height else 0
    writer = _Writer(seq)
    if full:
        writer.parts.append(seq.reset + seq.clear)
        writer.role = Role.NORMAL
        writer.cursor = (0, 0)
        old = blank_block(width, height)
    elif seq.index and seq.reverse_index and seq.scroll_region(0, 1):
        shift = find_shift(old, new, hashes)
        if shift is not None:
            old = _apply_shift(writer, old, shift, width)
    for y, line in enumerate(new):
        previous = old[y]
        if previous == line:
            continue
        limit = width - 1 if y == height - 1 else width
        if y == height - 1 and limit > 0 and line.cells[limit] == "":
            limit -= 1  # a wide character ending in the bottom-right cell is not drawn either
        _write_row(writer, previous, line, y, limit)
    return "".join(writer.parts)


def _write_row(writer: _Writer, old: Line, new: Line, y: int, limit: int) -> None:
    """Draw the cells of row y that differ from ``old``. Where the rest of the row was cleared
    (EL) on the way, what follows is compared with blanks from there on."""
    done = 0
    while True:
        cleared = None
        for first, end in _changed_runs(old, new, limit):
            if end <= done:
                continue
            start = max(first, done)
            while start > 0 and new.cells[start] == "":
                start -= 1  # never start on the second half of a wide character
            cleared = _write_run(writer, new, y, start, end, limit)
            if cleared is not None:
                done = end
                break
        if cleared is None:
            return
        blanks = len(old.cells) - cleared
        old = Line(old.cells[:cleared] + (" ",) * blanks, old.styles[:cleared] + " " * blanks)


def _blanks_until(line: Line, start: int, end: int) -> int:
    """Where the run of plain blanks (no background) from ``start`` ends, at ``end`` at most."""
    col = start
    while col < end and line.cells[col] == " " and line.styles[col] not in BACKGROUND_ROLES:
        col += 1
    return col


# ECH takes at least 4 bytes ("ESC[5X"): shorter runs of blanks are sent as spaces.
MIN_ERASE_CELLS = 6


def _write_run(writer: _Writer, line: Line, y: int, start: int, end: int, limit: int) -> int | None:
    """Draw ``line``'s cells start..end-1 at row y. A long run of blanks is erased instead of
    sent as spaces (see ``_erase_blanks``): closing a view or emptying a table row clears most
    of a line. Returns the column from which the rest of the row was cleared, if it was."""
    cells, styles = line.cells, line.styles
    width = len(cells)
    writer.goto(y, start)
    x = col = start
    cleared = None
    while col < end:
        cell = cells[col]
        if (
            cell == " "
            and x == col
            and col + MIN_ERASE_CELLS <= end
            and cells[col + MIN_ERASE_CELLS - 1] == " "
        ):
            erased = _erase_blanks(writer, line, y, col, end, limit if cleared is None else None)
            if erased is not None:
                if erased[2]:
                    cleared = col
                col, x = erased[0], erased[1]
                continue
        if cell == " ":
            writer.blank(styles[col])
        elif cell:
            writer.style(styles[col])
            writer.parts.append(cell)
        if cell:
            x = col + (2 if col + 1 < width and cells[col + 1] == "" else 1)
        col += 1
    # At the right margin the cursor's position is terminal-specific (pending wrap).
    writer.cursor = (y, x) if x < width else None
    return cleared


def _erase_blanks(
    writer: _Writer, line: Line, y: int, col: int, end: int, limit: int | None
) -> tuple[int, int, bool] | None:
    """Blank the run of blanks from ``col`` (the cursor's column) in place, when that costs less
    than sending the spaces: with ECH (n cells, the cursor stays), or else with EL (the rest of
    the row, which is then redrawn where it is not blank; ``limit`` None: not again in this
    run). Returns (the next column to draw, the cursor's column, whether the rest of the row
    was cleared), or None where spaces are cheaper."""
    blank_end = _blanks_until(line, col, end)
    seq = writer.seq
    count = blank_end - col
    move = (seq.move_right(count) or seq.move(y, blank_end)) if blank_end < end else ""
    erase, to_end = seq.erase(count), False
    if not erase and seq.clear_to_end and limit is not None:
        # What EL clears beyond this run and must be drawn again: a cell or two of border.
        redrawn = sum(
            1
            for c in range(end, limit)
            if line.cells[c] != " " or line.styles[c] in BACKGROUND_ROLES
        )
        erase, to_end = seq.clear_to_end, True
        count -= 2 * redrawn + (12 if redrawn else 0)  # the cells, a move and a style
    if not erase or len(erase) + len(move) >= count:
        return None
    # Erased cells take the current background: the style in effect must paint none (the
    # blank's own style, as writing a space would set it, paints none).
    if writer.role is None or writer.role in BACKGROUND_ROLES:
        writer.style(line.styles[col])
    writer.parts.append(erase + move)
    return blank_end, blank_end if move else col, to_end


class Screen:
    """Holds the frame on the terminal; ``present`` sends only what changed, in one write."""

    def __init__(self, seq: Sequences, write: Callable[[str], int]) -> None:
        self._seq = seq
        self._write = write
        self._shown: Block | None = None
        # id -> hash of the rows of the shown frame (which keeps them alive, so ids stay theirs).
        self._row_hashes: dict[int, int] = {}

    def invalidate(self) -> None:
        """Forget what is on the screen: the next present repaints everything (start, resize,
        Ctrl-L, return from suspend)."""
        self._shown = None

    def present(self, frame: Block) -> int:
        """Make the terminal show ``frame``; returns the bytes written (0 if nothing changed)."""
        shown = self._shown
        full = (
            shown is None
            or len(shown) != len(frame)
            or (bool(frame) and len(shown[0].cells) != len(frame[0].cells))
        )
        hashes = self._row_hashes
        output = render_diff(shown or (), frame, self._seq, full, hashes)
        self._shown = frame
        # Keep only the shown rows' hashes: other ids may be reused by new objects.
        self._row_hashes = {id(line): hashes[id(line)] for line in frame if id(line) in hashes}
        if not output:
            return 0
        return self._write(output)
