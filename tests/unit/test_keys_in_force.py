"""Every text that names a key (messages, hints, notes, the help's entries, the fleet's help)
names the key in force after a rebinding, and the default one otherwise; the help's columns
are measured in cells."""

from __future__ import annotations

import dataclasses

from sot.fleet_model import FleetRow, FleetSnapshot
from sot.fleet_view import HELP_LINES, FleetState, fleet_command, help_lines, reduce_fleet
from sot.history import History
from sot.key_help import HTOP_HEADING, MAX_KEY_COLUMN, key_column, key_reference, mode_hints
from sot.key_help import help_lines as sot_help_lines
from sot.keymap import parse_bindings
from sot.keys import DEFAULT_KEYMAP, Mode
from sot.reducer import HELP_HINT_MESSAGE
from sot.render.cells import display_width
from sot.render.fleet import render_fleet
from sot.render.frame import FrameInput, closing_keys, render_frame, render_help
from sot.render.glyphs import ASCII, UNICODE
from sot.render.status import render_status
from sot.search import NO_SEARCH_MESSAGE
from sot.state import AppState
from sot.view import build_view
from tests.fakes import process, snapshot
from tests.unit.test_keymap import keymap, press
from tests.unit.test_startup_cost import run_python


def status(state: AppState, width: int = 120) -> str:
    return "".join(render_status(state, width, ASCII)[0].cells)


def test_messages_name_the_keys_in_force() -> None:
    assert press(AppState(), "b").message == HELP_HINT_MESSAGE == "press ? for help"
    assert press(AppState(keymap=keymap(help="F1")), "b").message == "press F1 for help"
    zoomed = press(AppState(keymap=keymap(zoom="Z", close="ctrl-g")), "Z")
    assert zoomed.message == "processes zoomed (Z or Ctrl-G returns)"
    assert press(AppState(), "z").message == "processes zoomed (z or Esc returns)"
    searching = AppState(keymap=keymap(search="ctrl-f", **{"search-previous": "ctrl-b"}))
    assert press(AppState(), "shift-f3").message == NO_SEARCH_MESSAGE
    assert press(searching, "ctrl-b").message == "no search yet: press Ctrl-F and type"
    typed = press(press(press(searching, "ctrl-f"), "x"), "enter")
    assert typed.message == 'search "x": Ctrl-F next, Ctrl-B previous'


def test_mode_hints_name_the_keys_in_force() -> None:
    assert mode_hints(Mode.HELP, DEFAULT_KEYMAP)[0] == ("Esc q", "close")
    assert mode_hints(Mode.HELP, keymap(**{"close-help": "X"}))[0] == ("X", "close")
    # No close-help key: the help's own key is the way out the hint names.
    gone = keymap(**{"close-help": []})
    assert mode_hints(Mode.HELP, gone)[0] == ("? h", "close")
    assert ("O Esc", "done") in mode_hints(Mode.ORDER, keymap(order="O"))
    assert mode_hints(Mode.DISK, keymap(quit="X"))[0] == ("X", "quit")
    assert mode_hints(Mode.DETAILS, DEFAULT_KEYMAP, read_only=True) == (
        ("Esc q", "close"),
        ("space", "pause"),
    )
    row = status(AppState(mode=Mode.FILTER, keymap=keymap(cancel="ctrl-g")))
    assert "Ctrl-G clear" in row and "Esc" not in row
    disk = AppState(screen="disk", home_mode=Mode.DISK, mode=Mode.DISK, keymap=keymap(quit="X"))
    assert "X quit" in status(disk) and "q quit" not in status(disk)


def test_the_help_box_and_the_details_say_the_closing_keys_in_force() -> None:
    def top_row(state: AppState) -> str:
        placed = render_help(120, 80, ASCII, state)
        assert placed is not None
        return placed[0][0].text

    assert "Esc closes" in top_row(AppState(mode=Mode.HELP))
    assert "X closes" in top_row(AppState(mode=Mode.HELP, keymap=keymap(**{"close-help": "X"})))
    short = render_help(120, 20, ASCII, AppState(mode=Mode.HELP, keymap=keymap(up="i", down="J")))
    assert short is not None and "i/J scroll" in short[0][0].text
    assert closing_keys(DEFAULT_KEYMAP, Mode.DETAILS, "close-details", "details", 2) == "Esc or q"
    rebound = keymap(**{"close-details": ["X", "Y", "Z"]})
    assert closing_keys(rebound, Mode.DETAILS, "close-details", "details", 2) == "X or Y"


def test_help_entries_that_name_keys_follow_a_rebinding() -> None:
    def texts(table: dict[str, object]) -> set[str]:
        return {line.text for line in sot_help_lines(False, keymap=keymap(**table))}

    assert "zoom the focused panel; z or Esc returns" in texts({})
    assert "zoom the focused panel; Z or Esc returns" in texts({"zoom": "Z"})
    assert "zoom the focused panel; z or Ctrl-G returns" in texts({"close": "ctrl-g"})
    assert "previous match (Ctrl-F: the next one)" in texts({"search": "ctrl-f"})
    assert "order by: h l pick, Enter cycles" in texts({"order-left": "h", "order-right": "l"})
    # htop's table keeps htop's keys, and says it shows sot's defaults.
    assert HTOP_HEADING in sot_help_lines(False)
    heading = [line for line in sot_help_lines(False, keymap=keymap(zoom="Z")) if line.heading]
    assert heading[0].text == "what it does in sot by default"
    assert "htop's keys in sot (by default):" in key_reference(keymap(zoom="Z"))
    assert "htop's keys in sot:" in key_reference()


ROWS = (FleetRow("web-1:9100", "node", True, cpu_percent=30.0),)


def test_the_fleet_names_the_keys_in_force() -> None:
    assert help_lines() == HELP_LINES
    rebound = keymap(quit="X", help="F1", close="ctrl-g")
    lines = dict(help_lines(rebound))
    assert lines["X"] == "quit" and lines["F1"] == "this help"
    assert "(Ctrl-G clears)" in lines["/ \\ F4"]
    state = FleetState(keymap=rebound)
    command = fleet_command(Mode.NORMAL, "b", rebound)
    assert command is not None
    message = reduce_fleet(state, command, ROWS, page_rows=2, help_rows=3).state.message
    assert message == "'b' does nothing here: press F1 for help"
    fleet = FleetSnapshot("http://prom:9090", 1e9, ROWS)
    row = render_fleet(fleet, ROWS, state, 100, 6, ASCII)[-1].text
    assert "X quit" in row and "F1 help" in row and "q quit" not in row
    helping = dataclasses.replace(state, mode=Mode.HELP)
    row = render_fleet(fleet, ROWS, helping, 100, 20, ASCII)[-1].text
    assert "Esc or F1 closes the help" in row


def test_help_columns_are_cells_and_a_long_key_list_is_cut() -> None:
    # A wide key: the help box's descriptions stay in one column.
    wide = keymap(quit="中")
    placed = render_help(120, 60, UNICODE, AppState(mode=Mode.HELP, keymap=wide))
    assert placed is not None
    texts = [line.text for line in placed[0]]
    quit_row = next(t for t in texts if "quit (also" in t)
    help_row = next(t for t in texts if "show or hide this help" in t)
    assert display_width(quit_row[: quit_row.index("quit (also")]) == display_width(
        help_row[: help_row.index("show or hide this help")]
    )
    # Twelve keys on one action: the key column stops at its cap, the text stays in the box.
    many = keymap(
        tag=[f"f{n}" for n in range(1, 11)] + ["alt-a", "alt-b"],
        help="?",
        **{
            "search": [],
            "filter": ["/"],
            "tree": ["t"],
            "order": ["o"],
            "signal-menu": ["s"],
            "nice-higher-priority": ["]"],
            "nice-lower-priority": ["["],
            "search-previous": [],
            "quit": ["q"],
        },
    )
    placed = render_help(120, 60, ASCII, AppState(mode=Mode.HELP, keymap=many))
    assert placed is not None
    tag_row = next(line.text for line in placed[0] if "tag or untag" in line.text)
    assert "tag or untag the process, then move down" in tag_row
    assert len(key_column("F1 F2 F3 F4 F5 F6 F7 F8 F9 F10 Alt-a Alt-b")) == MAX_KEY_COLUMN
    assert key_column("F1 F2 F3 F4 F5 F6 F7 F8 F9 F10 Alt-a Alt-b").rstrip().endswith("...")


def test_the_user_menu_and_sot_disk_help_name_the_keys_in_force() -> None:
    from sot.commands.disk import EPILOG, epilog

    assert epilog() == EPILOG
    assert "? help, X quits." in epilog(parse_bindings({"quit": "X"}))
    snap = snapshot(processes=[process(5, "proc5")])
    state = AppState(mode=Mode.USER_MENU, keymap=keymap(accept="ctrl-p"))
    data = FrameInput(snap, History().push(snap), state, build_view(snap.processes, state.query))
    text = "\n".join(line.text for line in render_frame(data, 100, 30, ASCII))
    assert "Ctrl-P picks" in text and "Enter picks" not in text


def test_the_key_table_of_sot_help_loads_no_wcwidth_for_ascii_keys() -> None:
    # sot --help's key table is built at every start, before OpenSSL is kept out: measuring
    # ASCII keys must not import wcwidth (whose import loads OpenSSL).
    code = (
        "import sys\n"
        "from sot import cli\n"
        "cli.build_parser(cli.SUBCOMMANDS, ())\n"
        "print('wcwidth' in sys.modules)\n"
    )
    assert run_python(code) == "False"
