"""The collector, fed by stored readings: rates, unknowns, caches and PID reuse."""

from __future__ import annotations

from dataclasses import replace

from sot.collect.collector import Collector, choose_busiest_interface, select_real_filesystems
from sot.collect.procfs_parsers import parse_cpu_model, parse_default_route, parse_os_release
from sot.collect.records import (
    DiskCounters,
    Memory,
    NetCounters,
    Partition,
    ProcessIdentity,
    RawProcessDetails,
    SensorReading,
    SwapMemory,
    UsageBytes,
)
from sot.collect.replay import ReplaySource
from tests.fakes import GIB, cpu_times, raw_details, readings, recorded_source, with_process


class CountingSource(ReplaySource):
    """Stored readings that count the identity reads the collector makes."""

    def __init__(self) -> None:
        super().__init__(readings())
        self.identity_reads: list[int] = []

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        self.identity_reads.append(pid)
        return super().process_identity(pid)


def test_first_sample_has_no_rates_second_has_real_ones() -> None:
    source = ReplaySource(with_process(readings(), 10, "worker", cpu_seconds=1.0))
    collector = Collector(source)
    first = collector.sample(100.0, 1_700_000_000.0)
    assert first.interval_s is None
    assert first.cpu.total_percent is None
    assert first.processes[0].cpu_percent is None  # unknown, not a fake 0
    assert all(i.rx_bytes_per_s is None for i in first.interfaces)

    stored = source.readings
    source.readings = replace(
        stored,
        per_cpu=(cpu_times(15, 5, 90), cpu_times(30, 5, 80)),  # +5 busy/+5 idle, +10 busy/+5 idle
        processes=(stored.processes[0]._replace(cpu_seconds=1.5),),
        net_counters={
            **stored.net_counters,
            "eth0": NetCounters(12_000, 6_000, 120, 60, 0, 0, 0, 0),
        },
        disk_counters={
            "sda": DiskCounters(5096, 2000, 14, 20),
            "sda1": DiskCounters(5096, 2000, 14, 20),
        },
    )
    second = collector.sample(102.0, 1_700_000_002.0)
    assert second.interval_s == 2.0
    assert second.cpu.per_cpu_percent == (50.0, 100.0 * 10 / 15)
    assert second.cpu.total_percent == 100.0 * 15 / 25
    assert second.processes[0].cpu_percent == 25.0  # 0.5 cpu-seconds over 2 s
    eth0 = next(i for i in second.interfaces if i.name == "eth0")
    assert eth0.rx_bytes_per_s == 1000.0
    assert eth0.tx_packets_per_s == 5.0
    assert second.disks[0].io.read_bytes_per_s == 2048.0
    assert second.disks[0].io.read_ops_per_s == 2.0
    # Whole disks only in the total, so the partition's traffic is not counted twice.
    assert second.disk_total_io.read_bytes_per_s == 2048.0


def test_counter_reset_gives_unknown_never_negative() -> None:
    source = ReplaySource(readings())
    collector = Collector(source)
    collector.sample(1.0, 1.0)
    source.readings = replace(
        source.readings,
        net_counters={  # a re-created NIC
            **source.readings.net_counters,
            "eth0": NetCounters(10, 10, 1, 1, 0, 0, 0, 0),
        },
        disk_counters={
            "sda": DiskCounters(0, 0, 0, 0),
            "sda1": DiskCounters(0, 0, 0, 0),
        },  # hot-plug
        per_cpu=(cpu_times(1, 1, 1), cpu_times(1, 1, 1)),  # counters went backwards
    )
    snap = collector.sample(2.0, 2.0)
    eth0 = next(i for i in snap.interfaces if i.name == "eth0")
    assert eth0.rx_bytes_per_s is None and eth0.tx_bytes_per_s is None
    assert snap.disks[0].io.read_bytes_per_s is None
    assert snap.disk_total_io.write_bytes_per_s is None
    assert snap.cpu.total_percent is None
    assert snap.cpu.per_cpu_percent == (None, None)


def test_vanished_denied_and_zombie_processes() -> None:
    stored = with_process(readings(), 10, "alive")
    stored = with_process(stored, 11, "ghost")
    stored = replace(stored, identities={**stored.identities, 11: None})  # vanished before read
    stored = with_process(stored, 12, "secret", user=None, cmdline="")  # denied user and cmdline
    stored = with_process(stored, 13, "defunct", status="zombie", cmdline="", rss_bytes=None)
    snap = Collector(ReplaySource(stored)).sample(1.0, 1.0)
    by_pid = {p.pid: p for p in snap.processes}
    assert set(by_pid) == {10, 12, 13}
    assert by_pid[12].user is None and by_pid[12].cmdline == ""
    assert by_pid[13].rss_bytes is None and by_pid[13].mem_percent is None
    assert snap.process_counts.zombie == 1
    assert snap.process_counts.total == 3
    assert snap.process_counts.sleeping == 2


def test_pid_reuse_never_shows_the_old_identity() -> None:
    source = ReplaySource(
        with_process(readings(), 500, "old-daemon", create_time=1000.0, cpu_seconds=50.0)
    )
    collector = Collector(source)
    collector.sample(1.0, 1.0)
    source.readings = with_process(
        readings(), 500, "new-shell", create_time=2000.0, cpu_seconds=0.1
    )
    snap = collector.sample(2.0, 2.0)
    assert snap.processes[0].name == "new-shell"
    # The new process's CPU % is unknown on its first tick, not computed from the old one's time.
    assert snap.processes[0].cpu_percent is None


def test_identity_is_cached_evicted_and_refreshed_on_ttl() -> None:
    source = CountingSource()
    source.readings = with_process(with_process(source.readings, 10, "a"), 11, "b")
    collector = Collector(source)
    collector.sample(1.0, 1.0)
    collector.sample(2.0, 2.0)
    assert sorted(source.identity_reads) == [10, 11]  # read once, then cached
    source.readings = replace(source.readings, processes=source.readings.processes[:1])
    collector.sample(3.0, 3.0)
    source.readings = with_process(source.readings, 11, "b2", create_time=9999.0)
    collector.sample(4.0, 4.0)
    assert source.identity_reads.count(11) == 2  # evicted when gone, re-read for the new one
    source.identity_reads.clear()
    collector.sample(40.0, 40.0)  # past the 30 s TTL, but neither has run since: kept
    assert source.identity_reads == []
    ran = tuple(
        p._replace(cpu_seconds=(p.cpu_seconds or 0.0) + 1.0) for p in source.readings.processes
    )
    source.readings = replace(source.readings, processes=ran)
    collector.sample(41.0, 41.0)  # they ran: names can have changed (exec, prctl)
    assert sorted(source.identity_reads) == [10, 11]


def test_no_swap_no_sensors_no_frequency_no_counters() -> None:
    stored = replace(
        readings(),
        memory=Memory(None, SwapMemory(0, 0, 0.0, 0, 0)),
        temperatures=(),
        frequency=None,
        disk_counters={},
        load_average=None,
    )
    snap = Collector(ReplaySource(stored)).sample(1.0, 1.0)
    assert snap.memory.swap_total_bytes == 0
    assert snap.memory.swap_percent is None
    assert snap.memory.total_bytes is None
    assert snap.cpu.frequency_mhz is None
    assert snap.cpu.package_celsius is None
    assert snap.disks[0].io.read_bytes_per_s is None
    assert snap.disk_total_io.read_bytes_per_s is None
    assert snap.host.load_average is None


def test_package_temperature_prefers_the_package_sensor() -> None:
    sensors = (
        SensorReading("coretemp", "Core 0", 50.0, 80.0, 100.0),
        SensorReading("coretemp", "Package id 0", 61.0, 80.0, 100.0),
        SensorReading("nvme", "Composite", 70.0, None, None),
    )
    snap = Collector(ReplaySource(replace(readings(), temperatures=sensors))).sample(1.0, 1.0)
    assert snap.cpu.package_celsius == 61.0
    assert len(snap.cpu.temperatures) == 3


def test_slow_sources_refresh_on_their_own_schedule() -> None:
    source = ReplaySource(readings())
    collector = Collector(source, slow_period_s=5.0, partitions_period_s=10.0)
    collector.sample(0.0, 0.0)
    source.readings = replace(
        source.readings,
        partitions=(*source.readings.partitions, Partition("/dev/sdb1", "/srv", "xfs")),
        frequency=None,
    )
    assert len(collector.sample(1.0, 1.0).disks) == 1
    assert collector.sample(2.0, 2.0).cpu.frequency_mhz == 2400.0
    assert collector.sample(5.0, 5.0).cpu.frequency_mhz is None
    assert len(collector.sample(10.0, 10.0).disks) == 2


def test_real_filesystems_only_one_per_device() -> None:
    parts = [
        Partition("proc", "/proc", "proc"),
        Partition("tmpfs", "/run", "tmpfs"),
        Partition("/dev/sda1", "/", "ext4"),
        Partition("/dev/sda1", "/var/lib/docker/bind", "ext4"),
        Partition("/dev/loop3", "/snap/core/1", "squashfs"),
        Partition("/dev/loop4", "/mnt/img", "ext4"),
        Partition("server:/export", "/mnt/nfs", "nfs4"),
        Partition("/dev/nvme0n1p2", "/home", "btrfs"),
        Partition("overlay", "/", "overlay"),
        Partition("overlay", "/var/lib/docker/overlay2/x/merged", "overlay"),
    ]
    chosen = select_real_filesystems(parts)
    assert [(p.device, p.mount_point) for p in chosen] == [
        ("/dev/sda1", "/"),
        ("overlay", "/"),
        ("/dev/nvme0n1p2", "/home"),
    ]


def test_default_interface_is_the_routed_one_else_busiest_physical() -> None:
    stored = readings()
    stored = replace(
        stored,
        net_counters={
            **stored.net_counters,
            "docker0": NetCounters(10**12, 10**12, 1, 1, 0, 0, 0, 0),
            "wlan0": NetCounters(100, 100, 1, 1, 0, 0, 0, 0),
        },
        virtual_interfaces=frozenset({"lo", "docker0"}),
    )
    assert Collector(ReplaySource(stored)).sample(1.0, 1.0).default_interface == "eth0"
    snap = Collector(ReplaySource(replace(stored, default_route=None))).sample(1.0, 1.0)
    assert snap.default_interface == "eth0"  # busiest physical, never the docker bridge
    assert choose_busiest_interface([i for i in snap.interfaces if i.name != "eth0"]) == "wlan0"


def test_recorded_host_replays_into_a_complete_snapshot() -> None:
    source = recorded_source()
    collector = Collector(source)
    snap = collector.sample(1.0, 1_700_000_000.0)
    assert snap.host.hostname
    assert snap.memory.total_bytes is not None and snap.memory.total_bytes > GIB
    assert snap.processes
    assert {p.pid for p in snap.processes} <= {p.pid for p in source.processes()}
    assert snap.default_interface == source.default_route_interface()


def test_parsers_for_files_psutil_does_not_read() -> None:
    assert parse_os_release('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12"\n') == (
        "Debian GNU/Linux 12"
    )
    assert parse_os_release("NAME=Alpine\nVERSION=3.19\n") == "Alpine 3.19"
    assert parse_os_release("") is None
    assert (
        parse_cpu_model("processor\t: 0\nmodel name\t: Intel(R)  Xeon(R)\n") == "Intel(R) Xeon(R)"
    )
    table = (
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
        "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"
    )
    assert parse_default_route(table) == "eth0"
    assert parse_default_route("Iface\tDestination\n") is None


def test_details_rates_and_pid_reuse() -> None:
    def raw(read: int, user: float, create: float = 5000.0) -> RawProcessDetails:
        return raw_details(10, "db", create, cpu_user_s=user, io_read_bytes=read)

    source = ReplaySource(replace(readings(), details={10: raw(1000, 2.0)}))
    collector = Collector(source)
    key = (10, 5000.0)
    first = collector.process_details(key, 10.0)
    assert first is not None and first.io_read_bytes_per_s is None and first.cpu_percent is None
    source.readings = replace(source.readings, details={10: raw(5000, 3.0)})
    second = collector.process_details(key, 12.0)
    assert second is not None
    assert second.io_read_bytes_per_s == 2000.0
    assert second.cpu_percent == 50.0
    assert second.io_write_bytes_per_s is None and second.cwd is None  # denied stays unknown
    # The PID now belongs to someone else.
    source.readings = replace(source.readings, details={10: raw(0, 0.0, create=9999.0)})
    assert collector.process_details(key, 13.0) is None
    source.readings = replace(source.readings, details={})
    assert collector.process_details(key, 14.0) is None


def test_idle_processes_keep_their_row_and_busy_ones_are_recomputed() -> None:
    stored = with_process(readings(), 10, "idle", cpu_seconds=5.0)
    source = ReplaySource(with_process(stored, 11, "busy", cpu_seconds=5.0))
    collector = Collector(source)
    collector.sample(1.0, 1.0)
    second = {p.pid: p for p in collector.sample(2.0, 2.0).processes}
    assert second[10].cpu_percent == 0.0 and second[11].cpu_percent == 0.0
    idle, busy = source.readings.processes
    source.readings = replace(source.readings, processes=(idle, busy._replace(cpu_seconds=5.5)))
    third = {p.pid: p for p in collector.sample(3.0, 3.0).processes}
    assert third[10] is second[10]  # unchanged and idle: the same row, not rebuilt
    assert third[11].cpu_percent == 50.0
    source.readings = replace(
        source.readings,
        identities={
            **source.readings.identities,
            10: ProcessIdentity("renamed", "/usr/bin/idle", "root"),
        },
    )
    unchanged = {p.pid: p for p in collector.sample(40.0, 40.0).processes}  # past the TTL
    assert unchanged[10].name == "idle"  # it has not run since: it cannot have renamed itself
    idle, busy = source.readings.processes
    source.readings = replace(source.readings, processes=(idle._replace(cpu_seconds=6.0), busy))
    later = {p.pid: p for p in collector.sample(41.0, 41.0).processes}
    assert later[10].name == "renamed"


def test_an_unmounted_filesystem_is_dropped_at_the_next_tick() -> None:
    stored = readings()
    stored = replace(
        stored,
        partitions=(*stored.partitions, Partition("/dev/sdb1", "/mnt/data", "xfs")),
        usage={**stored.usage, "/mnt/data": UsageBytes(10 * GIB, GIB, 9 * GIB, 10.0)},
    )
    source = ReplaySource(stored)
    collector = Collector(source, partitions_period_s=10.0)
    assert [d.mount_point for d in collector.sample(0.0, 0.0).disks] == ["/", "/mnt/data"]
    source.readings = replace(  # umount /mnt/data: its directory now shows /'s figures
        stored,
        partitions=stored.partitions[:1],
        usage={**stored.usage, "/mnt/data": stored.usage["/"]},
        mount_changes=stored.mount_changes + 1,
    )
    assert [d.mount_point for d in collector.sample(1.0, 1.0).disks] == ["/"]


def test_a_disk_plugged_in_later_counts_in_the_total() -> None:
    source = ReplaySource(readings())
    collector = Collector(source)
    collector.sample(1.0, 1.0)
    counters = {**source.readings.disk_counters, "sdb": DiskCounters(0, 0, 0, 0)}
    source.readings = replace(source.readings, disk_counters=counters)
    assert collector.sample(2.0, 2.0).disk_total_io.read_bytes_per_s is None  # sdb was not there
    counters = {**counters, "sdb": DiskCounters(4096, 0, 4, 0)}
    source.readings = replace(source.readings, disk_counters=counters)
    assert collector.sample(3.0, 3.0).disk_total_io.read_bytes_per_s == 4096.0


def test_a_process_that_started_between_samples_gets_its_own_cpu_over_its_age() -> None:
    wall = 1_700_000_000.0
    source = ReplaySource(with_process(readings(), 10, "old", cpu_seconds=50.0, create_time=1e9))
    collector = Collector(source)
    first = collector.sample(100.0, wall)
    assert first.processes[0].cpu_percent is None  # the first sample: no "between" to speak of
    stored = source.readings
    stored = with_process(stored, 11, "fresh", cpu_seconds=0.5, create_time=wall + 1.0)
    stored = with_process(stored, 12, "nostart", cpu_seconds=0.5)
    stored = replace(
        stored,
        processes=tuple(
            p._replace(create_time=None) if p.pid == 12 else p for p in stored.processes
        ),
    )
    # Seen for the first time now but older than the interval (missed last time, say): its
    # lifetime average, not all its CPU time put into the last two seconds.
    stored = with_process(stored, 13, "missed", cpu_seconds=10.0, create_time=wall - 98.0)
    # A start time up to a second early (the boot time is in whole seconds): it started after
    # the last sample, so its age is taken as the interval at most.
    stored = with_process(stored, 14, "early", cpu_seconds=1.0, create_time=wall - 0.5)
    stored = with_process(stored, 15, "future", cpu_seconds=1.0, create_time=wall + 9.0)
    source.readings = stored
    by_pid = {p.pid: p for p in collector.sample(102.0, wall + 2.0).processes}
    assert by_pid[10].cpu_percent == 0.0  # seen before: its rate over the interval
    assert by_pid[11].cpu_percent == 50.0  # 0.5 cpu-seconds over its 1 s of life
    assert by_pid[12].cpu_percent is None  # no start time: cannot be known
    assert by_pid[13].cpu_percent == 10.0  # 10 s over 100 s
    assert by_pid[14].cpu_percent == 50.0  # 1 s over the 2 s interval, not over 2.5 s
    assert by_pid[15].cpu_percent is None  # started "after now": the clock moved back


def test_nice_priority_and_virtual_size_reach_the_table() -> None:
    stored = with_process(readings(), 10, "worker")
    stored = replace(
        stored,
        processes=(stored.processes[0]._replace(vms_bytes=4096, nice=-5, priority=15),),
    )
    row = Collector(ReplaySource(stored)).sample(1.0, 1e9).processes[0]
    assert (row.vms_bytes, row.nice, row.priority) == (4096, -5, 15)
