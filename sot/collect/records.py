"""The records every source answers with, and the ``SystemSource`` Protocol the collector reads.

Records are NamedTuples, like psutil's own results: cheap to create per process and per tick, and
they cost a fifth of a slotted dataclass at start-up (measured: 0.2 vs 1 ms per class).

Sources live beside this module, one per way of reading a machine: ``procfs`` (Linux's /proc and
/sys, read directly), ``psutil_source`` (psutil: portable), ``system`` (the two combined, what sot
reads on a live machine) and ``replay`` (stored records: a recording, or records built by tests).
A reading a source cannot give is ``None`` (or empty), never a made-up value.
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol


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


class Memory(NamedTuple):
    """Memory and swap: one reading, as /proc/meminfo holds both."""

    virtual: VirtualMemory | None
    swap: SwapMemory | None


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
    # Milliseconds spent on reads and on writes, and with any I/O in flight (iostat's await and
    # %util); None where the source has no such counters. Defaults: older recordings still load.
    read_ms: int | None = None
    write_ms: int | None = None
    io_ms: int | None = None


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


class FanReading(NamedTuple):
    chip: str
    label: str
    rpm: int


class BatteryReading(NamedTuple):
    percent: float
    power_plugged: bool | None  # None: the system does not say
    seconds_left: int | None  # None: unknown, or unlimited (on mains power)


# Where a logical CPU sits: (physical package id, core id), as /sys's topology files and the
# coretemp driver's "Package id P" / "Core N" labels number them; None where it is not known.
CpuPlace = tuple[int, int] | None


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
    # Read from the same line as the rest on Linux; a source that has no cheap way to them
    # leaves them unknown (defaults, so records built before they existed still load).
    vms_bytes: int | None = None
    nice: int | None = None
    priority: int | None = None
    # A kernel thread (PF_KTHREAD on Linux): hidden from the table unless asked for.
    kernel_thread: bool = False
    # Cumulative bytes the process made the storage layer read and write (Linux's
    # /proc/<pid>/io read_bytes and write_bytes). Live sources answer these through
    # ``SystemSource.process_io`` on the collector's schedule; only stored records (a
    # recording, tests) carry them here.
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    # Not a process but a group of them (Prometheus's process-exporter groups another host's
    # processes by name): how many it has. ``pid`` is then an id the source made up, above any
    # real PID, and nothing may act on it. None: a process.
    group_processes: int | None = None


class IoCounters(NamedTuple):
    """Cumulative storage bytes of one process, as ``/proc/<pid>/io`` counts them."""

    read_bytes: int
    write_bytes: int


class ProcessIdentity(NamedTuple):
    """What does not change for the life of a process: cached by (pid, create_time)."""

    name: str
    cmdline: str
    user: str | None
    # The process's cgroup path (the v2 line of /proc/<pid>/cgroup, else the v1 systemd or
    # memory one); None where unknown. Untrusted text. A process rarely moves between cgroups,
    # so the path is cached with the rest and re-read when the identity is.
    cgroup: str | None = None


class RawProcessDetails(NamedTuple):
    """One read of everything the details view shows; ``None`` where it was denied."""

    pid: int
    create_time: float | None
    name: str
    arguments: tuple[str, ...]  # the command line as the process holds it, one per argument
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


# What the details view reads of one process at most, per tick: a process's environment can be
# megabytes and its descriptors hundreds of thousands.
ENVIRONMENT_CAP_BYTES = 64 * 1024
OPEN_FILES_CAP = 1000


class Environment(NamedTuple):
    """A process's environment as read: (name, value) pairs in its own order. ``complete`` is
    False where the read stopped at the source's cap (the rest is not shown)."""

    variables: tuple[tuple[str, str], ...]
    complete: bool


class OpenFiles(NamedTuple):
    """A process's open file descriptors: (fd, what it points to) for the lowest ``files``, as
    the kernel names them (a path, ``socket:[123]``, ``pipe:[456]``); ``total`` counts them all."""

    files: tuple[tuple[int, str], ...]
    total: int


class StaticHostInfo(NamedTuple):
    hostname: str
    os_name: str | None
    kernel: str | None
    architecture: str | None
    cpu_model: str | None
    boot_time_epoch_s: float | None


class SystemSource(Protocol):
    """Everything the collector reads from a machine, one method per reading.

    Each call reads afresh (the collector calls each reading at most once per tick) and answers
    ``None`` (or an empty result) for what it could not read, per call: one unreadable value never
    takes a panel down.
    """

    def host_info(self) -> StaticHostInfo: ...
    def host_changes(self) -> bool: ...
    def per_cpu_times(self) -> Sequence[CpuTimes] | None: ...
    def cpu_counts(self) -> tuple[int | None, int | None]: ...
    def cpu_frequency(self) -> Frequency | None: ...
    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        """Each logical CPU's place, in the order of ``per_cpu_times`` (CPU number, online CPUs
        only); None where the source cannot tell. The collector reads it once, at start: it
        changes only when a CPU is hot-plugged, and a CPU count that no longer matches it makes
        the collector ignore it."""
        ...

    def temperatures(self) -> Sequence[SensorReading]: ...
    def fans(self) -> Sequence[FanReading]: ...
    def battery(self) -> BatteryReading | None: ...
    def load_average(self) -> tuple[float, float, float] | None: ...
    def user_count(self) -> int | None: ...
    def memory(self) -> Memory: ...
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
    def process_io(self, pid: int) -> IoCounters | None: ...
    def process_details(self, pid: int) -> RawProcessDetails | None: ...
    def process_environment(self, pid: int) -> Environment | None: ...
    def process_open_files(self, pid: int) -> OpenFiles | None: ...
    def process_start_time(self, pid: int) -> float | None: ...


class BlockPartition(NamedTuple):
    """A partition of a disk in /sys/block: ``device`` is its "major:minor"."""

    name: str
    device: str | None
    size_bytes: int | None
    holders: tuple[str, ...]


class BlockDisk(NamedTuple):
    """One entry of /sys/block: a disk, an md array or a device-mapper volume."""

    name: str
    device: str | None  # "major:minor", which the mount table names
    size_bytes: int | None
    model: str | None  # the vendor's model, an md level or a dm volume name; untrusted text
    rotational: bool | None
    partitions: tuple[BlockPartition, ...]
    holders: tuple[str, ...]  # what is built on it (md0, dm-0)
    slaves: tuple[str, ...]  # what it is built on (sda1, sdb1)


class BlockMount(NamedTuple):
    device: str  # "major:minor"
    mount_point: str
    fstype: str
    # The filesystem's own options, the last field of mountinfo ("rw,upperdir=...,workdir=..."
    # for overlay): sot bench finds what an overlay writes to from them.
    super_options: str = ""


class DiskTimes(NamedTuple):
    """One line of /proc/diskstats: completed I/Os, sectors and the milliseconds spent."""

    reads: int
    read_sectors: int
    read_ms: int
    writes: int
    write_sectors: int
    write_ms: int
    io_ms: int  # time the device had I/O in flight: iostat's %util


class BlockSource(Protocol):
    """What the disk screen reads; asked only while that screen is shown."""

    def block_disks(self) -> Sequence[BlockDisk]: ...
    def block_mounts(self) -> Sequence[BlockMount]: ...
    def disk_times(self) -> Mapping[str, DiskTimes]: ...
    def filesystem_usage(self, mount_point: str) -> UsageBytes | None: ...


class SocketRecord(NamedTuple):
    """A listening TCP or bound UDP socket from /proc/net/*; ``inode`` finds its owner."""

    protocol: str  # "tcp", "tcp6", "udp", "udp6"
    address: str
    port: int
    inode: int


class OwnedSocket(NamedTuple):
    """A socket with the process that holds it; ``pid`` None: not visible without privileges."""

    protocol: str
    address: str
    port: int
    pid: int | None


class PortSource(Protocol):
    """Where the listening sockets come from (``procfs.ProcNetSockets`` on Linux). Read only
    when a screen shows them: finding each socket's owner walks every process's open files."""

    def listening_sockets(self) -> Sequence[OwnedSocket] | None: ...


class CgroupLimits(NamedTuple):
    """sot's own cgroup as the slow schedule reads it (``cgroups.CgroupReader``): its path and
    hierarchy version, the tightest limits over it and its ancestors (None: no limit or not
    readable), and the files its usage is read from on every tick (None: none to read)."""

    path: str
    version: int
    memory_limit_bytes: int | None
    cpu_quota_cores: float | None
    pids_limit: int | None
    memory_usage_file: str | None
    pids_current_file: str | None


class CgroupSource(Protocol):
    """sot's own cgroup: ``limits`` on a slow schedule, ``usage`` (memory bytes, processes) of
    the cgroup ``limits`` found, on every tick."""

    def limits(self) -> CgroupLimits | None: ...
    def usage(self, limits: CgroupLimits) -> tuple[int | None, int | None]: ...


class Stall(NamedTuple):
    """One /proc/pressure file's avg10 figures, in percent (None: the line is not there)."""

    some_avg10: float | None
    full_avg10: float | None


class PressureReading(NamedTuple):
    cpu: Stall | None
    memory: Stall | None
    io: Stall | None


class PressureSource(Protocol):
    """The kernel's pressure stall figures; None where it gives none (no PSI)."""

    def read(self) -> PressureReading | None: ...
