"""Golden tests: every render function, plain text in, plain text out.

Each golden file holds the text plane, then the style plane (one role letter per cell).
Regenerate after an intended change with ``SOT_UPDATE_GOLDEN=1 uv run pytest tests/render``, then
review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.history import History
from sot.model import Snapshot
from sot.render.cells import Block, display_width
from sot.render.cpu import render_cpu
from sot.render.disks import render_disks
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import ASCII, BLOCK, UNICODE, Glyphs
from sot.render.header import render_header
from sot.render.memory import render_memory
from sot.render.network import render_network
from sot.render.processes import render_processes
from sot.state import AppState
from sot.view import by_cpu
from tests.fakes import process, snapshot

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "\x1b]0;PWNED\x07\x1b[2Jx\tname\n中文🙂"


def busy_snapshot() -> Snapshot:
    return snapshot(
        processes=[
            process(1, "systemd", cpu=0.0, cmdline="/sbin/init splash"),
            process(4242, "postgres", cpu=97.5, user="postgres"),
            process(77, "kworker/0:1", cpu=None, cmdline=""),
            process(31337, HOSTILE, cpu=12.0, user="中文用户名", cmdline=HOSTILE + " --evil\targ"),
            process(99, "zombie", cpu=0.0, status="zombie", cmdline="", rss=None),
        ],
    )


def zero_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(1, "init", cpu=0.0)],
        cpu_percent=0.0,
        per_cpu=(0.0, 0.0),
        memory_percent=0.0,
    )


def full_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(2, "burn", cpu=200.0)],
        cpu_percent=100.0,
        per_cpu=(100.0,) * 8,
        memory_percent=100.0,
    )


def unknown_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(5, "fresh", cpu=None, user=None, rss=None)],
        cpu_percent=None,
        per_cpu=(None, None),
        memory_percent=None,
        swap_total=0,
        disks=[],
        interfaces=[],
    )


def history_for(snap: Snapshot, samples: int = 120) -> History:
    history = History()
    for i in range(samples):
        history = history.push(snap)
        if i % 7 == 0:
            history = history.push(snapshot(cpu_percent=float(i % 100), memory_percent=30.0))
    return history


def dump(block: Block) -> str:
    text = [line.text for line in block]
    styles = [line.styles for line in block]
    return "\n".join([*text, "--- styles", *styles]) + "\n"


def check(name: str, block: Block, width: int, height: int) -> None:
    assert len(block) == height
    for line in block:
        assert len(line.cells) == width and len(line.styles) == width
        assert display_width(line.text) == width, line.text
        assert "\x1b" not in line.text and "\x07" not in line.text
    path = GOLDEN / f"{name}.txt"
    actual = dump(block)
    if os.environ.get("SOT_UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"golden file {path.name} is missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs"


GLYPHS = {"utf8": UNICODE, "ascii": ASCII, "block": BLOCK}
SNAPSHOTS: dict[str, Callable[[], Snapshot]] = {
    "busy": busy_snapshot,
    "zero": zero_snapshot,
    "full": full_snapshot,
    "unknown": unknown_snapshot,
}


@pytest.mark.parametrize("glyph_name", ["utf8", "ascii"])
@pytest.mark.parametrize("data_name", list(SNAPSHOTS))
@pytest.mark.parametrize(("width", "height"), [(160, 48), (80, 24), (40, 10)])
def test_frame(glyph_name: str, data_name: str, width: int, height: int) -> None:
    snap = SNAPSHOTS[data_name]()
    block = render_frame(
        FrameInput(snap, history_for(snap), AppState()), width, height, GLYPHS[glyph_name]
    )
    check(f"frame-{data_name}-{glyph_name}-{width}x{height}", block, width, height)


@pytest.mark.parametrize(("width", "height"), [(30, 8), (1, 1), (12, 3)])
def test_too_small(width: int, height: int) -> None:
    snap = busy_snapshot()
    block = render_frame(FrameInput(snap, History(), AppState()), width, height, UNICODE)
    check(f"too-small-{width}x{height}", block, width, height)
    if width >= 18:
        assert any("terminal too small" in line.text for line in block)


def test_help_overlay_and_pause() -> None:
    snap = busy_snapshot()
    state = AppState(show_help=True, paused=True)
    block = render_frame(FrameInput(snap, History().push(snap), state), 100, 30, UNICODE)
    check("frame-help-paused-100x30", block, 100, 30)
    assert "PAUSED" in block[-1].text
    assert any("pause or resume sampling" in line.text for line in block)


PANEL_SIZES = [(20, 3), (48, 7), (90, 12)]


@pytest.mark.parametrize("glyph_name", list(GLYPHS))
@pytest.mark.parametrize(("width", "height"), PANEL_SIZES)
def test_panels(glyph_name: str, width: int, height: int) -> None:
    glyphs: Glyphs = GLYPHS[glyph_name]
    snap = busy_snapshot()
    history = history_for(snap)
    suffix = f"{glyph_name}-{width}x{height}"
    check(f"cpu-{suffix}", render_cpu(snap.cpu, history, width, height, glyphs), width, height)
    check(
        f"memory-{suffix}",
        render_memory(snap.memory, history, width, height, glyphs),
        width,
        height,
    )
    check(
        f"disks-{suffix}",
        render_disks(snap.disks, snap.disk_total_io, "/", history, width, height, glyphs),
        width,
        height,
    )
    check(
        f"network-{suffix}",
        render_network(snap.interfaces, "eth0", history, width, height, glyphs),
        width,
        height,
    )
    rows = by_cpu(snap.processes)
    check(
        f"processes-{suffix}",
        render_processes(rows, snap.process_counts, width, height, glyphs),
        width,
        height,
    )
    check(f"header-{suffix}", render_header(snap.host, snap.wall_epoch_s, width, glyphs), width, 1)


def test_process_columns_stay_aligned_with_hostile_names() -> None:
    snap = busy_snapshot()
    block = render_processes(by_cpu(snap.processes), snap.process_counts, 120, 10, UNICODE)
    header = block[1].text
    cpu_end = header.index("CPU%") + len("CPU%")
    for line in block[2:7]:
        # Every row's CPU% field ends at the same column as its header, whatever the name holds.
        cells = line.cells
        assert cells[cpu_end] == " " and cells[cpu_end - 1] != " "
    assert all("PWNED" not in line.text or "\x1b" not in line.text for line in block)


def test_unknown_values_show_as_dashes_never_nan() -> None:
    snap = unknown_snapshot()
    block = render_frame(FrameInput(snap, History().push(snap), AppState()), 120, 40, UNICODE)
    text = "\n".join(line.text for line in block)
    assert "nan" not in text and "inf" not in text
    assert "swap  none configured" in text
    assert "no local filesystems found" in text
    assert "no network interface found" in text


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=200), st.booleans()
)
def test_every_size_renders_exactly_its_size(width: int, height: int, help_shown: bool) -> None:
    snap = busy_snapshot()
    state = AppState(show_help=help_shown)
    block = render_frame(FrameInput(snap, History().push(snap), state), width, height, UNICODE)
    assert len(block) == height
    for line in block:
        assert len(line.cells) == width
        assert display_width(line.text) == width
