"""The fleet table's keys and view, pure: filter, sort (unknown values last), selection kept
on its instance across refreshes, Enter opening the selected instance, q quitting."""

from __future__ import annotations

from collections.abc import Sequence

from sot.fleet_model import FleetRow
from sot.fleet_view import (
    FleetColumn,
    FleetOutcome,
    FleetState,
    fleet_command,
    reduce_fleet,
    settled,
    visible_rows,
)
from sot.keys import Mode, decode_keys

ROWS = (
    FleetRow("web-1:9100", "node", True, cpu_percent=30.0, memory_used_percent=50.0),
    FleetRow("web-2:9100", "node", False),
    FleetRow("db-1:9100", "db", True, cpu_percent=90.0, memory_used_percent=20.0, nodename="pg"),
    FleetRow("cache-1:9100", "node", True, cpu_percent=5.0),
)


def press(state: FleetState, keys: str, rows: Sequence[FleetRow] = ROWS) -> FleetOutcome:
    outcome = FleetOutcome(state)
    for key in decode_keys(keys):
        command = fleet_command(outcome.state.mode, key)
        assert command is not None, key
        outcome = reduce_fleet(outcome.state, command, rows, page_rows=2, help_rows=3)
    return outcome


def names(state: FleetState, rows: Sequence[FleetRow] = ROWS) -> list[str]:
    return [row.instance for row in visible_rows(rows, state)]


def test_rows_sort_by_instance_first_and_unknown_figures_last_either_way() -> None:
    state = FleetState()
    assert names(state) == ["cache-1:9100", "db-1:9100", "web-1:9100", "web-2:9100"]
    by_cpu = press(state, "P").state
    assert (by_cpu.sort, by_cpu.descending) == (FleetColumn.CPU, True)
    assert names(by_cpu) == ["db-1:9100", "web-1:9100", "cache-1:9100", "web-2:9100"]
    inverted = press(by_cpu, "I").state
    assert names(inverted) == ["cache-1:9100", "web-1:9100", "db-1:9100", "web-2:9100"]
    assert press(by_cpu, "P").state.descending is False  # pressed again: the other way


def test_sort_column_moves_with_angle_brackets_and_f6() -> None:
    state = press(FleetState(), ">").state
    assert state.sort is FleetColumn.JOB and not state.descending
    state = press(state, ">").state
    assert state.sort is FleetColumn.UP and state.descending
    ordering = press(FleetState(), "\x1b[17~").state  # F6
    assert ordering.mode is Mode.ORDER
    chosen = press(ordering, "\x1b[C\x1b[C\x1b[C\r").state  # right x3, Enter
    assert (chosen.mode, chosen.sort) == (Mode.NORMAL, FleetColumn.CPU)
    assert press(FleetState(), "<").state.sort is FleetColumn.HOST  # wraps around


def test_the_filter_narrows_by_instance_job_or_host_and_esc_clears_it() -> None:
    typing = press(FleetState(), "/web").state
    assert typing.mode is Mode.FILTER and names(typing) == ["web-1:9100", "web-2:9100"]
    kept = press(typing, "\r").state
    assert kept.mode is Mode.NORMAL and kept.filter_text == "web"
    assert names(press(FleetState(), "/PG\r").state) == ["db-1:9100"]  # host name, any case
    assert names(press(FleetState(), "/db\r").state) == ["db-1:9100"]  # job
    assert press(kept, "\x1b").state.filter_text == ""
    assert press(typing, "\x1b").state.filter_text == ""  # Esc in the prompt cancels


def test_moves_and_enter_open_the_selected_instance() -> None:
    state = settled(FleetState(), ROWS, 2)
    assert state.selected == ("cache-1:9100", "node")
    down = press(state, "\x1b[B\x1b[B").state  # Down Down: the third row, scrolled into view
    assert down.selected == ("web-1:9100", "node") and down.top == 1
    opened = press(down, "\r")
    assert (opened.open_instance, opened.open_job) == ("web-1:9100", "node")  # as --job node
    assert press(down, "\x1b[F").state.selected == ("web-2:9100", "node")  # End
    assert press(down, "\x1b[H").state.top == 0  # Home
    assert press(state, "q").quit and not press(state, "?").quit
    assert press(state, "\r", rows=()).state.message == "no instance to open"


def test_the_selection_stays_on_its_instance_when_the_rows_change() -> None:
    state = press(settled(FleetState(), ROWS, 2), "P\x1b[H\x1b[B").state  # by CPU: second
    assert state.selected == ("web-1:9100", "node")
    busier = (FleetRow("web-1:9100", "node", True, cpu_percent=99.0), *ROWS[1:])
    moved = settled(state, busier, 2)
    assert moved.selected == ("web-1:9100", "node") and names(moved, busier)[0] == "web-1:9100"
    gone = settled(state, ROWS[2:], 2)
    assert gone.selected == ("db-1:9100", "db")  # its instance left: the first row


def test_help_opens_scrolls_and_closes() -> None:
    helping = press(FleetState(), "?").state
    assert helping.mode is Mode.HELP
    assert press(helping, "\x1b[B").state.help_top == 1
    assert press(helping, "?").state.mode is Mode.NORMAL


def test_an_unknown_key_points_at_the_help() -> None:
    assert press(FleetState(), "z").state.message == "'z' does nothing here: press ? for help"
    assert press(FleetState(), "z\x1b[B").state.message is None  # the next key dismisses it


def test_readme_fleet_key_table_is_the_fleet_help() -> None:
    from pathlib import Path

    from sot.fleet_view import HELP_LINES

    readme = Path(__file__).resolve().parents[2] / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("### Fleet keys") :]
    section = section[: section.index("\n\n", section.index("|---|"))]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [tuple(cell.strip() for cell in row.split("|")[1:3]) for row in rows[1:]]
    assert cells == list(HELP_LINES)
