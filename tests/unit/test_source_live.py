"""The /proc source against psutil itself, on the live machine; and the /proc parsers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sot.collect.collector import Collector
from sot.collect.procfs import ProcfsSource
from sot.collect.procfs_parsers import (
    ProcStat,
    memory_from_meminfo,
    parse_boot_time,
    parse_diskstats,
    parse_meminfo,
    parse_net_dev,
    parse_per_cpu_times,
    parse_proc_stat,
    parse_status_uid,
    split_cmdline,
    swap_from_meminfo,
)
from sot.collect.psutil_source import PsutilSource
from sot.collect.records import CpuTimes, DiskCounters, NetCounters, RawProcess, SwapMemory
from sot.collect.system import system_source
from sot.render.units import human_bytes


def procfs_source() -> ProcfsSource:
    # Some stat files kept open and the rest read the plain way: both paths are compared.
    source = ProcfsSource.open(kept_stat_files=32)
    assert source is not None, "these tests run on Linux"
    return source


def test_parse_proc_stat_survives_hostile_command_names() -> None:
    stat = (
        b"4242 (evil) name (x) 0) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
        b"250 130 0 0 20 0 7 0 98765 123456789 2048 18446744073709551615"
    )
    assert parse_proc_stat(stat) == ProcStat(
        state="S",
        ppid=1,
        utime=250,
        stime=130,
        priority=20,
        nice=0,
        threads=7,
        start=98765,
        vsize=123456789,
        rss_pages=2048,
        flags=4194560,  # PF_RANDOMIZE | PF_FORKNOEXEC: not a kernel thread
    )
    assert parse_proc_stat(b"1 (short) R 0") is None


def test_fast_path_agrees_with_psutil() -> None:
    # The live machine does not stand still: a process can exit, start or be re-parented between
    # two scans. psutil's scan is taken between two fast scans, and only processes that are the
    # same in both fast scans are compared; the test then checks that this covered most of them.
    source = procfs_source()
    before = {p.pid: p for p in source.processes() or ()}
    slow = {p.pid: p for p in PsutilSource().processes()}
    after = {p.pid: p for p in source.processes() or ()}
    stable = [
        pid
        for pid in before.keys() & after.keys() & slow.keys()
        if (before[pid].ppid, before[pid].create_time) == (after[pid].ppid, after[pid].create_time)
    ]
    assert len(stable) >= 0.8 * max(len(before), len(slow), len(after))
    assert os.getpid() in stable and 1 in stable
    for pid in stable:
        a, b = before[pid], slow[pid]
        assert a.ppid == b.ppid, pid
        assert a.create_time is not None and b.create_time is not None
        assert abs(a.create_time - b.create_time) < 0.01, pid  # the key sot uses for identity
    me_fast, me_slow, me_last = before[os.getpid()], slow[os.getpid()], after[os.getpid()]
    assert me_fast.threads == me_slow.threads
    assert me_fast.status in ("running", "sleeping") and me_slow.status in ("running", "sleeping")
    assert me_fast.rss_bytes is not None and me_slow.rss_bytes is not None
    assert abs(me_fast.rss_bytes - me_slow.rss_bytes) < 0.2 * me_slow.rss_bytes
    assert me_fast.cpu_seconds is not None and me_slow.cpu_seconds is not None
    assert me_last.cpu_seconds is not None
    # CPU time only grows: psutil's reading lies between the two fast ones.
    assert me_fast.cpu_seconds <= me_slow.cpu_seconds + 0.01
    assert me_slow.cpu_seconds <= me_last.cpu_seconds + 0.01


def table_rss(pid: int) -> int | None:
    """The RSS the process table shows for ``pid``: a fresh collector's row (its first reading
    of every /proc file, nothing kept from before)."""
    rows = Collector(system_source()).sample(time.monotonic(), time.time()).processes
    return next(row.rss_bytes for row in rows if row.pid == pid)


def ps_rss(pid: int) -> int:
    ps = subprocess.run(
        ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=True
    )
    return int(ps.stdout) * 1024  # ps counts KiB


@pytest.mark.skipif(shutil.which("ps") is None, reason="needs ps (procps)")
def test_table_rss_equals_ps_and_the_details_view() -> None:
    # /proc/<pid>/stat's RSS is the kernel's per-CPU estimate and trailed ps by dozens of pages
    # (1.6M in the table, 1.7M in ps). This process's memory moves while it runs, so a round
    # counts only when the table saw the same figure before and after ps and the details read.
    pid = os.getpid()
    for _ in range(30):
        before = table_rss(pid)
        ps = ps_rss(pid)
        details = system_source().process_details(pid)
        after = table_rss(pid)
        if details is not None and before == after == details.rss_bytes:
            break
    else:
        pytest.fail("this process's RSS never held still for one round")
    assert before == ps, f"table {before}, ps {ps}"
    assert human_bytes(before) == human_bytes(ps)


def test_start_time_matches_the_signal_guards_reading() -> None:
    source = system_source()
    mine = next(p for p in source.processes() if p.pid == os.getpid())
    started = source.process_start_time(os.getpid())
    assert mine.create_time is not None and started is not None
    assert abs(mine.create_time - started) < 0.01


# Sets a 15-byte comm whose argv[0] is longer (psutil restores the full name from it); its
# arguments include one with spaces and an empty last one.
LONG_NAMED = "import time\nopen('/proc/self/comm', 'w').write('abcdefghijklmno')\ntime.sleep(600)\n"


def test_identity_fast_path_agrees_with_psutil() -> None:
    child = subprocess.Popen(
        ["abcdefghijklmnopqrstuvwxyz", "-c", LONG_NAMED, "two words", ""],
        executable=sys.executable,
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(f"/proc/{child.pid}/comm", encoding="utf-8") as comm:
                if comm.read().strip() == "abcdefghijklmno":
                    break
            time.sleep(0.02)
        source, portable = procfs_source(), PsutilSource()
        later = procfs_source()  # it lists nothing, so it takes no name from a listing's read
        pids = [p.pid for p in source.processes() or ()]
        assert child.pid in pids
        compared = 0
        for pid in pids:
            fast, slow = source.process_identity(pid), portable.process_identity(pid)
            # A process that exited or exec'd another program between the reads is not
            # comparable: psutil's read must lie between two fast reads that agree (the first
            # takes its name from the listing's read of the stat file).
            if fast is None or slow is None or later.process_identity(pid) != fast:
                continue
            assert fast._replace(cgroup=None) == slow, pid  # psutil reads no cgroup
            compared += 1
        assert compared >= 0.8 * len(pids)
        mine = source.process_identity(child.pid)
        assert mine is not None
        assert mine.name == "abcdefghijklmnopqrstuvwxyz"
        assert mine.cmdline.endswith("-c " + LONG_NAMED + " two words ")
    finally:
        child.kill()
        child.wait()


def test_command_lines_split_as_psutil_splits_them() -> None:
    assert split_cmdline("") == []
    assert split_cmdline("/bin/sh\x00-c\x00echo a b\x00") == ["/bin/sh", "-c", "echo a b"]
    assert split_cmdline("postgres: writer process   \x00") == [
        "postgres:",
        "writer",
        "process",
        "",
        "",
        "",
    ]
    assert split_cmdline("nginx: worker process") == ["nginx:", "worker", "process"]


def test_real_uid_comes_from_the_status_file() -> None:
    status = b"Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\n"
    assert parse_status_uid(status) == 1000
    assert parse_status_uid(b"Name:\tx\n") is None


def test_system_wide_fast_paths_agree_with_psutil() -> None:
    source, portable = procfs_source(), PsutilSource()
    fast_memory, slow_memory = source.memory(), portable.memory()
    assert fast_memory is not None
    (memory, swap), (memory_psutil, swap_psutil) = fast_memory, slow_memory
    assert memory is not None and memory_psutil is not None
    assert memory.total == memory_psutil.total
    assert abs(memory.available - memory_psutil.available) < 0.05 * memory.total
    assert swap is not None and swap_psutil is not None
    assert (swap.total, swap.sin is None, swap.sout is None) == (
        swap_psutil.total,
        swap_psutil.sin is None,
        swap_psutil.sout is None,
    )
    # Counters only grow: psutil's reading is taken between two fast ones and must lie between
    # them, however busy the machine is.
    cpus = source.per_cpu_times()
    cpus_psutil = portable.per_cpu_times()
    cpus_after = source.per_cpu_times()
    assert cpus is not None and cpus_psutil is not None and cpus_after is not None
    assert len(cpus) == len(cpus_psutil) == len(cpus_after)
    for fast, slow, last in zip(cpus, cpus_psutil, cpus_after, strict=True):
        for a, b, c in zip(fast, slow, last, strict=True):
            assert (a is None) == (b is None) == (c is None)
            assert a is None or b is None or c is None or a - 0.01 <= b <= c + 0.01
    for read_fast, read_slow in (
        (source.disk_counters, portable.disk_counters),
        (source.net_counters, portable.net_counters),
    ):
        before, during, after = read_fast() or {}, read_slow(), read_fast() or {}
        # A device or interface can appear or go between the reads: compare the ones in all.
        common = before.keys() & during.keys() & after.keys()
        assert len(common) >= len(during) - 2 and common
        for name in common:
            for a, b, c in zip(before[name], during[name], after[name], strict=True):
                # Both read every counter here (the disks' times too: /proc/diskstats on Linux).
                assert a is not None and b is not None and c is not None, name
                assert a <= b <= c, name


def test_parsers_read_every_layout_psutil_reads() -> None:
    diskstats = (
        b"   8       0 sda 100 5 2000 30 40 6 800 9 0 50 60 0 0 0 0 0 0\n"  # 20 fields
        b"   8       1 sda1 90 0 1800 20 30 0 600 8 0 40 50\n"  # 14 fields
        b"   3       0   0 hda 7 8 9 10 11 12 13 14 15 16 17\n"  # 15 fields (2.6)
        b"   3       1 hda1 1 2 3 4\n"  # 7 fields (a partition before 2.6.25)
    )
    disks = parse_diskstats(diskstats)
    assert disks is not None
    # With the ms reading, writing and busy (iostat's await and %util) where the layout has them.
    assert disks["sda"] == DiskCounters(2000 * 512, 800 * 512, 100, 40, 30, 9, 50)
    assert disks["sda1"] == DiskCounters(1800 * 512, 600 * 512, 90, 30, 20, 8, 40)
    assert disks["hda"] == DiskCounters(8 * 512, 12 * 512, 0, 10, 9, 13, 15)  # as psutil reads it
    assert disks["hda1"] == DiskCounters(2 * 512, 4 * 512, 1, 3)  # no times: unknown
    assert parse_diskstats(b"8 0 sda 1 2\n") is None  # unknown layout: psutil's turn
    net = parse_net_dev(
        b"Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
        b"  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n"
        b"weird:name: 5 1 0 0 0 0 0 0 6 1 0 0 0 0 0 0\n"
    )
    assert net == {
        "eth0": NetCounters(1000, 2000, 10, 20, 1, 3, 2, 4),
        "weird:name": NetCounters(5, 6, 1, 1, 0, 0, 0, 0),
    }
    old_kernel = b"cpu  1 2 3 4 5 6 7\ncpu0 100 200 300 400 500 600 700\nintr 1\nbtime 1700000000\n"
    cpus = parse_per_cpu_times(old_kernel, 100.0)
    assert cpus == (CpuTimes(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, None, None, None),)
    assert parse_boot_time(old_kernel) == 1_700_000_000.0
    info = parse_meminfo(b"MemTotal:  1000 kB\nMemFree:  100 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n")
    assert memory_from_meminfo(info) is None  # no MemAvailable (before 3.14): psutil estimates
    swap = swap_from_meminfo(info, b"nr_free_pages 1\npswpin 3\npswpout 4\n")
    assert swap == SwapMemory(0, 0, 0.0, 3 * 4096, 4 * 4096)
    assert swap_from_meminfo(info, b"pswpin 5\npswpout 6") == SwapMemory(
        0, 0, 0.0, 5 * 4096, 6 * 4096
    )
    assert swap_from_meminfo(info, None) == SwapMemory(0, 0, 0.0, None, None)


MOUNT_WATCH = """
import os, subprocess, sys, tempfile
from sot.collect.system import system_source
source = system_source()
seen = [source.mounts_changed()]
directory = tempfile.mkdtemp()
subprocess.run(["mount", "-t", "tmpfs", "sot-test", directory], check=True)
seen += [source.mounts_changed(), source.mounts_changed()]
subprocess.run(["umount", directory], check=True)
seen += [source.mounts_changed()]
os.rmdir(directory)
print(seen)
"""


def test_the_mount_table_watch_sees_mount_and_unmount() -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("mounting in a private namespace needs root and unshare")
    # In a mount namespace of its own: nothing outside the test sees the mount.
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", MOUNT_WATCH],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[False, True, False, True]"


ONE_TICK = """
import collections, json, sys, time
from sot.collect.collector import Collector
from sot.collect.system import system_source
collector = Collector(system_source())
collector.sample(time.monotonic(), time.time())
opened = []
def note(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(("/proc", "/sys")):
        opened.append(args[0])
sys.addaudithook(note)
collector.sample(time.monotonic(), time.time())
print(json.dumps(collections.Counter(opened)))
"""


def test_a_tick_opens_each_proc_file_once() -> None:
    # In a process of its own: an audit hook, once added, stays for the life of the process.
    result = subprocess.run(
        [sys.executable, "-c", ONE_TICK], capture_output=True, text=True, timeout=60, check=True
    )
    opened: dict[str, int] = json.loads(result.stdout)
    assert {"/proc/stat", "/proc/meminfo", "/proc/diskstats", "/proc/net/dev"} <= opened.keys()
    assert {path: count for path, count in opened.items() if count > 1} == {}


def fake_proc(root: Path, boot_time: int) -> None:
    """A /proc with one process, started 98,765 clock ticks after ``boot_time``; the CPU's user
    time (in ticks) is the boot time too, so each reading shows which write it read."""
    (root / "self").mkdir(exist_ok=True)
    (root / "self" / "stat").write_bytes(b"1 (self) S 0")
    (root / "stat").write_bytes(
        b"cpu  %d 2 3 4 0 0 0 0 0 0\ncpu0 %d 2 3 4 0 0 0 0 0 0\nbtime %d\n"
        % (boot_time, boot_time, boot_time)
    )
    (root / "42").mkdir(exist_ok=True)
    (root / "42" / "stat").write_bytes(
        b"42 (worker) S 1 42 42 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 7 0 98765 1234 2048 1"
    )


@pytest.mark.parametrize("cpus_first", [True, False], ids=["cpus first", "processes first"])
def test_proc_stat_is_read_once_per_tick_in_either_order(tmp_path: Path, cpus_first: bool) -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    source = ProcfsSource(str(tmp_path))
    for tick in range(3):
        boot = 1_700_000_000 + 100 * tick  # the wall clock is stepped between the ticks
        fake_proc(tmp_path, boot_time=boot)
        first = source.per_cpu_times() if cpus_first else source.processes()
        fake_proc(tmp_path, boot_time=boot + 1)  # what a second read in this tick would see
        second = source.processes() if cpus_first else source.per_cpu_times()
        cpus, rows = (first, second) if cpus_first else (second, first)
        assert cpus is not None and rows is not None
        assert isinstance(cpus[0], CpuTimes) and cpus[0].user == boot / ticks
        assert isinstance(rows[0], RawProcess) and rows[0].create_time == boot + 98765 / ticks
