"""The GPU panel: one GPU, two, unknown readings, a reader's error line, at the sizes the tiers
give it (a share beside memory, two lines, one line); the whole dashboard with GPUs at each
tier; the details view with a process's GPU memory."""

from __future__ import annotations

import dataclasses

import pytest

from sot.collect.gpu_nvidia import parse_gpus
from sot.history import History
from sot.keys import Mode
from sot.model import GpuSample, Snapshot
from sot.render.frame import FrameInput, render_frame
from sot.render.gpu import render_gpu
from sot.state import AppState
from sot.view import build_view
from tests.render.test_golden import (
    GLYPHS,
    HOSTILE,
    assert_no_cut_figures,
    busy_snapshot,
    check,
    details_sample,
)

ONE = parse_gpus("0, NVIDIA A100-SXM4-40GB, 45, 3277, 40960, 62, 120.50, 300.00, 1410\n")
TWO = parse_gpus(
    "0, NVIDIA GeForce RTX 4090, 97, 20480, 24564, 81, 430.12, 450.00, 2520\n"
    "1, NVIDIA GeForce RTX 4090, 3, 512, 24564, 35, 21.30, 450.00, 210\n"
)
UNKNOWN = (
    GpuSample(0, "amd", HOSTILE, None, None, None, None, None, None),
    GpuSample(1, "intel", "Intel 0x46a6", None, None, None, 48.0, None, None, 350.0),
)
# NVIDIA's 0 beside an Intel card0 (two GPUs, two labels), and an AMD card asleep.
MIXED = (
    ONE[0],
    GpuSample(0, "intel", "Intel 0x46a6", None, None, None, None, None, None, 350.0),
    GpuSample(1, "amd", "AMD 0x744c", *(None,) * 6, suspended=True),
)
CASES: dict[str, tuple[tuple[GpuSample, ...], str | None]] = {
    "one": (ONE, None),
    "mixed": (MIXED, None),
    "two": (TWO, None),
    "unknown": (UNKNOWN, None),
    "error": ((), "nvidia-smi did not answer in 2 s"),
}


def gpu_history(gpus: tuple[GpuSample, ...], samples: int = 90) -> History:
    history = History()
    snap = busy_snapshot()
    for i in range(samples):
        varied = tuple(
            dataclasses.replace(g, utilization_percent=float((i * 7 + 40 * g.index) % 100))
            for g in gpus
        )
        history = history.push(dataclasses.replace(snap, gpus=varied))
    return history


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("width", "height"), [(50, 10), (90, 7), (100, 2), (40, 1)])
def test_gpu_panel(case: str, width: int, height: int) -> None:
    gpus, status = CASES[case]
    block = render_gpu(gpus, status, gpu_history(gpus).gpu_util, width, height, GLYPHS["utf8"])
    check(f"gpu-{case}-{width}x{height}", block, width, height)
    assert_no_cut_figures(block, GLYPHS["utf8"])
    assert not any("\x1b" in line.text for line in block)


def test_gpu_panel_in_ascii() -> None:
    block = render_gpu(TWO, None, gpu_history(TWO).gpu_util, 60, 8, GLYPHS["ascii"])
    check("gpu-two-ascii-60x8", block, 60, 8)
    assert all(line.text.isascii() for line in block)


def with_gpus(gpus: tuple[GpuSample, ...], status: str | None = None) -> Snapshot:
    return dataclasses.replace(busy_snapshot(), gpus=gpus, gpu_status=status)


@pytest.mark.parametrize(
    ("name", "gpus", "width", "height"),
    [
        *(("gpus", TWO, w, h) for w, h in [(160, 48), (100, 30), (80, 24), (40, 10)]),
        # One GPU: the medium tier's band is one row, not two.
        *(("one-gpu", ONE, w, h) for w, h in [(100, 30), (80, 24)]),
    ],
)
def test_dashboard_with_gpus(
    name: str, gpus: tuple[GpuSample, ...], width: int, height: int
) -> None:
    snap = with_gpus(gpus)
    state = AppState()
    view = build_view(snap.processes, state.query)
    block = render_frame(
        FrameInput(snap, gpu_history(gpus), state, view), width, height, GLYPHS["utf8"]
    )
    check(f"dashboard-{name}-{width}x{height}", block, width, height)
    assert any(gpus[0].name in line.text or "%" in line.text for line in block)


def test_details_view_with_gpu_memory() -> None:
    snap = with_gpus(ONE)
    key = (4242, 1_699_990_000.0)
    state = AppState(mode=Mode.DETAILS, details=key, selected=key)
    view = build_view(snap.processes, state.query)
    details = dataclasses.replace(details_sample(), gpus_present=True, gpu_memory_bytes=3 * 1024**3)
    block = render_frame(FrameInput(snap, History(), state, view, details), 100, 30, GLYPHS["utf8"])
    check("details-gpu-100x30", block, 100, 30)
    assert any("gpu memory" in line.text and "3.00G" in line.text for line in block)
    unknown = dataclasses.replace(details, gpu_memory_bytes=None)
    block = render_frame(FrameInput(snap, History(), state, view, unknown), 100, 30, GLYPHS["utf8"])
    assert any(line.text.split("│")[1:2] and "gpu memory   -" in line.text for line in block)
    # nvidia-smi lists compute processes only: an unlisted process's memory is unknown, and
    # the details say why.
    note = dataclasses.replace(unknown, gpu_memory_note="nvidia-smi lists compute processes only")
    block = render_frame(FrameInput(snap, History(), state, view, note), 100, 30, GLYPHS["utf8"])
    check("details-gpu-unlisted-100x30", block, 100, 30)
    assert any(
        "gpu memory   - (nvidia-smi lists compute processes only)" in line.text for line in block
    )
