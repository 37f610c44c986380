"""The bottom row: key hints and messages, or the filter, search and confirmation prompts.

Nothing here is cut in the middle of a word: a hint is shown whole or not at all (the least
important, on the right, go first; "q quit" and "? help" last), and a message too long for the
row loses its last words, not half of one. A message takes its room before the hints.
"""

from __future__ import annotations

from collections.abc import Sequence

from sot.actions import PendingSignal
from sot.key_help import MODE_HINTS, mode_hints, normal_hints
from sot.keys import Mode
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.state import AppState, batch_prompt

Hint = tuple[str, str]  # (keys, what they do)
HINT_GAP = 2  # blanks between two hints, and between the hints and a message
MIN_PROMPT_TEXT = 12  # cells of typed text a prompt keeps when a message wants the row
_PROMPTS = {Mode.FILTER: "filter: ", Mode.SEARCH: "search: "}


def _hint_words(state: AppState) -> list[Hint]:
    """(keys, word) for the status line in this mode, from the key table (the keys in force),
    most important first."""
    if state.mode in MODE_HINTS:
        return list(mode_hints(state.mode, state.keymap, state.read_only))
    dynamic = {
        ("pause",): "resume" if state.paused else "pause",
        ("slower", "faster"): f"{state.interval_s:g}s",
    }
    return [
        (k.hint_keys or k.keys, dynamic.get(k.actions, k.hint))
        for k in normal_hints(state.keymap)
        if not (state.read_only and k.signals)
    ]


def _hint_width(hint: Hint) -> int:
    keys, word = hint
    return display_width(keys) + 1 + display_width(word)


def fitting_hints(hints: Sequence[Hint], room: int) -> list[Hint]:
    """The hints, from the first, that fit whole in ``room`` cells with their gaps."""
    kept: list[Hint] = []
    used = 0
    for hint in hints:
        needed = _hint_width(hint) + (HINT_GAP if kept else 0)
        if used + needed > room:
            break
        kept.append(hint)
        used += needed
    return kept


def put_hints(canvas: Canvas, x: int, room: int, hints: Sequence[Hint], glyphs: Glyphs) -> int:
    """Write the hints that fit whole in ``room`` cells from ``x``; returns the column after."""
    end = x + room
    for index, (keys, word) in enumerate(fitting_hints(hints, room)):
        if index:
            x = canvas.put(0, x, " " * HINT_GAP, Role.LABEL)
        x = canvas.put(0, x, sanitize(keys, glyphs.ascii_only), Role.KEY)
        x = canvas.put(0, x, " " + sanitize(word, glyphs.ascii_only), Role.LABEL)
    # The gap after the last hint, as far as the room goes (the row reads the same either way).
    return canvas.put(0, x, " " * max(0, min(HINT_GAP, end - x)), Role.LABEL)


def fit_words(text: str, width: int, ellipsis: str) -> str:
    """``text`` in at most ``width`` cells: whole, or its first words and ``ellipsis``; a
    single word too long for the room is cut (nothing else would show at all)."""
    if display_width(text) <= width:
        return text
    words = text.split(" ")
    kept = ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if display_width(candidate) + display_width(ellipsis) > width:
            break
        kept = candidate
    return kept + ellipsis if kept else fit(text, width, ellipsis)


def _render_prompt(
    canvas: Canvas,
    label: str,
    typed: tuple[str, int],
    message: str,
    hints: list[Hint],
    glyphs: Glyphs,
) -> None:
    """``label`` and the typed text with its cursor, then the message or the hints. The text
    keeps its end (where the cursor usually is) in view on a narrow row."""
    width, (text, cursor) = canvas.width, typed
    # The bottom-right cell stays blank: some terminals scroll when it is written.
    x = canvas.put(0, 0, label[: max(0, width - 1)], Role.KEY)
    available = max(0, width - 1 - x)
    needed = display_width(text) + 1  # the cursor's cell after the text
    if message:
        room = max(0, available - min(needed, MIN_PROMPT_TEXT) - HINT_GAP)
        message = fit_words(message, room, glyphs.ellipsis)
    room = max(1, available - (display_width(message) + HINT_GAP if message else 0))
    cursor = min(cursor, len(text))
    start = max(0, cursor - room + 1)
    shown = text[start : start + room]
    canvas.put(0, x, shown, Role.VALUE)
    canvas.restyle(0, x + display_width(text[start:cursor]), 1, Role.SELECTED)
    after = x + max(display_width(shown), cursor - start + 1) + HINT_GAP
    if message:
        canvas.put(0, after, message, Role.WARN)
    else:
        put_hints(canvas, after, width - 1 - after, hints, glyphs)


def _confirm_line(pending: PendingSignal, width: int, glyphs: Glyphs) -> str:
    """ "Send SIGTERM to 4242 postgres? [y/N]": on a short row the name gives way first, so
    the question and its answers always show."""
    start, end = f" Send {pending.signal_name} to {pending.pid} ", "? [y/N]"
    name = sanitize(pending.name, glyphs.ascii_only)
    room = width - 1 - display_width(start) - display_width(end)
    line = start + fit(name, max(0, room), glyphs.ellipsis) + end
    return fit(line, width - 1, glyphs.ellipsis)  # a row too short even for the question


def render_status(
    state: AppState, width: int, glyphs: Glyphs, source_status: str | None = None
) -> Block:
    """The bottom row: key hints and messages, or the filter, search and confirmation
    prompts. ``source_status`` (a remote source's trouble, e.g. Prometheus unreachable) shows
    after the app's own message, as a warning, for as long as the source reports it."""
    canvas = Canvas(width, 1)
    parts = [m for m in (state.message, source_status) if m]
    message = sanitize("  ".join(parts), glyphs.ascii_only)
    hints = _hint_words(state)
    if state.mode in _PROMPTS:
        text, cursor = (
            (state.query.text, state.filter_cursor)
            if state.mode is Mode.FILTER
            else (state.search, state.search_cursor)
        )
        typed = (sanitize(text, glyphs.ascii_only), cursor)
        _render_prompt(canvas, _PROMPTS[state.mode], typed, message, hints, glyphs)
        return canvas.block()
    if state.mode is Mode.CONFIRM and state.pending_signal is not None:
        canvas.put(0, 0, _confirm_line(state.pending_signal, width, glyphs), Role.WARN)
        return canvas.block()
    if state.mode is Mode.CONFIRM and state.pending_batch:
        line = fit(f" {batch_prompt(state.pending_batch)}", width - 1, glyphs.ellipsis)
        canvas.put(0, 0, line, Role.WARN)
        return canvas.block()
    if state.paused:
        message = "PAUSED" + (f"  {message}" if message else "")
    message = fit_words(message, max(0, width - 1), glyphs.ellipsis)
    # Hints never reach the bottom-right cell, which the screen leaves blank (see above).
    room = width - 1 - (display_width(message) + HINT_GAP if message else 0)
    if state.mode in MODE_HINTS:
        put_hints(canvas, 0, room, hints, glyphs)
    else:  # the table's hints start one blank in, as the panels' text does
        put_hints(canvas, canvas.put(0, 0, " ", Role.LABEL), room - 1, hints, glyphs)
    if message:
        role = Role.WARN if state.paused or source_status else Role.TITLE
        canvas.put(0, width - display_width(message) - 1, message, role)
    return canvas.block()
