"""A signal never reaches a process the user did not see selected: after the selection moves by
itself, T / K / s name the new target first; the signal menu names its target and takes a
typed number; a refresh's message gets its full time on screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sot.actions import SIGNAL_CHOICES
from sot.keys import Action, Command, Mode, command_for, next_command
from sot.model import ProcessRow
from sot.reducer import Reaction, reduce
from sot.signal_keys import MOVED_GUARD_S, READ_ONLY_MESSAGE
from sot.state import AppState, Context
from sot.view import build_view
from tests.fakes import process, snapshot

BOTH = [process(20, "old", cpu=9.0), process(21, "next", cpu=5.0)]
GUARD = "selection moved to PID 21 (next); press again to confirm the new target"


def context(rows: Sequence[ProcessRow] = BOTH, now_s: float = 100.0) -> Context:
    snap = snapshot(processes=rows)
    return Context(snap, build_view(snap.processes, AppState().query), 5, now_s=now_s)


def refresh(state: AppState, rows: Sequence[ProcessRow], now_s: float) -> tuple[AppState, Reaction]:
    return reduce(state, Command(Action.VIEW_CHANGED), context(rows, now_s))


def moved() -> AppState:
    """ "old" was selected and exited at t=100: the selection moved to "next"."""
    state, _ = refresh(AppState(), BOTH, 90.0)
    assert state.selected is not None and state.selected[0] == 20
    state, _ = refresh(state, BOTH[1:], 100.0)
    return state


def press(state: AppState, key: str, now_s: float = 101.0) -> AppState:
    command, _ = next_command(state.mode, [key], 0)
    assert command is not None
    return reduce(state, command, context(BOTH[1:], now_s))[0]


def test_a_refresh_that_moves_the_selection_says_so_for_the_full_time() -> None:
    state, _ = refresh(AppState(), BOTH, 90.0)
    after, reaction = refresh(state, BOTH[1:], 100.0)
    assert after.message == "process 20 (old) exited; selected 21 (next)"
    assert after.moved_at_s == 100.0
    # The loop gives every new message, from a key or a refresh, its full time on screen.
    assert Reaction.SHOW_MESSAGE in reaction
    again, reaction = refresh(after, BOTH[1:], 101.0)
    assert again.message == after.message and Reaction.SHOW_MESSAGE not in reaction


def test_t_k_s_after_an_automatic_move_name_the_new_target_first() -> None:
    for key in ("T", "K", "s", "f9"):
        guarded = press(moved(), key)
        assert guarded.mode is Mode.NORMAL and guarded.pending_signal is None, key
        assert guarded.message == GUARD, key
        again = press(guarded, key)  # the second press goes ahead
        assert again.mode in (Mode.CONFIRM, Mode.SIGNAL_MENU), key
    asked = press(press(moved(), "T"), "T")
    assert asked.pending_signal is not None
    assert (asked.pending_signal.pid, asked.pending_signal.name) == (21, "next")


def test_the_guard_lasts_as_long_as_the_message() -> None:
    late = press(moved(), "T", now_s=100.0 + MOVED_GUARD_S)
    assert late.mode is Mode.CONFIRM


def test_choosing_the_selection_yourself_lifts_the_guard() -> None:
    state = press(press(moved(), "up"), "T")
    assert state.mode is Mode.CONFIRM


def test_read_only_says_read_only_rather_than_the_guard() -> None:
    state = press(replace(moved(), read_only=True), "T")
    assert state.message == READ_ONLY_MESSAGE


def test_the_signal_menu_takes_a_typed_number() -> None:
    state = press(AppState(selected=(21, 1_699_990_000.0)), "s")
    assert state.mode is Mode.SIGNAL_MENU
    assert command_for(Mode.SIGNAL_MENU, "1") == Command(Action.TEXT_INSERT, "1")
    assert command_for(Mode.SIGNAL_MENU, "x") is None
    state = press(press(state, "1"), "0")
    assert state.signal_digits == "10"
    assert SIGNAL_CHOICES[state.menu_index] == ("USR1", 10)  # a listed number is highlighted
    state = press(press(state, "backspace"), "4")
    assert state.signal_digits == "14"
    asked = press(state, "enter")
    assert asked.mode is Mode.CONFIRM and asked.pending_signal is not None
    assert asked.pending_signal.signum == 14 and asked.pending_signal.pid == 21


def test_a_number_that_is_no_signal_is_refused_in_the_menu() -> None:
    state = press(AppState(selected=(21, 1_699_990_000.0)), "s")
    state = press(press(state, "3"), "2")  # glibc keeps 32 and 33 for itself
    refused = press(state, "enter")
    assert refused.mode is Mode.SIGNAL_MENU and refused.signal_digits == ""
    assert refused.message == "there is no signal 32"
    moved_on = press(press(state, "down"), "enter")  # moving in the list drops the number
    assert moved_on.pending_signal is not None
    assert moved_on.pending_signal.signum == SIGNAL_CHOICES[state.menu_index + 1][1]
