"""AMD and Intel GPUs through the DRM driver's sysfs files (amdgpu, i915, xe), and a process's
GPU memory from its /proc/<pid>/fdinfo. A file the driver does not have is a reading it does not
give: None, never 0. Read in the GPU monitor's worker thread: amdgpu's files wake the GPU.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence

from sot.collect.gpu_detect import read_value
from sot.collect.gpu_nvidia import READ_LIMIT_S, GpuReading
from sot.model import GpuSample

MAX_FDS = 4096  # a process's descriptors looked at for GPU memory: bounded on a busy server
MAX_MEMORY = 1 << 50  # 1 PiB: a VRAM figure above it (or below 0) is a glitch, unknown
_UNITS = {"": 1, "B": 1, "KiB": 1024, "MiB": 1024 * 1024, "GiB": 1024 * 1024 * 1024}
_AMOUNT = re.compile(r"\s*([0-9]+)\s*([KMG]iB|B)?\s*")
_HWMON = re.compile(r"hwmon([0-9]+)")


def _integer(path: str) -> int | None:
    text = read_value(path)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _hwmon(device: str) -> str | None:
    """The card's hwmon directory (hwmon/hwmonN), where it has one."""
    base = os.path.join(device, "hwmon")
    try:
        found = [_HWMON.fullmatch(n) for n in os.listdir(base)]
    except OSError:
        return None
    numbers = sorted(int(m.group(1)) for m in found if m is not None)  # hwmon2 before hwmon10
    return os.path.join(base, f"hwmon{numbers[0]}") if numbers else None


class EnergyRate:
    """Watts from a cumulative energy counter (hwmon ``energy1_input``, microjoules: Intel's
    i915 and xe, which have no power reading), between two reads of it; one per reader."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, float]] = {}

    def watts(self, path: str, now_s: float) -> float | None:
        """The mean power since the last read of ``path``; None at the first read, and where
        the counter went back (wrapped, reset)."""
        energy = _integer(path)
        last = self._last.pop(path, None)
        if energy is None:
            return None
        self._last[path] = (energy, now_s)
        if last is None or now_s <= last[1] or energy < last[0]:
            return None
        return (energy - last[0]) / (now_s - last[1]) / 1e6


def _power_watts(
    hwmon: str | None, energy: EnergyRate | None, now_s: float
) -> tuple[float | None, float | None]:
    """(power now, its cap) in watts, from microwatt files; amdgpu names the reading
    power1_average on older chips and power1_input on newer ones; i915 and xe have neither,
    but an energy counter (``energy``: its rate between reads) and power1_max for the cap."""
    if hwmon is None:
        return None, None
    now: float | None = _integer(os.path.join(hwmon, "power1_average"))
    if now is None:
        now = _integer(os.path.join(hwmon, "power1_input"))
    watts = None if now is None or now < 0 else now / 1e6
    if now is None and energy is not None:
        watts = energy.watts(os.path.join(hwmon, "energy1_input"), now_s)
    cap = _integer(os.path.join(hwmon, "power1_cap"))
    if cap is None:
        cap = _integer(os.path.join(hwmon, "power1_max"))
    return watts, None if cap is None or cap <= 0 else cap / 1e6


def _frequency(sys_root: str, card: int) -> int | None:
    """The GT's frequency in MHz: i915's card files, else xe's (tile0/gt0/freq0); amdgpu has
    none of these."""
    card_dir = os.path.join(sys_root, "class/drm", f"card{card}")
    for name in (
        "gt_cur_freq_mhz",
        "gt_act_freq_mhz",
        "device/tile0/gt0/freq0/cur_freq",
        "device/tile0/gt0/freq0/act_freq",
    ):
        value = _integer(os.path.join(card_dir, name))
        if value is not None:
            return value
    return None


def runtime_suspended(device: str) -> bool:
    """Whether the PCI device (its sysfs directory) is runtime-suspended: asleep, and woken by
    reading most of its files (amdgpu's hwmon and busy figures). This file does not wake it."""
    return read_value(os.path.join(device, "power/runtime_status")) == "suspended"


def read_card(
    sys_root: str, card: int, vendor: str, energy: EnergyRate | None = None, now_s: float = 0.0
) -> GpuSample:
    """One DRM card's readings; none from a card asleep (runtime-suspended), which is left so.
    ``energy`` and ``now_s``: the reader's energy counters and the time of this read, for a
    card whose power is only an energy counter."""
    device = os.path.join(sys_root, "class/drm", f"card{card}", "device")
    pci_id = read_value(os.path.join(device, "device")) or "?"  # kept in memory: no wake-up
    name = f"{'AMD' if vendor == 'amd' else 'Intel'} {pci_id}"
    if runtime_suspended(device):
        return GpuSample(card, vendor, name, None, None, None, None, None, None, suspended=True)
    hwmon = _hwmon(device)
    temperature = None if hwmon is None else _integer(os.path.join(hwmon, "temp1_input"))
    power, cap = _power_watts(hwmon, energy, now_s)
    busy = _integer(os.path.join(device, "gpu_busy_percent"))
    used = _integer(os.path.join(device, "mem_info_vram_used"))
    total = _integer(os.path.join(device, "mem_info_vram_total"))
    if total is not None and not 0 < total <= MAX_MEMORY:
        total = None
    if used is not None and not 0 <= used <= (total or MAX_MEMORY):
        used = None
    frequency = _frequency(sys_root, card)  # i915/xe (which have no utilisation file)
    return GpuSample(
        index=card,
        vendor=vendor,
        name=name,
        utilization_percent=None if busy is None or not 0 <= busy <= 100 else float(busy),
        memory_used_bytes=used,
        memory_total_bytes=total,
        temperature_celsius=None if temperature is None else temperature / 1000.0,
        power_watts=power,
        power_limit_watts=cap,
        frequency_mhz=None if frequency is None else float(frequency),
    )


class SysfsReader:
    """The AMD and Intel cards found at start, read again on each ``read``."""

    name = "sysfs"
    limit_s = READ_LIMIT_S

    def __init__(
        self,
        cards: Sequence[tuple[int, str]],
        sys_root: str = "/sys",
        proc_root: str = "/proc",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sys_root = sys_root
        self._cards = tuple(cards)
        self._proc_root = proc_root
        self._clock = clock  # for the rate of energy counters; a fake one in tests
        self._energy = EnergyRate()

    def read(self) -> GpuReading:
        now_s = self._clock()
        return GpuReading(
            tuple(
                read_card(self._sys_root, card, vendor, self._energy, now_s)
                for card, vendor in self._cards
            ),
            {},
        )

    def process_memory(self, pid: int) -> int | None:
        return process_gpu_memory(pid, self._proc_root)

    def cancel(self) -> None:
        """File reads end by themselves."""

    def close(self) -> None:
        """Nothing held between reads."""


def _amount(text: str) -> int | None:
    matched = _AMOUNT.fullmatch(text)
    if matched is None:
        return None
    return int(matched.group(1)) * _UNITS[matched.group(2) or ""]


def process_gpu_memory(pid: int, proc_root: str = "/proc") -> int | None:
    """GPU memory of one process (the details view's), from the fdinfo of its DRM file
    descriptors: amdgpu's ``drm-memory-vram``, else the sum of ``drm-total-*`` regions (i915,
    xe), once per DRM client (descriptors of one client repeat its figures). None where none
    can be read (another user's process, a driver that reports none); 0 where it has none."""
    fd_dir = os.path.join(proc_root, str(pid), "fd")
    try:
        fds = os.listdir(fd_dir)[:MAX_FDS]
    except OSError:
        return None
    clients: dict[tuple[str, str], int] = {}
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if not target.startswith("/dev/dri/"):
            continue
        info = _text_all(os.path.join(proc_root, str(pid), "fdinfo", fd))
        if info is None:
            continue
        device, client, used = _client_memory(info)
        if client is not None and used is not None:
            # Client ids are per DRM device: two GPUs' client 1 are two clients.
            clients[(device or target, client)] = used
    if not clients:
        return 0 if fds else None
    return sum(clients.values())


def _text_all(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(16384)
    except OSError:
        return None


def _client_memory(info: str) -> tuple[str | None, str | None, int | None]:
    """(the device's PCI address, the client id, its memory) from one descriptor's fdinfo."""
    device: str | None = None
    client: str | None = None
    vram: int | None = None
    total = 0
    has_total = False
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key == "drm-client-id":
            client = value.strip()
        elif key == "drm-pdev":
            device = value.strip()
        elif key == "drm-memory-vram":
            vram = _amount(value)
        elif key.startswith("drm-total-"):
            amount = _amount(value)
            if amount is not None:
                total += amount
                has_total = True
    return device, client, vram if vram is not None else (total if has_total else None)
