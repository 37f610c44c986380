"""``sot bench`` for real: small runs on tmp directories through the CLI, the JSON against
docs/bench-json.md, a tiny tmpfs filling up mid-run, tmpfs flagged as memory, planted links,
signals in a pty (the directory empty afterwards, the terminal as it was), the picker and the
confirmation in a pty. Every directory written to is under tmp_path (or a tmpfs mounted
there by the test and unmounted in ``finally``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, SOT, PtyRun, base_env

DOC = REPO / "docs" / "bench-json.md"


def bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """sot bench without a terminal (as under cron)."""
    return subprocess.run(
        [*SOT, "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )


@contextmanager
def mounted(fstype: str, options: str, mount_point: Path) -> Iterator[Path]:
    """A new ``fstype`` mount at ``mount_point`` (under tmp_path), unmounted whatever happens."""
    if os.geteuid() != 0:
        pytest.skip(f"mounting a {fstype} needs root (CI runs the tests as root)")
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", fstype, "-o", options, "sotbench", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a {fstype} here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def tmpfs(mount_point: Path, size: str) -> contextlib.AbstractContextManager[Path]:
    """A tmpfs of ``size`` at ``mount_point``, unmounted whatever happens."""
    return mounted("tmpfs", f"size={size},mode=0755", mount_point)


def documented_fields(section: int) -> set[str]:
    """The field names of the ``section``-th table of docs/bench-json.md."""
    tables = DOC.read_text().split("| field | type | meaning |")[1:]
    names: set[str] = set()
    for row in tables[section].split("\n\n")[0].splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([a-z0-9_]+)`", row.split("|")[1]))
    return names


def test_a_small_run_prints_the_table_writes_the_json_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    target, results = tmp_path / "disk", tmp_path / "results"
    target.mkdir()
    results.mkdir()
    out = results / "bench.json"
    run = bench(str(target), "--size", "64M", "--duration", "1", "--output", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"sot bench: {os.path.realpath(target)} (")
    assert lines[0].endswith("64 MiB file, 1 s per test, queue depth 1")
    assert lines[2].split()[:4] == ["test", "block", "MiB/s", "IOPS"]
    assert [line.split()[0] for line in lines[3:7]] == [
        "seq-write",
        "seq-read",
        "rand-read",
        "rand-write",
    ]
    assert "\x1b" not in run.stdout and "\r" not in run.stdout  # no progress without a terminal
    assert list(target.iterdir()) == []
    document = json.loads(out.read_text())
    assert set(document) == documented_fields(0)
    assert document["schema_version"] == 1 and document["complete"] is True
    assert document["file_size_bytes"] == 64 << 20
    assert [test["name"] for test in document["tests"]] == [
        "seq-write",
        "seq-read",
        "rand-read",
        "rand-write",
    ]
    for test in document["tests"]:
        assert set(test) == documented_fields(1)
        assert test["duration_s"] >= 1.0
        assert test["operations"] > 0 and test["iops"] > 0
        lat = [test[f"latency_{name}_us"] for name in ("min", "p50", "p95", "p99", "max")]
        assert lat == sorted(lat) and lat[0] > 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_without_path_and_terminal_it_says_so_in_one_line() -> None:
    run = bench()
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "needs PATH when not on a terminal" in run.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--size", "1P"), "sot bench keeps at least 10 % and 1 GiB free"),
        (("--size", "64X"), "argument --size: --size takes a size such as 64M or 1G"),
        (("--size", "1500K"), "whole number of MiB"),
        (("--tests", "seq-read,nope"), "--tests takes names from seq-write,seq-read"),
        (("--duration", "0"), "must be more than 0"),
    ],
)
def test_bad_options_and_refusals_are_one_line_and_write_nothing(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    run = bench(str(tmp_path), *args)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and says in run.stderr, run.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_is_a_regular_file_or_dash_for_stdout(tmp_path: Path) -> None:
    target = tmp_path / "disk"
    target.mkdir()
    precious = tmp_path / "precious"
    precious.write_bytes(b"precious")
    link = tmp_path / "stdout-like"
    link.symlink_to(precious)  # as /dev/stdout is a link: never replaced, never followed
    run = bench(str(target), "--size", "8M", "--duration", "0.2", "--output", str(link))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "is a symbolic link" in run.stderr, run.stderr
    assert run.stdout == "" and list(target.iterdir()) == []
    assert link.is_symlink() and precious.read_bytes() == b"precious"
    run = bench(
        str(target), "--size", "8M", "--duration", "0.2", "--tests", "seq-write", "--output", "-"
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["tests"][0]["name"] == "seq-write"
    assert run.stderr.startswith("sot bench: ")
    assert list(target.iterdir()) == []


def test_links_planted_at_guessable_names_are_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_bytes(b"precious")
    target = tmp_path / "shared"
    target.mkdir()
    names = ("sot-bench.data", "sot-bench", "sot-bench-0", ".sot-bench", "bench.tmp")
    for name in names:
        (target / name).symlink_to(precious)
    run = bench(str(target), "--size", "8M", "--duration", "0.2", "--tests", "seq-write")
    assert run.returncode == 0, run.stderr
    assert precious.read_bytes() == b"precious"
    assert sorted(p.name for p in target.iterdir()) == sorted(names)
    assert all((target / name).is_symlink() for name in names)


def memory_run(directory: Path, out: Path, test: str) -> dict[str, object]:
    """A short run in ``directory`` said to measure memory: its stdout and JSON, checked."""
    run = bench(
        str(directory), "--size", "64M", "--duration", "0.2", "--tests", test,
        "--output", str(out),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "keeps files in memory" in run.stdout and "RAM speeds" in run.stdout
    assert "reads bypass the page cache" not in run.stdout
    assert list(directory.iterdir()) == []
    document: dict[str, object] = json.loads(out.read_text())
    assert document["memory_backed"] is True
    assert document["page_cache_bypassed"] is False
    document["stdout"] = run.stdout
    return document


def test_tmpfs_is_flagged_as_memory_not_disk(tmp_path: Path) -> None:
    # 2 GiB of address space, of which the test writes 64 MiB: the free-space rule passes.
    with tmpfs(tmp_path / "mnt", "2G") as mount:
        document = memory_run(mount, tmp_path / "tmpfs.json", "seq-read")
    assert "tmpfs keeps files in memory" in str(document["stdout"])
    assert document["fstype"] == "tmpfs" and document["upper_fstype"] is None


def test_an_overlay_with_its_upper_layer_on_tmpfs_is_flagged_as_memory(tmp_path: Path) -> None:
    # As a live CD or a container's writable layer: an overlay whose writes go to a tmpfs.
    with tmpfs(tmp_path / "ram", "2G") as ram:
        for name in ("lower", "upper", "work"):
            (ram / name).mkdir()
        options = f"lowerdir={ram / 'lower'},upperdir={ram / 'upper'},workdir={ram / 'work'}"
        with mounted("overlay", options, tmp_path / "merged") as merged:
            document = memory_run(merged, tmp_path / "overlay.json", "rand-read")
    assert "upper layer on tmpfs" in str(document["stdout"])
    assert document["fstype"] == "overlay" and document["upper_fstype"] == "tmpfs"


def test_a_disk_filling_up_mid_run_stops_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sot.commands.bench import run_bench
    from sot.diskbench.plan import ALL_TESTS, MIB, BenchPlan
    from sot.diskbench.target import describe
    from sot.log import DebugLog

    with tmpfs(tmp_path / "tiny", "4M") as mount:
        # The command refuses this plan up front (free-space rule); here the rule is passed
        # by, as if another program had filled the disk after the check.
        target = describe(str(mount), ())
        out = tmp_path / "partial.json"
        code = run_bench(
            target, BenchPlan(ALL_TESTS, 16 * MIB, 5.0), str(out), DebugLog(None), None
        )
        assert code == 1
        assert list(mount.iterdir()) == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no space left on the filesystem of" in err and "the test directory was removed" in err
    document = json.loads(out.read_text())
    assert document["complete"] is False and "no space left" in document["error"]


def pty_bench(directory: Path, *args: str) -> PtyRun:
    """sot bench on a terminal, started in ``directory`` (the picker's current directory)."""
    line = " ".join(shlex.quote(part) for part in [*SOT, "bench", *args])
    return PtyRun(command=["sh", "-c", f"cd {shlex.quote(str(directory))} && exec {line}"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_run_removes_the_directory(tmp_path: Path, signum: int) -> None:
    run = pty_bench(tmp_path, str(tmp_path), "--size", "64M", "--duration", "60", "--yes")
    try:
        assert run.wait_for(lambda text: "elapsed" in text), run.text()
        assert len(list(tmp_path.iterdir())) == 1  # the private directory, while running
        if signum == signal.SIGINT:
            run.send(b"\x03")  # Ctrl-C at the terminal
        elif signum == signal.SIGHUP:
            run.hang_up()  # the terminal goes away
        else:
            os.kill(run.pid, signum)
        assert run.wait_exit(10) == 128 + signum
        assert list(tmp_path.iterdir()) == []
        if signum != signal.SIGHUP:
            assert run.wait_for(lambda text: "the test directory was removed" in text), run.text()
            assert run.line_discipline() == (True, True)  # the terminal as it was
    finally:
        run.close()


def selected_row(run: PtyRun) -> int | None:
    for y in range(run.lines):
        if run.screen.buffer[y][2].reverse:
            return y
    return None


def test_the_picker_moves_chooses_confirms_and_runs(tmp_path: Path) -> None:
    run = pty_bench(tmp_path, "--size", "8M", "--duration", "0.2", "--tests", "seq-write")
    try:
        assert run.wait_for(lambda text: "choose where to write a 8 MiB" in text), run.text()
        assert "current directory" in run.screen.display[3]
        assert run.wait_for(lambda text: selected_row(run) == 3)
        listed = sum(1 for line in run.screen.display[3:] if line.strip())
        run.send(b"\x1b[B")  # Down
        assert run.wait_for(lambda text: selected_row(run) == min(4, 3 + listed - 1))
        run.send(b"\x1b[A")  # Up
        assert run.wait_for(lambda text: selected_row(run) == 3)
        run.send(b"\r")  # Enter: the current directory
        assert run.wait_for(lambda text: "Go on? [y/N]" in text), run.text()
        assert str(os.path.realpath(tmp_path)) in run.text().replace("\n", "")
        run.send(b"y\r")
        assert run.wait_exit(30) == 0, run.text()
        assert run.wait_for(lambda text: "seq-write" in text and "MiB/s" in text)
        assert run.line_discipline() == (True, True)
        assert list(tmp_path.iterdir()) == []
    finally:
        run.close()


@pytest.mark.parametrize("answer", [b"q", b"\x1b"])
def test_leaving_the_picker_writes_nothing(tmp_path: Path, answer: bytes) -> None:
    run = pty_bench(tmp_path, "--size", "8M")
    try:
        assert run.wait_for(lambda text: "choose where" in text), run.text()
        run.send(answer)
        assert run.wait_exit(10) == 1
        assert b"sot: bench: cancelled, nothing was written\r\n" in run.raw
        assert run.line_discipline() == (True, True)
        assert list(tmp_path.iterdir()) == []
    finally:
        run.close()


def test_the_picker_draws_in_the_theme(tmp_path: Path) -> None:
    run = pty_bench(tmp_path, "--size", "8M", "--theme", "light")
    try:
        assert run.wait_for(lambda text: "choose where" in text), run.text()
        # light's title (25, bold), not dark's (75).
        assert run.wait_for(lambda text: b"\x1b[0;1;38;5;25m" in run.raw), run.raw[-400:]
        assert b"38;5;75m" not in run.raw
        run.send(b"q")
        assert run.wait_exit(10) == 1
    finally:
        run.close()


def test_answering_no_writes_nothing(tmp_path: Path) -> None:
    run = pty_bench(tmp_path, str(tmp_path), "--size", "8M")
    try:
        assert run.wait_for(lambda text: "Go on? [y/N]" in text), run.text()
        run.send(b"n\r")
        assert run.wait_exit(10) == 1
        assert list(tmp_path.iterdir()) == []
    finally:
        run.close()


def test_the_command_starts_without_psutil_or_blessed() -> None:
    code = (
        "import sys\n"
        "from sot.cli import build_parser\n"
        "build_parser().parse_args(['bench', '/tmp', '--size', '64M'])\n"
        "print(sorted(m for m in ('psutil', 'blessed') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.stdout.strip() == "[]", result.stderr
