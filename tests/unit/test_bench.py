"""sot bench's pure parts (sizes, tests, the free-space rule, latency percentiles, the table,
the JSON, the picker's keys and drawing, the filesystem lookup with fake mount tables) and
its workspace on a tmp directory. Every path here is under tmp_path."""

from __future__ import annotations

import argparse
import errno
import math
import os
import signal
from pathlib import Path

import pytest

from sot.collect.block_devices import parse_mountinfo
from sot.collect.records import BlockMount
from sot.commands import bench as bench_command
from sot.commands.dashboard import checked
from sot.config import ConfigError
from sot.diskbench import report
from sot.diskbench.latency import LatencyHistogram, bucket_middle, bucket_of
from sot.diskbench.picker import PickerState, render_picker, step
from sot.diskbench.plan import (
    ALL_TESTS,
    GIB,
    MIB,
    BenchPlan,
    BenchTest,
    free_space_problem,
    parse_bench_duration,
    parse_size,
    parse_tests,
)
from sot.diskbench.runner import (
    TEST_FILE_NAME,
    Bench,
    BenchInterrupted,
    BenchResult,
    Progress,
    StopFlag,
    Workspace,
)
from sot.diskbench.target import (
    Choice,
    Space,
    Target,
    choices,
    describe,
    mount_of,
    overlay_upper_dir,
)
from sot.render.cells import Role

# --- sizes, tests, durations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64M", 64 * MIB),
        ("1G", GIB),
        ("1g", GIB),
        ("512MiB", 512 * MIB),
        ("2GB", 2 * GIB),
        ("1048576", MIB),
        ("2048K", 2 * MIB),
        (" 8M ", 8 * MIB),
        ("1T", 1 << 40),
    ],
)
def test_sizes_parse_in_binary_units(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "takes a size"),
        ("M", "takes a size"),
        ("1.5G", "takes a size"),
        ("-1M", "takes a size"),
        ("3M5", "takes a size"),
        ("64X", "takes a size"),
        ("7", "at least 1M"),
        ("0M", "at least 1M"),
        ("2P", "at most 1P"),
        ("1500K", "whole number of MiB"),
    ],
)
def test_bad_sizes_say_why_in_one_line(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_size(text)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_tests_run_writes_first_whatever_the_order_given() -> None:
    assert parse_tests("seq-read,seq-write") == (BenchTest.SEQ_WRITE, BenchTest.SEQ_READ)
    assert parse_tests("rand-write, rand-read,rand-read") == (
        BenchTest.RAND_READ,
        BenchTest.RAND_WRITE,
    )
    assert parse_tests("seq-read,seq-write,rand-read,rand-write") == ALL_TESTS
    for bad in ("", ",", "seq-reads", "seq-read,fsync"):
        with pytest.raises(ConfigError, match="--tests takes names from"):
            parse_tests(bad)


def test_durations_are_positive_and_at_most_an_hour() -> None:
    assert parse_bench_duration("0.5") == 0.5
    for bad in ("0", "-1", "3601", "five", "nan"):
        with pytest.raises(ConfigError):
            parse_bench_duration(bad)


def test_test_kinds_have_fio_s_block_sizes() -> None:
    assert [t.block_bytes for t in ALL_TESTS] == [MIB, MIB, 4096, 4096]
    assert [t.writes for t in ALL_TESTS] == [True, False, False, True]


# --- the free-space rule -----------------------------------------------------------------


def test_free_space_keeps_ten_percent_and_one_gib() -> None:
    # 100 GiB disk: 10 % is 10 GiB, the larger of the two.
    assert free_space_problem(GIB, 100 * GIB, 12 * GIB) is None
    assert free_space_problem(3 * GIB, 100 * GIB, 12 * GIB) is not None
    # 4 GiB disk: 1 GiB is the larger.
    assert free_space_problem(GIB, 4 * GIB, 2 * GIB + 1) is None
    problem = free_space_problem(GIB, 4 * GIB, 2 * GIB - 1)
    assert problem is not None
    assert "10 % and 1 GiB" in problem and "smaller --size" in problem
    # More than is free: said as 0 left, never a negative size.
    full = free_space_problem(64 * MIB, 10 * GIB, 10 * MIB)
    assert full is not None and "leave 0 B free" in full


def test_a_refused_target_is_a_usage_error_before_anything_is_written(tmp_path: Path) -> None:
    plan = BenchPlan(ALL_TESTS, 1 << 50, 1.0)  # 1 PiB: no tmp filesystem has that
    with pytest.raises(ConfigError, match="sot bench keeps at least"):
        bench_command._target(str(tmp_path), (), plan)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="not a directory"):
        bench_command._target(str(tmp_path / "missing"), (), plan)


def test_an_output_that_is_not_a_regular_file_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    # Only looked at (lstat), never written: /dev/stdout is a link, /dev/null a device.
    precious = tmp_path / "precious"
    precious.write_bytes(b"precious")
    link = tmp_path / "link.json"
    link.symlink_to(precious)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = (
        (str(link), "is a symbolic link"),
        (str(fifo), "is a FIFO"),
        (str(tmp_path), "is a directory"),
        ("/dev/stdout", "is a symbolic link"),
        ("/dev/null", "is a character device"),
    )
    for output, says in cases:
        with pytest.raises(ConfigError, match=says):
            bench_command._check_output_path(output)
    for fine in (None, "-", str(tmp_path / "new.json"), str(precious)):
        bench_command._check_output_path(fine)
    assert precious.read_bytes() == b"precious" and link.is_symlink()


def test_an_output_replaced_by_a_link_during_the_run_is_refused_when_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious"
    precious.write_bytes(b"precious")
    output = tmp_path / "out.json"
    bench_command._check_output_path(str(output))  # nothing there yet: fine
    output.symlink_to(precious)  # planted while the tests ran
    info = report.RunInfo(sample_target(), BenchPlan(ALL_TESTS, MIB, 1.0), True, "t")
    code = bench_command._finish(info, sample_results(), None, 0, str(output))
    assert code == 2
    assert output.is_symlink() and precious.read_bytes() == b"precious"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a symbolic link" in err


def bench_args(*options: str, before: tuple[str, ...] = ()) -> argparse.Namespace:
    """``sot [before] bench [options]`` as sot's parser reads it."""
    from sot.cli import build_parser

    return build_parser().parse_args([*before, "bench", *options])


def test_the_picker_takes_the_theme_as_the_other_screens_do(tmp_path: Path) -> None:
    # --theme over SOT_THEME over the config file's theme; --no-color and NO_COLOR still win.
    home = tmp_path / "home"
    config = home / ".config" / "sot" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('theme = "light"\ninterval = 5\nsort = "mem"\n')
    environ = {"HOME": str(home)}
    look = bench_command.look_from
    assert look(bench_args(), {}) == (False, "dark")
    assert look(bench_args(), environ) == (False, "light")
    assert look(bench_args(), {**environ, "SOT_THEME": "mono"}) == (False, "mono")
    args = bench_args("--theme=high-contrast")
    assert look(args, {**environ, "SOT_THEME": "mono"}) == (False, "high-contrast")
    assert look(bench_args(before=("--no-config",)), environ) == (False, "dark")
    assert look(bench_args("--no-color"), environ) == (True, "light")
    assert look(bench_args(), {**environ, "NO_COLOR": ""}) == (True, "light")


def test_the_picker_is_given_the_theme(tmp_path: Path) -> None:
    from sot.diskbench.picker import Picked

    asked: list[tuple[int, bool, str]] = []

    def picker(listed: object, size: int, no_color: bool, theme: str) -> Picked:
        asked.append((size, no_color, theme))
        return Picked(None)

    plan = BenchPlan(ALL_TESTS, 8 * MIB, 1.0)
    assert bench_command._pick((), plan, False, "colour-blind", picker) == (None, 0)
    assert asked == [(8 * MIB, False, "colour-blind")]


def test_output_dash_puts_the_json_on_stdout_and_the_table_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    info = report.RunInfo(sample_target(), BenchPlan(ALL_TESTS, MIB, 1.0), True, "t")
    assert bench_command._finish(info, sample_results(), None, 0, "-") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["directory"] == "/data/bench"
    assert err.startswith("sot bench: /data/bench")


# --- latency -----------------------------------------------------------------------------


def nearest_rank(values: list[int], percent: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def test_buckets_grow_with_the_value_and_hold_it_within_one_128th() -> None:
    previous = -1
    for ns in [*range(2000), *range(2000, 10**9, 997_331)]:
        bucket = bucket_of(ns)
        assert bucket >= previous
        previous = bucket
        assert abs(bucket_middle(bucket) - ns) <= max(0.5, ns / 128)


def test_percentiles_match_the_exact_nearest_rank_within_the_bucket_width() -> None:
    # Two modes, as a disk with a cache shows: many fast I/Os, a tail of slow ones.
    values = [20_000 + (i * 7919) % 30_000 for i in range(9000)]
    values += [2_000_000 + (i * 104_729) % 8_000_000 for i in range(1000)]
    histogram = LatencyHistogram()
    for ns in values:
        histogram.record(ns)
    for percent in (1, 50, 90, 95, 99, 99.9, 100):
        got = histogram.percentile_ns(percent)
        exact = nearest_rank(values, percent)
        assert got is not None
        assert abs(got - exact) <= exact / 128 + 1, percent
    summary = histogram.summary()
    assert summary is not None
    assert summary.min_us == min(values) / 1000
    assert summary.max_us == max(values) / 1000
    assert summary.avg_us == pytest.approx(sum(values) / len(values) / 1000)


def test_one_latency_is_every_percentile_and_none_is_unknown() -> None:
    histogram = LatencyHistogram()
    assert histogram.percentile_ns(50) is None
    assert histogram.summary() is None
    histogram.record(123_456)
    summary = histogram.summary()
    assert summary is not None
    assert summary.p50_us == summary.p99_us == summary.min_us == summary.max_us == 123.456


def test_the_histogram_stays_small_however_many_latencies() -> None:
    histogram = LatencyHistogram()
    for i in range(200_000):
        histogram.record(10_000 + (i * 7919) % 5_000_000)
    assert histogram.count == 200_000
    assert histogram.buckets < 1200  # counters, not samples


# --- the table, the progress line, the JSON ---------------------------------------------


def sample_target(fstype: str = "ext4") -> Target:
    return Target("/data/bench", "/data", fstype, Space(100 * GIB, 50 * GIB, False))


def sample_results() -> list[BenchResult]:
    histogram = LatencyHistogram()
    for ns in (80_000, 90_000, 100_000, 2_000_000):
        histogram.record(ns)
    return [
        BenchResult(BenchTest.SEQ_WRITE, 500, 500 * MIB, 2.0, histogram.summary(), True),
        BenchResult(BenchTest.RAND_READ, 40_000, 40_000 * 4096, 2.0, histogram.summary(), True),
        BenchResult(BenchTest.SEQ_READ, 0, 0, 0.0, None, True),
    ]


def test_the_table_has_mib_iops_and_latencies() -> None:
    info = report.RunInfo(sample_target(), BenchPlan(ALL_TESTS, 256 * MIB, 2.0), True, "t")
    text = report.render_table(info, sample_results())
    lines = text.splitlines()
    assert lines[0] == (
        "sot bench: /data/bench (ext4 on /data), 256 MiB file, 2 s per test, queue depth 1"
    )
    assert lines[2].split() == [
        "test", "block", "MiB/s", "IOPS", "lat", "min", "avg", "p50", "p95", "p99", "max",
        "duration",
    ]  # fmt: skip
    assert lines[3].split() == [
        "seq-write", "1MiB", "250", "250", "80.0us", "568us", "89.9us", "2.00ms", "2.00ms",
        "2.00ms", "2.00s",
    ]  # fmt: skip
    assert lines[4].split()[:4] == ["rand-read", "4KiB", "78.1", "20000"]
    assert lines[5].split()[2:4] == ["-", "-"]  # nothing measured: unknown, not 0
    assert "note: reads bypass the page cache (O_DIRECT)" in lines


def test_tmpfs_is_said_to_measure_memory() -> None:
    info = report.RunInfo(sample_target("tmpfs"), BenchPlan(ALL_TESTS, MIB, 1.0), True, "t")
    assert not info.cache_bypassed
    assert "RAM speeds" in report.notes(info)[0]
    refused = report.RunInfo(sample_target("overlay"), BenchPlan(ALL_TESTS, MIB, 1.0), False, "t")
    assert "refused O_DIRECT" in report.notes(refused)[0]
    assert report.bench_json(refused, [])["page_cache_bypassed"] is False


# Overlays as docker and a live CD make them: the upper layer on a disk, on a tmpfs, on a
# path with a comma and a space (escaped by the kernel), and one with no upper layer.
OVERLAY_MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:30 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,size=400m,mode=755
31 22 0:40 / /ov/disk rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/var/up,workdir=/var/w
32 22 0:41 / /ov/ram rw - overlay overlay rw,lowerdir=/l,upperdir=/run/u\\054p\\040r,workdir=/w
33 22 0:42 / /ov/ro rw,relatime - overlay overlay ro,lowerdir=/l:/m
34 22 0:43 / /tank rw - zfs tank/data rw,xattr
35 22 0:44 / /fuse rw - fuse.sshfs host:/ rw,user_id=0
"""


def overlay_devices(path: str) -> str:
    """The fake device of each path: the upper directories are on / or /run."""
    known = {"/var/up": "8:1", "/run/u,p r": "0:30"}
    if path in known:
        return known[path]
    mount = max(
        (m for m in OVERLAY_MOUNTS if path.startswith(m.mount_point)),
        key=lambda m: len(m.mount_point),
    )
    return mount.device


OVERLAY_MOUNTS = parse_mountinfo(OVERLAY_MOUNTINFO)
SPACE = Space(100 * GIB, 50 * GIB, False)


def overlay_target(directory: str) -> Target:
    return describe(directory, OVERLAY_MOUNTS, lambda _: SPACE, overlay_devices)


def test_mountinfo_keeps_the_super_options_and_an_overlay_s_upper_directory() -> None:
    assert OVERLAY_MOUNTS[2].super_options == "rw,lowerdir=/l,upperdir=/var/up,workdir=/var/w"
    assert overlay_upper_dir(OVERLAY_MOUNTS[3].super_options) == "/run/u,p r"
    assert overlay_upper_dir(OVERLAY_MOUNTS[4].super_options) is None
    assert parse_mountinfo("1 0 8:1 / / rw - ext4\n")[0].super_options == ""


def test_an_overlay_on_tmpfs_is_memory_and_on_a_disk_is_the_disk() -> None:
    plan = BenchPlan(ALL_TESTS, MIB, 1.0)
    ram = overlay_target("/ov/ram/x")
    assert (ram.fstype, ram.upper_fstype, ram.memory_backed) == ("overlay", "tmpfs", True)
    info = report.RunInfo(ram, plan, True, "t")
    assert not info.cache_bypassed
    assert "keeps files in memory" in report.notes(info)[0]
    assert "RAM speeds" in report.notes(info)[0]
    document = report.bench_json(info, [])
    assert document["page_cache_bypassed"] is False and document["memory_backed"] is True
    assert document["upper_fstype"] == "tmpfs"
    assert "upper layer on tmpfs" in report.heading(info)
    disk = overlay_target("/ov/disk")
    assert (disk.upper_fstype, disk.memory_backed) == ("ext4", False)
    assert report.RunInfo(disk, plan, True, "t").cache_bypassed
    assert report.notes(report.RunInfo(disk, plan, True, "t"))[0] == (
        "reads bypass the page cache (O_DIRECT)"
    )
    unknown = overlay_target("/ov/ro")  # no upper layer found: said so, not guessed
    assert unknown.upper_fstype is None
    said = report.notes(report.RunInfo(unknown, plan, True, "t"))
    assert any("upper layer was not found" in note for note in said)


def test_an_upper_directory_out_of_sight_is_unknown() -> None:
    def gone(path: str) -> str:
        if path == "/var/up":
            raise FileNotFoundError(path)
        return overlay_devices(path)

    target = describe("/ov/disk", OVERLAY_MOUNTS, lambda _: SPACE, gone)
    assert target.fstype == "overlay" and target.upper_fstype is None


@pytest.mark.parametrize("directory", ["/tank/x", "/fuse"])
def test_zfs_and_fuse_never_claim_reads_bypass_every_cache(directory: str) -> None:
    target = overlay_target(directory)
    assert target.own_cache and not target.memory_backed
    info = report.RunInfo(target, BenchPlan(ALL_TESTS, MIB, 1.0), True, "t")
    said = report.notes(info)
    assert not any("bypass the page cache" in note for note in said)
    assert "O_DIRECT was used, but" in said[0] and "its own cache" in said[0]
    document = report.bench_json(info, [])
    assert document["page_cache_bypassed"] is False and document["own_cache"] is True


def test_random_reads_faster_than_any_disk_are_said_to_be_memory() -> None:
    fast = LatencyHistogram()
    for ns in (1_500, 2_000, 2_500):
        fast.record(ns)
    results = [BenchResult(BenchTest.RAND_READ, 3, 3 * 4096, 1.0, fast.summary(), True)]
    info = report.RunInfo(sample_target(), BenchPlan(ALL_TESTS, MIB, 1.0), True, "t")
    said = report.notes(info, results)
    assert any("faster than any disk: likely served from memory" in note for note in said)
    assert "likely served from memory" in report.render_table(info, results)
    assert report.implausibly_fast(results) == pytest.approx(2.0, rel=0.01)
    assert report.implausibly_fast(sample_results()) is None  # 90 us: a disk can do that
    assert not any("likely served" in note for note in report.notes(info, sample_results()))


def test_the_progress_line_fits_the_terminal() -> None:
    progress = Progress(BenchTest.RAND_READ, 0.5, 1.0, 50 * MIB)
    for width in (1, 10, 40, 80, 200):
        for ascii_only in (True, False):
            line = report.progress_line(progress, 12.5, width, ascii_only)
            assert len(line) <= max(0, width - 1)
    wide = report.progress_line(progress, 12.5, 200, True)
    assert wide.startswith("rand-read  ############............  50%")
    assert "elapsed 12.5s" in wide
    assert "preparing" in report.progress_line(Progress(None, 0.1, 0.1, 0), 1, 80, True)


def test_the_json_has_units_in_its_field_names() -> None:
    info = report.RunInfo(sample_target(), BenchPlan(ALL_TESTS, 256 * MIB, 2.0), True, "t")
    document = report.bench_json(info, sample_results()[:2])
    assert document["schema_version"] == 1
    assert document["complete"] is False  # two of four tests
    assert document["page_cache_bypassed"] is True
    tests = document["tests"]
    assert isinstance(tests, list)
    assert set(tests[0]) == {
        "name",
        "block_size_bytes",
        "queue_depth",
        "direct_io",
        "operations",
        "bytes",
        "duration_s",
        "throughput_mib_per_s",
        "iops",
        "latency_min_us",
        "latency_avg_us",
        "latency_p50_us",
        "latency_p95_us",
        "latency_p99_us",
        "latency_max_us",
    }
    assert tests[0]["throughput_mib_per_s"] == 250.0
    assert tests[1]["iops"] == 20000.0


# --- the filesystem of a directory, the picker's list -----------------------------------

MOUNTS = (
    BlockMount("8:1", "/", "ext4"),
    BlockMount("0:22", "/proc", "proc"),
    BlockMount("0:30", "/dev/shm", "tmpfs"),
    BlockMount("8:17", "/data", "xfs"),
    BlockMount("8:17", "/srv/bind", "xfs"),  # a bind mount of /data
    BlockMount("0:50", "/mnt/nfs", "nfs4"),
    BlockMount("8:33", "/mnt/ro", "ext4"),
    BlockMount("0:31", "/dev/shm", "tmpfs"),  # stacked on the first
    BlockMount("0:32", "/sys/fs/cgroup", "tmpfs"),
)


def test_a_directory_is_on_the_longest_mount_of_its_device() -> None:
    assert mount_of("/data/x/y", "8:17", MOUNTS) == MOUNTS[3]
    assert mount_of("/home/u", "8:1", MOUNTS) == MOUNTS[0]
    assert mount_of("/elsewhere", "8:17", MOUNTS) == MOUNTS[3]  # another namespace's path
    assert mount_of("/x", "9:9", MOUNTS) is None


def fake_space(path: str) -> Space:
    if path.startswith("/mnt/nfs"):
        raise AssertionError("a network filesystem must not be asked (it may hang)")
    return Space(10 * GIB, 4 * GIB, path == "/mnt/ro")


def fake_device(path: str) -> str:
    return next(m.device for m in sorted(MOUNTS, key=lambda m: -len(m.mount_point))
                if (path + "/").startswith(m.mount_point.rstrip("/") + "/"))  # fmt: skip


def test_describe_resolves_the_directory_and_its_filesystem(tmp_path: Path) -> None:
    target = describe(str(tmp_path), MOUNTS, fake_space, lambda path: "8:17")
    assert target.directory == os.path.realpath(tmp_path)
    assert (target.mount_point, target.fstype) == ("/data", "xfs")
    assert not target.memory_backed


def test_the_picker_lists_writable_filesystems_once_each() -> None:
    listed = choices("/home/u", MOUNTS, fake_space, lambda path: path != "/", fake_device)
    assert [(c.label, c.directory, c.fstype) for c in listed] == [
        ("current directory", os.path.realpath("/home/u"), "ext4"),
        ("/data", "/data", "xfs"),
        ("/dev/shm", "/dev/shm", "tmpfs"),
    ]
    directories = [c.directory for c in listed]
    assert "/proc" not in directories and "/mnt/nfs" not in directories
    assert "/mnt/ro" not in directories and "/srv/bind" not in directories
    assert "/" not in directories  # the current directory stands for its filesystem


def test_picker_keys_move_choose_and_leave() -> None:
    state = PickerState()
    for key, expected in (("down", 1), ("j", 2), ("down", 2), ("up", 1), ("k", 0), ("up", 0)):
        state = step(state, key, 3, 10)
        assert state.selected == expected, key
    assert step(state, "end", 3, 10).selected == 2
    assert step(PickerState(2), "home", 3, 10).selected == 0
    assert step(PickerState(0), "pgdn", 30, 10).selected == 10
    assert step(PickerState(1), "enter", 3, 10) == PickerState(1, chosen=True)
    assert step(PickerState(1), "q", 3, 10).cancelled
    assert step(PickerState(1), "escape", 3, 10).cancelled
    assert not step(PickerState(), "enter", 0, 10).chosen  # nothing to choose
    assert step(PickerState(1), "x", 3, 10) == PickerState(1)


def test_the_picker_marks_an_overlay_on_tmpfs_as_memory() -> None:
    listed = choices("/", OVERLAY_MOUNTS, lambda _: SPACE, lambda _: True, overlay_devices)
    by_directory = {choice.directory: choice for choice in listed}
    assert by_directory["/ov/ram"].upper_fstype == "tmpfs"
    assert by_directory["/ov/ram"].memory_backed
    assert not by_directory["/ov/disk"].memory_backed
    block = render_picker(listed, PickerState(0), 64 * MIB, 100, 12)
    ram = next(line.text for line in block if "/ov/ram" in line.text)
    disk = next(line.text for line in block if "/ov/disk" in line.text)
    assert "(in memory: RAM speeds)" in ram and "in memory" not in disk


def test_the_picker_draws_every_choice_and_highlights_the_selected_one() -> None:
    listed = [
        Choice("/home/u", "current directory", "ext4", Space(100 * GIB, 40 * GIB, False)),
        Choice("/dev/shm", "/dev/shm", "tmpfs", Space(8 * GIB, 8 * GIB, False)),
        Choice("/data\x1b[2J", "/data\x1b[2J", "xfs", Space(GIB, MIB, False)),
    ]
    block = render_picker(listed, PickerState(1), 64 * MIB, 100, 10)
    assert len(block) == 10 and all(len(line.cells) == 100 for line in block)
    texts = [line.text for line in block]
    assert "64 MiB test file" in texts[0]
    assert "current directory /home/u" in texts[3]
    assert "(in memory: RAM speeds)" in texts[4]
    assert block[4].styles[1] == Role.SELECTED and block[3].styles[1] != Role.SELECTED
    assert "\x1b" not in "".join(texts)
    # Scrolled: the selected line stays on screen however long the list.
    many = listed * 20
    small = render_picker(many, PickerState(59), 64 * MIB, 60, 8)
    assert any(line.styles[1] == Role.SELECTED for line in small)


# --- the workspace and the runner, on tmp_path ------------------------------------------


def test_the_workspace_is_a_private_directory_removed_with_its_file(tmp_path: Path) -> None:
    workspace = Workspace(str(tmp_path))
    directory = Path(workspace.directory)
    assert directory.parent == tmp_path and directory.name.startswith("sot-bench-")
    assert directory.stat().st_mode & 0o777 == 0o700
    workspace.create_file()
    assert (directory / TEST_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert workspace.remove() is None
    assert workspace.remove() is None  # again: nothing to do, nothing touched
    assert list(tmp_path.iterdir()) == []


def test_the_test_file_is_never_opened_through_a_planted_link(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_bytes(b"keep me")
    parent = tmp_path / "parent"
    parent.mkdir()
    workspace = Workspace(str(parent))
    try:
        # As if someone had guessed the directory and planted a link at the file's name.
        os.symlink(precious, os.path.join(workspace.directory, TEST_FILE_NAME))
        with pytest.raises(FileExistsError):
            workspace.create_file()
    finally:
        workspace.remove()
    assert precious.read_bytes() == b"keep me"
    assert list(parent.iterdir()) == []


def run_plan(tmp_path: Path, plan: BenchPlan, stop: StopFlag) -> list[BenchResult]:
    workspace = Workspace(str(tmp_path))
    seen: list[Progress] = []
    try:
        workspace.create_file()
        bench = Bench(workspace, plan, seen.append, stop)
        try:
            return list(bench.results())
        finally:
            bench.close()
    finally:
        workspace.remove()
        assert list(tmp_path.iterdir()) == []


def test_a_short_run_measures_every_test_and_leaves_nothing(tmp_path: Path) -> None:
    results = run_plan(tmp_path, BenchPlan(ALL_TESTS, 2 * MIB, 0.05), StopFlag())
    assert [r.test for r in results] == list(ALL_TESTS)
    for result in results:
        assert result.operations > 0 and result.duration_s >= 0.05
        assert result.latency is not None and result.latency.min_us > 0
        assert result.bytes_done == result.operations * result.test.block_bytes


def test_reads_alone_lay_the_file_out_first(tmp_path: Path) -> None:
    results = run_plan(tmp_path, BenchPlan((BenchTest.RAND_READ,), 2 * MIB, 0.05), StopFlag())
    assert [r.test for r in results] == [BenchTest.RAND_READ]


def test_a_signal_stops_the_run_between_two_ios(tmp_path: Path) -> None:
    stop = StopFlag()
    stop.handler(signal.SIGTERM, None)
    stop.handler(signal.SIGINT, None)  # the first one counts
    with pytest.raises(BenchInterrupted) as raised:
        run_plan(tmp_path, BenchPlan(ALL_TESTS, 2 * MIB, 10.0), stop)
    assert raised.value.signum == signal.SIGTERM


def test_a_full_disk_stops_with_a_one_line_message() -> None:
    from sot.diskbench.runner import _stopped

    message = str(_stopped(OSError(errno.ENOSPC, "No space"), "/x", 3 * MIB))
    assert (
        message
        == "no space left on the filesystem of /x after writing 3 MiB: the benchmark stopped"
    )
    assert "quota" in str(_stopped(OSError(errno.EDQUOT, "Quota"), "/x", 0))


def test_option_types_turn_plan_errors_into_usage_errors() -> None:
    convert = checked(parse_size)
    with pytest.raises(argparse.ArgumentTypeError, match="takes a size"):
        convert("lots")
