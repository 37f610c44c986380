"""Whether this machine has GPUs sot can read, found once at start for almost nothing: a stat of
/dev/nvidia0 and /proc/driver/nvidia, and a listing of /sys/class/drm. Only where one is found
are the readers (threads, subprocess, NVML) imported: a machine without GPUs pays nothing more.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sot.collect.gpu_monitor import GpuMonitor

# PCI vendor ids of the GPUs read through sysfs; NVIDIA's (0x10de) are read through its driver.
SYSFS_VENDORS: Mapping[str, str] = {"0x1002": "amd", "0x8086": "intel"}
_CARD = re.compile(r"card([0-9]+)")


# NamedTuples, not dataclasses: this module is on every dashboard's start-up path, and a frozen
# slotted dataclass costs about half a millisecond to define.
class GpuPlaces(NamedTuple):
    """Where the GPU readings live; tests give fake trees, a fake command and a fake NVML."""

    sys_root: str = "/sys"
    dev_root: str = "/dev"
    proc_root: str = "/proc"
    path: str | None = None  # PATH to find nvidia-smi on; None: the environment's


class FoundGpus(NamedTuple):
    nvidia: bool  # the NVIDIA driver is loaded
    cards: tuple[tuple[int, str], ...]  # (DRM card number, "amd" or "intel"), in order


def read_value(path: str) -> str | None:
    """A sysfs value (the start of the file, stripped); None where it cannot be read."""
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read(256).strip()
    except OSError:
        return None


def find_gpus(places: GpuPlaces) -> FoundGpus | None:
    """The GPUs of the machine at ``places``, or None where it has none sot can read."""
    nvidia = os.path.exists(os.path.join(places.dev_root, "nvidia0")) or os.path.isdir(
        os.path.join(places.proc_root, "driver/nvidia")
    )
    drm = os.path.join(places.sys_root, "class/drm")
    cards: list[tuple[int, str]] = []
    try:
        names = os.listdir(drm)
    except OSError:
        names = []
    for name in names:
        matched = _CARD.fullmatch(name)  # card0-DP-1 and the like are connectors, not cards
        if matched is None:
            continue
        vendor = SYSFS_VENDORS.get(read_value(os.path.join(drm, name, "device/vendor")) or "")
        if vendor is not None:
            cards.append((int(matched.group(1)), vendor))
    if not nvidia and not cards:
        return None
    return FoundGpus(nvidia, tuple(sorted(cards)))


def open_gpus(
    places: GpuPlaces | None = None, load_nvml: Callable[[], object] | None = None
) -> GpuMonitor | None:
    """The GPU monitor of this machine (not yet started: it starts reading at its first
    sample), or None where there are no GPUs: then nothing else is imported."""
    places = GpuPlaces() if places is None else places
    found = find_gpus(places)
    if found is None:
        return None
    from sot.collect.gpu_monitor import open_monitor

    return open_monitor(found, places, load_nvml)
