"""The search (F3): the selection jumps to a match and every row stays; F3 / Shift-F3 walk the
matches; Enter keeps the search, Esc forgets it."""

from __future__ import annotations

from sot.keys import Action, Command, Mode, command_for, next_command
from sot.prompt import MAX_PROMPT_CHARS
from sot.reducer import Reaction, reduce
from sot.search import NO_SEARCH_MESSAGE, find_match, no_match_message
from sot.state import AppState, Context, follow_selection
from sot.view import build_view
from tests.fakes import process, snapshot

NAMES = ["init", "nginx", "bash", "nginx", "cron", "vim"]


def ctx(page: int = 3) -> Context:
    # Sorted by CPU, highest first: the rows show in this order, PIDs 10 to 15.
    rows = [
        process(10 + i, name, cpu=100.0 - i, user="www" if name == "cron" else "root")
        for i, name in enumerate(NAMES)
    ]
    snap = snapshot(processes=rows)
    return Context(snap, build_view(snap.processes, AppState().query), page)


def start() -> AppState:
    context = ctx()
    assert context.snapshot is not None
    return follow_selection(AppState(), context.view, context.snapshot)


def press(state: AppState, *keys: str, filtering: bool = False) -> AppState:
    context = ctx()
    position = 0
    while position < len(keys):
        command, position = next_command(state.mode, keys, position)
        assert command is not None
        state, reaction = reduce(state, command, context)
        # A search never changes the rows (the filter does).
        assert filtering or Reaction.REBUILD_VIEW not in reaction
    return state


def selected_pid(state: AppState) -> int:
    assert state.selected is not None
    return state.selected[0]


def test_find_match_walks_both_ways_and_wraps_around() -> None:
    view = ctx().view
    assert find_match(view, "NGINX", 0, 1) == 1
    assert find_match(view, "nginx", 2, 1) == 3
    assert find_match(view, "nginx", 4, 1) == 1  # wrapped
    assert find_match(view, "nginx", 0, -1) == 3
    assert find_match(view, "www", 0, 1) == 4  # the user matches too
    assert find_match(view, "zzz", 0, 1) is None
    assert find_match(view, "", 0, 1) is None


def test_typing_jumps_to_the_first_match_from_the_selection_and_keeps_every_row() -> None:
    state = press(start(), "f3")
    assert state.mode is Mode.SEARCH
    state = press(state, "n", "g")
    assert state.search == "ng" and selected_pid(state) == 11
    assert state.scroll_top == 0
    state = press(state, "i", "n", "x")
    assert selected_pid(state) == 11  # still a match: the selection stays
    assert press(state, "backspace").search == "ngin"


def test_in_the_prompt_n_is_text_and_f3_shift_f3_walk_the_matches() -> None:
    state = press(start(), "f3", *"nginx")
    assert command_for(Mode.SEARCH, "n") == Command(Action.TEXT_INSERT, "n")
    state = press(state, "f3")
    assert selected_pid(state) == 13 and state.mode is Mode.SEARCH
    assert selected_pid(press(state, "f3")) == 11  # wraps around
    assert selected_pid(press(state, "shift-f3")) == 11


def test_the_selection_scrolls_into_view() -> None:
    state = press(start(), "f3", *"vim")
    assert selected_pid(state) == 15
    assert state.scroll_top == 3  # three rows a page: the last one shown is the match


def test_enter_keeps_the_search_for_f3_and_shift_f3_from_the_table() -> None:
    state = press(start(), "f3", *"nginx", "enter")
    assert state.mode is Mode.NORMAL and state.search == "nginx"
    assert state.message is not None and "F3 next" in state.message
    following = press(state, "f3")
    assert following.mode is Mode.NORMAL and selected_pid(following) == 13
    assert selected_pid(press(following, "shift-f3")) == 11


def test_no_match_says_so_and_leaves_the_selection() -> None:
    state = press(start(), "f3", *"zzz")
    assert state.message == no_match_message("zzz") and selected_pid(state) == 10
    state = press(state, "backspace", "backspace", "backspace", *"cron")
    assert state.message is None and selected_pid(state) == 14


def test_esc_in_the_prompt_forgets_the_search_and_keeps_the_selection() -> None:
    state = press(start(), "f3", *"cron", "escape")
    assert state.mode is Mode.NORMAL and state.search == "" and selected_pid(state) == 14
    assert press(state, "shift-f3").message == NO_SEARCH_MESSAGE


def test_esc_in_the_table_forgets_the_search_before_the_filter() -> None:
    state = press(start(), "/", *"x", "enter", "f3", *"cron", "enter", filtering=True)
    assert state.query.text == "x" and state.search == "cron"
    state = press(state, "escape")
    assert state.search == "" and state.query.text == "x"
    assert press(state, "escape", filtering=True).query.text == ""
    assert press(state, "f3").mode is Mode.SEARCH  # nothing kept: F3 opens the prompt again


def test_a_long_paste_into_the_search_is_capped_and_said() -> None:
    state = press(start(), "f3", *("a" * (MAX_PROMPT_CHARS + 10)))
    assert len(state.search) == MAX_PROMPT_CHARS
    assert state.message is not None and "at most" in state.message
