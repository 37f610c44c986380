"""Per-process storage I/O (READ/s, WRITE/s), kernel threads and the CGROUP column: read from
fake /proc trees and stored readings, shown, sorted, filtered and exported."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from sot.collect.cgroup_labels import cgroup_label, cgroup_path
from sot.collect.collector import Collector
from sot.collect.processes import QUIET_IO_READS_PER_TICK
from sot.collect.procfs import ProcfsSource
from sot.collect.procfs_parsers import parse_proc_io
from sot.collect.records import IoCounters
from sot.collect.replay import Readings, ReplaySource, parse_recording, readings_from, record
from sot.collect.system import FallbackSource
from sot.export import ps_to_json, snapshot_to_json
from sot.keys import Action, Mode, command_for
from sot.model import ProcessRow
from sot.reducer import Reaction, reduce
from sot.render.glyphs import ASCII
from sot.render.processes import COLUMNS, ProcessTable, render_processes
from sot.sorting import SortKey
from sot.state import AppState, Context
from sot.view import ProcessQuery, build_view
from tests.fake_tree import make_tree
from tests.fakes import process, readings, snapshot, with_process

MIB = 1024 * 1024
DOCKER_ID = "3f4e5d6c7b8a" + "0" * 52
POD_UID = "0f2a4b6c-1111-2222-3333-444455556666"


def io_file(read_bytes: int, write_bytes: int) -> str:
    return (
        "rchar: 9999\nwchar: 8888\nsyscr: 10\nsyscw: 20\n"
        f"read_bytes: {read_bytes}\nwrite_bytes: {write_bytes}\ncancelled_write_bytes: 4096\n"
    )


def stat_line(pid: int, name: str, flags: int, ppid: int = 1) -> str:
    return (
        f"{pid} ({name}) S {ppid} {pid} {pid} 0 -1 {flags} 100 0 0 0 250 130 0 0 20 0 1 0 "
        "98765 123456789 2048 18446744073709551615\n"
    )


def fake_proc(root: Path) -> Path:
    """A /proc of three processes: 100 (readable I/O, in a Docker container), 2 (kthreadd, a
    kernel thread) and 300 (its io file refused: absent, as for another user's process)."""
    files: dict[str, str] = {
        "/proc/stat": "cpu  1 2 3 4 0 0 0 0 0 0\nbtime 1700000000\n",
        "/proc/self/stat": stat_line(1, "self", 0),
        "/proc/100/stat": stat_line(100, "app", 0x00400100),
        "/proc/100/io": io_file(4096, 8192),
        "/proc/100/status": "Name:\tapp\nUid:\t0\t0\t0\t0\n",
        "/proc/100/cmdline": "/usr/bin/app\x00--serve\x00",
        "/proc/100/cgroup": f"0::/system.slice/docker-{DOCKER_ID}.scope\n",
        "/proc/2/stat": stat_line(2, "kthreadd", 0x00208040, ppid=0),
        "/proc/2/io": io_file(0, 0),
        "/proc/2/status": "Name:\tkthreadd\nUid:\t0\t0\t0\t0\n",
        "/proc/2/cmdline": "",
        "/proc/2/cgroup": "0::/\n",
        "/proc/300/stat": stat_line(300, "other", 0x00400100),
        "/proc/300/status": "Name:\tother\nUid:\t1000\t1000\t1000\t1000\n",
        "/proc/300/cmdline": "other\x00",
        "/proc/300/cgroup": "0::/user.slice/user-1000.slice/session-3.scope\n",
    }
    return make_tree(root, files) / "proc"


class CountingSource(FallbackSource):
    """The fake /proc in front of stored readings, counting the I/O reads the collector asks."""

    def __init__(self, proc: ProcfsSource) -> None:
        super().__init__(proc, ReplaySource(readings()))
        self.io_reads: list[int] = []

    def process_io(self, pid: int) -> IoCounters | None:
        self.io_reads.append(pid)
        return super().process_io(pid)


def test_proc_io_parser_takes_read_and_write_bytes_not_cancelled_ones() -> None:
    assert parse_proc_io(io_file(4096, 8192).encode()) == IoCounters(4096, 8192)
    assert parse_proc_io(b"rchar: 1\n") is None
    assert parse_proc_io(b"x\nread_bytes: 1\nwrite_bytes: lots\n") is None


def test_io_is_read_where_readable_and_refused_where_not(tmp_path: Path) -> None:
    root = fake_proc(tmp_path)
    source = ProcfsSource.open(str(root), kept_stat_files=8, kept_io_files=8)
    assert source is not None
    listed = {p.pid: p for p in source.processes() or ()}
    assert listed[2].kernel_thread and not listed[100].kernel_thread
    assert not listed[300].kernel_thread
    assert source.process_io(100) == IoCounters(4096, 8192)
    assert source.process_io(300) is None  # refused (here: absent), never a fake 0
    # The kept file is re-read in place: the next read sees the kernel's new counts.
    (root / "100" / "io").write_text(io_file(4096 + MIB, 8192))
    assert source.process_io(100) == IoCounters(4096 + MIB, 8192)
    identity = source.process_identity(100)
    assert identity is not None and identity.cgroup == f"/system.slice/docker-{DOCKER_ID}.scope"


def test_rates_come_from_the_counters_and_a_refusal_is_not_asked_again(tmp_path: Path) -> None:
    root = fake_proc(tmp_path)
    proc = ProcfsSource.open(str(root), kept_stat_files=8, kept_io_files=8)
    assert proc is not None
    source = CountingSource(proc)
    collector = Collector(source)
    first = {p.pid: p for p in collector.sample(100.0, 1_700_000_100.0).processes}
    assert first[100].read_bytes_per_s is None  # one reading: no rate yet
    assert first[100].cgroup == DOCKER_ID[:12]
    assert first[2].is_kernel_thread and first[2].write_bytes_per_s is None
    (root / "100" / "io").write_text(io_file(4096 + 2 * MIB, 8192 + MIB))
    second = {p.pid: p for p in collector.sample(102.0, 1_700_000_102.0).processes}
    assert second[100].read_bytes_per_s == MIB  # 2 MiB over 2 s
    assert second[100].write_bytes_per_s == MIB / 2
    assert second[300].read_bytes_per_s is None and second[300].write_bytes_per_s is None
    for tick in range(3, 10):
        collector.sample(100.0 + 2 * tick, 1_700_000_100.0 + 2 * tick)
    assert source.io_reads.count(300) == 1  # refused once: not asked again while it lives
    assert 2 not in source.io_reads  # kernel threads are not read


def io_readings(*processes: tuple[int, float, int, int]) -> Readings:
    """Stored readings of processes (pid, create_time, bytes read, bytes written)."""
    stored = readings()
    for pid, created, read_bytes, write_bytes in processes:
        stored = with_process(stored, pid, f"p{pid}", create_time=created)
        last = stored.processes[-1]._replace(io_read_bytes=read_bytes, io_write_bytes=write_bytes)
        stored = replace(stored, processes=(*stored.processes[:-1], last))
    return stored


class CountingReplay(ReplaySource):
    """Stored readings whose I/O counters are set apart from the process records (as /proc's
    are: a process's stat reading can stay the same while its counters move)."""

    def __init__(self, stored: Readings) -> None:
        super().__init__(stored)
        self.io_reads: list[int] = []
        self.counters: dict[int, IoCounters] = {}

    def process_io(self, pid: int) -> IoCounters | None:
        self.io_reads.append(pid)
        return self.counters.get(pid, super().process_io(pid))


def test_a_reused_pid_never_gets_the_old_process_rate() -> None:
    source = ReplaySource(io_readings((10, 5000.0, 0, 0)))
    collector = Collector(source)
    collector.sample(100.0, 1_700_000_000.0)
    source.readings = io_readings((10, 5000.0, MIB, 0))
    assert collector.sample(101.0, 1_700_000_001.0).processes[0].read_bytes_per_s == MIB
    # PID 10 exits and a new process takes it, with counters of its own.
    source.readings = io_readings((10, 6000.0, 5 * MIB, 0))
    reused = collector.sample(102.0, 1_700_000_002.0).processes[0]
    assert reused.start_time_epoch_s == 6000.0 and reused.read_bytes_per_s is None


def test_quiet_processes_are_read_in_turn_and_no_byte_is_lost() -> None:
    every = 4  # four times as many processes as are read a tick: each has its turn in four
    pids = tuple(range(16, 16 + every * QUIET_IO_READS_PER_TICK))
    source = CountingReplay(io_readings(*((pid, 5000.0, 0, 0) for pid in pids)))
    collector = Collector(source)
    for tick in range(2):  # the first reading, then the first rates (0): every process
        collector.sample(100.0 + tick, 1_700_000_000.0 + tick)
    assert len(source.io_reads) == 2 * len(pids)
    source.io_reads.clear()
    for tick in range(2, 2 + every):  # quiet: each is read once in ``every`` ticks
        collector.sample(100.0 + tick, 1_700_000_000.0 + tick)
    assert sorted(source.io_reads) == sorted(pids)
    # Process 16 writes 8 MiB without using a clock tick of CPU (its stat reading unchanged):
    # its next turn sees it, over the seconds since its last read; then it is read every tick
    # until it is quiet again.
    source.io_reads.clear()
    source.counters[16] = IoCounters(0, 8 * MIB)
    first = 2 + every
    turn = next(t for t in range(first, first + every) if (16 + t) % every == 0)
    rates: dict[int, float | None] = {}
    for tick in range(first, first + every + 1):
        rows = collector.sample(100.0 + tick, 1_700_000_000.0 + tick).processes
        rates[tick] = next(r for r in rows if r.pid == 16).write_bytes_per_s
    assert rates[turn] == 8 * MIB / every  # over the ``every`` seconds since its last read
    assert all(rate == 0.0 for tick, rate in rates.items() if tick != turn)
    assert source.io_reads.count(16) == 2  # its turn, then once more to see it quiet


def test_a_busy_process_is_read_every_tick() -> None:
    source = CountingReplay(io_readings((20, 5000.0, 0, 0)))
    collector = Collector(source)
    for tick in range(6):
        stored = source.readings
        busy = stored.processes[0]._replace(
            cpu_seconds=1.0 + tick, io_write_bytes=tick * MIB, io_read_bytes=0
        )
        source.readings = replace(stored, processes=(busy,))
        row = collector.sample(100.0 + tick, 1_700_000_000.0 + tick).processes[0]
        if tick:
            assert row.write_bytes_per_s == MIB
    assert len(source.io_reads) == 6


@pytest.mark.parametrize(
    ("path", "label"),
    [
        (f"/docker/{DOCKER_ID}", DOCKER_ID[:12]),
        (f"/system.slice/docker-{DOCKER_ID}.scope", DOCKER_ID[:12]),
        (f"/system.slice/containerd.service/cri-containerd-{DOCKER_ID}.scope", DOCKER_ID[:12]),
        (f"/machine.slice/libpod-{DOCKER_ID}.scope/container", DOCKER_ID[:12]),
        (f"/crio-{DOCKER_ID}.scope", DOCKER_ID[:12]),
        (f"/kubepods/burstable/pod{POD_UID}/{DOCKER_ID}", "pod:0f2a4b6c"),
        (
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            f"{POD_UID.replace('-', '_')}.slice/cri-containerd-{DOCKER_ID}.scope",
            "pod:0f2a4b6c",
        ),
        ("/system.slice/nginx.service", "nginx.service"),
        ("/user.slice/user-1000.slice/session-3.scope", "session-3.scope"),
        (
            "/user.slice/user-1000.slice/user@1000.service/app.slice/"
            "app-org.gnome.Terminal.slice/vte-spawn-1.scope",
            "vte-spawn-1.scope",
        ),
        ("/user.slice/user-1000.slice/user@1000.service/init.scope", "init.scope"),
        ("/user.slice/user-1000.slice/user@1000.service", "user@1000.service"),
        ("/process_api/66c74f05b5bb46df546220fba655b4fc", "66c74f05b5bb"),
        ("/lxc/web01", "web01"),
        ("/", "/"),
        (None, None),
    ],
)
def test_cgroup_labels(path: str | None, label: str | None) -> None:
    assert cgroup_label(path) == label


def test_cgroup_path_prefers_the_unified_line_then_systemd_then_memory() -> None:
    assert cgroup_path("0::/system.slice/sshd.service\n") == "/system.slice/sshd.service"
    hybrid = "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n"
    assert cgroup_path(hybrid) == "/docker/abc"  # "0::/" says less than the v1 lines
    assert cgroup_path("4:memory:/process_api/x\n1:name=systemd:/\n0::/\n") == "/process_api/x"
    assert cgroup_path("9:name=systemd:/\n0::/\n") == "/"
    assert cgroup_path("") is None and cgroup_path("garbage") is None


def rows() -> list[ProcessRow]:
    return [
        replace(process(2, "kthreadd", cmdline=""), is_kernel_thread=True),
        replace(process(40, "kworker/0:1", cmdline=""), is_kernel_thread=True),
        replace(
            process(100, "nginx"),
            read_bytes_per_s=5 * MIB,
            write_bytes_per_s=0.0,
            cgroup="nginx.service",
        ),
        replace(
            process(200, "postgres"),
            read_bytes_per_s=MIB,
            write_bytes_per_s=3 * MIB,
            cgroup=DOCKER_ID[:12],
        ),
        process(300, "other"),  # another user's: its I/O unknown
    ]


def test_kernel_threads_are_hidden_until_asked_for_and_counted() -> None:
    view = build_view(rows(), ProcessQuery())
    assert [r.process.pid for r in view.rows] == [100, 200, 300]
    assert view.hidden_kernel_threads == 2 and view.total == 5
    shown = build_view(rows(), ProcessQuery(kernel_threads=True, sort_key=SortKey.PID))
    assert [r.process.pid for r in shown.rows] == [300, 200, 100, 40, 2]
    assert shown.hidden_kernel_threads == 0
    tree = build_view(rows(), ProcessQuery(tree=True))
    assert tree.hidden_kernel_threads == 2 and len(tree.rows) == 3


def test_x_toggles_kernel_threads_and_rebuilds_the_view() -> None:
    snap = snapshot(processes=rows())
    state = AppState()
    command = command_for(Mode.NORMAL, "x")
    assert command is not None and command.action is Action.TOGGLE_KERNEL_THREADS
    context = Context(snap, build_view(snap.processes, state.query), 10)
    shown, reaction = reduce(state, command, context)
    assert shown.query.kernel_threads and shown.message == "kernel threads shown"
    assert Reaction.REBUILD_VIEW in reaction
    hidden, _ = reduce(shown, command, context)
    assert not hidden.query.kernel_threads and hidden.message == "kernel threads hidden"


def test_r_and_w_sort_by_reads_and_writes_biggest_first_unknown_last() -> None:
    def order(key: str) -> list[int]:
        command = command_for(Mode.NORMAL, key)
        assert command is not None
        snap = snapshot(processes=rows())
        state, _ = reduce(
            AppState(), command, Context(snap, build_view(snap.processes, ProcessQuery()), 3)
        )
        return [r.process.pid for r in build_view(snap.processes, state.query).rows]

    assert order("r") == [100, 200, 300]
    assert order("w") == [200, 100, 300]


def test_the_filter_matches_cgroup_labels() -> None:
    view = build_view(rows(), ProcessQuery(text="NGINX.SERV"))
    assert [r.process.pid for r in view.rows] == [100]
    view = build_view(rows(), ProcessQuery(text=DOCKER_ID[:6]))
    assert [r.process.pid for r in view.rows] == [200]


def table(query: ProcessQuery) -> str:
    snap = snapshot(processes=rows())
    view = build_view(snap.processes, query)
    data = ProcessTable(view, snap.process_counts, query, None, 0, None)
    return "\n".join(line.text for line in render_processes(data, 184, 9, ASCII))


def test_the_table_shows_rates_cgroups_and_how_many_kernel_threads_it_hides() -> None:
    text = table(ProcessQuery(sort_key=SortKey.READ))
    assert "3 of 5 processes" in text and "2 kernel threads hidden" in text
    header = text.splitlines()[1]
    assert "READ/s" in header and "WRITE/s" in header and "CGROUP" in header
    nginx = next(line for line in text.splitlines() if "nginx --flag" in line)
    assert "5.0M" in nginx and "nginx.service" in nginx
    other = next(line for line in text.splitlines() if "other --flag" in line)
    cells = dict(zip(header.split(), other.split(), strict=False))
    read_title = next(title for title in cells if title.startswith("READ/s"))
    assert (cells[read_title], cells["WRITE/s"]) == ("-", "-")  # unknown, never a fake 0
    assert "kernel threads hidden" not in table(ProcessQuery(kernel_threads=True))


def test_a_hostile_cgroup_label_is_drawn_inert() -> None:
    column = next(c for c in COLUMNS if c.title == "CGROUP")
    row = replace(process(1, "x"), cgroup="\x1b[2Jevil\x07.scope")
    assert "\x1b" not in column.value(row, ASCII) and "\x07" not in column.value(row, ASCII)


def test_json_lists_every_process_with_its_flag_rates_and_cgroup() -> None:
    snap = snapshot(processes=rows())
    document = json.loads(snapshot_to_json(snap, None, kernel_threads_hidden=True))
    assert document["kernel_threads_hidden"] is True
    by_pid = {p["pid"]: p for p in document["processes"]}
    assert sorted(by_pid) == [2, 40, 100, 200, 300]
    assert by_pid[2]["is_kernel_thread"] is True and by_pid[100]["is_kernel_thread"] is False
    assert by_pid[100]["read_bytes_per_s"] == 5 * MIB
    assert by_pid[100]["write_bytes_per_s"] == 0.0
    assert by_pid[300]["read_bytes_per_s"] is None
    assert by_pid[200]["cgroup"] == DOCKER_ID[:12]
    ps = json.loads(ps_to_json(snap, snap.processes, False))
    assert ps["kernel_threads_hidden"] is False and len(ps["processes"]) == 5


def test_a_recording_keeps_io_counters_kernel_threads_and_cgroups(tmp_path: Path) -> None:
    root = fake_proc(tmp_path)
    proc = ProcfsSource.open(str(root))
    assert proc is not None
    document = record(FallbackSource(proc, ReplaySource(readings())))
    replayed = ReplaySource(readings_from(parse_recording(json.dumps(document).encode())))
    assert replayed.process_io(100) == IoCounters(4096, 8192)
    assert replayed.process_io(300) is None
    assert {p.pid for p in replayed.processes() if p.kernel_thread} == {2}
    identity = replayed.process_identity(300)
    assert identity is not None
    assert identity.cgroup == "/user.slice/user-1000.slice/session-3.scope"
    # A recording made before these fields: no kernel threads, I/O unknown.
    for item in document["processes"]:
        for name in ("kernel_thread", "io_read_bytes", "io_write_bytes"):
            del item[name]
    old = ReplaySource(readings_from(parse_recording(json.dumps(document).encode())))
    assert not any(p.kernel_thread for p in old.processes())
    assert old.process_io(100) is None


def _io_as_nobody(pids: tuple[int, ...]) -> list[IoCounters | None]:
    """``process_io`` of ``pids`` read by a child that dropped root for nobody (65534), through
    a source whose files root opened and kept first."""
    source = ProcfsSource.open(kept_stat_files=0, kept_io_files=16)
    assert source is not None
    assert all(source.process_io(pid) is not None for pid in pids)  # root reads them all
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child process)
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            answers = [source.process_io(pid) for pid in pids]
            os.write(write_end, json.dumps([a and list(a) for a in answers]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    return [None if a is None else IoCounters(*a) for a in json.loads(data)]


def test_live_io_of_another_users_process_is_refused_and_reads_as_unknown() -> None:
    source = ProcfsSource.open()
    assert source is not None, "these tests run on Linux"
    mine = source.process_io(os.getpid())
    assert mine is not None and mine.read_bytes >= 0
    if os.geteuid() != 0:
        if os.stat("/proc/1").st_uid == os.geteuid():
            pytest.skip("PID 1 is this user's own (a container without root): nothing to refuse")
        assert source.process_io(1) is None
        return
    # As root: a child that is nobody asks for the counters of root's processes (a sleeping
    # child and this test) through files root opened and kept: the kernel checks at each read.
    sleeper = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
    try:
        assert _io_as_nobody((sleeper.pid, os.getpid())) == [None, None]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_on_a_small_host_quiet_processes_are_read_every_tick() -> None:
    pids = tuple(range(16, 16 + QUIET_IO_READS_PER_TICK // 2))
    source = CountingReplay(io_readings(*((pid, 5000.0, 0, 0) for pid in pids)))
    collector = Collector(source)
    for tick in range(4):
        collector.sample(100.0 + tick, 1_700_000_000.0 + tick)
    assert sorted(source.io_reads) == sorted(pids * 4)
