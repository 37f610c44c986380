"""The whole screen: every panel composed into exactly height rows of exactly width cells."""

from __future__ import annotations

from dataclasses import dataclass

from sot.history import History
from sot.keys import KEY_HELP
from sot.layout import MIN_HEIGHT, MIN_WIDTH, Layout, Rect, Tier, compute_layout
from sot.model import Snapshot
from sot.render.box import draw_box
from sot.render.cells import Block, Canvas, Role, display_width, fit
from sot.render.cpu import render_cpu
from sot.render.disks import render_disks
from sot.render.glyphs import Glyphs
from sot.render.header import render_header
from sot.render.memory import render_memory
from sot.render.network import render_network
from sot.render.processes import render_processes
from sot.render.text import Segment, put_segments
from sot.state import AppState, selected_interface, selected_mount
from sot.view import by_cpu


@dataclass(frozen=True, slots=True)
class FrameInput:
    snapshot: Snapshot
    history: History
    state: AppState


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


def render_status(state: AppState, width: int, glyphs: Glyphs) -> Block:
    canvas = Canvas(width, 1)
    hints: list[Segment] = [
        (" q", Role.KEY),
        (" quit  ", Role.LABEL),
        ("?", Role.KEY),
        (" help  ", Role.LABEL),
        ("space", Role.KEY),
        (" resume  " if state.paused else " pause  ", Role.LABEL),
        ("+/-", Role.KEY),
        (f" interval {state.interval_s:g}s  ", Role.LABEL),
        ("n d", Role.KEY),
        (" next net/disk", Role.LABEL),
    ]
    message = state.message or ""
    if state.paused:
        message = "PAUSED" + (f"  {message}" if message else "")
    message = fit(message, max(0, width // 2), glyphs.ellipsis)
    room = width - display_width(message) - (2 if message else 0)
    put_segments(canvas, 0, 0, room, hints, glyphs)
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
        canvas.fill(inner.y + offset, inner.x, inner.width)
        put_segments(canvas, inner.y + offset, inner.x, inner.width, segments, glyphs)
    rect = Rect((height - box_height) // 2, (width - box_width) // 2, box_width, box_height)
    return canvas.block(), rect


def _paste(canvas: Canvas, rect: Rect | None, block: Block) -> None:
    if rect is not None:
        canvas.paste(rect.y, rect.x, block)


def render_frame(data: FrameInput, width: int, height: int, glyphs: Glyphs) -> Block:
    layout: Layout = compute_layout(width, height)
    if layout.tier is Tier.TOO_SMALL:
        return render_too_small(width, height, glyphs)
    snapshot, history, state = data.snapshot, data.history, data.state
    canvas = Canvas(width, height)
    if layout.header:
        _paste(
            canvas,
            layout.header,
            render_header(snapshot.host, snapshot.wall_epoch_s, width, glyphs),
        )
    if layout.cpu:
        _paste(
            canvas,
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
        _paste(
            canvas,
            layout.memory,
            render_memory(
                snapshot.memory, history, layout.memory.width, layout.memory.height, glyphs
            ),
        )
    if layout.disks:
        _paste(
            canvas,
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
        _paste(
            canvas,
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
        rows = by_cpu(snapshot.processes)[: max(0, layout.processes.height - 3)]
        _paste(
            canvas,
            layout.processes,
            render_processes(
                rows,
                snapshot.process_counts,
                layout.processes.width,
                layout.processes.height,
                glyphs,
            ),
        )
    if layout.status:
        _paste(canvas, layout.status, render_status(state, width, glyphs))
    if state.show_help:
        overlay = render_help(width, height, glyphs)
        if overlay is not None:
            _paste(canvas, overlay[1], overlay[0])
    return canvas.block()
