"""The key map: action names, the config file's bindings (checked), and the keys in force in
the help, the hints and ``sot --help``; the number keys and zoom in the reducer."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sot.commands.dashboard import epilog
from sot.config import Config, ConfigError
from sot.history import History
from sot.key_help import (
    DISK_KEY_HELP,
    KEY_HELP,
    PANEL_KEYS,
    binding_reference,
    help_lines,
    key_reference,
    normal_hints,
)
from sot.keymap import (
    BindingError,
    action_names,
    build_keymap,
    canonical_key,
    key_label,
    parse_bindings,
)
from sot.keys import (
    DEFAULT_KEYMAP,
    MODE_KEYS,
    Action,
    Command,
    KeyMap,
    Mode,
    action_name,
    command_for,
    decode_keys,
    next_command,
)
from sot.layout import TOGGLEABLE_PANELS
from sot.pipeline import initial_state
from sot.reducer import reduce
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import ASCII
from sot.render.status import render_status
from sot.state import AppState, Context
from sot.view import build_view
from tests.fakes import process, snapshot

README = Path(__file__).resolve().parents[2] / "README.md"


def ctx(state: AppState) -> Context:
    snap = snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in (5, 7, 9)])
    return Context(snap, build_view(snap.processes, state.query), 3)


def press(state: AppState, key: str) -> AppState:
    command = command_for(state.mode, key, state.keymap)
    assert command is not None, key
    return reduce(state, command, ctx(state))[0]


def keymap(**table: object) -> KeyMap:
    return build_keymap(parse_bindings(table))


# The tables before the key map (``git show fcdfb97:sot/keys.py``), key -> action (":" and the
# sort column or panel), pinned here so the default map cannot drift from them unnoticed.
PREVIOUS_PROMPT = {  # the filter's and the search's
    "backspace": "text-backspace",
    "ctrl-h": "text-backspace",
    "ctrl-w": "text-delete-word",
    "ctrl-u": "text-clear",
    "left": "text-left",
    "right": "text-right",
    "home": "text-home",
    "ctrl-a": "text-home",
    "end": "text-end",
    "ctrl-e": "text-end",
    "enter": "accept",
    "escape": "cancel",
    "up": "up",
    "down": "down",
    "ctrl-l": "repaint",
}
PREVIOUS_MOVES = {  # the table's and the help's
    "up": "up",
    "k": "up",
    "down": "down",
    "j": "down",
    "pgup": "page-up",
    "pgdn": "page-down",
    "home": "first",
    "end": "last",
}
PREVIOUS_MENU = {  # the user's and the signal's
    "up": "menu-up",
    "k": "menu-up",
    "down": "menu-down",
    "j": "menu-down",
    "enter": "accept",
    "escape": "close",
    "q": "close",
    "ctrl-l": "repaint",
    "f10": "close",
}
PREVIOUS_TABLES: dict[str, dict[str, str]] = {
    "normal": {
        "q": "quit",
        "Q": "quit",
        "?": "help",
        "h": "help",
        "escape": "close",
        "ctrl-l": "repaint",
        " ": "toggle-pause",
        "+": "slower",
        "=": "slower",
        "-": "faster",
        "M": "sort-set:MEM",
        "P": "sort-set:CPU%",
        "<": "sort-left",
        ">": "sort-right",
        "I": "invert-sort",
        "H": "hide-threads",
        "\\": "filter",
        "f1": "help",
        "f2": "help",
        "f3": "search",
        "shift-f3": "search-previous",
        "f4": "filter",
        "f5": "toggle-tree",
        "f6": "order-mode",
        "f9": "signal-menu",
        "f10": "quit",
        "n": "next-interface",
        "d": "next-disk",
        "o": "order-mode",
        "c": "sort-by:CPU%",
        "m": "sort-by:MEM",
        "p": "sort-by:PID",
        "N": "sort-by:COMMAND",
        "e": "sort-by:TIME+",
        "r": "sort-by:READ/s",
        "w": "sort-by:WRITE/s",
        "x": "toggle-kernel-threads",
        "/": "filter",
        "u": "user-menu",
        "a": "toggle-command",
        "t": "toggle-tree",
        "enter": "details",
        "tab": "next-panel",
        "v": "tag",
        "V": "tag-tree",
        "U": "untag-all",
        **PREVIOUS_MOVES,
        "K": "kill",
        "T": "terminate",
        "s": "signal-menu",
        "]": "nice-higher-priority",
        "f7": "nice-higher-priority",
        "[": "nice-lower-priority",
        "f8": "nice-lower-priority",
    },
    "help": {
        "?": "close",
        "h": "close",
        "escape": "close",
        "q": "close",
        "enter": "close",
        " ": "close",
        "f1": "close",
        "f2": "close",
        "f10": "close",
        **PREVIOUS_MOVES,
        "ctrl-l": "repaint",
    },
    "disk": {
        "q": "quit",
        "Q": "quit",
        "f10": "quit",
        "?": "help",
        "h": "help",
        "f1": "help",
        "up": "disk-up",
        "k": "disk-up",
        "down": "disk-down",
        "j": "disk-down",
        "enter": "disk-toggle",
        " ": "toggle-pause",
        "+": "slower",
        "-": "faster",
        "ctrl-l": "repaint",
    },
    "order": {
        "left": "order-left",
        "right": "order-right",
        "enter": "order-cycle",
        "o": "close",
        "f6": "close",
        "f10": "close",
        "escape": "close",
        "q": "close",
        "ctrl-l": "repaint",
    },
    "filter": PREVIOUS_PROMPT,
    "search": {**PREVIOUS_PROMPT, "f3": "search-next", "shift-f3": "search-previous"},
    "user-menu": {**PREVIOUS_MENU, "u": "close"},
    "signal-menu": {
        **PREVIOUS_MENU,
        "s": "close",
        "f9": "close",
        "backspace": "text-backspace",
        "ctrl-h": "text-backspace",
    },
    "confirm": {
        "y": "confirm-yes",
        "Y": "confirm-yes",
    },
    "details": {
        "escape": "close",
        "q": "close",
        "f10": "close",
        "enter": "close",
        "ctrl-l": "repaint",
        "K": "kill",
        "T": "terminate",
        "s": "signal-menu",
        "f9": "signal-menu",
        "]": "nice-higher-priority",
        "f7": "nice-higher-priority",
        "[": "nice-lower-priority",
        "f8": "nice-lower-priority",
        "up": "scroll-up",
        "k": "scroll-up",
        "down": "scroll-down",
        "j": "scroll-down",
        "pgup": "scroll-page-up",
        "pgdn": "scroll-page-down",
        "home": "scroll-top",
        "end": "scroll-bottom",
    },
}

# What the key map changed on purpose: the number keys, z and Tab; a view's or menu's opening key
# toggles it (its action, so a rebound opening key closes it too); the views' other ways out are
# actions of their own (close-help, close-menu, close-details), rebound apart from the table's Esc.
CHANGES: dict[str, dict[str, str]] = {
    "normal": {
        **{str(n): f"toggle-panel:{p}" for n, p in enumerate(TOGGLEABLE_PANELS, 1)},
        "z": "zoom",
        "tab": "next-panel",
    },
    "help": {
        **dict.fromkeys(("?", "h", "f1", "f2"), "help"),
        **dict.fromkeys(("escape", "q", "enter", " ", "f10"), "close-help"),
    },
    "order": {
        **dict.fromkeys(("o", "f6"), "order-mode"),
        **dict.fromkeys(("escape", "q", "f10"), "close-menu"),
    },
    "user-menu": {"u": "user-menu", **dict.fromkeys(("escape", "q", "f10"), "close-menu")},
    "signal-menu": {
        **dict.fromkeys(("s", "f9"), "signal-menu"),
        **dict.fromkeys(("escape", "q", "f10"), "close-menu"),
    },
    "details": {
        "enter": "details",
        **dict.fromkeys(("escape", "q", "f10"), "close-details"),
        " ": "toggle-pause",  # the hint said space pauses there; it did not
    },
}


def _spelled(command: Command) -> str:
    extra = command.sort_key.value if command.sort_key is not None else command.text
    return f"{command.action.value}:{extra}" if extra else command.action.value


def test_the_default_map_is_the_previous_tables_with_the_new_keys() -> None:
    for mode in Mode:
        expected = {**PREVIOUS_TABLES[mode.value], **CHANGES.get(mode.value, {})}
        table = DEFAULT_KEYMAP.table(mode)
        assert {key: _spelled(command) for key, command in table.items()} == expected, mode
        for key, command in table.items():
            assert command_for(mode, key) == command
    assert build_keymap(()) is DEFAULT_KEYMAP
    assert build_keymap(parse_bindings({})) is DEFAULT_KEYMAP


@pytest.mark.parametrize(
    ("mode", "key"),
    [
        (mode, key)
        for mode in Mode
        for key, action in PREVIOUS_TABLES[mode.value].items()
        if action == "close" and mode is not Mode.NORMAL
    ],
)
def test_every_key_that_closed_a_view_still_closes_it(mode: Mode, key: str) -> None:
    details = (5, 0.0) if mode is Mode.DETAILS else None
    state = AppState(mode=mode, selected=(5, 0.0), details=details)
    closed = press(state, key)
    assert closed.mode is Mode.NORMAL and closed.details is None


def test_every_action_name_means_one_command() -> None:
    named: dict[str, Command] = {}
    for table in MODE_KEYS.values():
        for command in table.values():
            assert named.setdefault(action_name(command), command) == command
    names = action_names()
    assert len(names) == len(set(names))
    for name in ("quit", "help", "filter", "search", "sort-cpu", "sort-memory", "tree"):
        assert name in names
    for name in ("details", "kill", "terminate", "pause", "zoom", "toggle-panel-cpu"):
        assert name in names


def test_number_keys_are_the_toggleable_panels_in_order() -> None:
    assert PANEL_KEYS == TOGGLEABLE_PANELS
    for number, panel in enumerate(TOGGLEABLE_PANELS, 1):
        assert command_for(Mode.NORMAL, str(number)) == Command(Action.TOGGLE_PANEL, panel)
    assert command_for(Mode.NORMAL, "z") == Command(Action.ZOOM)


LABELS = {"1-6": [str(n) for n in range(1, 7)]}


def test_help_entries_name_their_actions_default_keys() -> None:
    for entry in (*KEY_HELP, *DISK_KEY_HELP):
        mode = Mode.DISK if entry in DISK_KEY_HELP else Mode.NORMAL
        keys = {k for name in entry.actions for k in DEFAULT_KEYMAP.keys_of(name, mode)}
        labels = {key_label(k) for k in keys}
        for shown in entry.keys.split():
            for label in LABELS.get(shown, [shown]):
                if label != "Ctrl-C":
                    assert label in labels, (entry.keys, label)


def test_rebinding_moves_the_action_and_drops_its_defaults() -> None:
    rebound = keymap(quit="X", help=["F1", "?"], zoom="Z")
    assert rebound.rebound == frozenset({"quit", "help", "zoom"})
    assert command_for(Mode.NORMAL, "X", rebound) == Command(Action.QUIT)
    assert command_for(Mode.DISK, "X", rebound) == Command(Action.QUIT)  # every mode it has
    for key in ("q", "Q", "f10"):
        assert command_for(Mode.NORMAL, key, rebound) == Command(Action.UNKNOWN_KEY, key)
    assert command_for(Mode.NORMAL, "h", rebound) == Command(Action.UNKNOWN_KEY, "h")
    assert command_for(Mode.HELP, "f1", rebound) == Command(Action.HELP)  # closes the help
    assert command_for(Mode.HELP, "h", rebound) is None
    assert command_for(Mode.HELP, "q", rebound) == Command(Action.CLOSE_HELP)  # not rebound
    assert command_for(Mode.NORMAL, "Z", rebound) == Command(Action.ZOOM)
    # The rest is as it was.
    assert command_for(Mode.NORMAL, "j", rebound) == Command(Action.DOWN)
    # An empty list: no key.
    assert keymap(**{"sort-memory": []}).keys_of("sort-memory") == ()


def test_a_rebound_key_works_through_the_reducer_and_the_loop_path() -> None:
    state = AppState(keymap=keymap(**{"toggle-panel-memory": "M", "sort-memory-descending": []}))
    state = press(state, "M")
    assert state.hidden_panels == frozenset({"memory"})
    assert state.message == "memory hidden (M shows it)"
    command, _ = next_command(Mode.NORMAL, decode_keys("M"), 0, state.keymap)
    assert command == Command(Action.TOGGLE_PANEL, "memory")


def test_printable_bindings_never_take_a_prompts_letters() -> None:
    rebound = keymap(up="i", **{"text-home": ["ctrl-b"]})
    assert command_for(Mode.NORMAL, "i", rebound) == Command(Action.UP)
    assert command_for(Mode.FILTER, "i", rebound) == Command(Action.TEXT_INSERT, "i")
    assert command_for(Mode.FILTER, "ctrl-b", rebound) == Command(Action.TEXT_HOME)
    # i cannot act in the prompt, so there up keeps its default keys; elsewhere they go.
    assert command_for(Mode.FILTER, "up", rebound) == Command(Action.UP)
    assert command_for(Mode.NORMAL, "up", rebound) == Command(Action.UNKNOWN_KEY, "up")


@pytest.mark.parametrize(
    ("table", "action", "message", "other"),
    [
        ({"quit": "j"}, "quit", "j is also down's key in normal mode", "down"),
        ({"zoom": "x"}, "zoom", "x is also kernel-threads's key in normal mode", "kernel-threads"),
        ({"zoom": "F1"}, "zoom", "F1 is also help's key in normal mode", "help"),
        # Two bindings on one key: the later one is reported, naming the first.
        ({"zoom": "Z", "tree": "Z"}, "tree", "Z is also zoom's key in normal mode", "zoom"),
        # quit is the disk screen's too, where j selects a disk.
        ({"quit": "j", "down": "J"}, "quit", "j is also disk-down's key in disk mode", "disk-down"),
    ],
)
def test_collisions_in_one_mode(
    table: dict[str, object], action: str, message: str, other: str
) -> None:
    with pytest.raises(BindingError) as raised:
        parse_bindings(table)
    assert (raised.value.action, str(raised.value), raised.value.other) == (action, message, other)


def test_the_same_key_in_different_modes_is_fine() -> None:
    # y confirms a signal; in the table it is free. A key freed by a rebinding can be taken.
    rebound = keymap(zoom="y", **{"kernel-threads": "X"}, tree="x")
    assert command_for(Mode.NORMAL, "y", rebound) == Command(Action.ZOOM)
    assert command_for(Mode.CONFIRM, "y", rebound) == Command(Action.CONFIRM_YES)
    assert command_for(Mode.NORMAL, "x", rebound) == Command(Action.TOGGLE_TREE)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"quitt": "x"}, 'unknown action "quitt" (did you mean "quit"?)'),
        ({"sort-cpus": "x"}, 'unknown action "sort-cpus" (did you mean "sort-cpu"?)'),
        ({"frobnicate": "x"}, 'unknown action "frobnicate" (README lists the action names)'),
        ({"quit": "ctrl-c"}, "Ctrl-C cannot be bound: Ctrl-C always quits"),
        ({"quit": "Ctrl-S"}, "Ctrl-S cannot be bound: the terminal takes Ctrl-S (flow control)"),
        ({"quit": 3}, "expected a key name or a list of key names"),
        ({"quit": ["x", 3]}, "expected a key name or a list of key names"),
    ],
)
def test_bad_names(table: dict[str, object], message: str) -> None:
    with pytest.raises(BindingError) as raised:
        parse_bindings(table)
    assert str(raised.value) == message
    assert raised.value.action == next(iter(table))


@pytest.mark.parametrize("key", ["f11", "hyper-x", "ctrl-1", "\x1b", "", "up up"])
def test_unknown_key_names(key: str) -> None:
    with pytest.raises(BindingError, match="is not a key name: use one character, space, up"):
        parse_bindings({"zoom": key})


def test_key_names_are_decode_keys_names() -> None:
    spelled = {
        "Z": "Z",
        "space": " ",
        " ": " ",
        "F1": "f1",
        "Shift-F3": "shift-f3",
        "PgDn": "pgdn",
        "Esc": "escape",
        "Ctrl-X": "ctrl-x",
        "alt-X": "alt-X",
        "Tab": "tab",
    }
    for text, name in spelled.items():
        assert canonical_key("zoom", text) == name
    typed = {"f1": "\x1bOP", "shift-f3": "\x1b[1;2R", "pgdn": "\x1b[6~", "ctrl-x": "\x18"}
    for name, sequence in typed.items():
        assert decode_keys(sequence) == [name]


def test_help_hints_and_help_text_show_the_keys_in_force() -> None:
    rebound = keymap(quit="X", filter=["ctrl-f", "f4"])
    lines = {line.text: line.keys for line in help_lines(False, keymap=rebound)}
    # q no longer quits, and X closes nothing: the text says which keys close what.
    quit_text = "quit (also Ctrl-C); Esc closes the help, Esc a menu, Esc the details"
    assert lines[quit_text] == "X"
    assert lines["filter by name, command line, user or cgroup"] == "Ctrl-F F4"
    assert lines["tree view"] == "t F5"  # not rebound: as README has it
    hints = {k.hint: k.hint_keys or k.keys for k in normal_hints(rebound)}
    assert hints["quit"] == "X" and hints["filter"] == "Ctrl-F" and hints["help"] == "?"
    row = "".join(render_status(AppState(keymap=rebound), 120, ASCII)[0].cells)
    assert "X quit" in row and "Ctrl-F filter" in row and "q quit" not in row
    assert key_reference(rebound).startswith("  X ")
    text = epilog(parse_bindings({"quit": "X"}))
    assert re.search(r"^  X +quit \(also Ctrl-C\); Esc closes the help", text, re.MULTILINE)
    assert re.search(r"^  q F10 +quit", epilog(), re.MULTILINE)
    disk = help_lines(False, Mode.DISK, rebound)
    assert disk[1].keys == "X"


def test_readme_lists_every_action_with_its_default_keys() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- key-bindings:start -->\n```text\n") + len(
        "<!-- key-bindings:start -->\n```text\n"
    )
    end = text.index("\n```\n<!-- key-bindings:end -->")
    assert text[start:end] == binding_reference()
    for name in action_names():
        assert f"\n{name} " in f"\n{text[start:end]}"


def test_number_keys_hide_and_show_and_zoom_returns() -> None:
    state = press(AppState(), "2")
    assert state.hidden_panels == frozenset({"memory"})
    assert state.message == "memory hidden (2 shows it)"
    state = press(state, "2")
    assert state.hidden_panels == frozenset() and state.message == "memory shown"
    zoomed = press(AppState(), "z")
    assert zoomed.zoomed == "processes"
    assert zoomed.message == "processes zoomed (z or Esc returns)"
    assert press(zoomed, "z").zoomed is None
    back = press(
        dataclasses.replace(zoomed, query=dataclasses.replace(zoomed.query, text="x")), "escape"
    )
    assert back.zoomed is None and back.query.text == "x"  # Esc: the zoom first


def test_tab_then_zoom_zooms_the_focused_panel_and_hiding_moves_the_focus() -> None:
    state = press(press(AppState(), "tab"), "tab")
    assert state.focus == "memory"
    state = press(state, "z")
    assert state.zoomed == "memory"
    state = press(state, "tab")  # zoomed: Tab zooms the next panel
    assert state.focus == state.zoomed == "disks"
    state = press(press(state, "z"), "3")  # hiding the focused panel: back to the table
    assert state.focus == "processes" and "disks" in state.hidden_panels
    assert press(press(state, "tab"), "tab").focus == "memory"  # disks skipped: hidden


def test_number_keys_on_sot_ps_say_they_are_the_dashboards() -> None:
    state = press(AppState(screen="ps", focus_order=("processes", "ports")), "1")
    assert state.hidden_panels == frozenset()
    assert state.message == "number keys show and hide the dashboard's panels"
    ps = press(press(AppState(screen="ps", focus_order=("processes", "ports")), "tab"), "z")
    assert ps.zoomed == "ports"


def test_the_start_state_takes_the_configs_panels_and_keys() -> None:
    config = Config(hidden_panels=frozenset({"memory"}), key_bindings=(("quit", ("X",)),))
    state = initial_state(config)
    assert state.hidden_panels == frozenset({"memory"}) and state.screen == "dashboard"
    assert command_for(Mode.NORMAL, "X", state.keymap) == Command(Action.QUIT)
    ps = initial_state(dataclasses.replace(config, screen="ps"))
    assert ps.hidden_panels == frozenset()  # the number keys' panels are the dashboard's
    with pytest.raises(ConfigError, match=r"^\[keys\] quit: j is also down's key in normal mode$"):
        initial_state(dataclasses.replace(config, key_bindings=(("quit", ("j",)),)))


def test_once_text_output_leaves_out_the_hidden_panels() -> None:
    # print_once draws initial_state(config) with interactive=False, as here.
    snap = snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in (5, 7, 9)])
    state = initial_state(Config(hidden_panels=frozenset({"memory", "cpu"})))
    data = FrameInput(
        snap,
        History().push(snap),
        state,
        build_view(snap.processes, state.query),
        interactive=False,
    )
    text = "\n".join(line.text for line in render_frame(data, 160, 48, ASCII))
    assert "memory" not in text and "+ cpu" not in text and "+ disks" in text


def test_the_state_carrying_a_key_map_stays_hashable() -> None:
    rebound = keymap(quit="X")
    assert hash(AppState(keymap=rebound)) == hash(AppState(keymap=rebound))
    assert AppState(keymap=rebound) != AppState()  # another map: another state


def test_a_binding_that_cannot_act_in_a_mode_leaves_the_defaults_there() -> None:
    # Printable keys type in the prompts: the prompt keeps its Esc, Enter, Up and Shift-F3.
    for table, mode, key, action in (
        ({"cancel": "x"}, Mode.FILTER, "escape", Action.CANCEL),
        ({"cancel": "x"}, Mode.SEARCH, "escape", Action.CANCEL),
        ({"accept": "x"}, Mode.FILTER, "enter", Action.ACCEPT),
        ({"up": "i"}, Mode.SEARCH, "up", Action.UP),
        ({"search-previous": "X"}, Mode.SEARCH, "shift-f3", Action.SEARCH_PREVIOUS),
        # Digits are the signal menu's number: 9 still types SIGKILL's, Ctrl-L still repaints.
        ({"repaint": "9"}, Mode.SIGNAL_MENU, "ctrl-l", Action.REPAINT),
        ({"accept": "5"}, Mode.SIGNAL_MENU, "enter", Action.ACCEPT),
    ):
        rebound = keymap(**table)
        assert command_for(mode, key, rebound) == Command(action), (table, mode)
    rebound = keymap(repaint="9", accept="x")
    assert command_for(Mode.NORMAL, "9", rebound) == Command(Action.REPAINT)
    assert command_for(Mode.SIGNAL_MENU, "9", rebound) == Command(Action.TEXT_INSERT, "9")
    assert command_for(Mode.FILTER, "x", rebound) == Command(Action.TEXT_INSERT, "x")
    # Where the new key can act, it replaces the defaults: x picks in the user menu.
    assert command_for(Mode.USER_MENU, "x", rebound) == Command(Action.ACCEPT)
    assert command_for(Mode.USER_MENU, "enter", rebound) is None
    # Typing "9" in the signal menu with repaint on 9 selects SIGKILL.
    state = AppState(mode=Mode.SIGNAL_MENU, keymap=rebound)
    assert press(state, "9").signal_digits == "9"


@pytest.mark.parametrize(
    ("table", "action", "message"),
    [
        (
            {"cancel": [], "accept": []},
            "cancel",
            "filter mode would have no key out of it: keep a key for cancel or accept",
        ),
        (
            {"close-help": [], "help": []},
            "close-help",
            "help mode would have no key out of it: keep a key for close-help or help",
        ),
        (
            {"close-details": [], "details": []},
            "close-details",
            "details mode would have no key out of it: keep a key for close-details or details",
        ),
        (
            {"quit": []},
            "quit",
            "normal mode would have no key out of it: keep a key for quit",
        ),
    ],
)
def test_a_binding_that_traps_a_mode_is_refused(
    table: dict[str, object], action: str, message: str
) -> None:
    with pytest.raises(BindingError) as raised:
        parse_bindings(table)
    assert (raised.value.action, str(raised.value)) == (action, message)


def test_each_views_way_out_is_rebound_apart() -> None:
    # close: the table's Esc only; the menus and views keep theirs.
    state = AppState(keymap=keymap(close=[]))
    assert press(press(state, "o"), "escape").mode is Mode.NORMAL  # the reviewer's trap
    rebound = keymap(**{"close-menu": ["escape", "X"]})
    assert command_for(Mode.ORDER, "X", rebound) == Command(Action.CLOSE_MENU)
    assert command_for(Mode.ORDER, "q", rebound) is None
    assert command_for(Mode.ORDER, "o", rebound) == Command(Action.ORDER_MODE)  # o still closes
    assert command_for(Mode.HELP, "q", rebound) == Command(Action.CLOSE_HELP)  # not the help's
    assert command_for(Mode.DETAILS, "enter", rebound) == Command(Action.DETAILS)
    # A rebound opening key closes what it opens.
    opened = keymap(order="O", **{"user-menu": "ctrl-u"})
    assert command_for(Mode.ORDER, "O", opened) == Command(Action.ORDER_MODE)
    assert press(press(AppState(keymap=opened), "O"), "O").mode is Mode.NORMAL
    assert press(AppState(keymap=opened, mode=Mode.USER_MENU), "ctrl-u").mode is Mode.NORMAL
    # Rebinding close-help keeps what the other views have.
    help_only = keymap(**{"close-help": "X"})
    assert command_for(Mode.HELP, "escape", help_only) is None
    assert command_for(Mode.DETAILS, "escape", help_only) == Command(Action.CLOSE_DETAILS)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("alt-[", "Alt-[ cannot be bound: the terminal's key sequences begin with it"),
        ("Alt-O", "Alt-O cannot be bound: the terminal's key sequences begin with it"),
        ("\u0301", "is not a key name"),  # a combining acute accent alone
        ("\u200b", "is not a key name"),  # zero-width space
        ("\x07", "is not a key name"),
        ("alt-\u0301", "is not a key name"),
        ("alt-\x07", "is not a key name"),
    ],
)
def test_keys_no_terminal_sends_alone_are_refused(key: str, message: str) -> None:
    with pytest.raises(BindingError, match=re.escape(message)):
        parse_bindings({"zoom": key})
    assert canonical_key("zoom", "alt-o") == "alt-o"  # the lower case one is fine
