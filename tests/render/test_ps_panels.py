"""Golden files of sot ps's ports and dev-server panels, and its whole screen."""

from __future__ import annotations

import dataclasses

import pytest

from sot.history import History
from sot.model import DevServerGroup, ListeningPort, Snapshot
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import ASCII, UNICODE
from sot.render.ports import render_dev_servers, render_ports
from sot.state import AppState
from sot.view import build_view
from tests.fakes import process, snapshot
from tests.render.test_golden import check

PORTS = (
    ListeningPort("tcp", "0.0.0.0", 22, None, None),
    ListeningPort("udp", "0.0.0.0", 68, 612, "dhclient"),
    ListeningPort("tcp", "127.0.0.1", 8000, 4242, "python3"),
    ListeningPort("tcp6", "::", 8000, 4242, "python3"),
    ListeningPort("tcp6", "fe80::1ff:fe23:4567:890a", 5353, 77, "\x1b[2Javahi"),
)
GROUPS = (
    DevServerGroup("Python", ("http.server", "manage.py"), 2, (4242, 4300), (8000,), 3.5, 80 << 20),
    DevServerGroup("Database", ("postgres",), 6, (900, 901), (5432,), None, None),
)


def ps_snapshot() -> Snapshot:
    rows = [process(4242, "python3", cmdline="python3 -m http.server"), process(612, "dhclient")]
    return dataclasses.replace(snapshot(processes=rows), ports=PORTS, dev_servers=GROUPS)


@pytest.mark.parametrize(("width", "height"), [(40, 6), (60, 9)])
@pytest.mark.parametrize("selected", [None, 2])
def test_ports_panel(width: int, height: int, selected: int | None) -> None:
    block = render_ports(PORTS, selected, width, height, UNICODE)
    check(f"ports-{selected}-{width}x{height}", block, width, height)


def test_ports_unreadable_and_empty() -> None:
    check("ports-unknown-40x5", render_ports(None, None, 40, 5, ASCII), 40, 5)
    check("ports-empty-40x5", render_ports((), None, 40, 5, ASCII), 40, 5)


@pytest.mark.parametrize(("width", "height"), [(40, 6), (72, 8)])
def test_dev_servers_panel(width: int, height: int) -> None:
    block = render_dev_servers(GROUPS, 1, width, height, UNICODE)
    check(f"devservers-{width}x{height}", block, width, height)


@pytest.mark.parametrize(("width", "height"), [(40, 10), (80, 24), (120, 30)])
@pytest.mark.parametrize("focus", ["processes", "ports"])
def test_ps_screen(width: int, height: int, focus: str) -> None:
    snap = ps_snapshot()
    order = ("processes", "ports", "devservers")
    state = AppState(
        focus_order=order, focus=focus, selected=(4242, snap.processes[0].start_time_epoch_s)
    )
    data = FrameInput(
        snap, History().push(snap), state, build_view(snap.processes, state.query), screen="ps"
    )
    frame = render_frame(data, width, height, ASCII)
    check(f"ps-{focus}-{width}x{height}", frame, width, height)
    # The focused panel's title is the one drawn reversed.
    title = "processes" if focus == "processes" else "ports"
    reversed_titles = [
        line.text[2 : 2 + len(title)]
        for line in frame
        if line.styles[2 : 2 + len(title)] == "S" * len(title)
    ]
    assert title in reversed_titles
