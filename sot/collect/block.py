"""The disk screen's data: each disk of /sys/block with its partitions, their filesystems and
usage, and the rates ``iostat -x`` computes from /proc/diskstats.

The layout (disks, partitions, mounts) is re-read on a slow schedule, the counters every tick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sot.collect.rates import iostat_await_util, rate
from sot.collect.records import BlockDisk, BlockMount, BlockSource, DiskTimes
from sot.model import BlockDiskSample, BlockPartitionSample

SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors on every device
HIDDEN_PREFIXES = ("loop", "zram", "ram")  # not disks: shown only with --all


@dataclass(frozen=True, slots=True)
class IoFigures:
    read_bytes_per_s: float | None
    write_bytes_per_s: float | None
    read_iops: float | None
    write_iops: float | None
    await_ms: float | None
    util_percent: float | None


UNKNOWN_IO = IoFigures(None, None, None, None, None, None)


def io_figures(
    previous: DiskTimes | None, current: DiskTimes | None, dt: float | None
) -> IoFigures:
    """iostat -x's figures between two readings (see ``iostat_await_util``); counters that went
    backwards give None."""
    if previous is None or current is None or dt is None or dt <= 0:
        return UNKNOWN_IO
    await_ms, util = iostat_await_util(
        (current.reads - previous.reads) + (current.writes - previous.writes),
        (current.read_ms - previous.read_ms) + (current.write_ms - previous.write_ms),
        current.io_ms - previous.io_ms,
        dt,
    )
    return IoFigures(
        read_bytes_per_s=rate(
            previous.read_sectors * SECTOR_BYTES, current.read_sectors * SECTOR_BYTES, dt
        ),
        write_bytes_per_s=rate(
            previous.write_sectors * SECTOR_BYTES, current.write_sectors * SECTOR_BYTES, dt
        ),
        read_iops=rate(previous.reads, current.reads, dt),
        write_iops=rate(previous.writes, current.writes, dt),
        await_ms=await_ms,
        util_percent=util,
    )


def is_hidden(name: str) -> bool:
    return name.startswith(HIDDEN_PREFIXES)


@dataclass(frozen=True, slots=True)
class _Layout:
    disks: tuple[BlockDisk, ...]
    mounts: Mapping[str, tuple[BlockMount, ...]]  # by "major:minor"


def _mounts_by_device(mounts: Sequence[BlockMount]) -> dict[str, tuple[BlockMount, ...]]:
    grouped: dict[str, list[BlockMount]] = {}
    for mount in mounts:
        grouped.setdefault(mount.device, []).append(mount)
    return {device: tuple(found) for device, found in grouped.items()}


class BlockCollector:
    """Samples the disks for the disk screen; keeps the previous counters for the rates."""

    def __init__(self, source: BlockSource, layout_period_s: float = 10.0) -> None:
        self._source = source
        self._period_s = layout_period_s
        self._layout: _Layout | None = None
        self._layout_at_s: float | None = None
        self._times: Mapping[str, DiskTimes] = {}

    def _current_layout(self, now_s: float) -> _Layout:
        stale = self._layout_at_s is None or now_s - self._layout_at_s >= self._period_s
        if self._layout is None or stale:
            mounts = _mounts_by_device(self._source.block_mounts())
            self._layout = _Layout(tuple(self._source.block_disks()), mounts)
            self._layout_at_s = now_s
        return self._layout

    def sample(self, now_s: float, interval_s: float | None) -> tuple[BlockDiskSample, ...]:
        layout = self._current_layout(now_s)
        times = self._source.disk_times()
        previous, self._times = self._times, times
        return tuple(
            self._disk(
                disk, layout, io_figures(previous.get(disk.name), times.get(disk.name), interval_s)
            )
            for disk in layout.disks
        )

    def _filesystem(
        self,
        name: str,
        device: str | None,
        size: int | None,
        layout: _Layout,
        holders: tuple[str, ...],
    ) -> BlockPartitionSample:
        mounts = layout.mounts.get(device or "", ())
        usage = self._source.filesystem_usage(mounts[0].mount_point) if mounts else None
        return BlockPartitionSample(
            name=name,
            size_bytes=size,
            fstype=mounts[0].fstype if mounts else None,
            mount_points=tuple(sorted({m.mount_point for m in mounts})),
            used_bytes=usage.used if usage else None,
            free_bytes=usage.free if usage else None,
            total_bytes=usage.total if usage else None,
            holders=holders,
        )

    def _disk(self, disk: BlockDisk, layout: _Layout, io: IoFigures) -> BlockDiskSample:
        partitions = tuple(
            self._filesystem(p.name, p.device, p.size_bytes, layout, p.holders)
            for p in disk.partitions
        )
        whole = self._filesystem(disk.name, disk.device, disk.size_bytes, layout, ())
        return BlockDiskSample(
            name=disk.name,
            model=disk.model,
            size_bytes=disk.size_bytes,
            rotational=disk.rotational,
            partitions=partitions,
            holders=disk.holders,
            slaves=disk.slaves,
            hidden=is_hidden(disk.name),
            filesystem=whole if whole.mount_points else None,
            read_bytes_per_s=io.read_bytes_per_s,
            write_bytes_per_s=io.write_bytes_per_s,
            read_iops=io.read_iops,
            write_iops=io.write_iops,
            await_ms=io.await_ms,
            util_percent=io.util_percent,
        )
