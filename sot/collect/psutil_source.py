"""The portable source: psutil (the only module of sot that imports it), and the standard library
where psutil has no call (uname, os-release, load average).

Every method maps psutil's ``NoSuchProcess``/``AccessDenied``/``OSError`` to ``None`` (or an empty
result) per call, so one unreadable value never takes a panel down. On Linux ``system_source``
puts the /proc source in front of this one; elsewhere this is the whole source.
"""

from __future__ import annotations

import os
import platform
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import psutil

from sot.collect.procfs_parsers import parse_os_release
from sot.collect.records import (
    ENVIRONMENT_CAP_BYTES,
    OPEN_FILES_CAP,
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
    ProcessIdentity,
    RawProcess,
    RawProcessDetails,
    SensorReading,
    StaticHostInfo,
    SwapMemory,
    UsageBytes,
    VirtualMemory,
)
from sot.collect.users import UserNames

T = TypeVar("T")

_PROCESS_ERRORS = (psutil.Error, OSError)
_DYNAMIC_ATTRS = (
    "ppid", "status", "create_time", "cpu_times", "memory_info", "num_threads", "nice",
)  # fmt: skip
OS_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")


def _os_name(uname: platform.uname_result) -> str | None:
    """The first os-release file's name for the system, else the kernel's."""
    for path in OS_RELEASE_FILES:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        named = parse_os_release(text)
        if named is not None:
            return named
        break
    return f"{uname.system} {uname.release}".strip() or None


def _sensors(call: str) -> Any:
    """psutil's ``call`` (sensors_temperatures, sensors_fans, sensors_battery), or None where
    this platform's psutil lacks it or it fails: psutil has them on some systems only."""
    reader = getattr(psutil, call, None)
    if reader is None:
        return None
    try:
        return reader()
    except (*_PROCESS_ERRORS, NotImplementedError):
        return None


def battery_reading(found: Any) -> BatteryReading:
    """psutil's ``sensors_battery()`` result as a record. Its POWER_TIME_UNKNOWN and
    POWER_TIME_UNLIMITED (on mains power) are negative: no time to show, so None."""
    seconds = found.secsleft
    known = isinstance(seconds, int | float) and seconds >= 0
    return BatteryReading(
        percent=float(found.percent),
        power_plugged=found.power_plugged,
        seconds_left=int(seconds) if known else None,
    )


class PsutilSource:
    """The machine through psutil: every reading of ``SystemSource``."""

    def __init__(self) -> None:
        self._users = UserNames()

    def host_changes(self) -> bool:
        return False  # this machine's boot time and name stay while sot runs

    def host_info(self) -> StaticHostInfo:
        uname = platform.uname()
        try:
            boot: float | None = psutil.boot_time()
        except _PROCESS_ERRORS:
            boot = None
        return StaticHostInfo(
            hostname=socket.gethostname(),
            os_name=_os_name(uname),
            kernel=uname.release or None,
            architecture=uname.machine or None,
            cpu_model=uname.processor or None,
            boot_time_epoch_s=boot,
        )

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        try:
            raw = psutil.cpu_times(percpu=True)
        except _PROCESS_ERRORS:
            return None
        return tuple(
            CpuTimes(
                user=t.user,
                nice=getattr(t, "nice", 0.0),
                system=t.system,
                idle=t.idle,
                iowait=getattr(t, "iowait", None),
                irq=getattr(t, "irq", None),
                softirq=getattr(t, "softirq", None),
                steal=getattr(t, "steal", None),
                guest=getattr(t, "guest", None),
                guest_nice=getattr(t, "guest_nice", None),
            )
            for t in raw
        )

    def cpu_counts(self) -> tuple[int | None, int | None]:
        try:
            return psutil.cpu_count(logical=True), psutil.cpu_count(logical=False)
        except _PROCESS_ERRORS:
            return None, None

    def cpu_frequency(self) -> Frequency | None:
        try:
            freq = psutil.cpu_freq()
        except (*_PROCESS_ERRORS, NotImplementedError, AttributeError):
            return None
        if freq is None:
            return None
        return Frequency(
            current_mhz=freq.current if freq.current > 0 else None,
            max_mhz=freq.max if freq.max > 0 else None,
        )

    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        # psutil tells how many cores there are, not which logical CPUs share one.
        return None

    def temperatures(self) -> Sequence[SensorReading]:
        # psutil files every chip's readings under its driver's name in path order: two packages'
        # coretemp readings come as one "coretemp" list, each package's "Package id P" first and
        # its "Core N" readings after it (collector.core_temperatures relies on that order).
        chips = _sensors("sensors_temperatures") or {}
        return tuple(
            SensorReading(
                chip=chip,
                label=entry.label or chip,
                current=entry.current,
                high=entry.high,
                critical=entry.critical,
            )
            for chip, entries in chips.items()
            for entry in entries
        )

    def fans(self) -> Sequence[FanReading]:
        # Reads every hwmon fan input (0.02 ms here, with none).
        chips = _sensors("sensors_fans") or {}
        return tuple(
            FanReading(chip=chip, label=entry.label or chip, rpm=int(entry.current))
            for chip, entries in chips.items()
            for entry in entries
        )

    def battery(self) -> BatteryReading | None:
        found = _sensors("sensors_battery")
        return None if found is None else battery_reading(found)

    def load_average(self) -> tuple[float, float, float] | None:
        try:
            one, five, fifteen = os.getloadavg()
        except (OSError, AttributeError):
            return None
        return one, five, fifteen

    def user_count(self) -> int | None:
        try:
            return len({user.name for user in psutil.users()})
        except _PROCESS_ERRORS:
            return None

    def memory(self) -> Memory:
        return Memory(virtual=self._virtual_memory(), swap=self._swap_memory())

    def _virtual_memory(self) -> VirtualMemory | None:
        try:
            mem = psutil.virtual_memory()
        except _PROCESS_ERRORS:
            return None
        return VirtualMemory(
            total=mem.total,
            available=mem.available,
            used=mem.used,
            free=mem.free,
            cached=getattr(mem, "cached", None),
            buffers=getattr(mem, "buffers", None),
            percent=mem.percent,
        )

    def _swap_memory(self) -> SwapMemory | None:
        try:
            swap = psutil.swap_memory()
        except _PROCESS_ERRORS:
            return None
        return SwapMemory(
            total=swap.total, used=swap.used, percent=swap.percent, sin=swap.sin, sout=swap.sout
        )

    def partitions(self) -> Sequence[Partition]:
        try:
            parts = psutil.disk_partitions(all=True)
        except _PROCESS_ERRORS:
            return ()
        return tuple(Partition(p.device, p.mountpoint, p.fstype) for p in parts)

    def mounts_changed(self) -> bool:
        return False  # psutil cannot watch the mount table: partitions follow their schedule

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        try:
            usage = psutil.disk_usage(mount_point)
        except _PROCESS_ERRORS:
            return None
        return UsageBytes(usage.total, usage.used, usage.free, usage.percent)

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        try:
            # nowrap=False: a counter that goes backwards must reach the collector as it is
            # (it shows "unknown" for that tick), and psutil's wrap bookkeeping costs a copy of
            # every counter per call.
            counters = psutil.disk_io_counters(perdisk=True, nowrap=False)
        except (*_PROCESS_ERRORS, RuntimeError):
            return {}
        if not counters:
            return {}
        # The times are Linux's and the BSDs' (busy_time: Linux and FreeBSD only).
        return {
            name: DiskCounters(
                c.read_bytes,
                c.write_bytes,
                c.read_count,
                c.write_count,
                getattr(c, "read_time", None),
                getattr(c, "write_time", None),
                getattr(c, "busy_time", None),
            )
            for name, c in counters.items()
        }

    def resolve_device(self, device: str) -> str:
        """The kernel's name for a block device path: /dev/mapper/x -> dm-0, /dev/sda1 -> sda1."""
        try:
            return os.path.basename(os.path.realpath(device))
        except OSError:
            return os.path.basename(device)

    def net_counters(self) -> Mapping[str, NetCounters]:
        try:
            counters = psutil.net_io_counters(pernic=True, nowrap=False)  # as for disks
        except _PROCESS_ERRORS:
            return {}
        return {
            name: NetCounters(
                c.bytes_recv,
                c.bytes_sent,
                c.packets_recv,
                c.packets_sent,
                c.errin,
                c.errout,
                c.dropin,
                c.dropout,
            )
            for name, c in counters.items()
        }

    def net_stats(self) -> Mapping[str, NetStats]:
        try:
            stats = psutil.net_if_stats()
        except _PROCESS_ERRORS:
            return {}
        return {
            name: NetStats(is_up=s.isup, speed_mbps=s.speed if s.speed > 0 else None)
            for name, s in stats.items()
        }

    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        try:
            addrs = psutil.net_if_addrs()
        except _PROCESS_ERRORS:
            return {}
        result: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for name, entries in addrs.items():
            ipv4 = tuple(a.address for a in entries if a.family == socket.AF_INET)
            ipv6 = tuple(a.address.split("%", 1)[0] for a in entries if a.family == socket.AF_INET6)
            result[name] = (ipv4, ipv6)
        return result

    def virtual_interfaces(self) -> frozenset[str]:
        return frozenset()  # psutil cannot tell a virtual interface from a physical one

    def default_route_interface(self) -> str | None:
        return None  # psutil has no routing table: the collector picks the busiest interface

    def processes(self) -> list[RawProcess]:
        rows: list[RawProcess] = []
        for proc in psutil.process_iter(_DYNAMIC_ATTRS, ad_value=None):
            info = proc.info
            times = info["cpu_times"]
            memory = info["memory_info"]
            rows.append(
                RawProcess(
                    pid=proc.pid,
                    ppid=info["ppid"],
                    status=info["status"],
                    create_time=info["create_time"],
                    cpu_seconds=(times.user + times.system) if times is not None else None,
                    rss_bytes=memory.rss if memory is not None else None,
                    threads=info["num_threads"],
                    vms_bytes=memory.vms if memory is not None else None,
                    nice=info["nice"],
                    priority=None,  # psutil has no portable reading of the kernel's priority
                    # Linux's kernel threads are kthreadd (PID 2) and its children; psutil has
                    # no reading of the flag that marks them (procfs reads it).
                    kernel_thread=proc.pid == 2 or info["ppid"] == 2,
                )
            )
        return rows

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        try:
            proc = psutil.Process(pid)
            with proc.oneshot():
                name = proc.name()
                try:
                    cmdline = " ".join(proc.cmdline())
                except _PROCESS_ERRORS:
                    cmdline = ""
                try:
                    uid: int | None = proc.uids().real
                except (*_PROCESS_ERRORS, AttributeError):
                    uid = None
        except _PROCESS_ERRORS:
            return None
        return ProcessIdentity(name=name, cmdline=cmdline, user=self._user_name(proc, uid))

    def process_io(self, pid: int) -> IoCounters | None:
        """psutil's io_counters, where the platform has them (not macOS); None where denied."""
        try:
            counters = psutil.Process(pid).io_counters()
        except (*_PROCESS_ERRORS, AttributeError, NotImplementedError):
            return None
        return IoCounters(int(counters.read_bytes), int(counters.write_bytes))

    def _user_name(self, proc: psutil.Process, uid: int | None) -> str | None:
        if uid is None:
            try:
                return str(proc.username())
            except _PROCESS_ERRORS:
                return None
        return self._users.name(uid)

    def process_start_time(self, pid: int) -> float | None:
        try:
            return float(psutil.Process(pid).create_time())
        except _PROCESS_ERRORS:
            return None

    def process_environment(self, pid: int) -> Environment | None:
        return _allowed(lambda: _environment(psutil.Process(pid)))

    def process_open_files(self, pid: int) -> OpenFiles | None:
        return _allowed(lambda: _open_files(psutil.Process(pid)))

    def process_details(self, pid: int) -> RawProcessDetails | None:
        """Each field read on its own, so one denied field (cwd, io, fds of another user's
        process) leaves the rest readable."""
        try:
            proc = psutil.Process(pid)
            name = proc.name()
        except _PROCESS_ERRORS:
            return None
        with proc.oneshot():
            uids = _allowed(proc.uids)
            times = _allowed(proc.cpu_times)
            memory = _allowed(proc.memory_info)
            io = _allowed(proc.io_counters)
            parent = _allowed(proc.parent)
            connections = _allowed(lambda: proc.net_connections(kind="inet"))
            details = RawProcessDetails(
                pid=pid,
                create_time=_allowed(proc.create_time),
                name=name,
                arguments=tuple(_allowed(proc.cmdline) or ()),
                exe=_allowed(proc.exe) or None,
                cwd=_allowed(proc.cwd),
                user_real=self._user_name(proc, uids.real) if uids is not None else None,
                user_effective=self._user_name(proc, uids.effective) if uids is not None else None,
                status=_allowed(proc.status),
                nice=_allowed(proc.nice),
                cpu_user_s=times.user if times is not None else None,
                cpu_system_s=times.system if times is not None else None,
                rss_bytes=memory.rss if memory is not None else None,
                vms_bytes=memory.vms if memory is not None else None,
                shared_bytes=getattr(memory, "shared", None) if memory is not None else None,
                threads=_allowed(proc.num_threads),
                open_files=_allowed(proc.num_fds),
                io_read_bytes=io.read_bytes if io is not None else None,
                io_write_bytes=io.write_bytes if io is not None else None,
                listening_ports=_listening(connections),
                connections=_connection_counts(connections),
                parent=(parent.pid, _allowed(parent.name) or "?") if parent is not None else None,
                children=(),
            )
        children = _allowed(proc.children) or []
        return details._replace(
            children=tuple(sorted((c.pid, _allowed(c.name) or "?") for c in children))
        )


def _environment(proc: psutil.Process) -> Environment:
    """psutil reads the whole environment; what is kept is capped as the /proc source caps it."""
    variables: list[tuple[str, str]] = []
    size = 0
    for name, value in proc.environ().items():
        size += len(name) + len(value) + 2  # as stored: "NAME=value\0"
        if size > ENVIRONMENT_CAP_BYTES:
            return Environment(tuple(variables), complete=False)
        variables.append((name, value))
    return Environment(tuple(variables), complete=True)


def _open_files(proc: psutil.Process) -> OpenFiles:
    """psutil lists regular files only (no sockets or pipes), with their descriptors."""
    files = sorted((f.fd, f.path) for f in proc.open_files())
    return OpenFiles(tuple(files[:OPEN_FILES_CAP]), len(files))


def _allowed(getter: Callable[[], T]) -> T | None:
    """One field of a process's details; None where it is denied, gone or not on this system."""
    try:
        return getter()
    except (*_PROCESS_ERRORS, NotImplementedError, AttributeError):
        return None


def _listening(connections: Sequence[Any] | None) -> tuple[str, ...] | None:
    if connections is None:
        return None
    ports = set()
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            kind = "tcp6" if conn.family == socket.AF_INET6 else "tcp"
            ports.add(f"{kind} {conn.laddr.ip}:{conn.laddr.port}")
        elif conn.type == socket.SOCK_DGRAM and conn.laddr and not conn.raddr:
            kind = "udp6" if conn.family == socket.AF_INET6 else "udp"
            ports.add(f"{kind} {conn.laddr.ip}:{conn.laddr.port}")
    return tuple(sorted(ports))


def _connection_counts(connections: Sequence[Any] | None) -> tuple[tuple[str, int], ...] | None:
    if connections is None:
        return None
    counts: dict[str, int] = {}
    for conn in connections:
        if conn.status in (psutil.CONN_LISTEN, psutil.CONN_NONE):
            continue
        counts[conn.status] = counts.get(conn.status, 0) + 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
