"""The whole screen: every panel composed into exactly height rows of exactly width cells."""

from __future__ import annotations

from dataclasses import dataclass

from sot.actions import SIGNAL_CHOICES
from sot.history import History
from sot.keys import KEY_HELP, Mode
from sot.layout import MIN_HEIGHT, MIN_WIDTH, Rect, Tier, compute_layout
from sot.model import ProcessDetails, Snapshot
from sot.render.box import draw_box
from sot.render.cells import Block, Canvas, Line, Role, blank_block, display_width, fit, sanitize
from sot.render.cpu import render_cpu
from sot.render.details import render_details, render_menu
from sot.render.disks import render_disks
from sot.render.glyphs import Glyphs
from sot.render.header import render_header
from sot.render.memory import render_memory
from sot.render.network import render_network
from sot.render.processes import ProcessTable, RowMemo, render_processes, table_rows
from sot.render.text import Segment, put_segments
from sot.state import AppState, confirm_prompt, selected_interface, selected_mount, user_choices
from sot.view import ProcessView

FILTER_HINT = "Enter keep  Esc clear"


@dataclass(frozen=True, slots=True)
class FrameInput:
    snapshot: Snapshot
    history: History
    state: AppState
    view: ProcessView
    details: ProcessDetails | None = None


def process_page_rows(width: int, height: int) -> int:
    """How many processes the table shows at this terminal size (for PgUp/PgDn and scrolling)."""
    layout = compute_layout(width, height)
    return table_rows(layout.processes.height) if layout.processes else 0


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


def _hints(state: AppState) -> list[Segment]:
    def hint(key: str, text: str) -> list[Segment]:
        return [(key, Role.KEY), (f" {text}  ", Role.LABEL)]

    if state.mode is Mode.ORDER:
        return [
            *hint("Left/Right", "column"),
            *hint("Enter", "desc/asc/off"),
            *hint("o Esc", "done"),
        ]
    if state.mode in (Mode.USER_MENU, Mode.SIGNAL_MENU):
        return [*hint("Up/Down", "choose"), *hint("Enter", "pick"), *hint("Esc", "cancel")]
    if state.mode is Mode.DETAILS:
        signals = [] if state.read_only else [*hint("T K s", "signal")]
        return [*hint("Esc q", "close"), *signals, *hint("space", "pause")]
    signals = [] if state.read_only else [*hint("T K", "signal")]
    return [
        (" ", Role.LABEL),
        *hint("q", "quit"),
        *hint("?", "help"),
        *hint("/", "filter"),
        *hint("o", "sort"),
        *hint("t", "tree"),
        *hint("Enter", "details"),
        *signals,
        *hint("space", "resume" if state.paused else "pause"),
        *hint("+/-", f"{state.interval_s:g}s"),
    ]


def render_status(state: AppState, width: int, glyphs: Glyphs) -> Block:
    """The bottom row: key hints and messages, or the filter and confirmation prompts."""
    canvas = Canvas(width, 1)
    if state.mode is Mode.FILTER:
        text = sanitize(state.query.text, glyphs.ascii_only)
        cursor = min(state.filter_cursor, len(text))
        prompt = "filter: "
        # A message (the filter is full) takes the place of the hint while it lasts.
        hint = sanitize(state.message, glyphs.ascii_only) if state.message else FILTER_HINT
        # Keep the cursor in view on a narrow terminal: show the end of a long filter.
        room = max(1, width - len(prompt) - 1 - 2 - display_width(hint))
        start = max(0, cursor - room + 1)
        shown = text[start : start + room]
        x = canvas.put(0, 0, prompt, Role.KEY)
        canvas.put(0, x, shown, Role.VALUE)
        canvas.restyle(0, x + display_width(text[start:cursor]), 1, Role.SELECTED)
        role = Role.WARN if state.message else Role.LABEL
        canvas.put(0, x + display_width(shown) + 2, hint, role)
        return canvas.block()
    if state.mode is Mode.CONFIRM and state.pending_signal is not None:
        prompt = sanitize(confirm_prompt(state.pending_signal), glyphs.ascii_only)
        canvas.put(0, 0, fit(" " + prompt, width, glyphs.ellipsis), Role.WARN)
        return canvas.block()
    message = state.message or ""
    if state.paused:
        message = "PAUSED" + (f"  {message}" if message else "")
    message = fit(sanitize(message, glyphs.ascii_only), max(0, width // 2), glyphs.ellipsis)
    room = width - display_width(message) - (2 if message else 0)
    put_segments(canvas, 0, 0, room, _hints(state), glyphs)
    if message:
        canvas.put(
            0,
            width - display_width(message) - 1,
            message,
            Role.WARN if state.paused else Role.TITLE,
        )
    return canvas.block()


def render_help(width: int, height: int, glyphs: Glyphs) -> tuple[Block, Rect] | None:
    """The help overlay and where it goes (centred), or None when it cannot fit at all."""
    key_width = max(len(k) for k, _ in KEY_HELP)
    text_width = max(len(t) for _, t in KEY_HELP)
    box_width = min(width, key_width + text_width + 6)
    box_height = min(height, len(KEY_HELP) + 2)
    if box_width < 12 or box_height < 3:
        return None
    canvas = Canvas(box_width, box_height)
    inner = draw_box(canvas, "keys", glyphs, "Esc closes")
    for offset, (key, text) in enumerate(KEY_HELP[: inner.height]):
        segments: list[Segment] = [(f" {key:<{key_width}}  ", Role.KEY), (text, Role.NORMAL)]
        put_segments(canvas, inner.y + offset, inner.x, inner.width, segments, glyphs)
    rect = Rect((height - box_height) // 2, (width - box_width) // 2, box_width, box_height)
    return canvas.block(), rect


def _menu(data: FrameInput, width: int, height: int, glyphs: Glyphs) -> tuple[Block, Rect]:
    state = data.state
    if state.mode is Mode.USER_MENU:
        title = "show processes of"
        items = [user or "all users" for user in user_choices(data.snapshot)]
    else:
        title = "send signal"
        items = [f"SIG{name:<5} {number:>2}" for name, number in SIGNAL_CHOICES]
    box_width = min(width, max(24, max(display_width(i) for i in items) + 4))
    box_height = min(height - 2, len(items) + 2)
    block = render_menu(title, items, state.menu_index, box_width, box_height, glyphs)
    return block, Rect(
        max(1, (height - box_height) // 2), (width - box_width) // 2, box_width, box_height
    )


def _place(placed: list[tuple[Rect, Block]], rect: Rect | None, block: Block) -> None:
    if rect is not None:
        placed.append((rect, block))


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
    data: FrameInput, width: int, height: int, glyphs: Glyphs, row_memo: RowMemo | None = None
) -> Block:
    """The whole screen. ``row_memo`` (owned by the caller, kept across frames) spares laying
    out unchanged process rows again; the frame is the same without it."""
    layout = compute_layout(width, height)
    if layout.tier is Tier.TOO_SMALL:
        return render_too_small(width, height, glyphs)
    snapshot, history, state = data.snapshot, data.history, data.state
    placed: list[tuple[Rect, Block]] = []
    if layout.header:
        _place(
            placed,
            layout.header,
            render_header(snapshot.host, snapshot.wall_epoch_s, width, glyphs),
        )
    if layout.cpu:
        _place(
            placed,
            layout.cpu,
            render_cpu(
                snapshot.cpu,
                history,
                layout.cpu.width,
                layout.cpu.height,
                glyphs,
                snapshot.host.cpu_model,
            ),
        )
    if layout.memory:
        _place(
            placed,
            layout.memory,
            render_memory(
                snapshot.memory, history, layout.memory.width, layout.memory.height, glyphs
            ),
        )
    if layout.disks:
        _place(
            placed,
            layout.disks,
            render_disks(
                snapshot.disks,
                snapshot.disk_total_io,
                selected_mount(state, snapshot),
                history,
                layout.disks.width,
                layout.disks.height,
                glyphs,
            ),
        )
    if layout.network:
        _place(
            placed,
            layout.network,
            render_network(
                snapshot.interfaces,
                selected_interface(state, snapshot),
                history,
                layout.network.width,
                layout.network.height,
                glyphs,
            ),
        )
    if layout.processes:
        has_selection = state.selected is not None and bool(data.view.rows)
        table = ProcessTable(
            view=data.view,
            counts=snapshot.process_counts,
            query=state.query,
            selected_index=state.selected_index if has_selection else None,
            scroll_top=state.scroll_top,
            order_cursor=state.order_cursor if state.mode is Mode.ORDER else None,
        )
        _place(
            placed,
            layout.processes,
            render_processes(
                table, layout.processes.width, layout.processes.height, glyphs, row_memo
            ),
        )
    if layout.status:
        _place(placed, layout.status, render_status(state, width, glyphs))
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
        body = Rect(1, 0, width, height - 2)
        details = render_details(
            data.details,
            state.details[0],
            data.snapshot.wall_epoch_s,
            body.width,
            body.height,
            glyphs,
        )
        return details, body
    if state.mode in (Mode.USER_MENU, Mode.SIGNAL_MENU):
        return _menu(data, width, height, glyphs)
    if state.mode is Mode.HELP:
        return render_help(width, height, glyphs)
    return None
