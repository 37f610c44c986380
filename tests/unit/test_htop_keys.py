"""htop's keys in sot: function keys from every terminal family, the aliases that do not clash,
the one-time pointer to the help, and the help overlay's two tables and scrolling."""

from __future__ import annotations

import pytest

from sot.key_help import HTOP_KEYS, KEY_HELP, help_lines
from sot.keys import Action, Command, Mode, command_for, decode_keys
from sot.reducer import HELP_HINT_MESSAGE, THREADS_MESSAGE, Reaction, reduce
from sot.sorting import SORT_ORDER, SortKey
from sot.state import AppState, Context
from sot.view import ProcessQuery, build_view
from tests.fakes import process, snapshot


def ctx(state: AppState | None = None, help_rows: int = 0) -> Context:
    snap = snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in (5, 7, 9)])
    return Context(snap, build_view(snap.processes, (state or AppState()).query), 3, help_rows)


def press(state: AppState, key: str, context: Context | None = None) -> AppState:
    return press_reacting(state, key, context)[0]


def press_reacting(
    state: AppState, key: str, context: Context | None = None
) -> tuple[AppState, Reaction]:
    command = command_for(state.mode, key)
    assert command is not None, key
    return reduce(state, command, context or ctx(state))


@pytest.mark.parametrize(
    ("sequence", "key"),
    [
        # xterm, tmux, and most emulators (F1-F4 as SS3, the rest as CSI n ~)
        ("\x1bOP", "f1"),
        ("\x1bOQ", "f2"),
        ("\x1bOR", "f3"),
        ("\x1bOS", "f4"),
        ("\x1b[15~", "f5"),
        ("\x1b[17~", "f6"),
        ("\x1b[18~", "f7"),
        ("\x1b[19~", "f8"),
        ("\x1b[20~", "f9"),
        ("\x1b[21~", "f10"),
        # rxvt and screen
        ("\x1b[11~", "f1"),
        ("\x1b[12~", "f2"),
        ("\x1b[13~", "f3"),
        ("\x1b[14~", "f4"),
        # the Linux console
        ("\x1b[[A", "f1"),
        ("\x1b[[B", "f2"),
        ("\x1b[[C", "f3"),
        ("\x1b[[D", "f4"),
        ("\x1b[[E", "f5"),
        # Shift-F3: xterm and tmux, then rxvt and the Linux console (F13)
        ("\x1b[1;2R", "shift-f3"),
        ("\x1b[25~", "shift-f3"),
    ],
)
def test_function_keys_decode_from_every_terminal_family(sequence: str, key: str) -> None:
    assert decode_keys(sequence) == [key]
    assert decode_keys(f"a{sequence}b") == ["a", key, "b"]


def test_a_cut_short_console_sequence_does_not_swallow_the_next_key() -> None:
    assert decode_keys("\x1b[[\x1b[[B") == ["f2"]
    assert decode_keys("\x1b[[a") == ["a"]  # not a console F-key: the unknown part goes whole
    assert decode_keys("\x1b[[") == []


@pytest.mark.parametrize(
    ("key", "mode"),
    [
        ("f1", Mode.HELP),
        ("f2", Mode.HELP),  # htop's setup: sot has none yet
        ("f3", Mode.SEARCH),
        ("f4", Mode.FILTER),
        ("\\", Mode.FILTER),
        ("f6", Mode.ORDER),
        ("f9", Mode.SIGNAL_MENU),
    ],
)
def test_function_keys_open_what_htop_opens(key: str, mode: Mode) -> None:
    assert press(AppState(selected=(5, 1_699_990_000.0)), key).mode is mode


def test_f5_is_the_tree_and_f10_quits_from_the_table_only() -> None:
    assert press(AppState(), "f5").query.tree
    assert press_reacting(AppState(), "f10")[1] == Reaction.QUIT
    closes = {
        Mode.HELP: Action.CLOSE_HELP,
        Mode.ORDER: Action.CLOSE_MENU,
        Mode.USER_MENU: Action.CLOSE_MENU,
        Mode.SIGNAL_MENU: Action.CLOSE_MENU,
        Mode.DETAILS: Action.CLOSE_DETAILS,
    }
    for mode, action in closes.items():
        assert command_for(mode, "f10") == Command(action), mode


def test_the_key_that_opened_a_view_closes_it() -> None:
    assert press(AppState(mode=Mode.HELP), "f1").mode is Mode.NORMAL
    assert press(AppState(mode=Mode.ORDER), "f6").mode is Mode.NORMAL
    assert press(AppState(mode=Mode.SIGNAL_MENU), "f9").mode is Mode.NORMAL


def test_m_and_p_sort_biggest_first_and_stay_there() -> None:
    state = press(AppState(), "M")
    assert state.query.sort_key is SortKey.MEMORY and state.query.descending
    assert press(state, "M").query == state.query  # as in htop: no flip, unlike m
    state = press(press(AppState(), "p"), "P")
    assert state.query.sort_key is SortKey.CPU and state.query.descending


def test_angle_brackets_walk_the_sort_columns_and_apply_them() -> None:
    state = press(AppState(), ">")
    assert state.query.sort_key is SortKey.TIME and state.query.descending
    state = press(press(state, "<"), "<")
    assert state.query.sort_key is SortKey.MEMORY
    first = AppState(query=ProcessQuery(sort_key=SORT_ORDER[0], descending=False))
    assert press(first, "<").query.sort_key is SORT_ORDER[-1]  # wraps around
    assert press(AppState(query=ProcessQuery(sort_key=None)), ">").query.sort_key is SortKey.TIME


def test_i_inverts_the_sort_and_rebuilds_the_view() -> None:
    state, reaction = press_reacting(AppState(), "I")
    assert state.query.sort_key is SortKey.CPU and not state.query.descending
    assert Reaction.REBUILD_VIEW in reaction
    assert press(state, "I").query.descending
    unsorted = press(AppState(query=ProcessQuery(sort_key=None)), "I")
    assert unsorted.query.sort_key is SortKey.PID and unsorted.query.descending


def test_h_says_there_are_no_threads_to_hide() -> None:
    state, reaction = press_reacting(AppState(), "H")
    assert state.message == THREADS_MESSAGE and state.query == AppState().query
    assert reaction == Reaction.SHOW_MESSAGE


def test_an_unknown_key_points_at_the_help_once() -> None:
    state, reaction = press_reacting(AppState(), "y")
    assert state.message == HELP_HINT_MESSAGE and reaction == Reaction.SHOW_MESSAGE
    quiet = press(reduce(state, Command(Action.MESSAGE_EXPIRED), ctx())[0], "f12")
    assert quiet.message is None  # once per run, not on every stray key
    assert command_for(Mode.ORDER, "x") is None  # in a menu a stray key is just ignored


def test_help_lists_both_tables_and_drops_signal_keys_when_read_only() -> None:
    lines = help_lines(read_only=False)
    assert [line.keys for line in lines[: len(KEY_HELP)]] == [k.keys for k in KEY_HELP]
    assert lines[len(KEY_HELP) + 1].heading
    assert [line.keys for line in lines[len(KEY_HELP) + 2 :]] == [k.keys for k in HTOP_KEYS]
    read_only = {line.keys for line in help_lines(read_only=True)}
    assert not {"T K", "s F9", "T", "K", "s", "F9"} & read_only
    assert {"q F10", "/ \\ F4", "k"} <= read_only


def test_every_help_line_fits_an_80_column_terminal() -> None:
    lines = help_lines(read_only=False)
    # The overlay is the keys column, two blanks and the text, inside a border and a margin.
    assert max(len(x.keys) for x in lines) + max(len(x.text) for x in lines) + 6 <= 80


def test_the_help_scrolls_within_its_lines() -> None:
    total = len(help_lines(read_only=False))
    state = press(AppState(), "?")
    assert state.mode is Mode.HELP and state.help_top == 0
    context = ctx(state, help_rows=20)
    assert press(state, "up", context).help_top == 0
    state = press(press(state, "down", context), "j", context)
    assert state.help_top == 2
    assert press(state, "pgdn", context).help_top == 22
    assert press(state, "end", context).help_top == total - 20
    assert press(press(state, "end", context), "pgdn", context).help_top == total - 20
    assert press(state, "home", context).help_top == 0
    # A taller terminal shows more: the top comes back so the last page stays full.
    bottom = press(state, "end", context)
    resized, _ = reduce(bottom, Command(Action.RESIZED), ctx(bottom, help_rows=40))
    assert resized.help_top == total - 40
    assert press(press(bottom, "q"), "?").help_top == 0  # opens at the top again
