"""The CPU panel of a two-package server with SMT: each logical CPU's core temperature beside its
bar (siblings show their core's), `-` for a CPU whose core has no reading; where the columns are
too narrow, no temperatures at all rather than some."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sot.collect.collector import core_temperatures
from sot.collect.records import SensorReading
from sot.model import Snapshot
from sot.render.cpu import render_cpu
from tests.fakes import snapshot
from tests.render.test_golden import GLYPHS, check, history_for

# Two packages of four cores (ids 0, 1, 4, 5 in each), two threads per core: 16 logical CPUs.
PLACES = tuple((package, core) for _ in range(2) for package in (0, 1) for core in (0, 1, 4, 5))
READINGS = tuple(
    SensorReading("coretemp", label, celsius, 80.0, 100.0)
    for label, celsius in (
        ("Package id 0", 60.0),
        ("Core 0", 41.0),
        ("Core 1", 42.0),
        ("Core 4", 44.0),
        ("Core 5", 45.0),
        ("Package id 1", 70.0),
        ("Core 0", 61.0),
        ("Core 4", 64.0),  # package 1's core 1 has no reading
        ("Core 5", 65.0),
    )
)


def smt_server() -> Snapshot:
    snap = snapshot(per_cpu=tuple(float(6 * i) for i in range(len(PLACES))))
    celsius = core_temperatures(READINGS, len(PLACES), PLACES)
    assert celsius[5] is None and celsius[13] is None
    cpu = replace(snap.cpu, core_celsius=celsius, logical_count=16, physical_count=8)
    return replace(snap, cpu=cpu)


@pytest.mark.parametrize("glyph_name", ["utf8", "ascii"])
@pytest.mark.parametrize(("width", "height"), [(100, 12), (120, 8)])
def test_smt_server_cpu_panel(glyph_name: str, width: int, height: int) -> None:
    snap = smt_server()
    block = render_cpu(snap.cpu, history_for(snap), width, height, GLYPHS[glyph_name])
    check(f"cpu-smt-temperatures-{glyph_name}-{width}x{height}", block, width, height)
