"""The bottom row: key hints and messages, or the filter and confirmation prompts."""

from __future__ import annotations

from sot.key_help import MODE_HINTS, normal_hints
from sot.keys import Mode
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.text import Segment, put_segments
from sot.state import AppState, confirm_prompt

FILTER_HINT = "Enter keep  Esc clear"


# Hints for keys that send signals, left out under --read-only.
_SIGNAL_HINT_KEYS = frozenset({"T K", "T K s"})


def _hint_words(state: AppState) -> list[tuple[str, str]]:
    """(keys, word) for the status line in this mode, from the key table."""
    if state.mode in MODE_HINTS:
        return list(MODE_HINTS[state.mode])
    dynamic = {
        "space": "resume" if state.paused else "pause",
        "+ -": f"{state.interval_s:g}s",
    }
    return [(k.hint_keys or k.keys, dynamic.get(k.keys, k.hint)) for k in normal_hints()]


def _hints(state: AppState) -> list[Segment]:
    segments: list[Segment] = [] if state.mode in MODE_HINTS else [(" ", Role.LABEL)]
    for keys, word in _hint_words(state):
        if state.read_only and keys in _SIGNAL_HINT_KEYS:
            continue
        segments += [(keys, Role.KEY), (f" {word}  ", Role.LABEL)]
    return segments


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
