"""Linux's /proc and /sys, read directly: the only module of sot that opens them, and no psutil.

``ProcfsSource`` gives the readings these files hold, each ``None`` where its file is missing or
holds a layout it does not know; ``system.FallbackSource`` then asks psutil. Reading the files
ourselves costs a fraction of psutil's per-process API (one ``pread`` per process and tick), and
each file is read once per tick.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Container
from typing import Literal

from sot.collect.cgroup_labels import cgroup_path
from sot.collect.procfs_parsers import (
    PF_KTHREAD,
    memory_from_meminfo,
    parse_boot_time,
    parse_cpu_model,
    parse_default_route,
    parse_diskstats,
    parse_environ,
    parse_meminfo,
    parse_net_dev,
    parse_net_sockets,
    parse_per_cpu_times,
    parse_proc_io,
    parse_proc_stat,
    parse_statm_resident,
    parse_status_uid,
    socket_inode,
    split_cmdline,
    swap_from_meminfo,
)
from sot.collect.records import (
    ENVIRONMENT_CAP_BYTES,
    OPEN_FILES_CAP,
    CpuPlace,
    CpuTimes,
    DiskCounters,
    Environment,
    IoCounters,
    Memory,
    NetCounters,
    OpenFiles,
    OwnedSocket,
    ProcessIdentity,
    RawProcess,
    SocketRecord,
)
from sot.collect.users import UserNames
from sot.model import STATE_NAMES

PROC_ROOT = "/proc"
SYS_ROOT = "/sys"
StatReader = Literal["cpus", "processes"]  # the two readings made from /proc/stat
VIRTUAL_NET = "/sys/devices/virtual/net"  # one entry per virtual interface (lo, docker0, veth)


def read_small(path: str, limit: int = 1 << 20) -> bytes | None:
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


def _small_int(path: str) -> int | None:
    """A one-number /sys file (``core_id``, ``online``); None if missing or not a number."""
    data = read_small(path, 64)
    try:
        return None if data is None else int(data.strip())
    except ValueError:
        return None


def read_cpu_topology(sys_root: str = SYS_ROOT) -> tuple[CpuPlace, ...] | None:
    """Each online logical CPU's (physical package id, core id), in order of CPU number: the
    order of /proc/stat's "cpuN" lines, which list online CPUs only, so an offline CPU (its
    ``online`` file says 0) is left out. A CPU whose topology files are missing or negative
    (unknown, on some architectures) is None; the whole reading is None where no CPU's place is
    known. Two files per CPU: read once, at start."""
    base = f"{sys_root}/devices/system/cpu"
    try:
        names = os.listdir(base)
    except OSError:
        return None
    numbers = sorted(
        int(name[3:])
        for name in names
        if name.startswith("cpu") and name[3:].isascii() and name[3:].isdigit()
    )
    places: list[CpuPlace] = []
    for number in numbers:
        cpu = f"{base}/cpu{number}"
        if _small_int(f"{cpu}/online") == 0:
            continue
        package = _small_int(f"{cpu}/topology/physical_package_id")
        core = _small_int(f"{cpu}/topology/core_id")
        if package is None or core is None or package < 0 or core < 0:
            places.append(None)
        else:
            places.append((package, core))
    return tuple(places) if any(place is not None for place in places) else None


def _watch_mount_table(proc_root: str) -> select.poll | None:
    """A poll object that reports POLLPRI|POLLERR once after each change of this process's mount
    table: the kernel's own notice on /proc/self/mountinfo (its mtime does not change), kept open
    for the life of the source."""
    if not hasattr(select, "poll"):
        return None
    try:
        fd = os.open(f"{proc_root}/self/mountinfo", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    watch = select.poll()
    watch.register(fd, select.POLLPRI | select.POLLERR)
    return watch


class KeptFiles:
    """One /proc/<pid>/<name> file per process (stat, io), kept open from read to read (up to
    ``kept_files`` of them, below the open-file limit: see ``system.raise_open_file_limit``).

    A kept file is re-read with one pread() instead of open + read + close (three times cheaper,
    measured at 2,000 processes: /proc/<pid>/io 2.6 us instead of 7.7 us), and it stays bound to
    its process: once that process is gone the read fails, so a reused PID is never read through
    an old file. Processes beyond the cap are read the plain way."""

    def __init__(self, root: str, name: str, kept_files: int) -> None:
        self._root = root
        self._name = name
        self._open: dict[int, int] = {}
        self._cap = kept_files

    def read(self, pid: int) -> bytes | None:
        """The file's bytes; None where it cannot be opened or read (denied, or gone)."""
        fd = self._open.get(pid)
        if fd is not None:
            try:
                return os.pread(fd, 4096, 0)
            except OSError:  # gone, or no longer ours to read (it changed its credentials)
                os.close(self._open.pop(pid))
        path = f"{self._root}/{pid}/{self._name}"
        if len(self._open) >= self._cap:
            return read_small(path, 4096)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            os.close(fd)
            return None
        self._open[pid] = fd
        return data

    def keep_only(self, pids: Container[int]) -> None:
        """Close the files of processes not in ``pids`` (this tick's listing)."""
        for gone in [pid for pid in self._open if pid not in pids]:
            os.close(self._open.pop(gone))

    def close(self) -> None:
        for fd in self._open.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()


class ProcStatReader:
    """Reads /proc/<pid>/stat of every process, through kept-open files (``KeptFiles``)."""

    def __init__(self, root: str, kept_files: int) -> None:
        self._root = root
        self._files = KeptFiles(root, "stat", kept_files)

    def read_all(self) -> list[tuple[int, bytes]]:
        pids = [int(name) for name in os.listdir(self._root) if name.isdigit()]
        self._files.keep_only(frozenset(pids))
        out: list[tuple[int, bytes]] = []
        for pid in pids:
            data = self._files.read(pid)
            if data:  # None or empty: exited since the listing
                out.append((pid, data))
        return out

    def close(self) -> None:
        self._files.close()


class ProcfsSource:
    """The readings /proc and /sys hold, read and parsed here; ``None`` where a file is missing
    or unparsable. Not a whole ``SystemSource``: ``system.FallbackSource`` completes it."""

    def __init__(
        self,
        root: str = PROC_ROOT,
        kept_stat_files: int = 0,
        kept_io_files: int = 0,
        sys_root: str = SYS_ROOT,
    ) -> None:
        self._root = root
        self._sys_root = sys_root
        self._stat_reader = ProcStatReader(root, kept_stat_files)
        self._io_files = KeptFiles(root, "io", kept_io_files)
        self._io_parsed: dict[int, tuple[bytes, IoCounters]] = {}  # last read, by PID
        # Each process's cgroup path under its start time: read when it is first seen, not at
        # each identity refresh: a process rarely changes cgroup, and reading and parsing the
        # file made an identity read about twice as dear (profiled at 2,000 processes).
        self._cgroups: dict[int, tuple[float, str | None]] = {}
        # Last tick's stat line and record per PID, under the boot time they were computed with.
        self._parsed: dict[int, tuple[bytes, RawProcess]] = {}
        self._parsed_boot: float | None = None
        self._stat_left: dict[StatReader, bytes] = {}  # see _stat_for
        self._clock_ticks = float(os.sysconf("SC_CLK_TCK"))
        self._page_size = os.sysconf("SC_PAGE_SIZE")
        self._mount_watch = _watch_mount_table(root)
        self._users = UserNames()

    @classmethod
    def open(
        cls,
        root: str = PROC_ROOT,
        kept_stat_files: int = 0,
        kept_io_files: int = 0,
        sys_root: str = SYS_ROOT,
    ) -> ProcfsSource | None:
        """A source on ``root`` (and ``sys_root`` for /sys), or None where it is not a /proc
        (another system)."""
        if not os.path.exists(f"{root}/self/stat"):
            return None
        return cls(root, kept_stat_files, kept_io_files, sys_root)

    def _read(self, name: str) -> bytes | None:
        return read_small(f"{self._root}/{name}")

    def cpu_model(self) -> str | None:
        cpuinfo = self._read("cpuinfo")
        return parse_cpu_model(cpuinfo.decode("utf-8", "replace")) if cpuinfo else None

    def cpu_topology(self) -> tuple[CpuPlace, ...] | None:
        return read_cpu_topology(self._sys_root)

    def boot_time(self) -> float | None:
        stat = self._read("stat")
        return parse_boot_time(stat) if stat else None

    def _stat_for(self, reader: StatReader) -> bytes | None:
        """/proc/stat for one of its two readers, "cpus" and "processes" (which needs the boot
        time: it moves when the wall clock is stepped, so it is read each tick). A reader takes
        the read the other one made since it last asked, else reads the file and leaves that
        read for the other: both are asked once per tick, in either order, and the file is read
        once."""
        left = self._stat_left.pop(reader, None)
        if left is not None:
            return left
        stat = self._read("stat")
        if stat:
            self._stat_left["processes" if reader == "cpus" else "cpus"] = stat
        return stat

    def per_cpu_times(self) -> tuple[CpuTimes, ...] | None:
        stat = self._stat_for("cpus")
        return parse_per_cpu_times(stat, self._clock_ticks) if stat else None

    def memory(self) -> Memory | None:
        """Memory and swap from one read of /proc/meminfo (and /proc/vmstat for swap traffic);
        None where either is missing, such as MemAvailable before Linux 3.14 (psutil estimates
        it)."""
        meminfo = self._read("meminfo")
        if not meminfo:
            return None
        info = parse_meminfo(meminfo)
        virtual = memory_from_meminfo(info)
        swap = swap_from_meminfo(info, self._read("vmstat")) if virtual is not None else None
        return Memory(virtual, swap) if swap is not None else None

    def mounts_changed(self) -> bool | None:
        """True once after each mount or unmount: one poll() of zero timeout per call, so the
        collector can ask every tick. None where the table cannot be watched."""
        if self._mount_watch is None:
            return None
        try:
            ready = self._mount_watch.poll(0)
        except OSError:
            return None
        return any(flags & (select.POLLPRI | select.POLLERR) for _, flags in ready)

    def disk_counters(self) -> dict[str, DiskCounters] | None:
        diskstats = self._read("diskstats")
        return parse_diskstats(diskstats) if diskstats is not None else None

    def net_counters(self) -> dict[str, NetCounters] | None:
        net_dev = self._read("net/dev")
        return parse_net_dev(net_dev) if net_dev is not None else None

    def virtual_interfaces(self) -> frozenset[str] | None:
        try:
            return frozenset(os.listdir(VIRTUAL_NET))
        except OSError:
            return None

    def default_route_interface(self) -> str | None:
        table = self._read("net/route")
        return parse_default_route(table.decode("utf-8", "replace")) if table else None

    def processes(self) -> list[RawProcess] | None:
        """Every process from one read of its /proc/<pid>/stat; None where /proc cannot be
        listed. An idle process's stat line is byte-for-byte the same as last tick's: its record
        is reused."""
        stat = self._stat_for("processes")
        boot = parse_boot_time(stat) if stat else None
        if boot is None:
            return None
        try:
            stats = self._stat_reader.read_all()
        except (OSError, ValueError):
            return None
        previous = self._parsed if self._parsed_boot == boot else {}
        parsed_now: dict[int, tuple[bytes, RawProcess]] = {}
        rows: list[RawProcess] = []
        for pid, data in stats:
            known = previous.get(pid)
            if known is None or known[0] != data:
                record = self._record(pid, data, boot)
                if record is None:
                    continue
                known = (data, record)
            parsed_now[pid] = known
            rows.append(known[1])
        self._parsed, self._parsed_boot = parsed_now, boot
        self._io_files.keep_only(parsed_now.keys())
        for kept in (self._io_parsed, self._cgroups):
            if len(kept) > len(parsed_now):
                for gone in kept.keys() - parsed_now.keys():
                    del kept[gone]
        return rows

    def _record(self, pid: int, data: bytes, boot: float) -> RawProcess | None:
        stat = parse_proc_stat(data)
        if stat is None:
            return None
        # The stat line's RSS is the kernel's quick per-CPU estimate and trails the exact sum
        # that statm and status (and so ps and psutil) give by a few dozen pages: the table
        # said 1.6M where ps said 1.7M. statm is read only here, when the stat line changed (a
        # process that has not run keeps its record), so idle processes cost nothing more.
        statm = read_small(f"{self._root}/{pid}/statm")
        resident = parse_statm_resident(statm) if statm else None
        return RawProcess(
            pid=pid,
            ppid=stat.ppid,
            status=STATE_NAMES.get(stat.state, stat.state),
            create_time=stat.start / self._clock_ticks + boot,
            cpu_seconds=(stat.utime + stat.stime) / self._clock_ticks,
            rss_bytes=(resident if resident is not None else stat.rss_pages) * self._page_size,
            threads=stat.threads,
            vms_bytes=stat.vsize,
            nice=stat.nice,
            priority=stat.priority,
            kernel_thread=bool(stat.flags & PF_KTHREAD),
        )

    def process_io(self, pid: int) -> IoCounters | None:
        """/proc/<pid>/io's storage counters; None where the kernel refuses (another user's
        process, without root), the process is gone, or the kernel keeps no such counts."""
        data = self._io_files.read(pid)
        if not data:
            return None
        known = self._io_parsed.get(pid)
        if known is not None and known[0] == data:
            return known[1]  # the same bytes as last read: most processes, most ticks
        counters = parse_proc_io(data)
        if counters is not None:
            self._io_parsed[pid] = (data, counters)
        return counters

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        """Name, command line and user in two reads (cmdline, status), the name taken from this
        tick's stat line; psutil.Process takes about four times as long. None: the process is
        gone (psutil would read the same files)."""
        known = self._parsed.get(pid)
        stat = known[0] if known is not None else read_small(f"{self._root}/{pid}/stat")
        status = read_small(f"{self._root}/{pid}/status")
        if not stat or not status:
            return None
        name = os.fsdecode(stat[stat.find(b"(") + 1 : stat.rfind(b")")])
        raw_cmdline = read_small(f"{self._root}/{pid}/cmdline")
        args = split_cmdline(os.fsdecode(raw_cmdline)) if raw_cmdline else []
        if len(name) >= 15 and args:
            # The kernel cuts names at 15 bytes; psutil restores them from argv[0].
            extended = os.path.basename(args[0])
            if extended.startswith(name):
                name = extended
        user = self._users.name(parse_status_uid(status))
        return ProcessIdentity(
            name=name, cmdline=" ".join(args), user=user, cgroup=self._cgroup(pid, known)
        )

    def _cgroup(self, pid: int, known: tuple[bytes, RawProcess] | None) -> str | None:
        started = known[1].create_time if known is not None else None
        cached = self._cgroups.get(pid)
        if cached is not None and started is not None and cached[0] == started:
            return cached[1]
        data = read_small(f"{self._root}/{pid}/cgroup", 64 * 1024)
        path = cgroup_path(os.fsdecode(data)) if data else None
        if started is not None:
            self._cgroups[pid] = (started, path)
        return path

    def process_environment(self, pid: int) -> Environment | None:
        """The first ENVIRONMENT_CAP_BYTES of /proc/<pid>/environ; None where it cannot be read
        (another user's process, or gone)."""
        data = read_small(f"{self._root}/{pid}/environ", ENVIRONMENT_CAP_BYTES + 1)
        if data is None:
            return None
        complete = len(data) <= ENVIRONMENT_CAP_BYTES
        return Environment(parse_environ(data[:ENVIRONMENT_CAP_BYTES], complete), complete)

    def process_open_files(self, pid: int) -> OpenFiles | None:
        """What the lowest OPEN_FILES_CAP descriptors of /proc/<pid>/fd point to, and how many
        there are; None where the directory cannot be listed. A descriptor closed between the
        listing and its readlink is left out."""
        directory = f"{self._root}/{pid}/fd"
        try:
            numbers = sorted(int(name) for name in os.listdir(directory) if name.isdigit())
        except OSError:
            return None
        files: list[tuple[int, str]] = []
        for number in numbers[:OPEN_FILES_CAP]:
            try:
                target = os.readlink(f"{directory}/{number}".encode())
            except OSError:
                continue
            files.append((number, target.decode("utf-8", "replace")))
        return OpenFiles(tuple(files), len(numbers))


NET_SOCKET_TABLES = ("tcp", "tcp6", "udp", "udp6")


class ProcNetSockets:
    """Listening sockets from /proc/net/{tcp,tcp6,udp,udp6}, each with the lowest PID holding
    it (found through /proc/<pid>/fd links; a prefork server's workers share its socket).
    Another user's fds cannot be read without privileges: those owners stay ``None``."""

    def __init__(self, root: str = PROC_ROOT) -> None:
        self._root = root

    def listening_sockets(self) -> list[OwnedSocket] | None:
        sockets: list[SocketRecord] = []
        readable = False
        for protocol in NET_SOCKET_TABLES:
            data = read_small(f"{self._root}/net/{protocol}", limit=64 << 20)
            if data is not None:
                readable = True
                sockets.extend(parse_net_sockets(data, protocol))
        if not readable:
            return None
        owners = self.socket_owners(frozenset(s.inode for s in sockets if s.inode))
        return [OwnedSocket(s.protocol, s.address, s.port, owners.get(s.inode)) for s in sockets]

    def socket_owners(self, inodes: frozenset[int]) -> dict[int, int]:
        """inode -> the lowest PID with an fd on it; stops once every inode has an owner."""
        owners: dict[int, int] = {}
        if not inodes:
            return owners
        try:
            pids = sorted(int(name) for name in os.listdir(self._root) if name.isdigit())
        except OSError:
            return owners
        for pid in pids:
            fd_dir = f"{self._root}/{pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:  # gone, or another user's without privileges
                continue
            for fd in fds:
                try:
                    inode = socket_inode(os.readlink(f"{fd_dir}/{fd}"))
                except OSError:
                    continue
                if inode in inodes and inode not in owners:
                    owners[inode] = pid
            if len(owners) == len(inodes):
                break
        return owners
