"""Golden renders of the process panel fed by the Prometheus source: process-exporter's groups
(recorded answers, two ticks through the real collector, so CPU % and I/O rates are known) and
the one line shown where Prometheus has no per-process data for the host."""

from __future__ import annotations

import pytest

from sot.collect.collector import Collector
from sot.history import History
from sot.model import Snapshot
from sot.render.glyphs import ASCII, UNICODE
from sot.render.panels import PANELS, FrameInput
from sot.render.processes import GROUP_PID_TITLE
from sot.state import AppState
from sot.view import build_view
from tests.render.test_golden import check
from tests.unit.test_prometheus_source import Clock, Server, source_for

WALL_S = 1764489600.0
GLYPHS = {"utf8": UNICODE, "ascii": ASCII}


def sampled(*answers: str) -> Snapshot:
    """The collector's last snapshot after one tick per recorded answer, 1 s apart."""
    server, clock = Server(answers[0]), Clock()
    collector = Collector(source_for(server, clock))
    snap = collector.sample(clock.now_s, WALL_S)
    for tick, answer in enumerate(answers[1:], start=1):
        server.name = answer
        clock.now_s += 1.0
        snap = collector.sample(clock.now_s, WALL_S + tick)
    return snap


def panel(snap: Snapshot, width: int, height: int, glyph_name: str) -> list[str]:
    state = AppState()
    data = FrameInput(snap, History(), state, build_view(snap.processes, state.query))
    block = PANELS["processes"].render(data, width, height, GLYPHS[glyph_name], None)
    check(f"prometheus-groups-{glyph_name}-{width}x{height}", block, width, height)
    return [line.text for line in block]


@pytest.mark.parametrize("glyph_name", list(GLYPHS))
@pytest.mark.parametrize(("width", "height"), [(160, 7), (80, 7)])
def test_groups_show_their_process_counts_under_procs(
    glyph_name: str, width: int, height: int
) -> None:
    text = panel(
        sampled("namedprocess_groups1.json", "namedprocess_groups2.json"),
        width,
        height,
        glyph_name,
    )
    assert "3 of 3 groups" in text[0]
    assert GROUP_PID_TITLE in text[1] and "PID" not in text[1].replace(GROUP_PID_TITLE, "")
    nginx = next(line for line in text if "nginx" in line)
    assert nginx.split()[1] == "4"  # its process count where a PID would be
    assert "\x1b" not in "".join(text)  # the hostile group name is text, not a sequence


@pytest.mark.parametrize("glyph_name", list(GLYPHS))
@pytest.mark.parametrize(("width", "height"), [(120, 5), (60, 5)])
def test_without_per_process_data_the_panel_says_so_in_one_line(
    glyph_name: str, width: int, height: int
) -> None:
    text = panel(sampled("node_tick1.json"), width, height, glyph_name)
    assert "Prometheus has no per-process data for web-1:9100" in text[2]
    assert text[3].strip(" │|") == ""  # one line, nothing after it
