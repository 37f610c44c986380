"""The source sot reads on a live machine, built in one place: /proc first, psutil where /proc
has no answer.

``FallbackSource`` is the combinator: each reading the /proc source can give is taken from it
unless it answers ``None`` (a missing file, a layout it does not know), and then from psutil;
the readings /proc does not hold go to psutil directly. ``system_source()`` builds it, or psutil
alone where there is no /proc.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from sot.collect.procfs import PROC_ROOT, SYS_ROOT, ProcfsSource, ProcNetSockets
from sot.collect.psutil_source import PsutilSource
from sot.collect.records import (
    BatteryReading,
    CpuPlace,
    CpuTimes,
    DiskCounters,
    Environment,
    FanReading,
    Frequency,
    IoCounters,
    Memory,
    NetCounters,
    NetStats,
    OpenFiles,
    Partition,
    PortSource,
    ProcessIdentity,
    RawProcess,
    RawProcessDetails,
    SensorReading,
    StaticHostInfo,
    SystemSource,
    UsageBytes,
)

A = TypeVar("A")
B = TypeVar("B")

KEPT_STAT_FILES = 16384  # /proc/<pid>/stat files kept open, at most: one per process
KEPT_IO_FILES = 16384  # /proc/<pid>/io files kept open, at most
RESERVED_FILES = 256  # open files left for everything else (terminal, log, sockets, psutil)


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files to ``wanted``, or to the hard limit if that
    is lower; the soft limit now in effect (0 where the platform has no such limit)."""
    try:
        import resource  # Unix only
    except ImportError:
        return 0
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return wanted
        target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        if soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    except (ValueError, OSError):
        return 0
    return int(soft)


def system_source(proc_root: str = PROC_ROOT, sys_root: str = SYS_ROOT) -> SystemSource:
    """This machine's source: /proc in front of psutil on Linux, psutil alone elsewhere."""
    # The /proc source keeps each process's /proc/<pid>/stat open between ticks (one pread per
    # process and tick instead of open + read + close). The usual soft limit of 1,024 open
    # files would keep fewer than 800: raise it first, and keep what it then allows.
    # The same for /proc/<pid>/io (the READ/s and WRITE/s columns): one more file per
    # process, from what the limit leaves once the stat files have theirs.
    limit = raise_open_file_limit(KEPT_STAT_FILES + KEPT_IO_FILES + RESERVED_FILES)
    kept = max(0, min(KEPT_STAT_FILES, limit - RESERVED_FILES))
    kept_io = max(0, min(KEPT_IO_FILES, limit - RESERVED_FILES - kept))
    procfs = ProcfsSource.open(
        proc_root, kept_stat_files=kept, kept_io_files=kept_io, sys_root=sys_root
    )
    if procfs is None:
        return PsutilSource()
    return FallbackSource(procfs, PsutilSource())


def port_source(proc_root: str = PROC_ROOT) -> PortSource | None:
    """Listening sockets and their owners: /proc/net on Linux; None elsewhere (no reading)."""
    return ProcNetSockets(proc_root) if os.path.isdir(f"{proc_root}/net") else None


def _first(answer: A | None, fallback: Callable[[], B]) -> A | B:
    """``answer``, unless there is none: then the fallback's."""
    return answer if answer is not None else fallback()


class FallbackSource:
    """A ``SystemSource``: each reading from ``primary`` (/proc) where it has one, else from
    ``fallback`` (psutil)."""

    def __init__(self, primary: ProcfsSource, fallback: SystemSource) -> None:
        self._primary = primary
        self._fallback = fallback

    def host_changes(self) -> bool:
        return False  # this machine's boot time and name stay while sot runs

    def host_info(self) -> StaticHostInfo:
        # The portable record, with what /proc knows better: the CPU's model name (uname's
        # "processor" is empty on Linux) and the boot time the process start times are based on.
        host = self._fallback.host_info()
        return host._replace(
            cpu_model=_first(self._primary.cpu_model(), lambda: host.cpu_model),
            boot_time_epoch_s=_first(self._primary.boot_time(), lambda: host.boot_time_epoch_s),
        )

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        return _first(self._primary.per_cpu_times(), self._fallback.per_cpu_times)

    def cpu_counts(self) -> tuple[int | None, int | None]:
        return self._fallback.cpu_counts()

    def cpu_frequency(self) -> Frequency | None:
        return self._fallback.cpu_frequency()

    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        return _first(self._primary.cpu_topology(), self._fallback.cpu_topology)

    def temperatures(self) -> Sequence[SensorReading]:
        return self._fallback.temperatures()

    def fans(self) -> Sequence[FanReading]:
        return self._fallback.fans()

    def battery(self) -> BatteryReading | None:
        return self._fallback.battery()

    def load_average(self) -> tuple[float, float, float] | None:
        return self._fallback.load_average()

    def user_count(self) -> int | None:
        return self._fallback.user_count()

    def memory(self) -> Memory:
        return _first(self._primary.memory(), self._fallback.memory)

    def partitions(self) -> Sequence[Partition]:
        return self._fallback.partitions()

    def mounts_changed(self) -> bool:
        return _first(self._primary.mounts_changed(), self._fallback.mounts_changed)

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        return self._fallback.disk_usage(mount_point)

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        return _first(self._primary.disk_counters(), self._fallback.disk_counters)

    def resolve_device(self, device: str) -> str:
        return self._fallback.resolve_device(device)

    def net_counters(self) -> Mapping[str, NetCounters]:
        return _first(self._primary.net_counters(), self._fallback.net_counters)

    def net_stats(self) -> Mapping[str, NetStats]:
        return self._fallback.net_stats()

    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return self._fallback.net_addresses()

    def virtual_interfaces(self) -> frozenset[str]:
        return _first(self._primary.virtual_interfaces(), self._fallback.virtual_interfaces)

    def default_route_interface(self) -> str | None:
        return _first(
            self._primary.default_route_interface(), self._fallback.default_route_interface
        )

    def processes(self) -> Sequence[RawProcess]:
        return _first(self._primary.processes(), self._fallback.processes)

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        # /proc's answer stands: None there means the process is gone, and psutil would only
        # read the same files again.
        return self._primary.process_identity(pid)

    def process_io(self, pid: int) -> IoCounters | None:
        # /proc's answer stands: psutil reads the same file on Linux.
        return self._primary.process_io(pid)

    def process_details(self, pid: int) -> RawProcessDetails | None:
        return self._fallback.process_details(pid)

    # /proc's answers stand for these two: psutil reads the same files on Linux, so where /proc
    # refuses (another user's process) it would too.
    def process_environment(self, pid: int) -> Environment | None:
        return self._primary.process_environment(pid)

    def process_open_files(self, pid: int) -> OpenFiles | None:
        return self._primary.process_open_files(pid)

    def process_start_time(self, pid: int) -> float | None:
        return self._fallback.process_start_time(pid)
