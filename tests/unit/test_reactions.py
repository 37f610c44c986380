"""One route for a key's effect: ``reduce`` returns the state and the reaction flags; the loop's
schedule is a value moved on by the time the loop reads."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from sot.key_help import HTOP_KEYS, KEY_HELP
from sot.keys import Action, Command, Mode
from sot.reducer import HANDLERS, Reaction, reduce
from sot.schedule import FIRST_FOLLOW_UP_S, MESSAGE_SECONDS, Schedule
from sot.sorting import SortKey
from sot.state import AppState, Context
from sot.view import build_view
from tests.fakes import process, snapshot

README = Path(__file__).resolve().parents[2] / "README.md"


def context(state: AppState | None = None) -> Context:
    state = state or AppState()
    snap = snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in (5, 7, 9)])
    return Context(snap, build_view(snap.processes, state.query), 3)


def test_every_action_has_a_handler() -> None:
    assert set(HANDLERS) == set(Action)


@pytest.mark.parametrize(
    ("state", "command", "expected"),
    [
        (AppState(), Command(Action.QUIT), Reaction.QUIT),
        (AppState(), Command(Action.REPAINT), Reaction.REPAINT),
        (AppState(), Command(Action.TOGGLE_TREE), Reaction.REBUILD_VIEW | Reaction.SHOW_MESSAGE),
        (AppState(), Command(Action.SORT_BY, sort_key=SortKey.PID), Reaction.REBUILD_VIEW),
        (AppState(), Command(Action.SLOWER), Reaction.RESCHEDULE | Reaction.SHOW_MESSAGE),
        (
            AppState(paused=True),
            Command(Action.TOGGLE_PAUSE),
            Reaction.SAMPLE_NOW | Reaction.SHOW_MESSAGE,
        ),
        (AppState(), Command(Action.TOGGLE_PAUSE), Reaction.NONE),
        (AppState(), Command(Action.DOWN), Reaction.NONE),
        (
            AppState(mode=Mode.DETAILS, details=(5, 1.0)),
            Command(Action.CLOSE),
            Reaction.CLOSE_DETAILS,
        ),
        (AppState(message="hello"), Command(Action.MESSAGE_EXPIRED), Reaction.NONE),
    ],
)
def test_reduce_names_everything_the_loop_must_do(
    state: AppState, command: Command, expected: Reaction
) -> None:
    _, reaction = reduce(state, command, context(state))
    assert reaction == expected


def test_a_sent_signal_clears_the_question_and_shows_its_outcome() -> None:
    state, _ = reduce(AppState(), Command(Action.DOWN), context())
    asked, _ = reduce(state, Command(Action.TERMINATE), context(state))
    assert asked.mode is Mode.CONFIRM and asked.pending_signal is not None
    confirmed, reaction = reduce(asked, Command(Action.CONFIRM_YES), context(asked))
    assert Reaction.SEND_SIGNAL in reaction
    done, reaction = reduce(confirmed, Command(Action.SIGNAL_SENT, text="sent"), context())
    assert done.pending_signal is None and done.message == "sent"
    assert reaction == Reaction.SHOW_MESSAGE


def test_the_schedule_keeps_a_fixed_beat_without_catch_up_bursts() -> None:
    start = Schedule.starting(100.0, 2.0, duration_s=None)
    assert start.next_sample_s == 100.0 + FIRST_FOLLOW_UP_S
    assert start.wait_s(100.0, paused=False) == FIRST_FOLLOW_UP_S
    assert start.wait_s(100.0, paused=True) is None
    beat = start.sampled(100.5, 2.0)
    assert beat.next_sample_s == 102.5
    assert beat.sampled(102.6, 2.0).next_sample_s == 104.5  # no drift from a late wake-up
    assert beat.sampled(110.0, 2.0).next_sample_s == 112.0  # after a stall: no burst
    assert beat.rescheduled(5.0).next_sample_s == 105.5
    assert beat.sample_now(101.0).sample_due(101.0, paused=False)
    assert not beat.sample_now(101.0).sample_due(101.0, paused=True)


def test_the_schedule_wakes_for_messages_and_the_duration() -> None:
    schedule = Schedule.starting(0.0, 60.0, duration_s=10.0).message_shown(1.0)
    assert schedule.wait_s(1.0, paused=True) == MESSAGE_SECONDS
    assert schedule.message_expired(1.0 + MESSAGE_SECONDS)
    assert schedule.message_dropped().wait_s(5.0, paused=True) == 5.0
    assert not schedule.finished(9.9) and schedule.finished(10.0)


def test_readme_key_table_is_the_key_table() -> None:
    # README's rows hold longer explanations, but the keys, and their order, are the table's.
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Keys") :]
    section = section[: section.index("\n\n", section.index("|---|"))]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    keys = [re.sub(r"\s+", " ", row.split("|")[1].replace("`", "")).strip() for row in rows[1:]]
    assert keys == [entry.keys for entry in KEY_HELP]


def test_a_state_change_outside_reduce_is_not_needed_for_messages() -> None:
    state = replace(AppState(), message="x")
    expired, _ = reduce(state, Command(Action.MESSAGE_EXPIRED), context(state))
    assert expired.message is None


def test_readme_htop_table_is_the_htop_table() -> None:
    # README's table of htop's keys is HTOP_KEYS, row for row, as the help overlay shows it.
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### htop's keys") :]
    section = section[: section.index("\n\n", section.index("|---|"))]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[cell.replace("`", "").strip() for cell in row.split("|")[1:3]] for row in rows[1:]]
    assert cells == [[entry.keys, entry.text] for entry in HTOP_KEYS]
