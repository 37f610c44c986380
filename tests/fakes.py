"""Builders of records shared by the unit and render tests: a machine's readings (fed to the
collector through ``ReplaySource``, as a recording is) and snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sot.collect.records import (
    CpuTimes,
    DiskCounters,
    Frequency,
    Memory,
    NetCounters,
    NetStats,
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
from sot.collect.replay import Readings, ReplaySource
from sot.model import (
    CpuBreakdown,
    CpuSample,
    DiskUsage,
    HostInfo,
    IoRate,
    MemorySample,
    NetInterface,
    ProcessCounts,
    ProcessRow,
    Snapshot,
)

GIB = 1024**3
DATA = Path(__file__).parent / "data"


def cpu_times(user: float, system: float, idle: float, iowait: float = 0.0) -> CpuTimes:
    return CpuTimes(user, 0.0, system, idle, iowait, 0.0, 0.0, 0.0, 0.0, 0.0)


def readings() -> Readings:
    """A small, fully known machine: two CPUs, one disk, eth0 and lo, no processes."""
    return Readings(
        host=StaticHostInfo(
            "testhost", "Debian GNU/Linux 12 (bookworm)", "6.1.0-test", "x86_64", "Test CPU", 1000.0
        ),
        per_cpu=(cpu_times(10, 5, 85), cpu_times(20, 5, 75)),
        cpu_counts=(2, 1),
        frequency=Frequency(2400.0, 3500.0),
        temperatures=(),
        load_average=(0.5, 0.25, 0.1),
        user_count=1,
        memory=Memory(
            VirtualMemory(8 * GIB, 6 * GIB, 2 * GIB, 4 * GIB, GIB, GIB // 8, 25.0),
            SwapMemory(2 * GIB, 0, 0.0, 0, 0),
        ),
        partitions=(Partition("/dev/sda1", "/", "ext4"),),
        usage={"/": UsageBytes(100 * GIB, 40 * GIB, 60 * GIB, 40.0)},
        disk_counters={
            "sda": DiskCounters(1000, 2000, 10, 20),
            "sda1": DiskCounters(1000, 2000, 10, 20),
        },
        net_counters={
            "lo": NetCounters(500, 500, 5, 5, 0, 0, 0, 0),
            "eth0": NetCounters(10_000, 5_000, 100, 50, 0, 0, 0, 0),
        },
        net_stats={"lo": NetStats(True, None), "eth0": NetStats(True, 1000)},
        net_addresses={"lo": (("127.0.0.1",), ("::1",)), "eth0": (("10.0.0.5",), ())},
        virtual_interfaces=frozenset({"lo"}),
        default_route="eth0",
        processes=(),
        identities={},
    )


def smt_readings(
    places: Sequence[tuple[int, int] | None], temperatures: Sequence[SensorReading]
) -> Readings:
    """``readings()`` with one logical CPU per place (package id, core id), that topology and
    those sensors: a machine with SMT siblings or several packages."""
    return replace(
        readings(),
        per_cpu=tuple(cpu_times(10 + i, 5, 85 - i) for i in range(len(places))),
        cpu_counts=(len(places), len({p for p in places if p is not None}) or None),
        topology=tuple(places),
        temperatures=tuple(temperatures),
    )


def cpu_topology_files(
    places: Sequence[tuple[int, int] | None], offline: Sequence[int] = ()
) -> dict[str, str]:
    """/sys/devices/system/cpu for ``make_tree``: cpu<n> for each place (package id, core id;
    None: a CPU without topology files), and an offline CPU after them for each of ``offline``
    (its number; the kernel removes an offline CPU's topology directory)."""
    base = "/sys/devices/system/cpu"
    files = {f"{base}/online": f"0-{len(places) - 1}\n", f"{base}/cpufreq/": ""}
    for number, place in enumerate(places):
        files[f"{base}/cpu{number}/online"] = "1\n"
        if place is None:
            files[f"{base}/cpu{number}/"] = ""
        else:
            files[f"{base}/cpu{number}/topology/physical_package_id"] = f"{place[0]}\n"
            files[f"{base}/cpu{number}/topology/core_id"] = f"{place[1]}\n"
    for number in offline:
        files[f"{base}/cpu{number}/online"] = "0\n"
    return files


def with_process(
    stored: Readings,
    pid: int,
    name: str,
    cpu_seconds: float = 1.0,
    create_time: float = 5000.0,
    status: str = "sleeping",
    user: str | None = "root",
    cmdline: str | None = None,
    rss_bytes: int | None = 10 * 1024 * 1024,
    ppid: int = 1,
    threads: int = 1,
) -> Readings:
    """``stored`` with one more process, and its identity."""
    identity = ProcessIdentity(name, cmdline if cmdline is not None else f"/usr/bin/{name}", user)
    return replace(
        stored,
        processes=(
            *stored.processes,
            RawProcess(pid, ppid, status, create_time, cpu_seconds, rss_bytes, threads),
        ),
        identities={**stored.identities, pid: identity},
    )


def raw_details(
    pid: int,
    name: str,
    create_time: float = 5000.0,
    arguments: tuple[str, ...] | None = None,
    cpu_user_s: float = 2.0,
    io_read_bytes: int | None = 1000,
    rss_bytes: int | None = 1,
) -> RawProcessDetails:
    """What a source's ``process_details`` answers for one process (cwd and I/O writes denied)."""
    return RawProcessDetails(
        pid=pid,
        create_time=create_time,
        name=name,
        arguments=arguments if arguments is not None else (name, "--serve"),
        exe=f"/usr/bin/{name}",
        cwd=None,
        user_real="root",
        user_effective="root",
        status="sleeping",
        nice=0,
        cpu_user_s=cpu_user_s,
        cpu_system_s=1.0,
        rss_bytes=rss_bytes,
        vms_bytes=2,
        shared_bytes=None,
        threads=3,
        open_files=None,
        io_read_bytes=io_read_bytes,
        io_write_bytes=None,
        listening_ports=None,
        connections=None,
        parent=(1, "init"),
        children=(),
    )


def recorded_source(name: str = "recorded_host.json") -> ReplaySource:
    """psutil results recorded on a real machine with ``sot --record`` (tests/data)."""
    return ReplaySource.from_file(str(DATA / name))


def snapshot(
    processes: Sequence[ProcessRow] = (),
    cpu_percent: float | None = 42.0,
    per_cpu: Sequence[float | None] = (10.0, 90.0),
    memory_percent: float | None = 50.0,
    disks: Sequence[DiskUsage] | None = None,
    interfaces: Sequence[NetInterface] | None = None,
    hostname: str = "testhost",
    swap_total: int | None = 2 * GIB,
) -> Snapshot:
    """A fixed, fully known snapshot for render golden tests."""
    unknown = cpu_percent is None
    if disks is None:
        disks = [
            DiskUsage(
                "/dev/sda1",
                "/",
                "ext4",
                100 * GIB,
                40 * GIB,
                60 * GIB,
                40.0,
                IoRate(1024.0 * 300, 2048.0, 12.0, 3.0, await_ms=1.25, util_percent=35.0),
            ),
            DiskUsage(
                "/dev/sdb1",
                "/srv/data",
                "xfs",
                2000 * GIB,
                1900 * GIB,
                100 * GIB,
                95.0,
                # No I/O completed: no await to tell, and the device was idle.
                IoRate(0.0, 0.0, 0.0, 0.0, await_ms=None, util_percent=0.0),
            ),
        ]
    if interfaces is None:
        interfaces = [
            NetInterface(
                "eth0",
                True,
                False,
                False,
                1000,
                ("10.0.0.5",),
                ("fe80::1",),
                125_000.0,
                4_096.0,
                90.0,
                30.0,
                5 * GIB,
                GIB,
                0,
                0,
                0,
                1,
            ),
            NetInterface(
                "lo",
                True,
                True,
                False,
                None,
                ("127.0.0.1",),
                ("::1",),
                0.0,
                0.0,
                0.0,
                0.0,
                1000,
                1000,
                0,
                0,
                0,
                0,
            ),
        ]
    mem_total = 8 * GIB
    used = None if memory_percent is None else int(mem_total * memory_percent / 100)
    return Snapshot(
        monotonic_s=100.0,
        wall_epoch_s=1_700_000_000.0,
        interval_s=1.0,
        host=HostInfo(
            hostname,
            "Debian GNU/Linux 12 (bookworm)",
            "6.1.0-test",
            "x86_64",
            "Test CPU",
            1_699_900_000.0,
            100_000.0,
            (0.5, 0.25, 0.1),
            2,
        ),
        cpu=CpuSample(
            total_percent=cpu_percent,
            per_cpu_percent=tuple(per_cpu),
            breakdown=CpuBreakdown(*(None,) * 7)
            if unknown
            else CpuBreakdown(30.0, 10.0, 0.0, 2.0, 0.0, 0.0, 58.0),
            logical_count=len(per_cpu),
            physical_count=len(per_cpu),
            frequency_mhz=None if unknown else 2400.0,
            max_frequency_mhz=None if unknown else 3500.0,
            package_celsius=None if unknown else 55.0,
            temperatures=(),
        ),
        memory=MemorySample(
            total_bytes=mem_total,
            used_bytes=used,
            available_bytes=None if used is None else mem_total - used,
            free_bytes=GIB,
            cached_bytes=GIB,
            buffers_bytes=GIB // 16,
            percent=memory_percent,
            swap_total_bytes=swap_total,
            swap_used_bytes=0 if swap_total else None,
            swap_percent=0.0 if swap_total else None,
            swap_in_bytes_per_s=0.0 if swap_total else None,
            swap_out_bytes_per_s=0.0 if swap_total else None,
        ),
        disks=tuple(disks),
        disk_total_io=IoRate(1024.0 * 300, 2048.0, 12.0, 3.0),
        interfaces=tuple(interfaces),
        default_interface="eth0",
        processes=tuple(processes),
        process_counts=ProcessCounts(
            len(processes), 1, len(processes) - 1, 0, 0, sum(p.threads or 0 for p in processes)
        ),
    )


def process(
    pid: int,
    name: str,
    cpu: float | None = 1.0,
    user: str | None = "root",
    cmdline: str | None = None,
    status: str = "sleeping",
    rss: int | None = 50 * 1024 * 1024,
    nice: int | None = 0,
) -> ProcessRow:
    return ProcessRow(
        pid=pid,
        ppid=1,
        user=user,
        name=name,
        cmdline=cmdline if cmdline is not None else f"/usr/bin/{name} --flag",
        status=status,
        threads=4,
        cpu_percent=cpu,
        rss_bytes=rss,
        mem_percent=None if rss is None else 100.0 * rss / (8 * GIB),
        cpu_time_s=123.45,
        start_time_epoch_s=1_699_990_000.0,
        vms_bytes=None if rss is None else 4 * rss,
        nice=nice,
        priority=None if nice is None else 20 + nice,
    )
