"""Goldens of the fleet screen (sot fleet) at sizes from a wide terminal down to a tiny pane,
in UTF-8 and ASCII, with hostile labels, unknown figures, the filter prompt, the help and a
fault's status line; and every size from 1x1 to 160x30 gives a frame of exactly that size."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sot.fleet_model import FleetRow, FleetSnapshot
from sot.fleet_view import FleetColumn, FleetState, settled, visible_rows
from sot.keys import Mode
from sot.oneshot_fleet import fleet_to_text
from sot.render.cells import display_width
from sot.render.fleet import render_fleet
from sot.render.glyphs import ASCII, UNICODE, Glyphs
from tests.render.test_golden import check

ROWS = (
    FleetRow(
        "web-1.example.com:9100", "node", True, 37.5, 50.0, 77.25, "/srv/data", 0.25,
        1_048_576.0, 524_288.0, 90_061.0, "web-1", "6.8.0-49-generic",
    ),
    FleetRow("web-2.example.com:9100", "node", False, nodename="web-2"),
    FleetRow(
        "db-1:9100", "db", True, None, 91.25, 95.0, "/", 1.5, 2048.0, 0.0, 3600.0, "pg-primary",
    ),
    FleetRow("evil\x1b[2J\t:9100", "日本語ジョブ", True, 100.0, 0.0, 12.5, "/", None),
    FleetRow("🐧-box:9100", "node", None),
)  # fmt: skip
SNAPSHOT = FleetSnapshot("http://prom:9090", 1764489600.0, ROWS)
GLYPHS = {"utf8": UNICODE, "ascii": ASCII}


def _render(snapshot: FleetSnapshot, state: FleetState, width: int, height: int, glyphs: Glyphs):  # type: ignore[no-untyped-def]
    shown = visible_rows(snapshot.rows, state)
    state = settled(state, snapshot.rows, max(0, height - 3))
    return render_fleet(snapshot, shown, state, width, height, glyphs)


@pytest.mark.parametrize("label", GLYPHS)
@pytest.mark.parametrize(("width", "height"), [(140, 9), (100, 8), (60, 6), (30, 5), (12, 3)])
def test_fleet_golden(label: str, width: int, height: int) -> None:
    state = FleetState(sort=FleetColumn.CPU, descending=True)
    block = _render(SNAPSHOT, state, width, height, GLYPHS[label])
    check(f"fleet-{label}-{width}x{height}", block, width, height)


@pytest.mark.parametrize(
    ("name", "state", "snapshot"),
    [
        ("filter", FleetState(mode=Mode.FILTER, filter_text="web", filter_cursor=3), SNAPSHOT),
        ("filtered", FleetState(filter_text="nothing-matches"), SNAPSHOT),
        ("help", FleetState(mode=Mode.HELP), SNAPSHOT),
        ("order", FleetState(mode=Mode.ORDER, sort=FleetColumn.UPTIME), SNAPSHOT),
        (
            "fault",
            FleetState(),
            replace(
                SNAPSHOT,
                rows=tuple(FleetRow(r.instance, r.job, None) for r in ROWS),
                status="prometheus: cannot connect (Connection refused); last success 12 s ago",
            ),
        ),
        ("empty", FleetState(), FleetSnapshot("http://prom:9090", None, ())),
    ],
)
def test_fleet_states_golden(name: str, state: FleetState, snapshot: FleetSnapshot) -> None:
    block = _render(snapshot, state, 90, 8, UNICODE)
    check(f"fleet-{name}-90x8", block, 90, 8)


def test_fleet_once_text_golden() -> None:
    block = fleet_to_text(SNAPSHOT, 120, ASCII)
    check("fleet-once-ascii-120x7", block, 120, 7)


def test_every_size_gives_a_frame_of_exactly_that_size() -> None:
    state = FleetState(selected=ROWS[0].key)
    for width in (*range(1, 40), 57, 80, 99, 160):
        for height in range(1, 31, 3):
            for glyphs in (UNICODE, ASCII):
                block = _render(SNAPSHOT, state, width, height, glyphs)
                assert len(block) == height
                for line in block:
                    assert len(line.cells) == width and display_width(line.text) == width
                    assert "\x1b" not in line.text and "\t" not in line.text
                    if glyphs is ASCII:
                        assert line.text.isascii()
