"""The filesystem picker of ``sot bench`` without PATH on a terminal: Up/Down (or j/k) move,
Enter chooses, q or Esc leaves. The state and the drawing are pure (``step``,
``render_picker``); ``pick`` runs them on the terminal, which every way out restores."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sot.diskbench.plan import format_size
from sot.diskbench.target import Choice
from sot.render.cells import Block, Canvas, Role, pad
from sot.themes import DEFAULT_THEME

HANGUP_EXIT_CODE = 128 + signal.SIGHUP
CANCEL_KEYS = frozenset({"q", "Q", "escape"})


@dataclass(frozen=True, slots=True)
class PickerState:
    selected: int = 0
    chosen: bool = False
    cancelled: bool = False


def step(state: PickerState, key: str, count: int, page: int) -> PickerState:
    """The state after one key, among ``count`` choices showing ``page`` at a time."""
    last = max(0, count - 1)
    moves = {
        "up": -1,
        "k": -1,
        "down": 1,
        "j": 1,
        "pgup": -max(1, page),
        "pgdn": max(1, page),
    }
    if key in moves:
        return PickerState(min(last, max(0, state.selected + moves[key])))
    if key in ("home", "g"):
        return PickerState(0)
    if key in ("end", "G"):
        return PickerState(last)
    if key == "enter" and count:
        return PickerState(state.selected, chosen=True)
    if key in CANCEL_KEYS:
        return PickerState(state.selected, cancelled=True)
    return state


LIST_TOP = 3  # title, hint, column headings above the list


def page_rows(height: int) -> int:
    return max(1, height - LIST_TOP - 1)


def render_picker(
    choices: Sequence[Choice], state: PickerState, size_bytes: int, width: int, height: int
) -> Block:
    """The picker as a width x height block: a title, the keys, a line per filesystem (the
    selected one highlighted), and a footer saying what Enter will do."""
    canvas = Canvas(width, height)
    canvas.put(
        0,
        0,
        pad(f" sot bench: choose where to write a {format_size(size_bytes)} test file", width),
        Role.TITLE,
    )
    canvas.put(
        1,
        0,
        " Up/Down move, Enter chooses, q leaves (nothing is written before you confirm)",
        Role.LABEL,
    )
    # The directory gets what the other columns (type, free, size, the memory note: 60 cells)
    # leave, up to 48 cells.
    label_width = max(16, min(48, width - 60))
    columns = f" {pad('directory', label_width)} {'type':<8} {'free':>10} {'size':>10}  "
    canvas.put(2, 0, pad(columns, width), Role.HEADER)
    rows = page_rows(height)
    first = max(0, min(state.selected - rows + 1, len(choices) - rows))
    first = min(first, state.selected)
    for line, index in enumerate(range(first, min(len(choices), first + rows))):
        choice = choices[index]
        label = (
            choice.label
            if choice.label == choice.directory
            else f"{choice.label} {choice.directory}"
        )
        memory = "  (in memory: RAM speeds)" if choice.memory_backed else ""
        free, total = format_size(choice.space.free_bytes), format_size(choice.space.total_bytes)
        text = f" {pad(label, label_width)} {pad(choice.fstype, 8)} {free:>10} {total:>10}{memory}"
        role = Role.SELECTED if index == state.selected else Role.NORMAL
        canvas.put(LIST_TOP + line, 0, pad(text, width), role)
    if not choices:
        canvas.put(LIST_TOP, 0, " no writable filesystem found: give a directory, sot bench PATH")
    return canvas.block()


@dataclass(frozen=True, slots=True)
class Picked:
    choice: Choice | None  # None: left without choosing
    code: int = 0  # the exit status when a signal or a hang-up ended the picker


def pick(
    choices: Sequence[Choice], size_bytes: int, no_color: bool, theme: str = DEFAULT_THEME
) -> Picked:
    """Run the picker on this process's terminal. Raises NotFullScreen (before touching the
    terminal) where it cannot be drawn."""
    from sot.events import EXIT_SIGNALS, EventSource, suspend
    from sot.layout import clamp_size
    from sot.pipeline import stdout_encoding
    from sot.screen import Screen
    from sot.terminal import ExitSignal, Session, TerminalGone, open_terminal

    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    opened = open_terminal(out_fd, no_color, dict(os.environ), theme)
    state = PickerState()
    with EventSource(in_fd) as events:
        session = Session(opened, in_fd, out_fd, stdout_encoding(), interrupt=events)
        try:
            session.enter()
            screen = Screen(opened.sequences, session.write)
            while True:
                width, height = clamp_size(*session.size())
                screen.present(render_picker(choices, state, size_bytes, width, height))
                got = events.wait(None)
                if got.hangup:
                    return Picked(None, HANGUP_EXIT_CODE)
                for signum in got.signals:
                    if signum in EXIT_SIGNALS:
                        return Picked(None, 128 + signum)
                    if signum == signal.SIGTSTP:
                        suspend(session, events)
                    screen.invalidate()  # a resize or a return from suspend: draw it all
                for key in got.keys:
                    state = step(state, key, len(choices), page_rows(height))
                    if state.chosen:
                        return Picked(choices[state.selected])
                    if state.cancelled:
                        return Picked(None)
        except TerminalGone:
            return Picked(None, HANGUP_EXIT_CODE)
        except ExitSignal as received:
            return Picked(None, 128 + received.signum)
        finally:
            session.leave()
