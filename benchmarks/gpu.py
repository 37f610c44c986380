"""What the GPU panel costs per tick, with a recorded GPU source: the collector's CPU per tick
(the worker thread's reads included), render time per frame and bytes per frame, with and
without the panel, at 160x48 and a 1 s interval. Part of ``make bench``.

The GPU sources are recorded: a fake amdgpu sysfs tree (two cards) and a fake ``nvidia-smi``
(a shell script printing a recorded two-GPU answer). A real nvidia-smi costs more than the script
(it loads the driver's library, about 30-100 ms of CPU per call); that cost is the worker's,
every 5 s, and is why NVML (``sot[gpu]``) is preferred where installed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sot.collect.collector import Collector
from sot.collect.gpu_monitor import GpuMonitor
from sot.collect.gpu_nvidia import SmiReader
from sot.collect.gpu_sysfs import SysfsReader
from sot.collect.system import system_source
from sot.history import History
from sot.model import GpuSample, Snapshot
from sot.render.frame import FrameInput, FrameMemo, render_frame
from sot.render.glyphs import UNICODE
from sot.screen import Screen, Sequences
from sot.state import AppState
from sot.view import build_view

WIDTH, HEIGHT = 160, 48
MIB = 1024 * 1024
SMI_ANSWER = (
    "0, NVIDIA GeForce RTX 4090, 97, 20480, 24564, 81, 430.12, 450.00, 2520\\n"
    "1, NVIDIA GeForce RTX 4090, 3, 512, 24564, 35, 21.30, 450.00, 210\\n"
)


def sequences() -> Sequences:
    import blessed

    from sot.terminal import sequences_for

    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    return sequences_for(term, 256)


def amdgpu_tree(root: Path) -> None:
    for card in (0, 1):
        device = root / f"class/drm/card{card}/device"
        hwmon = device / "hwmon/hwmon0"
        hwmon.mkdir(parents=True)
        for name, value in (
            ("vendor", "0x1002"),
            ("device", "0x744c"),
            ("gpu_busy_percent", str(30 + card)),
            ("mem_info_vram_used", str(2048 * MIB)),
            ("mem_info_vram_total", str(24576 * MIB)),
        ):
            (device / name).write_text(value + "\n")
        (hwmon / "temp1_input").write_text("54000\n")
        (hwmon / "power1_average").write_text("95000000\n")


def nvidia_smi(root: Path) -> str:
    script = root / "nvidia-smi"
    script.write_text(
        '#!/bin/sh\ncase "$1" in\n'
        f"  --query-gpu=*) printf '{SMI_ANSWER}' ;;\n"
        "  --query-compute-apps=*) printf '4242, 3000\\n' ;;\nesac\n"
    )
    script.chmod(0o755)
    return str(script)


def collector_cpu_ms(monitor: GpuMonitor | None, ticks: int) -> tuple[float, float]:
    """(CPU ms per tick of the whole process, the loop thread's wall ms per sample), over
    ``ticks`` samples 1 s apart on the injected clock; each GPU read is waited for, so its CPU
    is counted (process_time counts every thread)."""
    collector = Collector(system_source(), gpus=monitor)
    collector.sample(0.0, time.time())
    collector.wait_for_gpus(5.0)
    walls: list[float] = []
    cpu_started = time.process_time()
    for tick in range(1, ticks + 1):
        started = time.perf_counter()
        collector.sample(float(tick), time.time())
        walls.append(time.perf_counter() - started)
        collector.wait_for_gpus(5.0)
    cpu = time.process_time() - cpu_started
    collector.close()
    return cpu / ticks * 1000, statistics.median(walls) * 1000


def with_gpus(snapshot: Snapshot, tick: int) -> Snapshot:
    gpus = tuple(
        GpuSample(i, "nvidia", "NVIDIA GeForce RTX 4090", float((tick * 7 + 40 * i) % 100),
                  (8 + tick % 4) * 1024 * MIB, 24 * 1024 * MIB, 60.0 + tick % 3, 300.0, 450.0)
        for i in range(2)
    )  # fmt: skip
    return replace(snapshot, gpus=gpus)


def frames(base: Snapshot, gpus: bool, ticks: int) -> tuple[float, float]:
    """(render ms per frame, bytes per frame) over ``ticks`` frames, as the loop draws them (a
    memo of unchanged panels, the screen diff); the GPU figures change every 5th tick, as the
    reads come (the same tuple in between, as the collector hands it on)."""
    state = AppState()
    view = build_view(base.processes, state.query)
    history = History()
    memo = FrameMemo()
    sent: list[int] = []

    def write(text: str) -> int:
        sent.append(len(text.encode()))
        return sent[-1]

    screen = Screen(sequences(), write)
    times: list[float] = []
    read: tuple[GpuSample, ...] = ()
    for tick in range(ticks + 1):
        snapshot = replace(base, wall_epoch_s=base.wall_epoch_s + tick)
        if gpus and tick % 5 == 0:
            read = with_gpus(snapshot, tick).gpus
        snapshot = replace(snapshot, gpus=read) if gpus else snapshot
        history = history.push(snapshot)
        started = time.perf_counter()
        frame = render_frame(
            FrameInput(snapshot, history, state, view), WIDTH, HEIGHT, UNICODE, memo
        )
        times.append(time.perf_counter() - started)
        screen.present(frame)
    return statistics.median(times[1:]) * 1000, statistics.mean(sent[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ticks", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        amdgpu_tree(root / "sys")
        command = nvidia_smi(root)
        cards = ((0, "amd"), (1, "amd"))
        sysfs = SysfsReader(cards, str(root / "sys"), str(root / "proc"))
        started = time.perf_counter()
        for _ in range(100):
            sysfs.read()
        sysfs_ms = (time.perf_counter() - started) * 10
        smi = SmiReader(command)
        started = time.perf_counter()
        for _ in range(10):
            smi.read()
        smi_ms = (time.perf_counter() - started) * 100
        # Interleaved rounds, medians: the machine is shared, and its load drifts.
        results: dict[str, list[tuple[float, float]]] = {"none": [], "amd": [], "smi": []}
        for _ in range(args.rounds):
            results["none"].append(collector_cpu_ms(None, args.ticks))
            results["amd"].append(collector_cpu_ms(GpuMonitor(sysfs), args.ticks))
            results["smi"].append(collector_cpu_ms(GpuMonitor(SmiReader(command)), args.ticks))
    (none_cpu, none_wall), (amd_cpu, amd_wall), (smi_cpu, smi_wall) = (
        (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
        for runs in results.values()
    )
    base = Collector(system_source()).sample(time.monotonic(), time.time())
    plain_ms, plain_bytes = frames(base, False, args.ticks)
    gpu_ms, gpu_bytes = frames(base, True, args.ticks)
    lines = (
        f"gpu panel, {WIDTH}x{HEIGHT}, 1 s ticks, a read every 5 s in the worker"
        f" ({args.ticks} ticks):",
        f"  one read: amdgpu sysfs (2 cards) {sysfs_ms:.3f} ms;"
        f" fake nvidia-smi (2 runs) {smi_ms:.1f} ms wall",
        f"  collector CPU ms/tick (all threads): no GPUs {none_cpu:.2f},"
        f" amdgpu sysfs {amd_cpu:.2f}, nvidia-smi {smi_cpu:.2f}",
        f"  loop thread ms/sample (median):      no GPUs {none_wall:.2f},"
        f" amdgpu sysfs {amd_wall:.2f}, nvidia-smi {smi_wall:.2f}",
        f"  render ms/frame (memo, median):      without panel {plain_ms:.2f}, with {gpu_ms:.2f}",
        f"  bytes/frame (screen diff, mean):     without panel {plain_bytes:.0f},"
        f" with {gpu_bytes:.0f}",
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
