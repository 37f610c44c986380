"""Tab, z and the number keys against the layout: Tab visits the panels the current size
places, a zoomed graph keeps the table's scroll, and hiding a zoomed or focused panel moves
the zoom and the focus to what is shown."""

from __future__ import annotations

import dataclasses

from sot.history import History
from sot.keys import Action, Command, Mode, command_for
from sot.model import GpuSample
from sot.panel_focus import ONE_PANEL_MESSAGE
from sot.reducer import reduce
from sot.render.frame import FrameInput, process_page_rows, render_frame
from sot.render.glyphs import ASCII
from sot.render.panels import FOCUS_TITLES
from sot.state import AppState, Context
from sot.view import build_view
from tests.fakes import process, snapshot

SNAP = snapshot(processes=[process(p, f"proc{p}", cpu=float(p)) for p in range(1, 200)])
VIEW = build_view(SNAP.processes, AppState().query)


def ctx(state: AppState, size: tuple[int, int] = (0, 0), page_rows: int = 10) -> Context:
    return Context(SNAP, build_view(SNAP.processes, state.query), page_rows, size=size)


def press(
    state: AppState, key: str, size: tuple[int, int] = (0, 0), page_rows: int = 10
) -> AppState:
    command = command_for(state.mode, key, state.keymap)
    assert command is not None, key
    return reduce(state, command, ctx(state, size, page_rows))[0]


def test_tab_visits_only_the_panels_placed_at_this_size() -> None:
    # 80x24 (compact): the meters stand in for cpu, memory, disks and network; no panel to
    # move the focus to.
    small = press(AppState(), "tab", size=(80, 24))
    assert small.focus == "processes" and small.message == ONE_PANEL_MESSAGE
    # 100x30 (medium): the graphs of cpu and memory are panels, the rates band is not.
    order = []
    state = AppState()
    for _ in range(3):
        state = press(state, "tab", size=(100, 30))
        order.append(state.focus)
    assert order == ["cpu", "memory", "processes"]
    # 160x48: every panel; size unknown (0x0): every panel shown, as before.
    wide = [press(AppState(), "tab", size=size).focus for size in ((160, 48), (0, 0))]
    assert wide == ["cpu", "cpu"]


def test_the_gpu_panel_is_highlighted_when_focused() -> None:
    assert FOCUS_TITLES["gpu"] == "gpu"
    gpu = GpuSample(0, "nvidia", "GeForce", 40.0, 10**9, 8 * 10**9, 50.0, 100.0, 250.0, None)
    snap = dataclasses.replace(SNAP, gpus=(gpu,))
    state = AppState(focus="gpu")
    data = FrameInput(snap, History().push(snap), state, VIEW)
    for width, height in ((160, 48), (100, 30)):
        frame = render_frame(data, width, height, ASCII)
        label = [
            line for line in frame if "gpu" in line.text and "S" in line.styles
        ]  # Role.SELECTED's style code
        assert label, (width, height)


def test_a_zoomed_graph_keeps_the_tables_scroll() -> None:
    state = AppState(selected_index=150, scroll_top=145, focus="cpu")
    zoomed = press(state, "z", page_rows=0)
    assert zoomed.zoomed == "cpu"
    # The loop's resize and new samples, with no table on screen: the scroll stays.
    for action in (Action.RESIZED, Action.VIEW_CHANGED):
        after = reduce(zoomed, Command(action), ctx(zoomed, page_rows=0))[0]
        assert after.scroll_top == 145
    # PgUp and PgDn move nothing while the table is not shown.
    assert press(zoomed, "pgdn", page_rows=0) == zoomed
    assert press(zoomed, "pgup", page_rows=0) == zoomed
    assert process_page_rows(100, 30, zoom="cpu") == 0


def test_hiding_the_zoomed_panel_unzooms_and_the_focus_leaves_a_hidden_table() -> None:
    zoomed = press(AppState(focus="cpu"), "z")
    hidden = press(zoomed, "1")
    assert hidden.zoomed is None and "cpu" in hidden.hidden_panels
    assert hidden.focus == "processes"
    # Hiding the table moves the focus to the first panel shown at this size.
    table_gone = press(AppState(), "6", size=(160, 48))
    assert table_gone.focus == "cpu"
    # Another panel zoomed: hiding one not zoomed keeps the zoom.
    assert press(zoomed, "2").zoomed == "cpu"


def test_tab_while_zoomed_says_which_panel_is_zoomed() -> None:
    ps = AppState(screen="ps", focus_order=("processes", "ports", "devservers"))
    zoomed = press(ps, "z")
    assert zoomed.message == "processes zoomed (z or Esc returns)"
    moved = press(zoomed, "tab")
    assert moved.zoomed == moved.focus == "ports"
    assert moved.message == "ports zoomed (z or Esc returns)"
    dashboard = press(press(AppState(), "z"), "tab")
    assert dashboard.zoomed == "cpu" and dashboard.message == "cpu zoomed (z or Esc returns)"
    assert press(dashboard, "escape").zoomed is None
    assert Mode.NORMAL is dashboard.mode
