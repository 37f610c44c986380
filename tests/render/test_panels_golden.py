"""Hidden and zoomed panels (number keys, z) at every tier's sizes: golden frames."""

from __future__ import annotations

import dataclasses

import pytest

from sot.render.frame import render_frame
from sot.render.glyphs import UNICODE
from sot.state import AppState
from tests.render.test_golden import busy_snapshot, check, frame_input, history_for

SIZES = [(40, 10), (80, 24), (120, 36), (160, 48), (200, 60)]


def frame(state: AppState, width: int, height: int) -> list[str]:
    snap = busy_snapshot()
    block = render_frame(frame_input(snap, history_for(snap), state), width, height, UNICODE)
    return [line.text for line in block]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_memory_hidden(width: int, height: int) -> None:
    state = AppState(hidden_panels=frozenset({"memory"}), message="memory hidden (2 shows it)")
    snap = busy_snapshot()
    block = render_frame(frame_input(snap, history_for(snap), state), width, height, UNICODE)
    check(f"frame-hidden-memory-{width}x{height}", block, width, height)
    text = "\n".join(line.text for line in block)
    assert "memory hidden (2 shows it)" in block[-1].text or width < 60
    assert "┌ memory" not in text and "mem  " not in text  # no graph, no meter line
    assert "┌ cpu" in text or "cpu  " in text


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_table_zoomed(width: int, height: int) -> None:
    state = AppState(zoomed="processes")
    snap = busy_snapshot()
    block = render_frame(frame_input(snap, history_for(snap), state), width, height, UNICODE)
    check(f"frame-zoomed-processes-{width}x{height}", block, width, height)
    assert block[1].text.startswith("┌ processes")  # right under the header
    assert block[-2].text.startswith("└")  # down to the status line


@pytest.mark.parametrize(("width", "height"), [(80, 24), (160, 48)])
def test_focused_graph_zoomed(width: int, height: int) -> None:
    state = AppState(focus="cpu", zoomed="cpu")
    snap = busy_snapshot()
    block = render_frame(frame_input(snap, history_for(snap), state), width, height, UNICODE)
    check(f"frame-zoomed-cpu-{width}x{height}", block, width, height)
    assert block[1].text.startswith("┌ cpu") and block[-2].text.startswith("└")


def test_a_focused_graph_has_its_title_highlighted() -> None:
    snap = busy_snapshot()
    data = frame_input(snap, history_for(snap), AppState())
    plain = render_frame(data, 160, 48, UNICODE)
    focused = render_frame(
        dataclasses.replace(data, state=AppState(focus="memory")), 160, 48, UNICODE
    )
    changed = [y for y, (a, b) in enumerate(zip(plain, focused, strict=True)) if a != b]
    assert changed == [1]  # the top edge of the memory panel, nothing else
    assert plain[1].text == focused[1].text


def test_everything_hidden_keeps_the_table() -> None:
    hidden = frozenset({"cpu", "memory", "disks", "network", "gpu", "processes"})
    for width, height in SIZES:
        text = frame(AppState(hidden_panels=hidden), width, height)
        assert text[1].startswith("┌ processes")
