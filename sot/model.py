"""Snapshot records: what one tick of the collector saw.

Every record is frozen and slotted; units are in the field names; ``None`` means the system could
not tell us (no sensor, access denied, first sample of a rate), never a fake zero.
"""

from __future__ import annotations

from dataclasses import dataclass

# Process states: the letter the kernel shows in /proc/<pid>/stat and the table's S column, and
# the name psutil gives it (the name is what ProcessRow.status holds). The last two are BSD's.
PROCESS_STATES: tuple[tuple[str, str], ...] = (
    ("R", "running"),
    ("S", "sleeping"),
    ("D", "disk-sleep"),
    ("T", "stopped"),
    ("t", "tracing-stop"),
    ("Z", "zombie"),
    ("X", "dead"),
    ("x", "dead"),
    ("K", "wake-kill"),
    ("W", "waking"),
    ("I", "idle"),
    ("P", "parked"),
    ("L", "locked"),
    ("W", "waiting"),
)
STATE_NAMES = dict(reversed(PROCESS_STATES))  # the first name of a letter wins
STATE_LETTERS = {name: letter for letter, name in reversed(PROCESS_STATES)}

ProcessKey = tuple[int, float | None]  # (pid, start time): a PID alone can be reused


@dataclass(frozen=True, slots=True)
class HostInfo:
    hostname: str
    os_name: str | None
    kernel: str | None
    architecture: str | None
    cpu_model: str | None
    boot_time_epoch_s: float | None
    uptime_s: float | None
    load_average: tuple[float, float, float] | None
    user_count: int | None


@dataclass(frozen=True, slots=True)
class CpuBreakdown:
    """Share of CPU time per mode over the last interval, in percent of all CPUs."""

    user_percent: float | None
    system_percent: float | None
    nice_percent: float | None
    iowait_percent: float | None
    irq_percent: float | None
    steal_percent: float | None
    idle_percent: float | None


@dataclass(frozen=True, slots=True)
class Temperature:
    label: str
    celsius: float
    high_celsius: float | None
    critical_celsius: float | None


@dataclass(frozen=True, slots=True)
class CpuSample:
    total_percent: float | None
    per_cpu_percent: tuple[float | None, ...]
    breakdown: CpuBreakdown
    logical_count: int | None
    physical_count: int | None
    frequency_mhz: float | None
    max_frequency_mhz: float | None
    package_celsius: float | None
    temperatures: tuple[Temperature, ...]
    # Per logical CPU, in per_cpu_percent's order: its core's temperature, None where no sensor
    # says (empty when the cores cannot be matched to sensors; see collector.core_temperatures).
    core_celsius: tuple[float | None, ...] = ()


@dataclass(frozen=True, slots=True)
class FanSample:
    chip: str
    label: str
    rpm: int


@dataclass(frozen=True, slots=True)
class BatterySample:
    percent: float
    power_plugged: bool | None  # None: the system does not say
    seconds_left: int | None  # time to empty; None: unknown, or on mains power (unlimited)


@dataclass(frozen=True, slots=True)
class MemorySample:
    total_bytes: int | None
    used_bytes: int | None
    available_bytes: int | None
    free_bytes: int | None
    cached_bytes: int | None
    buffers_bytes: int | None
    percent: float | None
    swap_total_bytes: int | None
    swap_used_bytes: int | None
    swap_percent: float | None
    swap_in_bytes_per_s: float | None
    swap_out_bytes_per_s: float | None


@dataclass(frozen=True, slots=True)
class IoRate:
    read_bytes_per_s: float | None
    write_bytes_per_s: float | None
    read_ops_per_s: float | None
    write_ops_per_s: float | None
    # As iostat -x computes them (collect.rates.iostat_await_util): the mean time an I/O took,
    # queue included (None when none completed), and the share of time the device was busy.
    await_ms: float | None = None
    util_percent: float | None = None


@dataclass(frozen=True, slots=True)
class DiskUsage:
    device: str
    mount_point: str
    fstype: str
    total_bytes: int | None
    used_bytes: int | None
    free_bytes: int | None
    percent: float | None
    io: IoRate


@dataclass(frozen=True, slots=True)
class NetInterface:
    name: str
    is_up: bool | None
    is_loopback: bool
    is_virtual: bool
    speed_mbps: int | None
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    rx_bytes_per_s: float | None
    tx_bytes_per_s: float | None
    rx_packets_per_s: float | None
    tx_packets_per_s: float | None
    rx_bytes_total: int | None
    tx_bytes_total: int | None
    errors_in: int | None
    errors_out: int | None
    drops_in: int | None
    drops_out: int | None


@dataclass(frozen=True, slots=True)
class ProcessRow:
    pid: int
    ppid: int | None
    user: str | None
    name: str
    cmdline: str
    status: str | None
    threads: int | None
    cpu_percent: float | None
    rss_bytes: int | None
    mem_percent: float | None
    cpu_time_s: float | None
    start_time_epoch_s: float | None
    # Defaults: readings added later; a row built without them shows them unknown.
    vms_bytes: int | None = None
    nice: int | None = None
    priority: int | None = None  # the kernel's: 20 + nice, or -2 to -100 for real-time
    # Storage bytes per second read and written (/proc/<pid>/io); None: not readable (another
    # user's process without root, a kernel thread) or the first reading.
    read_bytes_per_s: float | None = None
    write_bytes_per_s: float | None = None
    is_kernel_thread: bool = False
    cgroup: str | None = None  # short label of its cgroup (sot.collect.cgroup_labels); untrusted
    # A process-exporter group (another host's processes of one name, through Prometheus), not
    # a process: how many processes it has; ``pid`` is then made up and nothing acts on it.
    # None: a process.
    group_processes: int | None = None


@dataclass(frozen=True, slots=True)
class ProcessDetails:
    """Everything the details view shows about one process; read only while it is shown."""

    pid: int
    name: str
    arguments: tuple[str, ...]  # the command line, one item per argument
    exe: str | None
    cwd: str | None
    user_real: str | None
    user_effective: str | None
    status: str | None
    nice: int | None
    start_time_epoch_s: float | None
    cpu_user_s: float | None
    cpu_system_s: float | None
    cpu_percent: float | None
    rss_bytes: int | None
    vms_bytes: int | None
    shared_bytes: int | None
    threads: int | None
    open_files: int | None
    io_read_bytes: int | None
    io_write_bytes: int | None
    io_read_bytes_per_s: float | None
    io_write_bytes_per_s: float | None
    listening_ports: tuple[str, ...] | None  # "tcp 0.0.0.0:22"
    connections: tuple[tuple[str, int], ...] | None  # (state, count), busiest first
    parent: tuple[int, str] | None
    children: tuple[tuple[int, str], ...]
    # (name, value) in the process's order, secret-looking values already masked; None: not
    # readable. ``environment_complete`` False: only the first part was read.
    environment: tuple[tuple[str, str], ...] | None
    environment_complete: bool
    # (descriptor, path or kernel name such as "socket:[123]"), lowest first; None: not readable.
    # ``open_files`` counts them all, listed or not.
    open_file_targets: tuple[tuple[int, str], ...] | None
    # GPU memory the process holds, over all GPUs, where the machine has GPUs (``gpus_present``;
    # else the details view shows no GPU line): None where the driver does not say.
    gpu_memory_bytes: int | None = None
    gpus_present: bool = False
    # Why it may be unknown, from the GPUs' reader ("nvidia-smi lists compute processes only").
    gpu_memory_note: str | None = None


@dataclass(frozen=True, slots=True)
class GpuSample:
    """One GPU, as its driver reports it (NVML, nvidia-smi, or amdgpu/i915 sysfs files).
    ``index`` is the driver's numbering (nvidia-smi's index, the DRM card number); ``vendor``
    "nvidia", "amd" or "intel"; ``name`` is the driver's product name (untrusted text) or, for
    sysfs, the PCI ids. Every reading the driver does not give is ``None``. ``key`` tells GPUs
    apart: vendor and index."""

    index: int
    vendor: str
    name: str
    utilization_percent: float | None
    memory_used_bytes: int | None
    memory_total_bytes: int | None
    temperature_celsius: float | None
    power_watts: float | None
    power_limit_watts: float | None
    frequency_mhz: float | None = None
    # Runtime-suspended (power/runtime_status): not read, lest reading wake it; every reading
    # is then None and the panel says "suspended".
    suspended: bool = False

    @property
    def key(self) -> str:
        """Unique among the machine's GPUs ("nvidia0", "intel0", "amd1"): the index alone is
        not (NVIDIA's 0 beside an Intel card0). History, labels and JSON's ``id`` use it."""
        return f"{self.vendor}{self.index}"


@dataclass(frozen=True, slots=True)
class ProcessCounts:
    total: int
    running: int
    sleeping: int
    zombie: int
    other: int
    threads: int


@dataclass(frozen=True, slots=True)
class ListeningPort:
    """A listening TCP socket or a bound UDP socket. IPv4 and IPv6 sockets on the same port
    are two entries: they are two sockets, and either may be missing. ``pid`` and ``name``
    are ``None`` where the owner cannot be seen (another user's process, without root)."""

    protocol: str  # "tcp", "tcp6", "udp", "udp6"
    address: str
    port: int
    pid: int | None
    name: str | None


@dataclass(frozen=True, slots=True)
class DevServerGroup:
    """Processes that run the same kind of thing (``kind``: "Python", "Node", "Database"...),
    with what they run (``programs``: scripts, modules, executables), the ports they listen
    on, and their CPU and memory summed (``None``: none of them could be read)."""

    kind: str
    programs: tuple[str, ...]
    process_count: int
    pids: tuple[int, ...]
    ports: tuple[int, ...]
    cpu_percent: float | None
    rss_bytes: int | None


@dataclass(frozen=True, slots=True)
class CgroupSample:
    """The limits of the cgroup sot itself runs in (a container's, a systemd unit's). Each limit
    is the tightest of this cgroup's and its ancestors' (as far up as the mounted hierarchy
    shows): ``None`` where none is set or it cannot be read. ``path`` is the cgroup's path as
    /proc/self/cgroup gives it (of the memory controller's hierarchy where there is one);
    ``version`` 1 or 2 is that of the hierarchy the limits came from (1 if any came from v1)."""

    path: str
    version: int
    memory_limit_bytes: int | None
    memory_usage_bytes: int | None
    cpu_quota_cores: float | None
    pids_limit: int | None
    pids_current: int | None


@dataclass(frozen=True, slots=True)
class StallShares:
    """Pressure stall information for one resource: the share of the last 10 s in which some
    task (``some``) or every non-idle task (``full``) waited for it, in percent. ``None``: not
    reported (cpu "full" before Linux 5.13)."""

    some_avg10: float | None
    full_avg10: float | None


@dataclass(frozen=True, slots=True)
class PressureSample:
    """/proc/pressure's cpu, memory and io figures; ``None`` for one the kernel did not give."""

    cpu: StallShares | None
    memory: StallShares | None
    io: StallShares | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one tick saw. ``interval_s`` is the time the rates were measured over."""

    monotonic_s: float
    wall_epoch_s: float
    interval_s: float | None
    host: HostInfo
    cpu: CpuSample
    memory: MemorySample
    disks: tuple[DiskUsage, ...]
    disk_total_io: IoRate
    interfaces: tuple[NetInterface, ...]
    default_interface: str | None
    processes: tuple[ProcessRow, ...]
    process_counts: ProcessCounts
    # Read only when a screen wants them (``Collector.sample``'s ``wanted``): ``None`` = not read.
    ports: tuple[ListeningPort, ...] | None = None
    dev_servers: tuple[DevServerGroup, ...] | None = None
    # The disk screen's disks: read only when it is shown (Collector.sample's ``wanted``).
    block_devices: tuple[BlockDiskSample, ...] = ()
    # sot's own cgroup and the kernel's pressure stall figures: ``None`` where they could not be
    # read at all (no cgroups, a kernel without PSI, a recording).
    cgroup: CgroupSample | None = None
    pressure: PressureSample | None = None
    # Fans and the battery, where the machine has them (on the sensors' slow schedule).
    fans: tuple[FanSample, ...] = ()
    battery: BatterySample | None = None
    # What is wrong with a remote source (Prometheus: "prometheus: <error>; last success 12 s
    # ago"), for the status line; None while all is well, and always for a local one.
    source_status: str | None = None
    # What the process table shows instead of this machine's processes, in one line, where a
    # remote source says (Prometheus: "Prometheus has no per-process data for X (...)", or where
    # its process-exporter groups come from); None for a local source.
    processes_note: str | None = None
    # The machine's GPUs (on the slow schedule; empty where it has none, and in a recording),
    # and what went wrong reading them, in one line ("nvidia-smi did not answer in 2 s"); None
    # while all is well.
    gpus: tuple[GpuSample, ...] = ()
    gpu_status: str | None = None


@dataclass(frozen=True, slots=True)
class BlockPartitionSample:
    """A partition (or a whole disk holding a filesystem) on the disk screen."""

    name: str
    size_bytes: int | None
    fstype: str | None
    mount_points: tuple[str, ...]
    used_bytes: int | None
    free_bytes: int | None
    total_bytes: int | None
    holders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BlockDiskSample:
    """A disk of /sys/block with its partitions and its live rates, computed as ``iostat -x``
    does: ``await_ms`` is None when no I/O completed in the interval."""

    name: str
    model: str | None
    size_bytes: int | None
    rotational: bool | None
    partitions: tuple[BlockPartitionSample, ...]
    holders: tuple[str, ...]
    slaves: tuple[str, ...]
    hidden: bool  # loop, zram, ram: shown only with --all
    filesystem: BlockPartitionSample | None  # a filesystem on the whole disk (no partitions)
    read_bytes_per_s: float | None = None
    write_bytes_per_s: float | None = None
    read_iops: float | None = None
    write_iops: float | None = None
    await_ms: float | None = None
    util_percent: float | None = None
