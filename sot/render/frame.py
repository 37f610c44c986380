"""The whole screen: every panel composed into exactly height rows of exactly width cells."""

from __future__ import annotations

from sot.actions import SIGNAL_CHOICES
from sot.key_help import help_lines, key_column, key_width, keys_text, said_keys
from sot.keys import KeyMap, Mode
from sot.layout import MIN_HEIGHT, MIN_WIDTH, NO_GPUS, Rect, Tier, compute_layout
from sot.render.box import draw_box
from sot.render.cells import (
    Block,
    Canvas,
    Line,
    Role,
    blank_block,
    display_width,
    fit,
    sanitize,
)
from sot.render.details import details_place, render_details, render_menu
from sot.render.glyphs import Glyphs
from sot.render.panels import (
    PANELS,
    FrameInput,
    FrameMemo,
    focus_highlight,
    hidden_panels,
    render_panel,
)
from sot.render.processes import table_rows
from sot.render.status import render_status
from sot.render.text import Segment, put_segments
from sot.state import AppState, user_choices
from sot.view import process_key

__all__ = [
    "FrameInput",
    "FrameMemo",
    "help_page_rows",
    "process_page_rows",
    "render_frame",
    "render_status",
]


def process_page_rows(
    width: int,
    height: int,
    with_status: bool = True,
    screen: str = "dashboard",
    hidden: frozenset[str] = NO_GPUS,
    zoom: str | None = None,
) -> int:
    """How many processes the table shows at this terminal size (for PgUp/PgDn and scrolling),
    with ``hidden`` panels and ``zoom`` as in ``sot.layout.compute_layout`` (by default the GPU
    panel is left out)."""
    table = compute_layout(width, height, with_status, screen, hidden, zoom).rect("processes")
    return table_rows(table.height) if table is not None else 0


def render_too_small(width: int, height: int, glyphs: Glyphs) -> Block:
    canvas = Canvas(width, height)
    if width <= 0 or height <= 0:
        return canvas.block()
    message = f"terminal too small: {width}x{height}, need {MIN_WIDTH}x{MIN_HEIGHT}"
    if display_width(message) > width:
        message = "terminal too small"
    text = fit(message, width, glyphs.ellipsis)
    canvas.put(height // 2, max(0, (width - display_width(text)) // 2), text, Role.WARN)
    return canvas.block()


def help_page_rows(height: int) -> int:
    """How many lines the help overlay shows at once (for its scrolling): it leaves the
    header and the status line uncovered."""
    return max(0, height - 2 - 2)  # less the top and bottom rows, and its border


def render_help(
    width: int, height: int, glyphs: Glyphs, state: AppState | None = None
) -> tuple[Block, Rect] | None:
    """The help overlay (sot's keys, then htop's) and where it goes (centred), or None when it
    cannot fit at all. On a short terminal it shows from ``state.help_top`` on, and says which
    lines it shows."""
    state = state or AppState()
    lines = help_lines(state.read_only, state.home_mode, state.keymap)
    keys_width = key_width([line.keys for line in lines])
    text_width = max(display_width(line.text) for line in lines)
    box_width = min(width, keys_width + text_width + 6)
    box_height = min(height - 2, len(lines) + 2)
    if box_width < 12 or box_height < 3:
        return None
    rows = box_height - 2
    top = max(0, min(state.help_top, len(lines) - rows))
    note = f"{closing_keys(state.keymap, Mode.HELP, 'close-help', 'help', 1)} closes"
    if rows < len(lines):
        scroll = keys_text(state.keymap, "Up/Down", "{up}/{down}")
        note = f"{top + 1}-{top + rows} of {len(lines)}, {scroll} scroll"
    canvas = Canvas(box_width, box_height)
    inner = draw_box(canvas, "keys", glyphs, note)
    for offset, line in enumerate(lines[top : top + rows]):
        if not line.keys:
            continue  # the blank line between the two tables
        segments: list[Segment] = [
            (f" {key_column(line.keys, keys_width)}  ", Role.TITLE if line.heading else Role.KEY),
            (line.text, Role.TITLE if line.heading else Role.NORMAL),
        ]
        put_segments(canvas, inner.y + offset, inner.x, inner.width, segments, glyphs)
    y = 1 + (height - 2 - box_height) // 2
    return canvas.block(), Rect(y, (width - box_width) // 2, box_width, box_height)


def closing_keys(keymap: KeyMap, mode: Mode, name: str, also: str, count: int) -> str:
    """ "Esc or q": the first ``count`` keys of ``name`` in ``mode`` (``also``'s when it has
    none there), for a note saying how to close a view."""
    keys = said_keys(keymap, name, mode, count) or said_keys(keymap, also, mode, count)
    return " or ".join(keys)


def _signal_target(data: FrameInput) -> str:
    """ "1234 nginx": whom the signal menu would signal (the details' process, else the
    tagged processes, else the selection)."""
    state = data.state
    if state.details is None and state.tagged:
        return f"{len(state.tagged)} tagged"
    key = state.details if state.details is not None else state.selected
    if key is None:
        return ""
    found = next((p for p in data.snapshot.processes if process_key(p) == key), None)
    return f"{key[0]} {found.name if found is not None else state.selected_name}"


def _menu(data: FrameInput, width: int, height: int, glyphs: Glyphs) -> tuple[Block, Rect]:
    state = data.state
    if state.mode is Mode.USER_MENU:
        title = "show processes of"
        items = [user or "all users" for user in user_choices(data.snapshot)]
        picks = said_keys(state.keymap, "accept", Mode.USER_MENU, 1)
        note = f"{picks[0]} picks" if picks else ""
    else:
        title = sanitize(f"signal to {_signal_target(data)}".strip(), glyphs.ascii_only)
        items = [f"SIG{name:<5} {number:>2}" for name, number in SIGNAL_CHOICES]
        note = f"signal {state.signal_digits}" if state.signal_digits else "or type a number"
    # Wide enough for the title and the note on the border, where the screen allows.
    wanted = max(max(display_width(i) for i in items) + 4, display_width(title) + 9 + len(note))
    box_width = min(width, max(24, wanted))
    box_height = min(height - 2, len(items) + 2)
    block = render_menu(title, items, state.menu_index, box_width, box_height, glyphs, note)
    return block, Rect(
        max(1, (height - box_height) // 2), (width - box_width) // 2, box_width, box_height
    )


def _compose(placed: list[tuple[Rect, Block]], width: int, height: int) -> Block:
    """The panels side by side, each screen row joined from the panels' rows; gaps are blank.

    Panels never overlap and each keeps its wide characters inside its own edges, so joining
    rows gives what pasting them one by one onto a canvas would, without touching every cell.
    """
    pieces: list[list[tuple[int, Line]]] = [[] for _ in range(height)]
    for rect, block in placed:
        for offset, line in enumerate(block[: max(0, min(rect.height, height - rect.y))]):
            pieces[rect.y + offset].append((rect.x, line))
    blank = blank_block(width, 1)[0]
    rows: list[Line] = []
    for row_pieces in pieces:
        if len(row_pieces) == 1 and row_pieces[0][0] == 0 and len(row_pieces[0][1].styles) == width:
            rows.append(row_pieces[0][1])
            continue
        cells: tuple[str, ...] = ()
        styles = ""
        for x, line in sorted(row_pieces, key=lambda piece: piece[0]):
            if x > len(styles):  # a gap before this panel
                cells += blank.cells[: x - len(styles)]
                styles += blank.styles[: x - len(styles)]
            room = width - len(styles)
            cells += line.cells[:room]
            styles += line.styles[:room]
        if len(styles) < width:
            cells += blank.cells[len(styles) :]
            styles += blank.styles[len(styles) :]
        rows.append(Line(cells, styles))
    return tuple(rows)


def render_frame(
    data: FrameInput, width: int, height: int, glyphs: Glyphs, memo: FrameMemo | None = None
) -> Block:
    """The whole screen. ``memo`` (owned by the caller, kept across frames) spares drawing
    panels whose readings did not change, and laying out unchanged process rows again; the
    frame is the same without it."""
    state = data.state
    hidden = state.hidden_panels | hidden_panels(data.snapshot)
    layout = compute_layout(width, height, data.interactive, data.screen, hidden, state.zoomed)
    if layout.tier is Tier.TOO_SMALL:
        return render_too_small(width, height, glyphs)
    placed = [
        (
            rect,
            focus_highlight(
                data, name, render_panel(PANELS[name], data, rect.width, rect.height, glyphs, memo)
            ),
        )
        for name, rect in layout.places
    ]
    frame = _compose(placed, width, height)
    overlay = _overlay(data, width, height, glyphs)
    if overlay is None:
        return frame
    block, rect = overlay
    canvas = Canvas.of(frame)
    canvas.paste(rect.y, rect.x, block)
    return canvas.block()


def _overlay(
    data: FrameInput, width: int, height: int, glyphs: Glyphs
) -> tuple[Block, Rect] | None:
    """What covers the panels in this mode (details, a menu, help), and where; or None."""
    state = data.state
    if state.mode is Mode.DETAILS and state.details is not None:
        hidden = state.hidden_panels | hidden_panels(data.snapshot)
        body = details_place(width, height, hidden, state.zoomed)
        details = render_details(
            data.details,
            state.details[0],
            data.snapshot.wall_epoch_s,
            state.details_top,
            body.width,
            body.height,
            glyphs,
            f"{closing_keys(state.keymap, Mode.DETAILS, 'close-details', 'details', 2)} closes",
        )
        return details, body
    if state.mode in (Mode.USER_MENU, Mode.SIGNAL_MENU):
        return _menu(data, width, height, glyphs)
    if state.mode is Mode.HELP:
        return render_help(width, height, glyphs, state)
    return None
