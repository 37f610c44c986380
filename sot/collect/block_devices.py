"""The disk screen's reader: /sys/block (disks, partitions, holders and slaves), the mount
table and /proc/diskstats' time fields. Beside ``procfs`` as the other module allowed to name
/proc and /sys paths, and read only while ``sot disk`` is on screen, so the dashboard never
pays for it. Roots are parameters: tests pass fake trees in temporary directories.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from sot.collect.procfs import read_small
from sot.collect.records import (
    BlockDisk,
    BlockMount,
    BlockPartition,
    DiskTimes,
    UsageBytes,
)

SYS_ROOT = "/sys"
PROC_ROOT = "/proc"
SECTOR_BYTES = 512  # /sys/block/*/size counts 512-byte sectors whatever the device's own
MAX_NAME_BYTES = 256  # a model name or dm volume name longer than this is not a name


def _text(path: str) -> str | None:
    data = read_small(path, 4096)
    if data is None:
        return None
    text = data.decode("utf-8", "replace").strip()
    return text or None


def _number(path: str) -> int | None:
    text = _text(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _names(path: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir(path)))
    except OSError:
        return ()


def _model(base: str, name: str) -> str | None:
    """The vendor's model (sd, nvme, virtio-scsi), an MMC card's name, an md array's RAID level
    or a device-mapper volume's name (LVM's vg-lv): the best word for what the device is."""
    for relative in ("device/model", "device/name", "md/level", "dm/name"):
        text = _text(f"{base}/{relative}")
        if text is not None:
            return text[:MAX_NAME_BYTES]
    return None


def _partitions(base: str, name: str) -> tuple[BlockPartition, ...]:
    # A partition is a subdirectory holding a "partition" file (sda1, nvme0n1p1, mmcblk0p1);
    # the other subdirectories are attributes (queue, holders, power).
    found = []
    for entry in _names(base):
        part = f"{base}/{entry}"
        if not entry.startswith(name) or not os.path.exists(f"{part}/partition"):
            continue
        sectors = _number(f"{part}/size")
        found.append(
            BlockPartition(
                name=entry,
                device=_text(f"{part}/dev"),
                size_bytes=None if sectors is None else sectors * SECTOR_BYTES,
                holders=_names(f"{part}/holders"),
            )
        )
    return tuple(found)


def read_block_disks(sys_root: str = SYS_ROOT) -> tuple[BlockDisk, ...]:
    """Every entry of /sys/block with its partitions, holders and slaves; missing files are
    None (or empty), never a guess."""
    disks = []
    for name in _names(f"{sys_root}/block"):
        base = f"{sys_root}/block/{name}"
        sectors = _number(f"{base}/size")
        rotational = _number(f"{base}/queue/rotational")
        disks.append(
            BlockDisk(
                name=name,
                device=_text(f"{base}/dev"),
                size_bytes=None if sectors is None else sectors * SECTOR_BYTES,
                model=_model(base, name),
                rotational=None if rotational is None else rotational == 1,
                partitions=_partitions(base, name),
                holders=_names(f"{base}/holders"),
                slaves=_names(f"{base}/slaves"),
            )
        )
    return tuple(disks)


def _unescape(field: str) -> str:
    """The mount table writes space, tab, newline and backslash as octal escapes."""
    for escaped, plain in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, plain)
    return field


def parse_mountinfo(text: str) -> tuple[BlockMount, ...]:
    """(major:minor, mount point, fstype, super options) of each line of
    /proc/self/mountinfo; the options stay escaped (a comma inside one is ``\\054``)."""
    mounts = []
    for line in text.splitlines():
        before, sep, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if not sep or len(fields) < 5 or not tail:
            continue
        options = tail[2] if len(tail) > 2 else ""
        mounts.append(BlockMount(fields[2], _unescape(fields[4]), tail[0], options))
    return tuple(mounts)


def parse_disk_times(data: bytes) -> dict[str, DiskTimes]:
    """/proc/diskstats' counters by device name (fields as in the kernel's iostats.rst)."""
    times: dict[str, DiskTimes] = {}
    for line in data.decode("ascii", "replace").splitlines():
        fields = line.split()
        if len(fields) < 14:
            continue
        try:
            numbers = [int(f) for f in fields[3:14]]
        except ValueError:
            continue
        reads, _, read_sectors, read_ms, writes, _, write_sectors, write_ms, _, io_ms, _ = numbers
        times[fields[2]] = DiskTimes(
            reads, read_sectors, read_ms, writes, write_sectors, write_ms, io_ms
        )
    return times


class BlockDeviceReader:
    """The live ``BlockSource``: /sys/block, the mount table, /proc/diskstats and statvfs."""

    def __init__(self, sys_root: str = SYS_ROOT, proc_root: str = PROC_ROOT) -> None:
        self._sys = sys_root
        self._proc = proc_root

    def block_disks(self) -> Sequence[BlockDisk]:
        return read_block_disks(self._sys)

    def block_mounts(self) -> Sequence[BlockMount]:
        data = read_small(f"{self._proc}/self/mountinfo", 4 << 20)
        return () if data is None else parse_mountinfo(data.decode("utf-8", "replace"))

    def disk_times(self) -> dict[str, DiskTimes]:
        data = read_small(f"{self._proc}/diskstats")
        return {} if data is None else parse_disk_times(data)

    def filesystem_usage(self, mount_point: str) -> UsageBytes | None:
        # Only mounts of local block devices come here (found by major:minor in /sys/block),
        # so statvfs cannot hang on a dead network server.
        try:
            stat = os.statvfs(mount_point)
        except OSError:
            return None
        total = stat.f_blocks * stat.f_frsize
        free = stat.f_bavail * stat.f_frsize
        used = total - stat.f_bfree * stat.f_frsize
        percent = 100.0 * used / (used + free) if used + free > 0 else 0.0
        return UsageBytes(total, used, free, percent)
