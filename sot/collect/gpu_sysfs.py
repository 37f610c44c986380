"""AMD and Intel GPUs through the DRM driver's sysfs files (amdgpu, i915, xe), and a process's
GPU memory from its /proc/<pid>/fdinfo. A file the driver does not have is a reading it does not
give: None, never 0. Read in the GPU monitor's worker thread: amdgpu's files wake the GPU.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from sot.collect.gpu_detect import read_value
from sot.collect.gpu_nvidia import READ_LIMIT_S, GpuReading
from sot.model import GpuSample

MAX_FDS = 4096  # a process's descriptors looked at for GPU memory: bounded on a busy server
_UNITS = {"": 1, "B": 1, "KiB": 1024, "MiB": 1024 * 1024, "GiB": 1024 * 1024 * 1024}
_AMOUNT = re.compile(r"\s*(\d+)\s*([KMG]iB|B)?\s*")


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
        names = sorted(n for n in os.listdir(base) if n.startswith("hwmon"))
    except OSError:
        return None
    return os.path.join(base, names[0]) if names else None


def _power_watts(hwmon: str | None) -> tuple[float | None, float | None]:
    """(power now, its cap) in watts, from microwatt files; amdgpu names the reading
    power1_average on older chips and power1_input on newer ones."""
    if hwmon is None:
        return None, None
    now = _integer(os.path.join(hwmon, "power1_average"))
    if now is None:
        now = _integer(os.path.join(hwmon, "power1_input"))
    cap = _integer(os.path.join(hwmon, "power1_cap"))
    return (
        None if now is None else now / 1e6,
        None if cap is None or cap <= 0 else cap / 1e6,
    )


def read_card(sys_root: str, card: int, vendor: str) -> GpuSample:
    """One DRM card's readings."""
    device = os.path.join(sys_root, "class/drm", f"card{card}", "device")
    hwmon = _hwmon(device)
    temperature = None if hwmon is None else _integer(os.path.join(hwmon, "temp1_input"))
    power, cap = _power_watts(hwmon)
    busy = _integer(os.path.join(device, "gpu_busy_percent"))
    used = _integer(os.path.join(device, "mem_info_vram_used"))
    total = _integer(os.path.join(device, "mem_info_vram_total"))
    # i915/xe: the GT's current frequency (no utilisation file); amdgpu has neither of these.
    frequency = _integer(os.path.join(sys_root, "class/drm", f"card{card}", "gt_cur_freq_mhz"))
    if frequency is None:
        frequency = _integer(os.path.join(sys_root, "class/drm", f"card{card}", "gt_act_freq_mhz"))
    pci_id = read_value(os.path.join(device, "device")) or "?"
    return GpuSample(
        index=card,
        vendor=vendor,
        name=f"{'AMD' if vendor == 'amd' else 'Intel'} {pci_id}",
        utilization_percent=None if busy is None or not 0 <= busy <= 100 else float(busy),
        memory_used_bytes=used if used is not None and used >= 0 else None,
        memory_total_bytes=total if total else None,
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
        self, cards: Sequence[tuple[int, str]], sys_root: str = "/sys", proc_root: str = "/proc"
    ) -> None:
        self._sys_root = sys_root
        self._cards = tuple(cards)
        self._proc_root = proc_root

    def read(self) -> GpuReading:
        return GpuReading(
            tuple(read_card(self._sys_root, card, vendor) for card, vendor in self._cards), {}
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
    clients: dict[str, int] = {}
    for fd in fds:
        try:
            if not os.readlink(os.path.join(fd_dir, fd)).startswith("/dev/dri/"):
                continue
        except OSError:
            continue
        info = _text_all(os.path.join(proc_root, str(pid), "fdinfo", fd))
        if info is None:
            continue
        client, used = _client_memory(info)
        if client is not None and used is not None:
            clients[client] = used
    if not clients:
        return 0 if fds else None
    return sum(clients.values())


def _text_all(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(16384)
    except OSError:
        return None


def _client_memory(info: str) -> tuple[str | None, int | None]:
    client: str | None = None
    vram: int | None = None
    total = 0
    has_total = False
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key == "drm-client-id":
            client = value.strip()
        elif key == "drm-memory-vram":
            vram = _amount(value)
        elif key.startswith("drm-total-"):
            amount = _amount(value)
            if amount is not None:
                total += amount
                has_total = True
    return client, vram if vram is not None else (total if has_total else None)
