"""GPU readers: recorded nvidia-smi outputs, a fake NVML module, fake amdgpu/i915 sysfs trees,
fake nvidia-smi executables (one that hangs, one that fails), and the monitor's worker thread
driven by an injected clock."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot import pipeline
from sot.collect.collector import Collector
from sot.collect.gpu_detect import GpuPlaces, find_gpus, open_gpus
from sot.collect.gpu_monitor import AwakeOnly, GpuMonitor, open_monitor
from sot.collect.gpu_nvidia import GpuReading, NvmlReader, SmiReader, parse_apps, parse_gpus
from sot.collect.gpu_sysfs import SysfsReader, process_gpu_memory, read_card
from sot.collect.replay import ReplaySource
from sot.config import Config, ConfigError
from sot.export import snapshot_to_json
from sot.history import History
from sot.layout import GPU_SECOND_LINE, NO_GPUS, TIERS, Tier, compute_layout
from sot.model import GpuSample
from sot.render.details import details_place
from sot.render.frame import process_page_rows
from sot.render.gpu import labels, render_gpu
from sot.render.panels import PANELS, hidden_panels
from tests.fake_tree import make_tree
from tests.fakes import raw_details, readings, snapshot
from tests.property import examples
from tests.render.test_golden import GLYPHS

MIB = 1024 * 1024
ONE_GPU = "0, NVIDIA A100-SXM4-40GB, 45, 3277, 40960, 62, 120.50, 300.00, 1410\n"
TWO_GPUS = (
    "0, NVIDIA GeForce RTX 4090, 97, 20480, 24564, 81, 430.12, 450.00, 2520\n"
    "1, NVIDIA GeForce RTX 4090, 3, 512, 24564, 35, 21.30, 450.00, 210\n"
)
UNKNOWNS = "0, Tesla K80, [N/A], 10, 11441, [Not Supported], [N/A], [Not Supported], [N/A]\n"
ERRORS = "0, NVIDIA T4, ERR!, ERR!, 15360, ERR!, ERR!, 70.00, ERR!\n"
APPS = "4242, 3000\n4243, [N/A]\n4242, 200\ngarbage\n"


def test_one_gpu_from_nvidia_smi() -> None:
    (gpu,) = parse_gpus(ONE_GPU)
    assert gpu == GpuSample(
        index=0,
        vendor="nvidia",
        name="NVIDIA A100-SXM4-40GB",
        utilization_percent=45.0,
        memory_used_bytes=3277 * MIB,
        memory_total_bytes=40960 * MIB,
        temperature_celsius=62.0,
        power_watts=120.5,
        power_limit_watts=300.0,
        frequency_mhz=1410.0,
    )


def test_two_gpus_one_line_each() -> None:
    gpus = parse_gpus(TWO_GPUS)
    assert [g.index for g in gpus] == [0, 1]
    assert [g.utilization_percent for g in gpus] == [97.0, 3.0]


def test_not_available_and_not_supported_are_unknown_never_zero() -> None:
    (gpu,) = parse_gpus(UNKNOWNS)
    assert gpu.utilization_percent is None and gpu.temperature_celsius is None
    assert gpu.power_watts is None and gpu.power_limit_watts is None
    assert gpu.memory_used_bytes == 10 * MIB and gpu.frequency_mhz is None


def test_err_is_unknown() -> None:
    (gpu,) = parse_gpus(ERRORS)
    assert gpu.utilization_percent is None and gpu.memory_used_bytes is None
    assert gpu.memory_total_bytes == 15360 * MIB and gpu.power_limit_watts == 70.0


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "No devices were found\n", "garbage, 1, 2\n", "x, y, z, 1, 2, 3, 4, 5, 6\n"],
)
def test_garbage_and_empty_output_give_no_gpus(text: str) -> None:
    assert parse_gpus(text) == ()


def test_the_older_eight_field_query_and_a_name_with_a_comma() -> None:
    (old,) = parse_gpus("0, Quadro P400, 1, 2, 2000, 40, 10.0, 30.0\n")
    assert old.name == "Quadro P400" and old.power_limit_watts == 30.0 and old.frequency_mhz is None
    (odd,) = parse_gpus("0, Odd, Name, 1, 2, 2000, 40, 10.0, 30.0, 100\n")
    assert odd.name == "Odd, Name" and odd.frequency_mhz == 100.0


def test_process_memory_summed_over_gpus() -> None:
    assert parse_apps(APPS) == {4242: 3200 * MIB}


def fake_command(tmp_path: Path, body: str) -> str:
    """An executable standing for nvidia-smi: a shell script with ``body``."""
    path = tmp_path / "nvidia-smi"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


ANSWERING = (
    'case "$1" in\n'
    f"  --query-gpu=*) printf '{TWO_GPUS.replace(chr(10), chr(92) + 'n')}' ;;\n"
    "  --query-compute-apps=*) printf '4242, 3000\\n' ;;\n"
    "esac"
)


def test_a_fake_nvidia_smi_is_read(tmp_path: Path) -> None:
    reading = SmiReader(fake_command(tmp_path, ANSWERING)).read()
    assert reading.error is None and len(reading.gpus) == 2
    assert reading.process_memory == {4242: 3000 * MIB}


def test_nvidia_smi_that_fails_says_so_in_one_line(tmp_path: Path) -> None:
    command = fake_command(
        tmp_path, "echo 'Failed to initialize NVML: Driver/library version mismatch' >&2\nexit 9"
    )
    reading = SmiReader(command).read()
    assert reading.gpus == () and not reading.timed_out
    assert reading.error == (
        "nvidia-smi failed (exit 9): Failed to initialize NVML: Driver/library version mismatch"
    )


def gone(pid: int) -> bool:
    """Whether the process has ended, or ends within 60 s: waits on a pidfd (woken by its end,
    no polling); a process already reaped is gone."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], 60.0)[0])
    finally:
        os.close(fd)


def hanging_command(tmp_path: Path) -> tuple[str, Path]:
    """A fake nvidia-smi that starts a child (in its process group) and hangs; it writes
    "<its pid> <its child's pid>" to the returned FIFO (the test's read waits for it)."""
    fifo = tmp_path / "pids"
    os.mkfifo(fifo)
    return fake_command(tmp_path, f'sleep 600 &\necho "$$ $!" > {fifo}\nsleep 600'), fifo


def test_a_hanging_nvidia_smi_never_blocks_the_loop(tmp_path: Path) -> None:
    """The command hangs; the worker kills it after the timeout, with the child it started;
    every sample returns at once (the clock is the test's); the panel says so; the next try is
    RETRY_S later, not at once."""
    command, fifo = hanging_command(tmp_path)
    monitor = GpuMonitor(SmiReader(command, timeout_s=2.0), retry_s=30.0)
    assert monitor.sample(0.0) == ((), "reading GPUs (nvidia-smi)")
    pids = [int(pid) for pid in fifo.read_text().split()]  # it runs: the sample did not wait
    assert monitor.sample(1.0) == ((), "reading GPUs (nvidia-smi)")
    assert monitor.wait(60.0)  # killed after its timeout: the worker ended
    assert all(gone(pid) for pid in pids)  # the command and the child it started
    assert monitor.sample(1.5) == ((), "nvidia-smi did not answer in 2 s")
    assert monitor.sample(20.0)[1] == "nvidia-smi did not answer in 2 s"
    monitor.sample(31.4)
    assert monitor.wait(0.0)  # not asked again within RETRY_S (from the answer at 1.5)
    monitor.sample(31.5)
    pids = [int(pid) for pid in fifo.read_text().split()]  # asked again
    assert monitor.close(60.0)
    assert all(gone(pid) for pid in pids)


def test_closing_kills_a_hung_nvidia_smi_and_its_children(tmp_path: Path) -> None:
    """sot quits while nvidia-smi hangs (its own timeout far off): close kills its process
    group, so the worker ends and nothing is left running."""
    command, fifo = hanging_command(tmp_path)
    monitor = GpuMonitor(SmiReader(command, timeout_s=3600.0))
    monitor.sample(0.0)
    pids = [int(pid) for pid in fifo.read_text().split()]
    assert monitor.close(60.0)  # ended: killed, not waited for until its timeout
    assert all(gone(pid) for pid in pids)
    assert SmiReader(command).limit_s == 6.0  # two runs of 2 s, each killed and reaped in 1 s


def test_a_slow_nvidia_smi_that_answers_is_not_called_hung(tmp_path: Path) -> None:
    """Each run waits for the test (a FIFO) instead of the 1.2 s a slow driver takes: at 2.4 s
    on the monitor's clock (two such runs) the read is still only "reading"; its answer keeps
    the 5 s schedule, not the 30 s retry of a timeout."""
    gates = {query: tmp_path / f"gate-{query}" for query in ("gpus", "apps")}
    marker = tmp_path / "runs"
    for gate in gates.values():
        os.mkfifo(gate)
    command = fake_command(
        tmp_path,
        f"echo x >> {marker}\n"
        'case "$1" in --query-gpu=*) g=gpus ;; *) g=apps ;; esac\n'
        f"read line < {tmp_path}/gate-$g\n{ANSWERING}",
    )

    def let_run(query: str) -> None:  # waits for the run to read its gate
        with gates[query].open("w") as opened:
            opened.write("go\n")

    monitor = GpuMonitor(SmiReader(command), period_s=5.0, retry_s=30.0)
    monitor.sample(0.0)
    assert monitor.sample(2.4) == ((), "reading GPUs (nvidia-smi)")  # not "did not answer"
    let_run("gpus")
    let_run("apps")
    assert monitor.wait(60.0)
    gpus, status = monitor.sample(2.5)
    assert len(gpus) == 2 and status is None
    monitor.sample(4.9)
    assert marker.read_text().count("x") == 2  # not yet
    monitor.sample(5.0)
    let_run("gpus")
    let_run("apps")
    assert monitor.wait(60.0) and marker.read_text().count("x") == 4
    assert monitor.close()


class NVMLError(Exception):
    pass


def fake_nvml(count: int = 2, fail: str | None = None, gate: threading.Event | None = None) -> Any:
    """A stand-in for ``pynvml``: ``fail`` names a call that raises NVMLError; ``gate`` makes
    nvmlDeviceGetCount wait for it (a wedged driver)."""
    calls: list[str] = []

    def call(name: str, value: Any) -> Any:
        def run(*_args: Any) -> Any:
            calls.append(name)
            if name == fail:
                raise NVMLError("Not Supported" if name != "nvmlInit" else "Driver Not Loaded")
            if name == "nvmlDeviceGetCount" and gate is not None:
                gate.wait(30)
            return value(*_args) if callable(value) else value

        return run

    return SimpleNamespace(
        NVMLError=NVMLError,
        NVML_TEMPERATURE_GPU=0,
        NVML_CLOCK_GRAPHICS=0,
        calls=calls,
        nvmlInit=call("nvmlInit", None),
        nvmlShutdown=call("nvmlShutdown", None),
        nvmlDeviceGetCount=call("nvmlDeviceGetCount", count),
        nvmlDeviceGetHandleByIndex=call("nvmlDeviceGetHandleByIndex", lambda i: i),
        nvmlDeviceGetName=call("nvmlDeviceGetName", lambda h: f"GPU {h}".encode()),
        nvmlDeviceGetUtilizationRates=call(
            "nvmlDeviceGetUtilizationRates", lambda h: SimpleNamespace(gpu=10 * (h + 1))
        ),
        nvmlDeviceGetMemoryInfo=call(
            "nvmlDeviceGetMemoryInfo", SimpleNamespace(used=MIB, total=8 * MIB)
        ),
        nvmlDeviceGetTemperature=call("nvmlDeviceGetTemperature", 55),
        nvmlDeviceGetPowerUsage=call("nvmlDeviceGetPowerUsage", 75_500),
        nvmlDeviceGetEnforcedPowerLimit=call("nvmlDeviceGetEnforcedPowerLimit", 250_000),
        nvmlDeviceGetClockInfo=call("nvmlDeviceGetClockInfo", 1500),
        nvmlDeviceGetComputeRunningProcesses=call(
            "nvmlDeviceGetComputeRunningProcesses",
            lambda h: [
                SimpleNamespace(pid=99, usedGpuMemory=MIB),
                SimpleNamespace(pid=7, usedGpuMemory=None),
            ],
        ),
        nvmlDeviceGetGraphicsRunningProcesses=call(
            "nvmlDeviceGetGraphicsRunningProcesses",
            lambda h: [
                SimpleNamespace(pid=99, usedGpuMemory=MIB),  # in both lists: counted once
                SimpleNamespace(pid=55, usedGpuMemory=3 * MIB),  # a desktop's compositor
            ],
        ),
    )


def test_nvml_reads_every_gpu_and_its_processes() -> None:
    module = fake_nvml()
    reader = NvmlReader(module)
    reading = reader.read()
    assert reading.error is None
    assert [g.name for g in reading.gpus] == ["GPU 0", "GPU 1"]
    first = reading.gpus[0]
    assert (first.utilization_percent, first.power_watts, first.power_limit_watts) == (
        10.0,
        75.5,
        250.0,
    )
    # On both GPUs; the unknown one left out; graphics processes too, a process in both lists
    # of one GPU counted once.
    assert reading.process_memory == {99: 2 * MIB, 55: 6 * MIB}
    assert reading.process_note is None
    reader.read()
    assert module.calls.count("nvmlInit") == 1  # initialised once
    reader.close()
    assert module.calls.count("nvmlShutdown") == 1


def test_an_nvml_reading_a_gpu_does_not_support_is_unknown() -> None:
    (gpu,) = NvmlReader(fake_nvml(1, fail="nvmlDeviceGetPowerUsage")).read().gpus
    assert gpu.power_watts is None and gpu.temperature_celsius == 55.0


def test_an_nvml_that_reports_an_error_says_so_in_one_line() -> None:
    reading = NvmlReader(fake_nvml(fail="nvmlInit")).read()
    assert reading[:4] == ((), {}, "NVML: Driver Not Loaded", False)
    monitor = GpuMonitor(NvmlReader(fake_nvml(fail="nvmlDeviceGetCount")))
    monitor.sample(0.0)
    assert monitor.wait(5.0)
    assert monitor.sample(1.0) == ((), "NVML: Not Supported")


def test_a_wedged_nvml_is_reported_and_not_asked_again_while_it_hangs() -> None:
    gate = threading.Event()
    module = fake_nvml(gate=gate)
    monitor = GpuMonitor(NvmlReader(module), timeout_s=2.0, retry_s=30.0)
    monitor.sample(0.0)
    assert monitor.sample(1.0)[1] == "reading GPUs (NVML)"
    assert monitor.sample(2.0) == ((), "NVML did not answer in 2 s")
    assert monitor.sample(10.0) == ((), "NVML did not answer in 2 s")
    assert module.calls.count("nvmlDeviceGetCount") == 1  # no second read piled up
    assert not monitor.close(0.05)  # still stuck: close does not wait for ever
    gate.set()
    assert monitor.wait(5.0)
    gpus, status = monitor.sample(11.0)  # its late answer is shown...
    assert len(gpus) == 2 and status is None
    monitor.sample(40.0)
    assert module.calls.count("nvmlDeviceGetCount") == 1  # ...and the next read waits 30 s
    monitor.sample(41.5)
    assert monitor.wait(5.0) and module.calls.count("nvmlDeviceGetCount") == 2
    assert monitor.close()


def test_reads_follow_the_slow_schedule() -> None:
    module = fake_nvml(1)
    monitor = GpuMonitor(NvmlReader(module), period_s=5.0)
    for now in (0.0, 1.0, 2.0, 3.0, 4.0):
        monitor.sample(now)
        monitor.wait(5.0)
    assert module.calls.count("nvmlDeviceGetCount") == 1
    monitor.sample(5.0)
    monitor.wait(5.0)
    assert module.calls.count("nvmlDeviceGetCount") == 2


AMD_CARD = {
    "/sys/class/drm/card0/device/vendor": "0x1002\n",
    "/sys/class/drm/card0/device/device": "0x744c\n",
    "/sys/class/drm/card0/device/gpu_busy_percent": "37\n",
    "/sys/class/drm/card0/device/mem_info_vram_used": f"{2048 * MIB}\n",
    "/sys/class/drm/card0/device/mem_info_vram_total": f"{24576 * MIB}\n",
    "/sys/class/drm/card0/device/hwmon/hwmon3/temp1_input": "54000\n",
    "/sys/class/drm/card0/device/hwmon/hwmon3/power1_average": "95000000\n",
    "/sys/class/drm/card0/device/hwmon/hwmon3/power1_cap": "327000000\n",
    "/sys/class/drm/card0-DP-1/status": "connected\n",
}
INTEL_CARD = {
    "/sys/class/drm/card1/device/vendor": "0x8086\n",
    "/sys/class/drm/card1/device/device": "0x46a6\n",
    "/sys/class/drm/card1/gt_cur_freq_mhz": "350\n",
}
NVIDIA_CARD = {"/sys/class/drm/card2/device/vendor": "0x10de\n"}


def test_no_gpus_found_costs_a_stat_and_a_listing(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"/sys/class/drm/version": "x", **NVIDIA_CARD, "/dev/null": ""})
    places = GpuPlaces(str(root / "sys"), str(root / "dev"), str(root / "proc"))
    assert find_gpus(places) is None  # an NVIDIA card without its driver loaded: nothing to ask
    assert open_gpus(places) is None
    bare = GpuPlaces(str(tmp_path / "none"), str(tmp_path / "none"), str(tmp_path / "none"))
    assert find_gpus(bare) is None


def test_amd_and_intel_cards_through_sysfs(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {**AMD_CARD, **INTEL_CARD})
    places = GpuPlaces(str(root / "sys"), str(root / "dev"), str(root / "proc"))
    found = find_gpus(places)
    assert found is not None and found.cards == ((0, "amd"), (1, "intel")) and not found.nvidia
    amd = read_card(places.sys_root, 0, "amd")
    assert amd == GpuSample(
        0, "amd", "AMD 0x744c", 37.0, 2048 * MIB, 24576 * MIB, 54.0, 95.0, 327.0
    )
    intel = read_card(places.sys_root, 1, "intel")
    assert intel == GpuSample(1, "intel", "Intel 0x46a6", None, None, None, None, None, None, 350.0)
    reading = SysfsReader(found.cards, places.sys_root, places.proc_root).read()
    assert reading.gpus == (amd, intel) and reading.error is None


def test_power_input_where_there_is_no_average(tmp_path: Path) -> None:
    files = {k: v for k, v in AMD_CARD.items() if "power1_average" not in k}
    files["/sys/class/drm/card0/device/hwmon/hwmon3/power1_input"] = "12500000\n"
    root = make_tree(tmp_path, files)
    assert read_card(str(root / "sys"), 0, "amd").power_watts == 12.5


def test_a_suspended_card_is_left_asleep_and_says_so(tmp_path: Path) -> None:
    asleep = {**AMD_CARD, "/sys/class/drm/card0/device/power/runtime_status": "suspended\n"}
    root = make_tree(tmp_path / "asleep", asleep)
    card = read_card(str(root / "sys"), 0, "amd")
    assert card == GpuSample(
        0, "amd", "AMD 0x744c", None, None, None, None, None, None, suspended=True
    )
    awake = {**AMD_CARD, "/sys/class/drm/card0/device/power/runtime_status": "active\n"}
    root = make_tree(tmp_path / "awake", awake)
    card = read_card(str(root / "sys"), 0, "amd")
    assert not card.suspended and card.utilization_percent == 37.0


class ReadCounter:
    name = "nvidia-smi"
    limit_s = 6.0

    def __init__(self) -> None:
        self.reads = 0

    def read(self) -> GpuReading:
        self.reads += 1
        return GpuReading(parse_gpus(ONE_GPU), {})

    def cancel(self) -> None:
        """Nothing runs."""

    def close(self) -> None:
        """Nothing held."""


def test_nvidia_gpus_all_asleep_are_not_woken(tmp_path: Path) -> None:
    """A laptop's dGPU, runtime-suspended: neither nvidia-smi nor NVML is asked (either would
    wake it); it is listed, unread, as suspended. Awake: read as usual."""
    status = "/sys/bus/pci/drivers/nvidia/0000:01:00.0/power/runtime_status"
    root = make_tree(
        tmp_path,
        {
            "/sys/bus/pci/drivers/nvidia/0000:01:00.0/device": "0x2684\n",
            status: "suspended\n",
            "/sys/bus/pci/drivers/nvidia/module/": "",
        },
    )
    inner = ReadCounter()
    reader = AwakeOnly(inner, str(root / "sys"))
    (gpu,) = reader.read().gpus
    assert gpu.suspended and gpu.name == "NVIDIA 0x2684" and gpu.key == "nvidia0"
    assert inner.reads == 0
    (root / status.lstrip("/")).write_text("active\n")
    assert reader.read().gpus == parse_gpus(ONE_GPU) and inner.reads == 1
    assert AwakeOnly(inner, str(tmp_path / "none")).read().gpus  # sysfs says nothing: read
    line = render_gpu((gpu,), None, {}, 60, 1, GLYPHS["utf8"])[0].text
    assert "suspended" in line and "%" not in line


def test_percentages_are_held_to_0_100_and_only_ascii_numbers_are_numbers() -> None:
    (high,) = parse_gpus("0, X, 101, 1, 2, 40, 10.0, 30.0, 100\n")
    (low,) = parse_gpus("1, X, -3, 1, 2, 40, 10.0, 30.0, 100\n")
    assert high.utilization_percent == 100.0 and low.utilization_percent == 0.0
    assert parse_gpus("\u00b2, X, 1, 1, 2, 40, 10.0, 30.0, 100\n") == ()  # superscript two
    assert parse_gpus("\u0663, X, 1, 1, 2, 40, 10.0, 30.0, 100\n") == ()  # Arabic-Indic 3
    assert parse_apps("\u00b2, 10\n\u0663, 10\n7, 1\n") == {7: MIB}
    module = fake_nvml(1)
    module.nvmlDeviceGetUtilizationRates = lambda h: SimpleNamespace(gpu=250)
    assert NvmlReader(module).read().gpus[0].utilization_percent == 100.0


@pytest.mark.parametrize(
    ("used", "total", "expected"),
    [
        ("-1", "-5", (None, None)),
        ("5", "0", (5, None)),
        (str(2 * MIB), str(MIB), (None, MIB)),  # more used than there is
        ("1", str(1 << 60), (1, None)),  # an exbibyte of VRAM: a glitch
        ("1", "2", (1, 2)),
    ],
)
def test_absurd_memory_figures_are_unknown(
    tmp_path: Path, used: str, total: str, expected: tuple[int | None, int | None]
) -> None:
    files = {
        **AMD_CARD,
        "/sys/class/drm/card0/device/mem_info_vram_used": used,
        "/sys/class/drm/card0/device/mem_info_vram_total": total,
    }
    card = read_card(str(make_tree(tmp_path, files) / "sys"), 0, "amd")
    assert (card.memory_used_bytes, card.memory_total_bytes) == expected


def test_the_lowest_numbered_hwmon_is_read_numerically(tmp_path: Path) -> None:
    files = {k: v for k, v in AMD_CARD.items() if "hwmon" not in k}
    files["/sys/class/drm/card0/device/hwmon/hwmon10/temp1_input"] = "99000\n"
    files["/sys/class/drm/card0/device/hwmon/hwmon2/temp1_input"] = "40000\n"
    files["/sys/class/drm/card0/device/hwmon/hwmonitor/temp1_input"] = "1000\n"
    card = read_card(str(make_tree(tmp_path, files) / "sys"), 0, "amd")
    assert card.temperature_celsius == 40.0  # hwmon2, not hwmon10 (which sorts first as text)


def test_intel_xe_frequency_and_power_from_its_energy_counter(tmp_path: Path) -> None:
    """xe keeps its frequency under tile0/gt0/freq0; i915 and xe have no power file but an
    energy counter (microjoules), read as a rate between two reads (the clock is the test's)."""
    hwmon = "/sys/class/drm/card0/device/hwmon/hwmon1"
    root = make_tree(
        tmp_path,
        {
            "/sys/class/drm/card0/device/vendor": "0x8086\n",
            "/sys/class/drm/card0/device/device": "0xe20b\n",
            "/sys/class/drm/card0/device/tile0/gt0/freq0/cur_freq": "2400\n",
            f"{hwmon}/energy1_input": "1000000\n",
            f"{hwmon}/power1_max": "150000000\n",
        },
    )
    times = iter([10.0, 15.0, 20.0])
    reader = SysfsReader(((0, "intel"),), str(root / "sys"), clock=lambda: next(times))
    (first,) = reader.read().gpus
    assert first.frequency_mhz == 2400.0 and first.power_limit_watts == 150.0
    assert first.power_watts is None  # one reading of the counter is no rate
    (root / f"{hwmon}/energy1_input".lstrip("/")).write_text("51000000\n")
    assert reader.read().gpus[0].power_watts == 10.0  # 50 J in 5 s
    (root / f"{hwmon}/energy1_input".lstrip("/")).write_text("5\n")
    assert reader.read().gpus[0].power_watts is None  # the counter went back
    line = render_gpu((first,), None, {}, 100, 1, GLYPHS["utf8"])[0].text
    assert "mem -/-  -  -  2.40GHz" in line and "W" not in line  # unknown power: "-", not "-W"


def fdinfo_tree(tmp_path: Path) -> Path:
    """Process 300 with two descriptors of one amdgpu client, one of another, and a file."""
    proc = tmp_path / "proc"
    client = (
        "drm-driver:\tamdgpu\ndrm-client-id:\t{}\ndrm-memory-vram:\t{} KiB\n"
        "drm-memory-gtt:\t4 KiB\n"
    )
    make_tree(
        tmp_path,
        {
            "/proc/300/fdinfo/3": client.format(7, 1024),
            "/proc/300/fdinfo/4": client.format(7, 1024),
            "/proc/300/fdinfo/5": (
                "drm-client-id: 9\ndrm-total-vram0: 2 MiB\ndrm-total-system0: 1 MiB\n"
            ),
            "/proc/300/fdinfo/6": "pos: 0\n",
            "/proc/301/fdinfo/": "",
            "/proc/301/fd/": "",
        },
    )
    fds = proc / "300" / "fd"
    fds.mkdir(parents=True)
    for fd in ("3", "4", "5"):
        os.symlink("/dev/dri/renderD128", fds / fd)
    os.symlink("/var/log/syslog", fds / "6")
    return proc


def test_process_gpu_memory_from_fdinfo_once_per_client(tmp_path: Path) -> None:
    proc = fdinfo_tree(tmp_path)
    assert process_gpu_memory(300, str(proc)) == MIB + 3 * MIB
    # Client ids are per device: client 7 of another GPU is another client.
    fdinfo = proc / "300" / "fdinfo"
    fdinfo.joinpath("4").write_text(fdinfo.joinpath("4").read_text() + "drm-pdev: 0000:03:00.0\n")
    assert process_gpu_memory(300, str(proc)) == 2 * MIB + 3 * MIB
    assert process_gpu_memory(301, str(proc)) is None  # no descriptors readable
    assert process_gpu_memory(999, str(proc)) is None


def test_open_monitor_on_a_fake_nvidia_machine_uses_nvml_else_nvidia_smi(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"/dev/nvidia0": "", "/proc/driver/nvidia/version": "x"})
    places = GpuPlaces(str(root / "sys"), str(root / "dev"), str(root / "proc"), path=str(tmp_path))
    found = find_gpus(places)
    assert found is not None and found.nvidia
    assert open_monitor(found, places, fake_nvml).reader_name == "NVML"

    def no_nvml() -> object:
        raise ImportError("No module named 'pynvml'")

    assert open_monitor(found, places, no_nvml).reader_name == "nvidia"  # neither: says so
    fake_command(tmp_path, ANSWERING)
    monitor = open_monitor(found, places, no_nvml)
    assert monitor.reader_name == "nvidia-smi"
    monitor.sample(0.0)
    assert monitor.wait(10.0)
    gpus, status = monitor.sample(1.0)
    assert len(gpus) == 2 and status is None
    assert monitor.process_memory(4242) == (3000 * MIB, None)
    # Not listed: unknown (graphics processes are not), and said why.
    assert monitor.process_memory(1) == (None, "nvidia-smi lists compute processes only")
    assert monitor.close()


class CountingReader:
    """A reader whose reads wait for the test; counts cancel and close."""

    name = "fake"
    limit_s = 2.0

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.cancelled = 0
        self.closed = 0

    def read(self) -> GpuReading:
        self.gate.wait(60.0)
        return GpuReading((), {})

    def cancel(self) -> None:
        self.cancelled += 1
        self.gate.set()

    def close(self) -> None:
        self.closed += 1


def test_a_failed_option_check_closes_the_gpu_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """``sot --once -N nosuch``: the first sample started the GPU worker; the error that
    follows stops it (the reader is cancelled and closed), it is not left running."""
    reader = CountingReader()
    monitor = GpuMonitor(reader)
    monkeypatch.setattr(pipeline, "open_gpus", lambda: monitor)
    with pytest.raises(ConfigError, match="unknown network interface 'nosuch'"):
        pipeline.start_pipeline(Config(once=True, interface="nosuch"))
    assert reader.cancelled == 1 and reader.closed == 1 and monitor.wait(0.0)


def test_the_collector_puts_gpus_in_the_snapshot_and_the_details() -> None:
    stored = replace(readings(), details={99: raw_details(99, "train"), 10: raw_details(10, "db")})
    collector = Collector(ReplaySource(stored), gpus=GpuMonitor(NvmlReader(fake_nvml())))
    first = collector.sample(1.0, 1.0)
    assert first.gpus == () and first.gpu_status == "reading GPUs (NVML)"
    collector.wait_for_gpus(5.0)
    second = collector.sample(2.0, 2.0)
    assert len(second.gpus) == 2 and second.gpu_status is None
    details = collector.process_details((99, 5000.0), 2.0)
    assert details is not None and details.gpus_present
    assert details.gpu_memory_bytes == 2 * MIB  # on both GPUs
    idle = collector.process_details((10, 5000.0), 2.0)
    assert idle is not None and idle.gpu_memory_bytes is None  # not listed: unknown, not 0
    assert idle.gpu_memory_note is None  # NVML lists graphics processes too
    assert collector.close()
    plain = Collector(ReplaySource(stored))
    assert plain.sample(1.0, 1.0).gpus == ()
    without = plain.process_details((10, 5000.0), 1.0)
    assert without is not None and not without.gpus_present and plain.close()


def test_amd_process_memory_is_read_for_the_details_process_only(tmp_path: Path) -> None:
    proc = fdinfo_tree(tmp_path)
    root = make_tree(tmp_path, AMD_CARD)
    places = GpuPlaces(str(root / "sys"), str(root / "dev"), str(proc))
    found = find_gpus(places)
    assert found is not None
    monitor = open_monitor(found, places)
    assert monitor.process_memory(300) == (4 * MIB, None)
    assert monitor.close()


def test_json_has_a_gpus_list_empty_when_none() -> None:
    plain = json.loads(snapshot_to_json(snapshot()))
    assert plain["gpus"] == [] and "gpu_status" not in plain
    gpus = parse_gpus(TWO_GPUS)
    document = json.loads(
        snapshot_to_json(snapshot_with_gpus(gpus, "nvidia-smi did not answer in 2 s"))
    )
    assert document["gpu_status"] == "nvidia-smi did not answer in 2 s"
    first = document["gpus"][0]
    assert first == {
        "id": "nvidia0",
        "index": 0,
        "vendor": "nvidia",
        "name": "NVIDIA GeForce RTX 4090",
        "utilization_percent": 97.0,
        "memory_used_bytes": 20480 * MIB,
        "memory_total_bytes": 24564 * MIB,
        "temperature_celsius": 81.0,
        "power_watts": 430.12,
        "power_limit_watts": 450.0,
        "frequency_mhz": 2520.0,
        "suspended": False,
    }


def snapshot_with_gpus(gpus: tuple[GpuSample, ...], status: str | None = None) -> Any:
    return replace(snapshot(), gpus=gpus, gpu_status=status)


def test_the_gpu_panel_is_hidden_without_gpus_and_laid_out_with_them() -> None:
    without = snapshot()
    assert hidden_panels(without) == NO_GPUS
    # One line to show (one GPU, or only the reader's message): the medium tier's GPU band is
    # one row, not two.
    one_line = frozenset({GPU_SECOND_LINE})
    assert hidden_panels(snapshot_with_gpus(parse_gpus(ONE_GPU))) == one_line
    assert hidden_panels(snapshot_with_gpus((), "NVML: Driver Not Loaded")) == one_line
    assert hidden_panels(snapshot_with_gpus(parse_gpus(TWO_GPUS))) == frozenset()
    assert hidden_panels(snapshot_with_gpus(parse_gpus(ONE_GPU), "x")) == frozenset()
    for width, height in ((160, 48), (100, 30), (80, 24), (40, 10)):
        assert compute_layout(width, height, hidden=NO_GPUS).rect("gpu") is None
        shown = compute_layout(width, height, hidden=frozenset())
        gpu = shown.rect("gpu")
        assert gpu is not None and gpu.width >= 20
        # The table gives up what the GPU band takes, no more.
        assert process_page_rows(width, height, hidden=frozenset()) <= process_page_rows(
            width, height
        )
    # Without GPUs every tier is as it was: the GPU band takes no rows at all.
    for spec in TIERS:
        layout = compute_layout(spec.min_width, spec.min_height, hidden=NO_GPUS)
        assert all(name != "gpu" for name, _ in layout.places)


def test_a_hidden_band_gives_its_rows_to_the_others() -> None:
    both = compute_layout(100, 30, hidden=frozenset())
    alone = compute_layout(100, 30, hidden=frozenset({"gpu", "disks", "network"}))
    table, bigger = both.rect("processes"), alone.rect("processes")
    assert table is not None and bigger is not None
    assert bigger.height == table.height + 4  # the two-line rates and the two-line GPU bands


def test_history_keeps_each_gpus_utilisation() -> None:
    history = History().push(snapshot())
    assert history.gpu_util == {}
    history = history.push(snapshot_with_gpus(parse_gpus(TWO_GPUS)))
    history = history.push(snapshot_with_gpus(parse_gpus(TWO_GPUS)))
    assert history.gpu_util == {"nvidia0": (97.0, 97.0), "nvidia1": (3.0, 3.0)}
    # The same read in the next tick's snapshot (no new read yet): no new point, same series.
    same = history.push(replace(snapshot(), gpus=history.gpus_read))
    assert same.gpu_util is history.gpu_util


def test_nvidia_0_and_intel_card0_are_two_gpus() -> None:
    """Two GPUs with index 0 (NVIDIA's and the Intel iGPU's DRM card0): two history series,
    two labels on the panel, two ids in JSON."""
    nvidia = parse_gpus(ONE_GPU)[0]
    intel = GpuSample(0, "intel", "Intel 0x46a6", None, None, None, None, None, None, 350.0)
    both = snapshot_with_gpus((nvidia, intel))
    history = History().push(both)
    assert history.gpu_util == {"nvidia0": (45.0,), "intel0": (None,)}
    assert labels((nvidia, intel)) == {"nvidia0": "nvidia0", "intel0": "intel0"}
    assert labels(parse_gpus(TWO_GPUS)) == {"nvidia0": "0", "nvidia1": "1"}  # one vendor
    block = render_gpu((nvidia, intel), None, history.gpu_util, 90, 8, GLYPHS["utf8"])
    text = [line.text for line in block]
    assert text[1].startswith("│nvidia0 NVIDIA A100") and text[2].startswith("│intel0  Intel")
    assert any(line.startswith("│intel0 ") for line in text[3:])  # its own graph
    document = json.loads(snapshot_to_json(both))
    assert [g["id"] for g in document["gpus"]] == ["nvidia0", "intel0"]


def test_the_full_tier_keeps_power_and_temperature_where_the_bar_can_shrink() -> None:
    """At 160x48 the GPU line shows utilisation, memory, degrees and watts (at 120x36 all but
    the watts): the bar shrinks (to 5 cells) before a figure is dropped."""
    gpus = parse_gpus(TWO_GPUS)
    for width, height in ((160, 48), (120, 36)):
        layout = compute_layout(width, height, hidden=hidden_panels(snapshot_with_gpus(gpus)))
        assert layout.tier is Tier.FULL
        place = layout.rect("gpu")
        assert place is not None
        history = History().push(snapshot_with_gpus(gpus)).gpu_util
        line = render_gpu(gpus, None, history, place.width, place.height, GLYPHS["utf8"])
        first = list(line)[1].text
        assert "97.0%" in first and "20.0G/24.0G" in first and "81°C" in first
        assert ("430/450W" in first) == (width == 160), first
    narrow = render_gpu(gpus, None, {}, 30, 5, GLYPHS["utf8"])
    assert "430/450W" not in list(narrow)[1].text  # no room even so: the least needed goes


def test_the_layout_helpers_share_one_default_no_gpus() -> None:
    """compute_layout, process_page_rows and details_place: left to their default, all lay
    out a machine without GPUs."""
    for width, height in ((160, 48), (100, 30), (80, 24), (40, 10)):
        assert compute_layout(width, height) == compute_layout(width, height, hidden=NO_GPUS)
        rows = process_page_rows(width, height)
        assert rows == process_page_rows(width, height, hidden=NO_GPUS)
        assert details_place(width, height) == details_place(width, height, NO_GPUS)


def test_the_medium_tier_gives_one_gpu_one_row() -> None:
    one = hidden_panels(snapshot_with_gpus(parse_gpus(ONE_GPU)))
    two = hidden_panels(snapshot_with_gpus(parse_gpus(TWO_GPUS)))
    for hidden, rows in ((one, 1), (two, 2)):
        layout = compute_layout(100, 30, hidden=hidden)
        place = layout.rect("gpu")
        assert layout.tier is Tier.MEDIUM and place is not None and place.height == rows
    assert process_page_rows(100, 30, hidden=one) == process_page_rows(100, 30, hidden=two) + 1


def test_no_gpu_module_is_imported_at_start_without_gpus() -> None:
    """The dashboard's start-up path (the pipeline) imports only the detection: the readers,
    threads and subprocess stay out on a machine without GPUs."""
    code = (
        "import sys, sot.pipeline\n"
        "from sot.collect.gpu_detect import GpuPlaces, open_gpus\n"
        "assert open_gpus(GpuPlaces('/nonexistent', '/nonexistent', '/nonexistent')) is None\n"
        "print(sorted(m for m in sys.modules if m.startswith('sot.collect.gpu')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['sot.collect.gpu_detect']"


@settings(max_examples=examples(300))
@given(
    st.integers(min_value=40, max_value=400),
    st.integers(min_value=10, max_value=150),
    st.sampled_from([frozenset(), NO_GPUS]),
)
def test_with_or_without_gpus_every_size_tiles_the_screen(
    width: int, height: int, hidden: frozenset[str]
) -> None:
    layout = compute_layout(width, height, hidden=hidden)
    assert ("gpu" in {name for name, _ in layout.places}) == (not hidden)
    assert sum(r.width * r.height for r in layout.panels()) == width * height
    for name, rect in layout.places:
        panel = PANELS[name]
        assert rect.width >= panel.min_width and rect.height >= panel.min_height, (name, rect)
    table = layout.rect("processes")
    assert table is not None and table.height >= 3
