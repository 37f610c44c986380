"""The keys that lead to a signal (T, K, s, F9) up to the question "Send SIGxxx to PID name?"
(or "Send SIGxxx to 5 processes?" when processes are tagged), for the reducer's table: whom
they would reach, the read-only and moved-selection guards, and the signal menu with its typed
number. Pure; the sending itself is ``sot.actions``."""

from __future__ import annotations

from dataclasses import replace

from sot.actions import SIGNAL_CHOICES, PendingSignal, is_signal
from sot.keys import Action, Command, Mode
from sot.model import ProcessRow
from sot.prompt import edit_text
from sot.schedule import MESSAGE_SECONDS
from sot.state import AppState, Context, back_mode, tagged_rows
from sot.view import process_key

READ_ONLY_MESSAGE = "read-only: signals are disabled (--read-only or SOT_READ_ONLY=1)"
# As long as the message saying that the selection moved stays on screen.
MOVED_GUARD_S = MESSAGE_SECONDS
MAX_SIGNAL_DIGITS = 2  # signals go up to 64 on Linux


def read_only_message(state: AppState, what: str = "signals are disabled") -> str:
    """ "read-only: signals are disabled (--read-only)": with what made sot read-only, when
    known; else the ways to do so."""
    return f"read-only: {what} ({state.read_only_by or '--read-only or SOT_READ_ONLY=1'})"


def target(state: AppState, context: Context) -> ProcessRow | None:
    """The process a signal or details view is about: the details one, else the selection."""
    if context.snapshot is None:
        return None
    key = state.details if state.mode is Mode.DETAILS else state.selected
    return next((p for p in context.snapshot.processes if process_key(p) == key), None)


def targets_tags(state: AppState) -> bool:
    """Whether the signal and renice keys act on the tagged processes: when there are any,
    except in the details view, which is about its one process."""
    return bool(state.tagged) and state.mode is not Mode.DETAILS


def moved_guard(state: AppState, context: Context) -> AppState | None:
    """Within a few seconds of the selection moving by itself, a signal key does not act on
    the new selection: it names it, and the next signal key goes ahead. (Tagged processes are
    the target whatever the selection does: no guard for them.)"""
    if state.mode is not Mode.NORMAL or state.moved_at_s is None or state.selected is None:
        return None
    if targets_tags(state):
        return None
    if context.now_s - state.moved_at_s >= MOVED_GUARD_S:
        return None
    return replace(
        state,
        moved_at_s=None,
        message=f"selection moved to PID {state.selected[0]} ({state.selected_name});"
        " press again to confirm the new target",
    )


def ask_signal(state: AppState, context: Context, signum: int) -> AppState:
    """Ask "Send SIGxxx to PID name? [y/N]" about the target."""
    if state.read_only:
        return replace(state, message=read_only_message(state))
    if targets_tags(state):
        tagged = tagged_rows(state, context.snapshot)
        batch = tuple(PendingSignal(p.pid, p.start_time_epoch_s, p.name, signum) for p in tagged)
        if len(batch) > 1:
            return replace(
                state, mode=Mode.CONFIRM, pending_batch=batch, pending_signal=None, message=None
            )
        if batch:  # one tagged process: the question names it
            return replace(
                state, mode=Mode.CONFIRM, pending_signal=batch[0], pending_batch=(), message=None
            )
        return replace(state, message="the tagged processes have exited")
    found = target(state, context)
    if found is None:
        return replace(state, message="no process selected")
    pending = PendingSignal(found.pid, found.start_time_epoch_s, found.name, signum)
    return replace(state, mode=Mode.CONFIRM, pending_signal=pending, pending_batch=(), message=None)


def signal_key(state: AppState, command: Command, context: Context) -> AppState:
    """T and K: ask about SIGTERM or SIGKILL."""
    guarded = None if state.read_only else moved_guard(state, context)
    if guarded is not None:
        return guarded
    signum = dict(SIGNAL_CHOICES)["KILL" if command.action is Action.KILL else "TERM"]
    return ask_signal(state, context, signum)


def open_signal_menu(state: AppState, _: Command, context: Context) -> AppState:
    """s and F9: the menu of signals, on TERM."""
    if state.read_only:
        return replace(state, message=read_only_message(state))
    guarded = moved_guard(state, context)
    if guarded is not None:
        return guarded
    default = [name for name, _ in SIGNAL_CHOICES].index("TERM")
    return replace(state, mode=Mode.SIGNAL_MENU, menu_index=default, signal_digits="")


def type_signal_number(state: AppState, command: Command) -> AppState:
    """Digits typed in the menu: a signal number, the listed one it names highlighted."""
    edited = edit_text(state.signal_digits, len(state.signal_digits), command.action, command.text)
    digits = edited.text[-MAX_SIGNAL_DIGITS:]  # typing on replaces the oldest digit
    numbers = [number for _, number in SIGNAL_CHOICES]
    index = numbers.index(int(digits)) if digits and int(digits) in numbers else state.menu_index
    return replace(state, signal_digits=digits, menu_index=index)


def accept_signal_menu(state: AppState, context: Context) -> AppState:
    """Enter in the menu: the typed number, or else the highlighted signal."""
    if state.signal_digits:
        signum = int(state.signal_digits)
        if not is_signal(signum):
            return replace(state, signal_digits="", message=f"there is no signal {signum}")
    else:
        _, signum = SIGNAL_CHOICES[min(state.menu_index, len(SIGNAL_CHOICES) - 1)]
    return ask_signal(replace(state, mode=back_mode(state), signal_digits=""), context, signum)
