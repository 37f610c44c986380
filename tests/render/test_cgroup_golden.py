"""A container's dashboard: sot's cgroup limits beside the host's figures (memory against its
limit, the CPU quota, the pids limit) and the pressure figures in the header."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sot.model import CgroupSample, PressureSample, StallShares
from sot.render.frame import render_frame
from sot.render.glyphs import ASCII, UNICODE
from sot.render.header import render_header
from sot.state import AppState
from tests.render.test_golden import busy_snapshot, check, frame_input, history_for

MIB = 1024 * 1024
CGROUP = CgroupSample("/docker/4f3a", 1, 256 * MIB, 120 * MIB, 1.5, 512, 23)
PRESSURE = PressureSample(StallShares(2.0, 0.0), StallShares(0.42, 0.31), StallShares(0.0, 0.0))


@pytest.mark.parametrize(("width", "height"), [(120, 30), (80, 24)])
def test_container_frame(width: int, height: int) -> None:
    snap = replace(busy_snapshot(), cgroup=CGROUP, pressure=PRESSURE)
    data = frame_input(snap, history_for(snap), AppState())
    check(
        f"frame-cgroup-{width}x{height}", render_frame(data, width, height, UNICODE), width, height
    )


@pytest.mark.parametrize("width", [160, 100, 60])
def test_header_drops_whole_fields_when_narrow(width: int) -> None:
    snap = busy_snapshot()
    block = render_header(
        snap.host, snap.wall_epoch_s, width, ASCII, pressure=PRESSURE, cgroup=CGROUP
    )
    check(f"header-cgroup-ascii-{width}", block, width, 1)
