"""Bounded histories of the figures the graphs plot, grown one snapshot at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sot.model import GpuSample, Snapshot

HISTORY_LENGTH = 600  # samples: enough for a braille graph 300 cells wide

Series = tuple[float | None, ...]


def _append(series: Series, value: float | None) -> Series:
    if len(series) >= HISTORY_LENGTH:
        return (*series[len(series) - HISTORY_LENGTH + 1 :], value)
    return (*series, value)


def _append_each(
    old: Mapping[str, Series], values: Mapping[str, float | None]
) -> dict[str, Series]:
    """Extend every keyed series; a key that is gone (unplugged disk, removed NIC) is dropped."""
    return {key: _append(old.get(key, ()), value) for key, value in values.items()}


def _joined(past: Series, present: Series) -> Series:
    return (*past, *present)[-HISTORY_LENGTH:]


def _joined_each(past: Mapping[str, Series], present: Mapping[str, Series]) -> dict[str, Series]:
    """The present's keys only: a device the past had and the host no longer has stays gone."""
    return {key: _joined(past.get(key, ()), series) for key, series in present.items()}


@dataclass(frozen=True, slots=True)
class History:
    cpu_total: Series = ()
    per_cpu: tuple[Series, ...] = ()
    memory_used_percent: Series = ()
    swap_used_percent: Series = ()
    disk_read: Mapping[str, Series] = field(default_factory=dict)
    disk_write: Mapping[str, Series] = field(default_factory=dict)
    net_rx: Mapping[str, Series] = field(default_factory=dict)
    net_tx: Mapping[str, Series] = field(default_factory=dict)
    # The disk screen's graphs, by disk name: empty (and left alone) on the dashboard.
    block_read: Mapping[str, Series] = field(default_factory=dict)
    block_write: Mapping[str, Series] = field(default_factory=dict)
    block_util: Mapping[str, Series] = field(default_factory=dict)
    # Each GPU's utilisation, by its key (``GpuSample.key``, unique where indexes are not):
    # one point per read of the GPUs (every 5 s, on the slow schedule), not per tick, so the
    # panel is redrawn only when there is something new; empty (and left alone) on a machine
    # without GPUs. ``gpus_read``: the read last added.
    gpu_util: Mapping[str, Series] = field(default_factory=dict)
    gpus_read: tuple[GpuSample, ...] = ()

    def push(self, snapshot: Snapshot) -> History:
        cpu = snapshot.cpu
        per_cpu = self.per_cpu
        if len(per_cpu) != len(cpu.per_cpu_percent):
            per_cpu = tuple(() for _ in cpu.per_cpu_percent)
        return History(
            cpu_total=_append(self.cpu_total, cpu.total_percent),
            per_cpu=tuple(
                _append(series, value)
                for series, value in zip(per_cpu, cpu.per_cpu_percent, strict=True)
            ),
            memory_used_percent=_append(self.memory_used_percent, snapshot.memory.percent),
            swap_used_percent=_append(self.swap_used_percent, snapshot.memory.swap_percent),
            disk_read=_append_each(
                self.disk_read, {d.mount_point: d.io.read_bytes_per_s for d in snapshot.disks}
            ),
            disk_write=_append_each(
                self.disk_write, {d.mount_point: d.io.write_bytes_per_s for d in snapshot.disks}
            ),
            net_rx=_append_each(
                self.net_rx, {i.name: i.rx_bytes_per_s for i in snapshot.interfaces}
            ),
            net_tx=_append_each(
                self.net_tx, {i.name: i.tx_bytes_per_s for i in snapshot.interfaces}
            ),
            **self._block_series(snapshot),
            gpu_util=self._gpu_series(snapshot),
            gpus_read=snapshot.gpus,
        )

    def _gpu_series(self, snapshot: Snapshot) -> Mapping[str, Series]:
        # The collector hands on the same tuple until the next read: identity says "no news"
        # (two reads with equal figures are two points).
        if snapshot.gpus is self.gpus_read or (not snapshot.gpus and not self.gpu_util):
            return self.gpu_util
        old = self.gpu_util
        return {
            gpu.key: _append(old.get(gpu.key, ()), gpu.utilization_percent) for gpu in snapshot.gpus
        }

    @classmethod
    def of(cls, snapshots: Iterable[Snapshot]) -> History:
        """The history of ``snapshots``, oldest first (a remote host's past, fetched at start):
        what pushing them one by one gives, in one pass. Pushing copies every series each time,
        600 snapshots of a 64-CPU host took 100 ms on the loop's thread; this takes a few."""
        cpu_total: list[float | None] = []
        per_cpu: list[list[float | None]] = []
        memory: list[float | None] = []
        swap: list[float | None] = []
        keyed: dict[str, dict[str, list[float | None]]] = {
            "disk_read": {},
            "disk_write": {},
            "net_rx": {},
            "net_tx": {},
        }

        def extend(series: dict[str, list[float | None]], values: dict[str, float | None]) -> None:
            for gone in series.keys() - values.keys():  # as _append_each: a gone device goes
                del series[gone]
            for key, value in values.items():
                series.setdefault(key, []).append(value)

        block: History | None = None  # block series (the disk screen's): rare, pushed as usual
        for snapshot in snapshots:
            cpu = snapshot.cpu
            cpu_total.append(cpu.total_percent)
            if len(per_cpu) != len(cpu.per_cpu_percent):
                per_cpu = [[] for _ in cpu.per_cpu_percent]
            for series, value in zip(per_cpu, cpu.per_cpu_percent, strict=True):
                series.append(value)
            memory.append(snapshot.memory.percent)
            swap.append(snapshot.memory.swap_percent)
            extend(
                keyed["disk_read"], {d.mount_point: d.io.read_bytes_per_s for d in snapshot.disks}
            )
            extend(
                keyed["disk_write"], {d.mount_point: d.io.write_bytes_per_s for d in snapshot.disks}
            )
            extend(keyed["net_rx"], {i.name: i.rx_bytes_per_s for i in snapshot.interfaces})
            extend(keyed["net_tx"], {i.name: i.tx_bytes_per_s for i in snapshot.interfaces})
            if snapshot.block_devices or block is not None:
                block = (block or cls()).push(snapshot)

        def kept(series: list[float | None]) -> Series:
            return tuple(series[-HISTORY_LENGTH:])

        def kept_each(series: dict[str, list[float | None]]) -> dict[str, Series]:
            return {key: kept(values) for key, values in series.items()}

        return cls(
            cpu_total=kept(cpu_total),
            per_cpu=tuple(kept(series) for series in per_cpu),
            memory_used_percent=kept(memory),
            swap_used_percent=kept(swap),
            disk_read=kept_each(keyed["disk_read"]),
            disk_write=kept_each(keyed["disk_write"]),
            net_rx=kept_each(keyed["net_rx"]),
            net_tx=kept_each(keyed["net_tx"]),
            block_read={} if block is None else block.block_read,
            block_write={} if block is None else block.block_write,
            block_util={} if block is None else block.block_util,
        )

    def after(self, past: History) -> History:
        """This history with ``past`` (what came before its first sample) in front, the
        oldest points dropped beyond HISTORY_LENGTH. The dashboard's graphs, and the block
        ones (a remote host has none), keep this history's series and devices."""
        per_cpu = self.per_cpu
        if len(past.per_cpu) == len(per_cpu):
            per_cpu = tuple(_joined(p, s) for p, s in zip(past.per_cpu, per_cpu, strict=True))
        return History(
            cpu_total=_joined(past.cpu_total, self.cpu_total),
            per_cpu=per_cpu,
            memory_used_percent=_joined(past.memory_used_percent, self.memory_used_percent),
            swap_used_percent=_joined(past.swap_used_percent, self.swap_used_percent),
            disk_read=_joined_each(past.disk_read, self.disk_read),
            disk_write=_joined_each(past.disk_write, self.disk_write),
            net_rx=_joined_each(past.net_rx, self.net_rx),
            net_tx=_joined_each(past.net_tx, self.net_tx),
            block_read=self.block_read,
            block_write=self.block_write,
            block_util=self.block_util,
            gpu_util=self.gpu_util,
            gpus_read=self.gpus_read,
        )

    def _block_series(self, snapshot: Snapshot) -> dict[str, Mapping[str, Series]]:
        disks = snapshot.block_devices
        if not disks and not self.block_read:
            return {}  # the dashboard: nothing to keep
        return {
            "block_read": _append_each(
                self.block_read, {d.name: d.read_bytes_per_s for d in disks}
            ),
            "block_write": _append_each(
                self.block_write, {d.name: d.write_bytes_per_s for d in disks}
            ),
            "block_util": _append_each(self.block_util, {d.name: d.util_percent for d in disks}),
        }
