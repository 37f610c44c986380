"""Goldens of the disk screen's panels (tree and graphs) and of its whole frame, and the layout
property of its screen: every size from 40x10 places both panels on screen, disjoint."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.history import History
from sot.keys import Mode
from sot.layout import Tier, compute_layout
from sot.model import BlockDiskSample, BlockPartitionSample
from sot.render.disk_tree import render_disk_graphs, render_disk_tree
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import ASCII, UNICODE, Glyphs
from sot.render.panels import PANELS
from sot.state import AppState
from sot.view import build_view
from tests.fakes import snapshot
from tests.property import examples
from tests.render.test_golden import check


def _part(
    name: str, mount: str, used: int | None, holders: tuple[str, ...] = ()
) -> BlockPartitionSample:
    return BlockPartitionSample(
        name, 500 << 30, "ext4" if mount else None, (mount,) if mount else (),
        used, None if used is None else (500 << 30) - used, None if used is None else 500 << 30,
        holders,
    )  # fmt: skip


DISKS = (
    BlockDiskSample(
        "nvme0n1", "Samsung SSD 980 \x1b[2J PRO", 1 << 40, False,
        (_part("nvme0n1p1", "/", 400 << 30), _part("nvme0n1p2", "", None, ("md0",))),
        (), (), False, None, 12_500_000.0, 3_000_000.0, 420.0, 80.0, 0.35, 37.5,
    ),
    BlockDiskSample(
        "md0", "raid1", 500 << 30, None, (), (), ("nvme0n1p2", "sda1"), False,
        _part("md0", "/srv/数据 data", 500 << 30), None, None, None, None, None, None,
    ),
    BlockDiskSample("loop0", None, 0, False, (), (), (), True, None, 0.0, 0.0, 0.0, 0.0, None, 0.0),
)  # fmt: skip
HISTORY = History(
    block_read={"nvme0n1": tuple(float(i * 100_000) for i in range(60))},
    block_write={"nvme0n1": tuple(float((60 - i) * 50_000) for i in range(60))},
    block_util={"nvme0n1": tuple(float(i % 100) for i in range(60))},
)


@pytest.mark.parametrize(("glyphs", "label"), [(UNICODE, "utf8"), (ASCII, "ascii")])
@pytest.mark.parametrize(("width", "height"), [(60, 10), (100, 8)])
def test_disk_tree_golden(glyphs: Glyphs, label: str, width: int, height: int) -> None:
    block = render_disk_tree(DISKS, 0, frozenset({"nvme0n1", "md0"}), width, height, glyphs)
    check(f"disk-tree-{label}-{width}x{height}", block, width, height)


@pytest.mark.parametrize(("width", "height"), [(44, 12), (20, 3)])
def test_disk_graphs_golden(width: int, height: int) -> None:
    block = render_disk_graphs(DISKS[0], HISTORY, width, height, UNICODE)
    check(f"disk-graphs-{width}x{height}", block, width, height)
    unknown = render_disk_graphs(DISKS[1], History(), width, height, ASCII)
    check(f"disk-graphs-unknown-{width}x{height}", unknown, width, height)


def _frame_input() -> FrameInput:
    shot = dataclasses.replace(snapshot(), block_devices=DISKS)
    state = AppState(mode=Mode.DISK, home_mode=Mode.DISK, disk_expanded=frozenset({"nvme0n1"}))
    return FrameInput(shot, HISTORY, state, build_view((), state.query), screen="disk")


@pytest.mark.parametrize(("width", "height"), [(40, 10), (120, 24)])
def test_disk_screen_frame_golden(width: int, height: int) -> None:
    frame = render_frame(_frame_input(), width, height, UNICODE)
    check(f"frame-disk-{width}x{height}", frame, width, height)


def test_disk_screen_help_lists_the_disk_keys() -> None:
    data = _frame_input()
    data = dataclasses.replace(data, state=dataclasses.replace(data.state, mode=Mode.HELP))
    text = "\n".join(line.text for line in render_frame(data, 80, 24, UNICODE))
    assert "select a disk" in text and "expand or collapse" in text


@settings(max_examples=examples(300))
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=150))
def test_every_disk_screen_size_from_40x10_is_valid(width: int, height: int) -> None:
    layout = compute_layout(width, height, screen="disk")
    if width < 40 or height < 10:
        assert layout.tier is Tier.TOO_SMALL
        return
    names = [name for name, _ in layout.places]
    assert {"disk_tree", "disk_graphs", "header", "status"} <= set(names)
    rects = layout.panels()
    assert sum(r.width * r.height for r in rects) == width * height  # tiled: no gaps
    for i, a in enumerate(rects):
        assert a.x >= 0 and a.right <= width and a.y >= 0 and a.bottom <= height
        for b in rects[i + 1 :]:
            assert not (a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom)
    for name, rect in layout.places:
        assert rect.width >= PANELS[name].min_width and rect.height >= PANELS[name].min_height
