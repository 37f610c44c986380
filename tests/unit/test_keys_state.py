"""Keys, the pure state reducer, selection following and the process view."""

from __future__ import annotations

import dataclasses

from sot.key_help import KEY_HELP
from sot.keys import (
    MODE_KEYS,
    Action,
    Command,
    Mode,
    command_for,
    decode_keys,
    next_command,
)
from sot.model import ProcessRow, Snapshot
from sot.reducer import FILTER_FULL_MESSAGE, MAX_FILTER_CHARS, Reaction, reduce
from sot.sorting import SortKey
from sot.state import (
    AppState,
    Context,
    follow_selection,
    keep_visible,
    selected_interface,
    selected_mount,
)
from sot.view import ProcessQuery, build_view, process_key
from tests.fakes import process, snapshot


def ctx(snap: Snapshot | None = None, state: AppState | None = None, page: int = 3) -> Context:
    snap = snap or snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in (5, 7, 9)])
    return Context(snap, build_view(snap.processes, (state or AppState()).query), page)


def press(state: AppState, key: str, context: Context | None = None) -> AppState:
    command = command_for(state.mode, key)
    assert command is not None, key
    new, _ = reduce(state, command, context or ctx(state=state))
    return new


def test_decode_keys() -> None:
    assert decode_keys("q") == ["q"]
    assert decode_keys("\x1b[A\x1bOB\x1b[5~\x1b[6~") == ["up", "down", "pgup", "pgdn"]
    assert decode_keys("\x1b") == ["escape"]
    assert decode_keys("\x0c\r\x7f") == ["ctrl-l", "enter", "backspace"]
    assert decode_keys("\x1b[1;5Cx") == ["x"]  # unknown sequences vanish whole
    assert decode_keys("\x1bx") == ["alt-x"]


def test_every_help_entry_names_keys_that_do_something() -> None:
    names = {
        "Up": "up",
        "Down": "down",
        "PgUp": "pgup",
        "PgDn": "pgdn",
        "Home": "home",
        "End": "end",
        "Enter": "enter",
        "Tab": "tab",
        "Esc": "escape",
        "space": " ",
        "Ctrl-L": "ctrl-l",
        "Ctrl-C": None,
        "1-6": "1",  # the number keys, 1 to 6
        "Shift-F3": "shift-f3",
        **{f"F{n}": f"f{n}" for n in range(1, 13)},
    }
    for keys in (entry.keys for entry in KEY_HELP):
        for key in keys.split():
            name = names.get(key, key)
            if name is not None:
                assert name in MODE_KEYS[Mode.NORMAL], key


def test_pause_help_interval() -> None:
    state = press(AppState(), " ")
    assert state.paused
    assert press(state, " ").message == "resumed"
    state = press(AppState(), "?")
    assert state.mode is Mode.HELP
    assert press(state, "escape").mode is Mode.NORMAL
    assert press(AppState(interval_s=1.0), "+").interval_s == 2.0
    fastest = press(AppState(interval_s=0.2), "-")
    assert fastest.interval_s == 0.2  # never below the minimum, and it says so
    assert fastest.message == "already at the shortest interval (0.2 s)"
    slowest = press(AppState(interval_s=3600.0), "+")
    assert slowest.interval_s == 3600.0
    assert slowest.message == "already at the longest interval (1 h)"
    assert press(AppState(interval_s=0.3), "-").interval_s == 0.2


CLOSES = (Action.CLOSE_HELP, Action.CLOSE_MENU, Action.CLOSE_DETAILS)


def test_quit_only_from_the_table() -> None:
    assert reduce(AppState(), Command(Action.QUIT), ctx())[1] == Reaction.QUIT
    for mode in (Mode.HELP, Mode.ORDER, Mode.DETAILS, Mode.USER_MENU, Mode.SIGNAL_MENU):
        command = command_for(mode, "q")
        assert command is not None and command.action in CLOSES, mode
    assert command_for(Mode.FILTER, "q") == Command(Action.TEXT_INSERT, "q")


def test_interface_and_disk_selection_cycle() -> None:
    snap = snapshot()
    state = AppState()
    assert selected_interface(state, snap) == "eth0"
    assert selected_mount(state, snap) == "/"
    state = press(state, "n", ctx(snap))
    assert selected_interface(state, snap) == "lo"
    state = press(state, "d", ctx(snap))
    assert selected_mount(state, snap) == "/srv/data"
    state = press(state, "d", ctx(snap))
    assert selected_mount(state, snap) == "/"


def test_navigation_moves_and_scrolls() -> None:
    snap = snapshot(processes=[process(p, f"p{p}", cpu=100.0 - p) for p in range(1, 11)])
    context = ctx(snap, page=3)
    state = follow_selection(AppState(), context.view, snap)
    assert state.selected == process_key(snap.processes[0])
    state = press(state, "j", context)
    state = press(state, "down", context)
    assert state.selected_index == 2 and state.scroll_top == 0
    state = press(state, "down", context)
    assert state.selected_index == 3 and state.scroll_top == 1  # scrolled to keep it in view
    state = press(state, "pgdn", context)
    assert state.selected_index == 6
    state = press(state, "end", context)
    assert state.selected_index == 9 and state.scroll_top == 7
    state = press(state, "k", context)
    state = press(state, "home", context)
    assert state.selected_index == 0 and state.scroll_top == 0
    assert press(state, "up", context).selected_index == 0


def test_selection_follows_the_process_and_moves_on_when_it_exits() -> None:
    rows = [process(p, f"p{p}", cpu=float(p)) for p in (1, 2, 3, 4)]
    snap = snapshot(processes=rows)
    state = AppState(selected=process_key(rows[1]), selected_name="p2", selected_index=2)
    # Re-sorted by CPU (4, 3, 2, 1): the selection stays on p2, now at index 2.
    state = follow_selection(state, build_view(snap.processes, state.query), snap)
    assert state.selected == process_key(rows[1]) and state.selected_index == 2
    # p2's CPU rises: it moves up, the selection goes with it.
    busier = [*rows[:1], dataclasses.replace(rows[1], cpu_percent=50.0), *rows[2:]]
    snap = snapshot(processes=busier)
    state = follow_selection(state, build_view(snap.processes, state.query), snap)
    assert state.selected_index == 0 and state.selected == process_key(rows[1])
    # p2 exits: its neighbour (now at the same row) is selected and the status line says so.
    snap = snapshot(processes=[rows[0], rows[2], rows[3]])
    state = follow_selection(state, build_view(snap.processes, state.query), snap)
    assert state.selected == process_key(rows[3])
    assert state.message == "process 2 (p2) exited; selected 4 (p4)"
    # PID reuse: same PID, new start time, is another process.
    reused = dataclasses.replace(rows[3], start_time_epoch_s=9.0)
    snap = snapshot(processes=[rows[0], rows[2], reused])
    state = follow_selection(state, build_view(snap.processes, state.query), snap)
    assert state.selected != process_key(reused) or "exited" in (state.message or "")


def test_keep_visible_clamps() -> None:
    state = AppState(selected_index=0, scroll_top=50)
    assert keep_visible(state, 10, 5).scroll_top == 0
    assert keep_visible(AppState(selected_index=9), 10, 5).scroll_top == 5


def test_order_mode_cycles_descending_ascending_off() -> None:
    state = press(AppState(), "o")
    assert state.mode is Mode.ORDER and state.order_cursor is SortKey.CPU
    state = press(state, "right")
    assert state.order_cursor is SortKey.TIME
    state = press(state, "enter")
    assert state.query.sort_key is SortKey.TIME and state.query.descending
    state = press(state, "enter")
    assert state.query.sort_key is SortKey.TIME and not state.query.descending
    state = press(state, "enter")
    assert state.query.sort_key is None
    state = press(state, "left")
    state = press(state, "left")
    assert state.order_cursor is SortKey.MEMORY
    assert press(state, "escape").mode is Mode.NORMAL
    assert press(state, "o").mode is Mode.NORMAL


def test_sort_shortcuts_flip_on_second_press() -> None:
    state = press(AppState(), "p")
    assert state.query.sort_key is SortKey.PID and not state.query.descending
    assert press(state, "p").query.descending
    state = press(AppState(), "m")
    assert state.query.sort_key is SortKey.MEMORY and state.query.descending
    assert press(AppState(), "N").query.sort_key is SortKey.COMMAND
    assert press(AppState(), "e").query.sort_key is SortKey.TIME
    state = press(AppState(), "c")  # already CPU: flips to ascending
    assert state.query.sort_key is SortKey.CPU and not state.query.descending


def test_filter_prompt_editing() -> None:
    state = press(AppState(), "/")
    assert state.mode is Mode.FILTER
    for key in "ngx web":
        state = press(state, key)
    assert state.query.text == "ngx web"
    state = press(state, "ctrl-w")
    assert state.query.text == "ngx "
    state = press(state, "backspace")
    state = press(state, "left")
    state = press(state, "i")
    assert state.query.text == "ngix" and state.filter_cursor == 3
    state = press(state, "ctrl-u")
    assert state.query.text == "x"
    state = press(state, "enter")
    assert state.mode is Mode.NORMAL and state.query.text == "x"
    state = press(press(state, "/"), "escape")
    assert state.mode is Mode.NORMAL and state.query.text == ""


def test_user_menu_and_command_toggle_and_tree() -> None:
    snap = snapshot(processes=[process(1, "a", user="root"), process(2, "b", user="alice")])
    context = ctx(snap)
    state = press(AppState(), "u", context)
    assert state.mode is Mode.USER_MENU and state.menu_index == 0
    state = press(press(state, "down", context), "enter", context)
    assert state.query.user == "alice" and state.mode is Mode.NORMAL
    state = press(press(state, "u", context), "up", context)
    assert press(state, "enter", context).query.user is None
    assert not press(AppState(), "a").query.command_line
    assert press(AppState(), "t").query.tree


def test_signal_keys_ask_first_and_respect_read_only() -> None:
    snap = snapshot(processes=[process(42, "victim", cpu=5.0)])
    context = ctx(snap)
    state = follow_selection(AppState(), context.view, snap)
    asking = press(state, "T", context)
    assert asking.mode is Mode.CONFIRM and asking.pending_signal is not None
    assert asking.pending_signal.pid == 42 and asking.pending_signal.signum == 15
    new, effect = reduce(asking, Command(Action.CONFIRM_YES), context)
    assert Reaction.SEND_SIGNAL in effect and new.mode is Mode.NORMAL
    cancelled = press(asking, "n", context)
    assert cancelled.mode is Mode.NORMAL and cancelled.pending_signal is None
    assert press(asking, "escape", context).pending_signal is None
    assert press(state, "K", context).pending_signal.signum == 9  # type: ignore[union-attr]
    menu = press(state, "s", context)
    assert menu.mode is Mode.SIGNAL_MENU
    picked = press(press(menu, "down", context), "enter", context)
    assert picked.mode is Mode.CONFIRM and picked.pending_signal.signum == 9  # type: ignore[union-attr]
    read_only = dataclasses.replace(state, read_only=True)
    for key in ("T", "K", "s"):
        blocked = press(read_only, key, context)
        assert blocked.mode is Mode.NORMAL and "read-only" in (blocked.message or "")


def test_details_open_and_close() -> None:
    snap = snapshot(processes=[process(42, "victim")])
    context = ctx(snap)
    state = follow_selection(AppState(), context.view, snap)
    opened, effect = reduce(state, Command(Action.DETAILS), context)
    assert Reaction.OPEN_DETAILS in effect and opened.mode is Mode.DETAILS
    assert opened.details == process_key(snap.processes[0])
    closed = press(opened, "q", context)
    assert closed.mode is Mode.NORMAL and closed.details is None


def test_view_sorting_is_stable_with_unknowns_last() -> None:
    rows = [
        process(5, "b", cpu=None),
        process(3, "a", cpu=10.0),
        process(9, "c", cpu=10.0),
        process(1, "d", cpu=50.0),
        process(2, "e", cpu=None),
    ]

    def pids(query: ProcessQuery) -> list[int]:
        return [r.process.pid for r in build_view(rows, query).rows]

    assert pids(ProcessQuery()) == [1, 3, 9, 2, 5]
    assert pids(ProcessQuery(descending=False)) == [3, 9, 1, 2, 5]
    assert pids(ProcessQuery(sort_key=None)) == [1, 2, 3, 5, 9]
    assert pids(ProcessQuery(sort_key=SortKey.COMMAND, descending=False, command_line=False)) == [
        3,
        5,
        9,
        1,
        2,
    ]


def test_view_filter_matches_name_command_line_and_user() -> None:
    rows = [
        process(1, "nginx", user="www"),
        process(2, "bash", cmdline="vim /etc/NGINX.conf"),
        process(3, "sshd", user="nginxadmin"),
        process(4, "cron"),
    ]
    view = build_view(rows, ProcessQuery(text="NginX"))
    assert sorted(r.process.pid for r in view.rows) == [1, 2, 3]
    assert view.total == 4
    assert [r.process.pid for r in build_view(rows, ProcessQuery(user="www")).rows] == [1]


def test_tree_view_nests_children_and_keeps_ancestors_of_matches() -> None:
    def child(pid: int, ppid: int, name: str, cpu: float) -> ProcessRow:
        return dataclasses.replace(process(pid, name, cpu=cpu), ppid=ppid)

    rows = [
        dataclasses.replace(process(1, "init", cpu=0.0), ppid=0),
        child(10, 1, "sshd", 1.0),
        child(11, 10, "bash", 2.0),
        child(12, 11, "top", 9.0),
        child(13, 10, "bash2", 5.0),
        child(20, 1, "cron", 0.5),
    ]
    view = build_view(rows, ProcessQuery(tree=True))
    lines = [r.guide + r.process.name for r in view.rows]
    assert lines == ["init", "├─ sshd", "│  ├─ bash2", "│  └─ bash", "│     └─ top", "└─ cron"]
    ascii_view = build_view(rows, ProcessQuery(tree=True), ascii_guides=True)
    assert [r.guide for r in ascii_view.rows][:3] == ["", "|- ", "|  |- "]
    filtered = build_view(rows, ProcessQuery(tree=True, text="top"))
    assert [(r.process.name, r.matched) for r in filtered.rows] == [
        ("init", False),
        ("sshd", False),
        ("bash", False),
        ("top", True),
    ]


def apply_keys(state: AppState, keys: list[str]) -> tuple[AppState, list[Command], int]:
    """Keys from one read handled as the loop handles them: (state, commands, view rebuilds)."""
    commands: list[Command] = []
    rebuilds = 0
    position = 0
    context = ctx(state=state)
    while position < len(keys):
        command, position = next_command(state.mode, keys, position)
        if command is None:
            continue
        commands.append(command)
        previous = state
        state, _ = reduce(state, command, context)
        if state.query != previous.query:
            rebuilds += 1  # the loop rebuilds the process view exactly when the query changes
            context = ctx(state=state)
    return state, commands, rebuilds


def test_a_40000_character_paste_is_one_insertion_capped_with_a_message() -> None:
    pasted = "abcdefghij" * 4000
    state, commands, rebuilds = apply_keys(AppState(mode=Mode.FILTER), list(pasted))
    assert commands == [Command(Action.TEXT_INSERT, pasted)]
    assert rebuilds == 1  # not 40,000: the work is linear in the paste's length
    assert state.query.text == pasted[:MAX_FILTER_CHARS]
    assert state.filter_cursor == MAX_FILTER_CHARS
    assert state.message == FILTER_FULL_MESSAGE
    more, _, rebuilds = apply_keys(state, list("xyz"))
    assert more.query.text == state.query.text and rebuilds == 0  # full: nothing more goes in


def test_a_paste_mixed_with_keys_keeps_their_meaning() -> None:
    keys = ["/", *"py", "backspace", *"ostgres", "enter", "j", "/", "ctrl-u", *"x"]
    state, commands, rebuilds = apply_keys(AppState(), keys)
    assert [c.action for c in commands] == [
        Action.FILTER,
        Action.TEXT_INSERT,
        Action.TEXT_BACKSPACE,
        Action.TEXT_INSERT,
        Action.ACCEPT,
        Action.DOWN,
        Action.FILTER,
        Action.TEXT_CLEAR,
        Action.TEXT_INSERT,
    ]
    assert commands[3].text == "ostgres"
    assert state.query.text == "x" and state.message is None
    assert rebuilds == 5


def test_text_keys_outside_the_filter_stay_single_commands() -> None:
    assert next_command(Mode.NORMAL, ["j", "j", "k"], 0) == (Command(Action.DOWN), 1)
    assert next_command(Mode.NORMAL, ["y", "y"], 0) == (Command(Action.UNKNOWN_KEY, "y"), 1)
    assert next_command(Mode.ORDER, ["x", "j"], 0) == (None, 1)
    assert next_command(Mode.FILTER, ["a", "\x85", "b"], 0) == (Command(Action.TEXT_INSERT, "a"), 1)
