"""sot ps's screen: its layout at every size, Tab and the keys of the focused panel, Enter on a
port selecting its process, and its command line."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.cli import main
from sot.keys import Action, Command
from sot.layout import FOCUS_ORDER, Tier, compute_layout
from sot.model import DevServerGroup, ListeningPort, Snapshot
from sot.panel_focus import ONE_PANEL_MESSAGE
from sot.ports_view import PortColumn
from sot.reducer import Reaction, reduce
from sot.render.panels import PANELS
from sot.sorting import SortKey
from sot.state import AppState, Context
from sot.view import ProcessQuery, build_view, process_key
from tests.fakes import process, snapshot
from tests.property import examples

PS_PANELS = ("header", "ports", "devservers", "processes", "status")


@pytest.mark.parametrize(
    ("width", "height", "panels"),
    [
        (40, 10, ("header", "ports", "processes", "status")),
        (60, 20, PS_PANELS),
        (80, 24, PS_PANELS),
        (120, 40, PS_PANELS),
        (300, 120, PS_PANELS),
    ],
)
def test_ps_layout(width: int, height: int, panels: tuple[str, ...]) -> None:
    layout = compute_layout(width, height, screen="ps")
    assert tuple(sorted(n for n, _ in layout.places)) == tuple(sorted(panels))
    table = layout.rect("processes")
    assert table is not None and table.height >= 5
    if width >= 80:  # ports and dev servers side by side
        ports, dev = layout.rect("ports"), layout.rect("devservers")
        assert ports is not None and dev is not None and ports.y == dev.y


@settings(max_examples=examples(400))
@given(st.integers(min_value=40, max_value=300), st.integers(min_value=10, max_value=120))
def test_every_ps_size_from_40x10_tiles_the_screen(width: int, height: int) -> None:
    layout = compute_layout(width, height, screen="ps")
    assert layout.tier is not Tier.TOO_SMALL
    rects = layout.panels()
    for name, rect in layout.places:
        assert rect.x >= 0 and rect.right <= width and rect.y >= 0 and rect.bottom <= height
        panel = PANELS[name]
        assert rect.width >= panel.min_width and rect.height >= panel.min_height, (name, rect)
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not (a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom)
    assert sum(r.width * r.height for r in rects) == width * height
    assert layout.rect("processes") is not None and layout.rect("ports") is not None


def ps_snapshot() -> Snapshot:
    rows = [process(10, "sshd"), process(4242, "python3"), process(77, "nginx")]
    ports = (
        ListeningPort("tcp", "0.0.0.0", 22, 10, "sshd"),
        ListeningPort("tcp", "0.0.0.0", 80, 77, "nginx"),
        ListeningPort("tcp", "127.0.0.1", 8000, 4242, "python3"),
        ListeningPort("udp", "0.0.0.0", 68, None, None),
    )
    groups = (DevServerGroup("Web server", ("nginx",), 1, (77,), (80,), 1.0, 1),)
    return dataclasses.replace(snapshot(processes=rows), ports=ports, dev_servers=groups)


def press(
    state: AppState, snap: Snapshot, action: Action, sort_key: SortKey | None = None
) -> tuple[AppState, Reaction]:
    view = build_view(snap.processes, state.query)
    return reduce(state, Command(action, sort_key=sort_key), Context(snap, view, 10))


def ps_state() -> AppState:
    return AppState(focus_order=FOCUS_ORDER["ps"])


def test_tab_moves_the_focus_round_the_three_panels() -> None:
    snap, state = ps_snapshot(), ps_state()
    seen = []
    for _ in range(4):
        state, _ = press(state, snap, Action.NEXT_PANEL)
        seen.append(state.focus)
    assert seen == ["ports", "devservers", "processes", "ports"]


def test_tab_on_the_dashboard_walks_its_shown_panels() -> None:
    state, _ = press(AppState(), ps_snapshot(), Action.NEXT_PANEL)
    assert state.focus == "cpu" and state.message == "focus: cpu (z zooms it)"
    # With every other panel hidden there is nothing to move to.
    alone = dataclasses.replace(AppState(), hidden_panels=frozenset({"cpu", "memory", "disks"}))
    alone = dataclasses.replace(alone, hidden_panels=alone.hidden_panels | {"network"})
    state, _ = press(alone, ps_snapshot(), Action.NEXT_PANEL)
    assert state.focus == "processes" and state.message == ONE_PANEL_MESSAGE


def test_keys_act_on_the_focused_panel() -> None:
    snap = ps_snapshot()
    state = dataclasses.replace(ps_state(), focus="ports")
    state, _ = press(state, snap, Action.DOWN)
    state, _ = press(state, snap, Action.DOWN)
    assert state.port_index == 2 and state.selected is None  # the table did not move
    state, _ = press(state, snap, Action.LAST)
    assert state.port_index == 3
    state, _ = press(state, snap, Action.SORT_BY, SortKey.PID)
    assert state.port_sort is PortColumn.PID and state.port_index == 0
    assert state.query == ProcessQuery()  # the process table's sort is unchanged


def test_enter_on_a_port_selects_its_process() -> None:
    snap = ps_snapshot()
    state = dataclasses.replace(ps_state(), focus="ports")
    for _ in range(2):  # ports by number: 22, 68, 80, 8000
        state, _ = press(state, snap, Action.DOWN)
    state, _ = press(state, snap, Action.DOWN)
    state, _ = press(state, snap, Action.DETAILS)
    assert state.focus == "processes"
    assert state.selected == process_key(snap.processes[1]) and state.selected_name == "python3"
    view = build_view(snap.processes, state.query)
    assert view.rows[state.selected_index].process.pid == 4242


def test_enter_on_a_port_clears_a_filter_that_hides_its_process() -> None:
    snap = ps_snapshot()
    state = dataclasses.replace(
        ps_state(), focus="ports", port_index=3, query=ProcessQuery(text="nginx")
    )
    state, reaction = press(state, snap, Action.DETAILS)
    assert state.query.text == "" and Reaction.REBUILD_VIEW in reaction
    assert state.selected is not None and state.selected[0] == 4242
    state, _ = press(state, snap, Action.VIEW_CHANGED)  # the loop rebuilds the view
    view = build_view(snap.processes, state.query)
    assert view.rows[state.selected_index].process.pid == 4242


def test_enter_on_a_port_without_a_visible_owner_says_so() -> None:
    snap = ps_snapshot()
    state = dataclasses.replace(ps_state(), focus="ports", port_index=1)  # udp 68: owner None
    state, _ = press(state, snap, Action.DETAILS)
    assert state.focus == "ports" and "run as root" in (state.message or "")


def test_enter_in_the_process_table_still_opens_details() -> None:
    snap = ps_snapshot()
    state, _ = press(ps_state(), snap, Action.DOWN)
    state, reaction = press(state, snap, Action.DETAILS)
    assert Reaction.OPEN_DETAILS in reaction


def test_ps_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["ps", "-h"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--interval", "--once", "--format", "--top", "--no-color", "--ascii"):
        assert option in out
    assert "Tab" in out and "Enter" in out


@pytest.mark.parametrize("argv", [["ps", "--format", "yaml"], ["ps", "--bogus"], ["ps", "-i", "x"]])
def test_ps_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err
