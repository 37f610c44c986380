"""One ``sample()`` per tick: reads the source and returns an immutable Snapshot.

Time is injected (``now_s`` monotonic, ``wall_epoch_s``): nothing here reads the clock, so tests can
replay any sequence of readings. Slow or rarely-changing sources (partitions, sensors, frequency,
logged-in users) are refreshed on their own schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from sot.collect.block import BlockCollector
from sot.collect.cpu import cpu_percentages
from sot.collect.details import DetailsReader
from sot.collect.listeners import Listeners
from sot.collect.processes import ProcessCollector
from sot.collect.rates import iostat_await_util, rate
from sot.collect.records import (
    BlockSource,
    CgroupLimits,
    CgroupSource,
    CpuPlace,
    CpuTimes,
    DiskCounters,
    NetCounters,
    NetStats,
    Partition,
    PortSource,
    PressureReading,
    PressureSource,
    SensorReading,
    Stall,
    StaticHostInfo,
    SwapMemory,
    SystemSource,
)
from sot.model import (
    BatterySample,
    CgroupSample,
    CpuSample,
    DiskUsage,
    FanSample,
    HostInfo,
    IoRate,
    MemorySample,
    NetInterface,
    PressureSample,
    ProcessDetails,
    ProcessKey,
    Snapshot,
    StallShares,
    Temperature,
)

if TYPE_CHECKING:  # imported only where the machine has GPUs (gpu_detect.open_gpus)
    from sot.collect.gpu_monitor import GpuMonitor

T = TypeVar("T")

# Filesystems that hold data on a local block device. Network filesystems are left out on
# purpose: statvfs on a dead NFS server blocks, and a monitor must never hang.
LOCAL_FSTYPES = frozenset(
    {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "jfs", "reiserfs", "bcachefs",
        "vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "hfs", "hfsplus", "apfs", "ufs", "ffs",
    }
)  # fmt: skip
CPU_TEMPERATURE_CHIPS = ("coretemp", "k10temp", "zenpower", "cpu_thermal", "cpu-thermal", "soc")
CPU_PACKAGE_LABELS = ("package id 0", "tctl", "tdie", "cpu")


@dataclass(slots=True)
class _Refresh(Generic[T]):
    """A value re-read at most every ``period_s``."""

    period_s: float
    value: T | None = None
    read_at_s: float | None = None

    def get(self, now_s: float, read: Callable[[], T]) -> T:
        if self.value is None or self.read_at_s is None or now_s - self.read_at_s >= self.period_s:
            self.value = read()
            self.read_at_s = now_s
        return self.value

    def expire(self) -> None:
        """Read again at the next ``get``, whatever the schedule says."""
        self.read_at_s = None


def select_real_filesystems(partitions: Sequence[Partition]) -> tuple[Partition, ...]:
    """Local filesystems worth showing, one per device (the shortest mount point wins).

    Pseudo and network filesystems, loop devices and squashfs snaps are dropped; an overlay root
    is kept so containers still show their ``/``.
    """
    chosen: dict[str, Partition] = {}
    for part in partitions:
        local = part.fstype in LOCAL_FSTYPES and not part.device.startswith("/dev/loop")
        container_root = part.fstype == "overlay" and part.mount_point == "/"
        if not (local or container_root):
            continue
        current = chosen.get(part.device)
        if current is None or len(part.mount_point) < len(current.mount_point):
            chosen[part.device] = part
    return tuple(sorted(chosen.values(), key=lambda p: p.mount_point))


def _disk_times(counters: DiskCounters) -> tuple[int, int, int] | None:
    """(read ms, write ms, io ms), or None where the source has no times."""
    read_ms, write_ms, io_ms = counters.read_ms, counters.write_ms, counters.io_ms
    if read_ms is None or write_ms is None or io_ms is None:
        return None
    return read_ms, write_ms, io_ms


def _io_rate(
    previous: DiskCounters | None, current: DiskCounters | None, interval_s: float | None
) -> IoRate:
    if previous is None or current is None:
        return IoRate(None, None, None, None)
    await_ms = util = None
    before, after = _disk_times(previous), _disk_times(current)
    if before is not None and after is not None:
        # The disk screen's arithmetic (iostat -x's) on the same /proc/diskstats fields.
        await_ms, util = iostat_await_util(
            (current.read_count - previous.read_count)
            + (current.write_count - previous.write_count),
            (after[0] - before[0]) + (after[1] - before[1]),
            after[2] - before[2],
            interval_s,
        )
    return IoRate(
        read_bytes_per_s=rate(previous.read_bytes, current.read_bytes, interval_s),
        write_bytes_per_s=rate(previous.write_bytes, current.write_bytes, interval_s),
        read_ops_per_s=rate(previous.read_count, current.read_count, interval_s),
        write_ops_per_s=rate(previous.write_count, current.write_count, interval_s),
        await_ms=await_ms,
        util_percent=util,
    )


def _net_rates(
    previous: NetCounters | None, current: NetCounters | None, interval_s: float | None
) -> tuple[float | None, float | None, float | None, float | None]:
    """(rx bytes, tx bytes, rx packets, tx packets) per second."""
    if previous is None or current is None:
        return None, None, None, None
    return (
        rate(previous.bytes_recv, current.bytes_recv, interval_s),
        rate(previous.bytes_sent, current.bytes_sent, interval_s),
        rate(previous.packets_recv, current.packets_recv, interval_s),
        rate(previous.packets_sent, current.packets_sent, interval_s),
    )


def _is_whole_disk(name: str, names: frozenset[str]) -> bool:
    """True for sda/nvme0n1/vda, false for sda1/nvme0n1p1 whose disk is also listed."""
    for other in names:
        if other != name and name.startswith(other):
            return False
    return not name.startswith(("loop", "ram", "zram", "fd", "sr"))


@dataclass(slots=True)
class _WholeDisks:
    """The devices whose traffic makes up the total, for the device names last seen: the names
    rarely change, and finding the whole disks among them compares every pair."""

    names: frozenset[str] = frozenset()
    disks: tuple[str, ...] = ()

    def among(self, names: frozenset[str]) -> tuple[str, ...]:
        if names != self.names:
            self.names = names
            self.disks = tuple(
                n for n in sorted(names) if _is_whole_disk(n, names) and not n.startswith("dm-")
            )
        return self.disks


def _total_io(
    previous: Mapping[str, DiskCounters],
    current: Mapping[str, DiskCounters],
    dt: float | None,
    disks: tuple[str, ...],
) -> IoRate:
    """Sum over the whole ``disks`` only, so a partition's traffic is not counted twice."""
    if not disks or any(n not in previous for n in disks):
        return IoRate(None, None, None, None)

    def total(counters: Mapping[str, DiskCounters]) -> DiskCounters:
        return DiskCounters(
            read_bytes=sum(counters[n].read_bytes for n in disks),
            write_bytes=sum(counters[n].write_bytes for n in disks),
            read_count=sum(counters[n].read_count for n in disks),
            write_count=sum(counters[n].write_count for n in disks),
        )

    return _io_rate(total(previous), total(current), dt)


def _package_temperature(readings: Sequence[SensorReading]) -> float | None:
    cpu_readings = [r for r in readings if r.chip in CPU_TEMPERATURE_CHIPS]
    for reading in cpu_readings:
        if reading.label.lower() in CPU_PACKAGE_LABELS:
            return reading.current
    if cpu_readings:
        return max(r.current for r in cpu_readings)
    return None


def _label_number(label: str, name: str) -> int | None:
    """N of a sensor label "<name> N" ("Core 3", "Package id 1"), in any case; else None."""
    head, _, number = label.lower().rpartition(" ")
    if head != name or not (number.isascii() and number.isdigit()):
        return None
    return int(number)


def _core_readings(readings: Sequence[SensorReading]) -> dict[tuple[int | None, int], float | None]:
    """The CPU chips' "Core N" readings by (package id, N). coretemp numbers cores within their
    package, and each package's readings follow its own "Package id P" reading (psutil lists
    them in that order under one "coretemp" name), so a reading's package is that of the last
    "Package id" before it on the same chip; None before any. A place read twice is ambiguous:
    None, so neither reading is shown."""
    found: dict[tuple[int | None, int], float | None] = {}
    chip: str | None = None
    package: int | None = None
    for reading in readings:
        if reading.chip not in CPU_TEMPERATURE_CHIPS:
            continue
        if reading.chip != chip:
            chip, package = reading.chip, None
        package_id = _label_number(reading.label, "package id")
        if package_id is not None:
            package = package_id
            continue
        core = _label_number(reading.label, "core")
        if core is not None:
            place = (package, core)
            found[place] = None if place in found else reading.current
    return found


def _in_core_order(
    readings: Sequence[SensorReading], logical_count: int | None
) -> tuple[float | None, ...]:
    """Without the topology: the "Core N" readings in order of N, only where there is one per
    logical CPU (no SMT siblings) from one package (two packages both have a "Core 0")."""
    cores: dict[int, float] = {}
    for reading in readings:
        if reading.chip not in CPU_TEMPERATURE_CHIPS:
            continue
        number = _label_number(reading.label, "core")
        if number is None:
            continue
        if number in cores:
            return ()
        cores[number] = reading.current
    if not cores or len(cores) != logical_count:
        return ()
    return tuple(cores[n] for n in sorted(cores))


def core_temperatures(
    readings: Sequence[SensorReading],
    logical_count: int | None,
    topology: Sequence[CpuPlace] | None = None,
) -> tuple[float | None, ...]:
    """Each logical CPU's core temperature, from the CPU chips' "Core N" readings (coretemp's;
    k10temp has none per core, usually). N is the core's id within its package, which
    ``topology`` gives for each logical CPU (SMT siblings share a core, and so its reading).
    A CPU whose place is unknown, whose core has no reading or two, gets None; where no CPU
    gets one, (), and the panel shows no per-core temperatures rather than a sibling's or
    another package's. Without a topology that fits (None, or not one place per logical CPU),
    the readings are matched only where that needs none: see ``_in_core_order``."""
    if topology is None or len(topology) != logical_count:
        return _in_core_order(readings, logical_count)
    found = _core_readings(readings)
    # Readings with no "Package id" before them (an older kernel's) fit a single package only.
    one_package = len({place[0] for place in topology if place is not None}) == 1

    def reading_for(place: CpuPlace) -> float | None:
        if place is None:
            return None
        if place in found:
            return found[place]
        return found.get((None, place[1])) if one_package else None

    celsius = tuple(reading_for(place) for place in topology)
    return celsius if any(value is not None for value in celsius) else ()


class Collector:
    """Samples the whole system through a ``SystemSource``; keeps the previous counters."""

    def __init__(
        self,
        source: SystemSource,
        slow_period_s: float = 5.0,
        partitions_period_s: float = 10.0,
        block_source: BlockSource | None = None,
        ports: PortSource | None = None,
        own_pid: int | None = None,
        ports_period_s: float = 3.0,
        cgroups: CgroupSource | None = None,
        pressure: PressureSource | None = None,
        gpus: GpuMonitor | None = None,
    ) -> None:
        self._source = source
        # The GPUs' reader (None: the machine has none, or a recording): its worker thread
        # reads on its own slow schedule; a sample only takes its last answer.
        self._gpus = gpus
        # The disk screen's reader, asked only when a sample wants "block_devices".
        self._block = None if block_source is None else BlockCollector(block_source)
        self._listeners = Listeners(ports, own_pid, ports_period_s)
        self._processes = ProcessCollector(source)
        self._static_host: StaticHostInfo = source.host_info()
        self._counts = source.cpu_counts()
        # Which logical CPUs share a core, for the per-core temperatures: read once (two small
        # files per CPU), as it changes only when a CPU is hot-plugged. After that the CPU count
        # usually no longer matches it, and core_temperatures then does without it.
        self._topology = source.cpu_topology()
        # core_temperatures' last answer, and the sensor readings and CPU count it was for: the
        # readings change on the slow schedule only (matching 256 CPUs takes about 0.2 ms).
        self._core_celsius: tuple[tuple[SensorReading, ...], int, tuple[float | None, ...]] = (
            (),
            0,
            (),
        )
        self._partitions: _Refresh[tuple[tuple[Partition, str], ...]] = _Refresh(
            partitions_period_s
        )
        self._frequency = _Refresh[tuple[float | None, float | None]](slow_period_s)
        self._sensors: _Refresh[tuple[SensorReading, ...]] = _Refresh(slow_period_s)
        # Fans and battery: on the sensors' schedule (psutil reads hwmon and power_supply files:
        # 0.02 and 0.007 ms here, where there are none), so every 5 s by default.
        self._fans: _Refresh[tuple[FanSample, ...]] = _Refresh(slow_period_s)
        self._battery: _Refresh[tuple[BatterySample | None]] = _Refresh(slow_period_s)
        self._users: _Refresh[tuple[int | None]] = _Refresh(slow_period_s)
        self._addresses: _Refresh[Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]] = _Refresh(
            slow_period_s
        )
        self._virtual_nics: _Refresh[frozenset[str]] = _Refresh(partitions_period_s)
        # Link state and speed: one ioctl per interface, and they rarely change.
        self._net_stats: _Refresh[Mapping[str, NetStats]] = _Refresh(slow_period_s)
        self._default_route: _Refresh[tuple[str | None]] = _Refresh(slow_period_s)
        self._previous_s: float | None = None
        self._cpu_times: Sequence[CpuTimes] | None = None
        self._swap: SwapMemory | None = None
        self._disk_counters: Mapping[str, DiskCounters] = {}
        self._whole_disks = _WholeDisks()
        self._net_counters: Mapping[str, NetCounters] = {}
        self._details = DetailsReader(source)
        # sot's own cgroup (None: not read, as in a replay): its limits rarely change and finding
        # them walks the mount table and the ancestors, so on the slow schedule; its usage is
        # two small files, read every tick so it moves with the host's figures beside it.
        self._cgroups = cgroups
        self._cgroup_limits: _Refresh[tuple[CgroupLimits | None]] = _Refresh(slow_period_s)
        self._pressure = pressure
        # The kernel recomputes the pressure averages every 2 s: reading them each tick at 1 s
        # would read the same figures every other time.
        self._pressure_reading: _Refresh[tuple[PressureSample | None]] = _Refresh(2.0)

    def sample(
        self, now_s: float, wall_epoch_s: float, wanted: frozenset[str] = frozenset()
    ) -> Snapshot:
        """One tick's snapshot; ``wanted`` names the optional readings a screen shows as well
        ("block_devices" for sot disk; ``listeners.READING_PORTS`` and
        ``listeners.READING_DEV_SERVERS`` for sot ps): none by default, so the dashboard pays
        nothing for them."""
        interval_s = None if self._previous_s is None else now_s - self._previous_s
        self._previous_s = now_s
        memory = self._memory(interval_s)
        processes, counts = self._processes.sample(
            now_s, wall_epoch_s, interval_s, memory.total_bytes
        )
        disks, disk_total = self._disks(now_s, interval_s)
        interfaces = self._interfaces(now_s, interval_s)
        ports, dev_servers = self._listeners.read(now_s, wanted, processes)
        gpus, gpu_status = ((), None) if self._gpus is None else self._gpus.sample(now_s)
        return Snapshot(
            monotonic_s=now_s,
            wall_epoch_s=wall_epoch_s,
            interval_s=interval_s,
            host=self._host(now_s, wall_epoch_s),
            cpu=self._cpu(now_s),
            memory=memory,
            disks=disks,
            disk_total_io=disk_total,
            interfaces=interfaces,
            default_interface=self._default_interface(now_s, interfaces),
            processes=processes,
            process_counts=counts,
            block_devices=(
                self._block.sample(now_s, interval_s)
                if self._block is not None and "block_devices" in wanted
                else ()
            ),
            ports=ports,
            dev_servers=dev_servers,
            cgroup=self._cgroup(now_s),
            pressure=self._read_pressure(now_s),
            fans=self._fans.get(now_s, self._read_fans),
            battery=self._battery.get(now_s, self._read_battery)[0],
            source_status=self._source_line("status_message"),
            processes_note=self._source_line("processes_note"),
            gpus=gpus,
            gpu_status=gpu_status,
        )

    def wait_for_gpus(self, timeout_s: float) -> None:
        """Wait (bounded) for a GPU read in flight: one-shot output prints what it says."""
        if self._gpus is not None:
            self._gpus.wait(timeout_s)

    def close(self) -> bool:
        """Stop the GPU reader's worker (bounded wait): whether nothing is left running."""
        return True if self._gpus is None else self._gpus.close()

    def _source_line(self, method: str) -> str | None:
        """The source's own line (status, or what its process table shows), where it has one:
        only a remote source does, so the SystemSource Protocol does not ask the local ones."""
        read = getattr(self._source, method, None)
        if not callable(read):
            return None
        found = read()
        return found if isinstance(found, str) else None

    def _read_fans(self) -> tuple[FanSample, ...]:
        return tuple(FanSample(f.chip, f.label, f.rpm) for f in self._source.fans())

    def _read_battery(self) -> tuple[BatterySample | None]:
        found = self._source.battery()
        if found is None:
            return (None,)
        return (BatterySample(found.percent, found.power_plugged, found.seconds_left),)

    def _read_pressure(self, now_s: float) -> PressureSample | None:
        source = self._pressure
        if source is None:
            return None
        (sample,) = self._pressure_reading.get(now_s, lambda: (_pressure(source.read()),))
        return sample

    def process_details(self, key: ProcessKey, now_s: float) -> ProcessDetails | None:
        """The details view's data for one process (see ``DetailsReader``); ``None`` once it
        has exited (or its PID belongs to another)."""
        details = self._details.read(key, now_s)
        if details is None or self._gpus is None:
            return details
        used, note = self._gpus.process_memory(key[0])
        return replace(details, gpus_present=True, gpu_memory_bytes=used, gpu_memory_note=note)

    def _cgroup(self, now_s: float) -> CgroupSample | None:
        reader = self._cgroups
        if reader is None:
            return None
        (limits,) = self._cgroup_limits.get(now_s, lambda: (reader.limits(),))
        if limits is None:
            return None
        memory_usage, pids_current = reader.usage(limits)
        return CgroupSample(
            path=limits.path,
            version=limits.version,
            memory_limit_bytes=limits.memory_limit_bytes,
            memory_usage_bytes=memory_usage,
            cpu_quota_cores=limits.cpu_quota_cores,
            pids_limit=limits.pids_limit,
            pids_current=pids_current,
        )

    def _host(self, now_s: float, wall_epoch_s: float) -> HostInfo:
        if self._source.host_changes():
            self._static_host = self._source.host_info()
        static = self._static_host
        boot = static.boot_time_epoch_s
        (users,) = self._users.get(now_s, lambda: (self._source.user_count(),))
        return HostInfo(
            hostname=static.hostname,
            os_name=static.os_name,
            kernel=static.kernel,
            architecture=static.architecture,
            cpu_model=static.cpu_model,
            boot_time_epoch_s=boot,
            uptime_s=None if boot is None else max(0.0, wall_epoch_s - boot),
            load_average=self._source.load_average(),
            user_count=users,
        )

    def _cpu(self, now_s: float) -> CpuSample:
        current = self._source.per_cpu_times()
        total, per_cpu, breakdown = cpu_percentages(self._cpu_times, current)
        self._cpu_times = current

        def read_frequency() -> tuple[float | None, float | None]:
            freq = self._source.cpu_frequency()
            return (None, None) if freq is None else (freq.current_mhz, freq.max_mhz)

        frequency, max_frequency = self._frequency.get(now_s, read_frequency)
        readings = self._sensors.get(now_s, lambda: tuple(self._source.temperatures()))
        logical, physical = self._counts
        return CpuSample(
            total_percent=total,
            per_cpu_percent=per_cpu,
            breakdown=breakdown,
            logical_count=logical,
            physical_count=physical,
            frequency_mhz=frequency,
            max_frequency_mhz=max_frequency,
            package_celsius=_package_temperature(readings),
            temperatures=tuple(
                Temperature(r.label, r.current, r.high, r.critical) for r in readings
            ),
            core_celsius=self._core_temperatures(readings, len(per_cpu)),
        )

    def _core_temperatures(
        self, readings: tuple[SensorReading, ...], logical_count: int
    ) -> tuple[float | None, ...]:
        known_readings, known_count, celsius = self._core_celsius
        if readings is not known_readings or logical_count != known_count:
            celsius = core_temperatures(readings, logical_count, self._topology)
            self._core_celsius = (readings, logical_count, celsius)
        return celsius

    def _memory(self, interval_s: float | None) -> MemorySample:
        mem, swap = self._source.memory()
        previous_swap, self._swap = self._swap, swap
        swap_in = swap_out = None
        if swap is not None and previous_swap is not None:
            swap_in = rate(previous_swap.sin, swap.sin, interval_s)
            swap_out = rate(previous_swap.sout, swap.sout, interval_s)
        has_swap = swap is not None and swap.total > 0
        return MemorySample(
            total_bytes=mem.total if mem else None,
            used_bytes=mem.used if mem else None,
            available_bytes=mem.available if mem else None,
            free_bytes=mem.free if mem else None,
            cached_bytes=mem.cached if mem else None,
            buffers_bytes=mem.buffers if mem else None,
            percent=mem.percent if mem else None,
            swap_total_bytes=swap.total if swap is not None else None,
            swap_used_bytes=swap.used if swap is not None and has_swap else None,
            swap_percent=swap.percent if swap is not None and has_swap else None,
            swap_in_bytes_per_s=swap_in if has_swap else None,
            swap_out_bytes_per_s=swap_out if has_swap else None,
        )

    def _disks(
        self, now_s: float, interval_s: float | None
    ) -> tuple[tuple[DiskUsage, ...], IoRate]:
        # Each mount with the kernel's name for its device (a realpath), on the partitions'
        # slow schedule, and at once when the mount table changed: an unmounted filesystem's
        # directory would otherwise show its parent's figures until the next refresh.
        if self._source.mounts_changed():
            self._partitions.expire()
        partitions = self._partitions.get(
            now_s,
            lambda: tuple(
                (part, self._source.resolve_device(part.device))
                for part in select_real_filesystems(self._source.partitions())
            ),
        )
        counters = self._source.disk_counters()
        previous, self._disk_counters = self._disk_counters, counters
        disks: list[DiskUsage] = []
        for part, device in partitions:
            usage = self._source.disk_usage(part.mount_point)
            disks.append(
                DiskUsage(
                    device=part.device,
                    mount_point=part.mount_point,
                    fstype=part.fstype,
                    total_bytes=usage.total if usage else None,
                    used_bytes=usage.used if usage else None,
                    free_bytes=usage.free if usage else None,
                    percent=usage.percent if usage else None,
                    io=_io_rate(previous.get(device), counters.get(device), interval_s),
                )
            )
        whole_disks = self._whole_disks.among(frozenset(counters))
        return tuple(disks), _total_io(previous, counters, interval_s, whole_disks)

    def _interfaces(self, now_s: float, interval_s: float | None) -> tuple[NetInterface, ...]:
        counters = self._source.net_counters()
        previous, self._net_counters = self._net_counters, counters
        stats = self._net_stats.get(now_s, self._source.net_stats)
        addresses = self._addresses.get(now_s, self._source.net_addresses)
        virtual = self._virtual_nics.get(now_s, self._source.virtual_interfaces)
        interfaces: list[NetInterface] = []
        for name in sorted(set(counters) | set(stats)):
            cur, old, stat = counters.get(name), previous.get(name), stats.get(name)
            ipv4, ipv6 = addresses.get(name, ((), ()))
            is_loopback = name == "lo" or name.startswith("lo0") or "127.0.0.1" in ipv4
            rx, tx, rx_packets, tx_packets = _net_rates(old, cur, interval_s)
            interfaces.append(
                NetInterface(
                    name=name,
                    is_up=stat.is_up if stat else None,
                    is_loopback=is_loopback,
                    is_virtual=name in virtual and not is_loopback,
                    speed_mbps=stat.speed_mbps if stat else None,
                    ipv4=ipv4,
                    ipv6=ipv6,
                    rx_bytes_per_s=rx,
                    tx_bytes_per_s=tx,
                    rx_packets_per_s=rx_packets,
                    tx_packets_per_s=tx_packets,
                    rx_bytes_total=cur.bytes_recv if cur else None,
                    tx_bytes_total=cur.bytes_sent if cur else None,
                    errors_in=cur.errin if cur else None,
                    errors_out=cur.errout if cur else None,
                    drops_in=cur.dropin if cur else None,
                    drops_out=cur.dropout if cur else None,
                )
            )
        return tuple(interfaces)

    def _default_interface(self, now_s: float, interfaces: tuple[NetInterface, ...]) -> str | None:
        (routed,) = self._default_route.get(
            now_s, lambda: (self._source.default_route_interface(),)
        )
        names = {i.name for i in interfaces}
        if routed in names:
            return routed
        return choose_busiest_interface(interfaces)


def _stall(stall: Stall | None) -> StallShares | None:
    return None if stall is None else StallShares(stall.some_avg10, stall.full_avg10)


def _pressure(reading: PressureReading | None) -> PressureSample | None:
    if reading is None:
        return None
    return PressureSample(_stall(reading.cpu), _stall(reading.memory), _stall(reading.io))


def choose_busiest_interface(interfaces: Sequence[NetInterface]) -> str | None:
    """The busiest non-loopback interface, physical ones before virtual (docker0, veth, br-)."""
    candidates = [i for i in interfaces if not i.is_loopback]
    if not candidates:
        return None

    def weight(iface: NetInterface) -> tuple[bool, bool, int]:
        traffic = (iface.rx_bytes_total or 0) + (iface.tx_bytes_total or 0)
        return (not iface.is_virtual, iface.is_up is True, traffic)

    return max(candidates, key=weight).name
