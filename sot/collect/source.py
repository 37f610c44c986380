"""The system surface sot reads, as a Protocol, and its psutil implementation.

Its records are NamedTuples, like psutil's own results: cheap to create per process and per tick,
and they cost a fifth of a slotted dataclass at start-up (measured: 0.2 vs 1 ms per class).

This is the only module that imports psutil. Every method answers with plain records and maps
psutil's ``NoSuchProcess``/``AccessDenied``/``OSError`` to ``None`` (or an empty result) per call,
so one unreadable value never takes a panel down. Tests build a fake that satisfies the Protocol.
"""

import contextlib
import os
import platform
import re
import select
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

import psutil

from sot.model import STATE_NAMES

T = TypeVar("T")


class CpuTimes(NamedTuple):
    """Cumulative CPU seconds per mode since boot, for one logical CPU."""

    user: float
    nice: float
    system: float
    idle: float
    iowait: float | None
    irq: float | None
    softirq: float | None
    steal: float | None
    guest: float | None
    guest_nice: float | None

    def busy_total(self) -> tuple[float, float]:
        """(busy, total) seconds; guest time is already counted in user/nice on Linux."""
        idle = self.idle + (self.iowait or 0.0)
        total = (
            self.user
            + self.nice
            + self.system
            + self.idle
            + (self.iowait or 0.0)
            + (self.irq or 0.0)
            + (self.softirq or 0.0)
            + (self.steal or 0.0)
        )
        return total - idle, total


class VirtualMemory(NamedTuple):
    total: int
    available: int
    used: int
    free: int
    cached: int | None
    buffers: int | None
    percent: float


class SwapMemory(NamedTuple):
    total: int
    used: int
    percent: float
    sin: int | None
    sout: int | None


class Partition(NamedTuple):
    device: str
    mount_point: str
    fstype: str


class UsageBytes(NamedTuple):
    total: int
    used: int
    free: int
    percent: float


class DiskCounters(NamedTuple):
    read_bytes: int
    write_bytes: int
    read_count: int
    write_count: int


class NetCounters(NamedTuple):
    bytes_recv: int
    bytes_sent: int
    packets_recv: int
    packets_sent: int
    errin: int
    errout: int
    dropin: int
    dropout: int


class NetStats(NamedTuple):
    is_up: bool
    speed_mbps: int | None


class SensorReading(NamedTuple):
    chip: str
    label: str
    current: float
    high: float | None
    critical: float | None


class Frequency(NamedTuple):
    current_mhz: float | None
    max_mhz: float | None


class RawProcess(NamedTuple):
    """What changes each tick for one process; ``None`` where it could not be read."""

    pid: int
    ppid: int | None
    status: str | None
    create_time: float | None
    cpu_seconds: float | None
    rss_bytes: int | None
    threads: int | None


class ProcessIdentity(NamedTuple):
    """What does not change for the life of a process: cached by (pid, create_time)."""

    name: str
    cmdline: str
    user: str | None


class RawProcessDetails(NamedTuple):
    """One read of everything the details view shows; ``None`` where it was denied."""

    pid: int
    create_time: float | None
    name: str
    cmdline: str
    exe: str | None
    cwd: str | None
    user_real: str | None
    user_effective: str | None
    status: str | None
    nice: int | None
    cpu_user_s: float | None
    cpu_system_s: float | None
    rss_bytes: int | None
    vms_bytes: int | None
    shared_bytes: int | None
    threads: int | None
    open_files: int | None
    io_read_bytes: int | None
    io_write_bytes: int | None
    listening_ports: tuple[str, ...] | None
    connections: tuple[tuple[str, int], ...] | None
    parent: tuple[int, str] | None
    children: tuple[tuple[int, str], ...]


class StaticHostInfo(NamedTuple):
    hostname: str
    os_name: str | None
    kernel: str | None
    architecture: str | None
    cpu_model: str | None
    boot_time_epoch_s: float | None


class SystemSource(Protocol):
    def host_info(self) -> StaticHostInfo: ...
    def per_cpu_times(self) -> Sequence[CpuTimes] | None: ...
    def cpu_counts(self) -> tuple[int | None, int | None]: ...
    def cpu_frequency(self) -> Frequency | None: ...
    def temperatures(self) -> Sequence[SensorReading]: ...
    def load_average(self) -> tuple[float, float, float] | None: ...
    def user_count(self) -> int | None: ...
    def virtual_memory(self) -> VirtualMemory | None: ...
    def swap_memory(self) -> SwapMemory | None: ...
    def partitions(self) -> Sequence[Partition]: ...
    def mounts_changed(self) -> bool: ...
    def disk_usage(self, mount_point: str) -> UsageBytes | None: ...
    def disk_counters(self) -> Mapping[str, DiskCounters]: ...
    def resolve_device(self, device: str) -> str: ...
    def net_counters(self) -> Mapping[str, NetCounters]: ...
    def net_stats(self) -> Mapping[str, NetStats]: ...
    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]: ...
    def virtual_interfaces(self) -> frozenset[str]: ...
    def default_route_interface(self) -> str | None: ...
    def processes(self) -> Sequence[RawProcess]: ...
    def process_identity(self, pid: int) -> ProcessIdentity | None: ...
    def process_details(self, pid: int) -> RawProcessDetails | None: ...
    def process_start_time(self, pid: int) -> float | None: ...


_PROCESS_ERRORS = (psutil.Error, OSError)
_DYNAMIC_ATTRS = ["ppid", "status", "create_time", "cpu_times", "memory_info", "num_threads"]


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _read_small(path: str, limit: int = 1 << 20) -> bytes | None:
    """A /proc file, up to ``limit`` bytes (os.open/os.read: half the cost of open()); None if
    it cannot be read. Read in 8 KiB steps: asking os.read for a large buffer allocates all of
    it, which cost more than the read for these files of a few KiB."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = [os.read(fd, 8192)]
        while len(chunks[-1]) == 8192 and len(chunks) * 8192 < limit:
            chunks.append(os.read(fd, 8192))
        return b"".join(chunks) if len(chunks) > 1 else chunks[0]
    except OSError:
        return None
    finally:
        os.close(fd)


def _watch_mount_table(proc_root: str | None) -> "select.poll | None":
    """A poll object that reports POLLPRI|POLLERR once after each change of this process's mount
    table: the kernel's own notice on /proc/self/mountinfo (its mtime does not change), kept open
    for the life of the source."""
    if proc_root is None or not hasattr(select, "poll"):
        return None
    try:
        fd = os.open(f"{proc_root}/self/mountinfo", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    watch = select.poll()
    watch.register(fd, select.POLLPRI | select.POLLERR)
    return watch


def split_cmdline(text: str) -> list[str]:
    """/proc/<pid>/cmdline's arguments, as psutil splits them: NUL-separated, or space-separated
    where a process rewrote its title (setproctitle) without NULs."""
    if not text:
        return []
    separator = "\x00" if text.endswith("\x00") else " "
    if text.endswith(separator):
        text = text[:-1]
    args = text.split(separator)
    if separator == "\x00" and len(args) == 1 and " " in text:
        args = text.split(" ")
    return args


# The system-wide /proc files, parsed as psutil parses them (same fields, same arithmetic), so
# the fast path and psutil agree; tests compare the two on the live machine.
_SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's block size
_SWAP_PAGE_BYTES = 4096  # psutil's factor for pswpin/pswpout


_MEMINFO_LINE = re.compile(rb"^([^:\n]+):[ \t]*(\d+)", re.MULTILINE)


def parse_meminfo(data: bytes) -> dict[bytes, int]:
    """/proc/meminfo as {b"MemTotal": bytes, ...} (one regex pass: a line loop costs 4x more)."""
    return {key: int(value) * 1024 for key, value in _MEMINFO_LINE.findall(data)}


def _usage_percent(used: int, total: int) -> float:
    return round(used / total * 100, 1) if total else 0.0


def memory_from_meminfo(info: Mapping[bytes, int]) -> VirtualMemory | None:
    """None where the kernel gives no MemAvailable (before 3.14): psutil estimates it."""
    total, free, available = info.get(b"MemTotal"), info.get(b"MemFree"), info.get(b"MemAvailable")
    if total is None or free is None or not available:
        return None
    if available > total:
        available = free
    cached = info.get(b"Cached")
    return VirtualMemory(
        total=total,
        available=available,
        used=total - available,
        free=free,
        cached=None if cached is None else cached + info.get(b"SReclaimable", 0),
        buffers=info.get(b"Buffers"),
        percent=_usage_percent(total - available, total),
    )


def swap_from_meminfo(info: Mapping[bytes, int], vmstat: bytes | None) -> SwapMemory | None:
    total, free = info.get(b"SwapTotal"), info.get(b"SwapFree")
    if total is None or free is None:
        return None

    lines = b"\n" + (vmstat or b"") + b"\n"  # every line, the first too, starts after a newline

    def pages(name: bytes) -> int | None:
        start = lines.find(b"\n" + name + b" ")
        if start < 0:
            return None
        value = lines[start + len(name) + 2 : lines.find(b"\n", start + 1)]
        return int(value) * _SWAP_PAGE_BYTES if value.isdigit() else None

    return SwapMemory(
        total=total,
        used=total - free,
        percent=_usage_percent(total - free, total),
        sin=pages(b"pswpin"),
        sout=pages(b"pswpout"),
    )


# Field positions of (name, reads, sectors read, writes, sectors written) by line length: 14 or
# 18+ (current kernels), 15 (Linux 2.6 with the name one field later), 7 (a partition on Linux
# 2.6.25 and older); the layouts psutil reads.
_DISKSTATS_FIELDS = {14: (2, 3, 5, 7, 9), 15: (3, 2, 5, 7, 9), 7: (2, 3, 4, 5, 6)}


def parse_diskstats(data: bytes) -> dict[str, DiskCounters] | None:
    """/proc/diskstats; None if a line has none of the known layouts."""
    counters: dict[str, DiskCounters] = {}
    for line in data.splitlines():
        fields = line.split()
        count = len(fields)
        positions = _DISKSTATS_FIELDS.get(14 if count >= 18 else count)
        if positions is None:
            return None
        name, reads, read_sectors, writes, write_sectors = (fields[i] for i in positions)
        try:
            counters[os.fsdecode(name)] = DiskCounters(
                read_bytes=int(read_sectors) * _SECTOR_BYTES,
                write_bytes=int(write_sectors) * _SECTOR_BYTES,
                read_count=int(reads),
                write_count=int(writes),
            )
        except ValueError:
            return None
    return counters


def parse_net_dev(data: bytes) -> dict[str, NetCounters] | None:
    """/proc/net/dev: two header lines, then "name: 8 receive and 8 transmit counters"."""
    counters: dict[str, NetCounters] = {}
    for line in data.splitlines()[2:]:
        name, colon, rest = line.rpartition(b":")
        fields = rest.split()
        if not colon or len(fields) < 16:
            return None
        try:
            rx_bytes, rx_packets, rx_errors, rx_drops = map(int, fields[0:4])
            tx_bytes, tx_packets, tx_errors, tx_drops = map(int, fields[8:12])
        except ValueError:
            return None
        counters[os.fsdecode(name.strip())] = NetCounters(
            rx_bytes, tx_bytes, rx_packets, tx_packets, rx_errors, tx_errors, rx_drops, tx_drops
        )
    return counters


def parse_per_cpu_times(stat: bytes, clock_ticks: float) -> tuple[CpuTimes, ...] | None:
    """The "cpuN" lines of /proc/stat in seconds; fields an older kernel lacks are None."""
    cpus: list[CpuTimes] = []
    for line in stat.splitlines()[1:]:
        if not line.startswith(b"cpu"):
            break
        try:
            values = [int(field) / clock_ticks for field in line.split()[1:11]]
        except ValueError:
            return None
        if len(values) < 4:
            return None
        optional: list[float | None] = [*values[4:], *[None] * (10 - len(values))]
        cpus.append(CpuTimes(values[0], values[1], values[2], values[3], *optional))
    return tuple(cpus) or None


def parse_boot_time(stat: bytes) -> float | None:
    start = stat.find(b"\nbtime ")
    if start < 0:
        return None
    value = stat[start + 7 : stat.find(b"\n", start + 1)]
    return float(value) if value.isdigit() else None


def parse_status_uid(status: bytes) -> int | None:
    """The real UID from /proc/<pid>/status."""
    start = status.find(b"\nUid:")
    if start < 0:
        return None
    fields = status[start + 5 : status.find(b"\n", start + 1)].split()
    try:
        return int(fields[0])
    except (IndexError, ValueError):
        return None


def parse_proc_stat(data: bytes) -> tuple[str, int, int, int, int, int, int] | None:
    """(state, ppid, utime, stime, threads, start ticks, rss pages) from /proc/<pid>/stat.

    The command name sits in parentheses and may itself hold spaces and ')', so the fields are
    taken after the last ')'.
    """
    fields = data[data.rfind(b")") + 2 :].split()
    if len(fields) < 22:
        return None
    try:
        return (
            fields[0].decode("ascii", "replace"),
            int(fields[1]),
            int(fields[11]),
            int(fields[12]),
            int(fields[17]),
            int(fields[19]),
            int(fields[21]),
        )
    except ValueError:
        return None


def parse_os_release(text: str) -> str | None:
    """PRETTY_NAME (or NAME VERSION) from an os-release file's text."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    if fields.get("PRETTY_NAME"):
        return fields["PRETTY_NAME"]
    name = " ".join(part for part in (fields.get("NAME"), fields.get("VERSION")) if part)
    return name or None


def parse_cpu_model(cpuinfo: str) -> str | None:
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
            return " ".join(value.split()) or None
    return None


def parse_default_route(route_table: str) -> str | None:
    """The interface of the lowest-metric default route in /proc/net/route."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        try:
            metric = int(fields[6])
        except ValueError:
            continue
        if best is None or metric < best[0]:
            best = (metric, fields[0])
    return best[1] if best else None


class ProcStatReader:
    """Reads /proc/<pid>/stat of every process, keeping each file open from tick to tick.

    A kept file is re-read with one pread() instead of open + read + close (three times cheaper,
    measured at 2,000 processes), and it stays bound to its process: once that process is gone
    the read fails, so a reused PID is never read through an old file. Files are kept up to a cap
    below the open-file limit; processes beyond it are read the plain way.
    """

    def __init__(self, root: str, reserve: int = 256, cap: int = 16384) -> None:
        self._root = root
        self._open: dict[int, int] = {}
        self._cap = cap
        try:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            wanted = min(hard if hard != resource.RLIM_INFINITY else cap + reserve, cap + reserve)
            if soft != resource.RLIM_INFINITY and soft < wanted:
                resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
                soft = wanted
            self._cap = max(0, min(cap, soft - reserve))
        except (ImportError, ValueError, OSError):
            self._cap = 0

    def read_all(self) -> list[tuple[int, bytes]]:
        pids = [int(name) for name in os.listdir(self._root) if name.isdigit()]
        listed = set(pids)
        for gone in [pid for pid in self._open if pid not in listed]:
            os.close(self._open.pop(gone))
        out: list[tuple[int, bytes]] = []
        for pid in pids:
            data = self._read_kept(pid)
            if data is None:
                data = self._read_once(pid)
            if data:
                out.append((pid, data))
        return out

    def _read_kept(self, pid: int) -> bytes | None:
        fd = self._open.get(pid)
        if fd is not None:
            try:
                return os.pread(fd, 4096, 0)
            except OSError:  # that process is gone; the PID may already be someone else's
                os.close(self._open.pop(pid))
        if len(self._open) >= self._cap:
            return None
        try:
            fd = os.open(f"{self._root}/{pid}/stat", os.O_RDONLY)
        except OSError:
            return b""  # exited since the listing
        self._open[pid] = fd
        try:
            return os.pread(fd, 4096, 0)
        except OSError:
            os.close(self._open.pop(pid))
            return b""

    def _read_once(self, pid: int) -> bytes:
        return _read_small(f"{self._root}/{pid}/stat") or b""

    def close(self) -> None:
        for fd in self._open.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()


class PsutilSource:
    """The real system, through psutil (and a few /proc files psutil does not expose)."""

    def __init__(self, proc_root: str | None = "/proc") -> None:
        self._user_names: dict[int, str | None] = {}
        # The /proc fast path (Linux): one read of /proc/<pid>/stat per process and tick, where
        # psutil's per-process API costs several reads and objects (5x slower measured here).
        usable = proc_root is not None and os.path.exists(f"{proc_root}/self/stat")
        self._proc_root = proc_root if usable else None
        self._stat_reader = ProcStatReader(proc_root) if usable and proc_root else None
        self._parsed: dict[int, tuple[bytes, RawProcess]] = {}
        self._parsed_boot: float | None = None
        self._clock_ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._page_size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._mount_watch = _watch_mount_table(self._proc_root)

    def host_info(self) -> StaticHostInfo:
        uname = platform.uname()
        os_name = None
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            text = _read_text(path)
            if text is not None:
                os_name = parse_os_release(text)
                break
        if os_name is None:
            os_name = f"{uname.system} {uname.release}".strip() or None
        cpuinfo = _read_text("/proc/cpuinfo")
        cpu_model = parse_cpu_model(cpuinfo) if cpuinfo else None
        if cpu_model is None:
            cpu_model = uname.processor or None
        try:
            boot: float | None = psutil.boot_time()
        except _PROCESS_ERRORS:
            boot = None
        return StaticHostInfo(
            hostname=socket.gethostname(),
            os_name=os_name,
            kernel=uname.release or None,
            architecture=uname.machine or None,
            cpu_model=cpu_model,
            boot_time_epoch_s=boot,
        )

    def _proc_file(self, name: str) -> bytes | None:
        return _read_small(f"{self._proc_root}/{name}") if self._proc_root else None

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        stat = self._proc_file("stat")
        fast = parse_per_cpu_times(stat, float(self._clock_ticks)) if stat else None
        return fast if fast is not None else self.psutil_per_cpu_times()

    def psutil_per_cpu_times(self) -> Sequence[CpuTimes] | None:
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

    def temperatures(self) -> Sequence[SensorReading]:
        reader = getattr(psutil, "sensors_temperatures", None)
        if reader is None:
            return ()
        try:
            chips = reader()
        except (*_PROCESS_ERRORS, NotImplementedError):
            return ()
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

    def virtual_memory(self) -> VirtualMemory | None:
        meminfo = self._proc_file("meminfo")
        fast = memory_from_meminfo(parse_meminfo(meminfo)) if meminfo else None
        return fast if fast is not None else self.psutil_virtual_memory()

    def psutil_virtual_memory(self) -> VirtualMemory | None:
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

    def swap_memory(self) -> SwapMemory | None:
        meminfo = self._proc_file("meminfo")
        fast = (
            swap_from_meminfo(parse_meminfo(meminfo), self._proc_file("vmstat"))
            if meminfo
            else None
        )
        return fast if fast is not None else self.psutil_swap_memory()

    def psutil_swap_memory(self) -> SwapMemory | None:
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
        """True once after each mount or unmount: one poll() of zero timeout per call, so the
        collector can ask every tick. False where the table cannot be watched (the partitions
        are then re-read on their schedule only)."""
        if self._mount_watch is None:
            return False
        try:
            ready = self._mount_watch.poll(0)
        except OSError:
            return False
        return any(flags & (select.POLLPRI | select.POLLERR) for _, flags in ready)

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        try:
            usage = psutil.disk_usage(mount_point)
        except _PROCESS_ERRORS:
            return None
        return UsageBytes(usage.total, usage.used, usage.free, usage.percent)

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        diskstats = self._proc_file("diskstats")
        fast = parse_diskstats(diskstats) if diskstats is not None else None
        return fast if fast is not None else self.psutil_disk_counters()

    def psutil_disk_counters(self) -> Mapping[str, DiskCounters]:
        try:
            # nowrap=False: a counter that goes backwards must reach the collector as it is
            # (it shows "unknown" for that tick), and psutil's wrap bookkeeping costs a copy of
            # every counter per call.
            counters = psutil.disk_io_counters(perdisk=True, nowrap=False)
        except (*_PROCESS_ERRORS, RuntimeError):
            return {}
        if not counters:
            return {}
        return {
            name: DiskCounters(c.read_bytes, c.write_bytes, c.read_count, c.write_count)
            for name, c in counters.items()
        }

    def resolve_device(self, device: str) -> str:
        """The kernel's name for a block device path: /dev/mapper/x -> dm-0, /dev/sda1 -> sda1."""
        try:
            return os.path.basename(os.path.realpath(device))
        except OSError:
            return os.path.basename(device)

    def net_counters(self) -> Mapping[str, NetCounters]:
        net_dev = self._proc_file("net/dev")
        fast = parse_net_dev(net_dev) if net_dev is not None else None
        return fast if fast is not None else self.psutil_net_counters()

    def psutil_net_counters(self) -> Mapping[str, NetCounters]:
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
        try:
            return frozenset(os.listdir("/sys/devices/virtual/net"))
        except OSError:
            return frozenset()

    def default_route_interface(self) -> str | None:
        table = _read_text("/proc/net/route")
        return parse_default_route(table) if table else None

    def processes(self) -> Sequence[RawProcess]:
        if self._stat_reader is not None:
            return self._proc_processes(self._stat_reader)
        return self.psutil_processes()

    def _proc_processes(self, reader: ProcStatReader) -> list[RawProcess]:
        try:
            stat = self._proc_file("stat")
            boot = (parse_boot_time(stat) if stat else None) or psutil.boot_time()
            stats = reader.read_all()
        except (*_PROCESS_ERRORS, ValueError):
            return self.psutil_processes()
        ticks, page = float(self._clock_ticks), self._page_size
        rows: list[RawProcess] = []
        # An idle process's stat line is byte-for-byte the same as last tick: reuse its record.
        previous = self._parsed if self._parsed_boot == boot else {}
        parsed_now: dict[int, tuple[bytes, RawProcess]] = {}
        for pid, data in stats:
            known = previous.get(pid)
            if known is not None and known[0] == data:
                parsed_now[pid] = known
                rows.append(known[1])
                continue
            parsed = parse_proc_stat(data)
            if parsed is None:
                continue
            state, ppid, utime, stime, threads, start, rss_pages = parsed
            record = RawProcess(
                pid=pid,
                ppid=ppid,
                status=STATE_NAMES.get(state, state),
                create_time=start / ticks + boot,
                cpu_seconds=(utime + stime) / ticks,
                rss_bytes=rss_pages * page,
                threads=threads,
            )
            parsed_now[pid] = (data, record)
            rows.append(record)
        self._parsed, self._parsed_boot = parsed_now, boot
        return rows

    def psutil_processes(self) -> list[RawProcess]:
        """The portable path, through psutil's per-process API."""
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
                )
            )
        return rows

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        if self._proc_root is not None:
            return self._proc_identity(self._proc_root, pid)
        return self.psutil_identity(pid)

    def _proc_identity(self, root: str, pid: int) -> ProcessIdentity | None:
        """Name, command line and user from /proc in two reads (cmdline, status), the name taken
        from this tick's stat line; psutil.Process takes about four times as long."""
        known = self._parsed.get(pid)
        stat = known[0] if known is not None else _read_small(f"{root}/{pid}/stat")
        status = _read_small(f"{root}/{pid}/status")
        if not stat or not status:
            return None  # gone (psutil's name() would fail too)
        name = os.fsdecode(stat[stat.find(b"(") + 1 : stat.rfind(b")")])
        raw_cmdline = _read_small(f"{root}/{pid}/cmdline")
        args = split_cmdline(os.fsdecode(raw_cmdline)) if raw_cmdline else []
        if len(name) >= 15 and args:
            # The kernel cuts names at 15 bytes; psutil restores them from argv[0].
            extended = os.path.basename(args[0])
            if extended.startswith(name):
                name = extended
        return ProcessIdentity(
            name=name, cmdline=" ".join(args), user=self._user_for(parse_status_uid(status))
        )

    def _user_for(self, uid: int | None) -> str | None:
        if uid is None:
            return None
        if uid not in self._user_names:
            try:
                import pwd

                self._user_names[uid] = pwd.getpwuid(uid).pw_name
            except (KeyError, ImportError):
                self._user_names[uid] = str(uid)
        return self._user_names[uid]

    def psutil_identity(self, pid: int) -> ProcessIdentity | None:
        """The portable path, through psutil.Process."""
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

    def _user_name(self, proc: psutil.Process, uid: int | None) -> str | None:
        if uid is None:
            try:
                return str(proc.username())
            except _PROCESS_ERRORS:
                return None
        return self._user_for(uid)

    def process_start_time(self, pid: int) -> float | None:
        try:
            return float(psutil.Process(pid).create_time())
        except _PROCESS_ERRORS:
            return None

    def process_details(self, pid: int) -> RawProcessDetails | None:
        """Each field read on its own, so one denied field (cwd, io, fds of another user's
        process) leaves the rest readable."""
        try:
            proc = psutil.Process(pid)
            name = proc.name()
        except _PROCESS_ERRORS:
            return None

        def read(getter: Callable[[], T]) -> T | None:
            try:
                return getter()
            except (*_PROCESS_ERRORS, NotImplementedError, AttributeError):
                return None

        with proc.oneshot():
            uids = read(proc.uids)
            times = read(proc.cpu_times)
            memory = read(proc.memory_info)
            io = read(proc.io_counters)
            parent = read(proc.parent)
            connections = read(lambda: proc.net_connections(kind="inet"))
            create_time = read(proc.create_time)
            cmdline = read(proc.cmdline)
            exe = read(proc.exe)
            cwd = read(proc.cwd)
            status = read(proc.status)
            nice = read(proc.nice)
            threads = read(proc.num_threads)
            open_files = read(proc.num_fds)
        children = read(proc.children) or []
        return RawProcessDetails(
            pid=pid,
            create_time=create_time,
            name=name,
            cmdline=" ".join(cmdline or ()),
            exe=exe or None,
            cwd=cwd,
            user_real=self._user_name(proc, uids.real) if uids is not None else None,
            user_effective=self._user_name(proc, uids.effective) if uids is not None else None,
            status=status,
            nice=nice,
            cpu_user_s=times.user if times is not None else None,
            cpu_system_s=times.system if times is not None else None,
            rss_bytes=memory.rss if memory is not None else None,
            vms_bytes=memory.vms if memory is not None else None,
            shared_bytes=getattr(memory, "shared", None) if memory is not None else None,
            threads=threads,
            open_files=open_files,
            io_read_bytes=io.read_bytes if io is not None else None,
            io_write_bytes=io.write_bytes if io is not None else None,
            listening_ports=_listening(connections),
            connections=_connection_counts(connections),
            parent=(parent.pid, read(parent.name) or "?") if parent is not None else None,
            children=tuple(sorted((c.pid, read(c.name) or "?") for c in children)),
        )


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
