"""No input can hurt: planted links, hostile names in messages, huge sizes, malformed recordings,
Ctrl-C at start-up. Each test runs the real sot and checks its exit status and every byte it
printed."""

from __future__ import annotations

import os
import re
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, SOT, PtyRun, base_env, run_sot
from tests.e2e.test_hostile_and_missing import edited_recording, make_hostile
from tests.unit.test_safe_text import UNSAFE_BYTES


def assert_one_line_exit_2(result: object) -> str:
    """sot refused with exit 2 and one sanitized line on stderr; returns that line."""
    assert getattr(result, "returncode", None) == 2, result
    errors: bytes = getattr(result, "stderr", b"")
    assert errors.startswith(b"sot: ") and errors.count(b"\n") == 1, errors
    assert b"Traceback" not in errors
    assert not UNSAFE_BYTES.search(errors), errors
    return errors.decode()


# 1. Files sot writes never follow links -------------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """(a victim file, a link to it where sot is told to write)."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "pub" / "sot.log"
    link.parent.mkdir()
    link.symlink_to(victim)
    return victim, link


def test_log_through_a_planted_symlink_is_refused(planted: tuple[Path, Path]) -> None:
    victim, link = planted
    result = run_sot("--log", str(link), "--once", "--interval", "0.2")
    line = assert_one_line_exit_2(result)
    assert str(link) in line and "symbolic link" in line
    assert victim.read_text() == "precious\n"


def test_record_replaces_a_planted_symlink_with_a_private_file(
    planted: tuple[Path, Path],
) -> None:
    victim, link = planted
    result = run_sot("--record", str(link))
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink()
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert b'"format": 1' in link.read_bytes()


def test_record_onto_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "recording.json"
    os.mkfifo(fifo)
    assert "FIFO" in assert_one_line_exit_2(run_sot("--record", str(fifo)))


# 4. Names in messages and log lines are sanitized ---------------------------------------------


@pytest.mark.parametrize("option", ["-N", "-D"])
def test_choice_lists_of_hostile_names_are_sanitized(tmp_path: Path, option: str) -> None:
    recording = edited_recording(tmp_path, make_hostile)
    log = tmp_path / "sot.log"
    result = run_sot("--replay", str(recording), option, "\x1b[7mnope", "--once", "--log", str(log))
    line = assert_one_line_exit_2(result)
    assert "choose one of:" in line
    assert "]0;Pe0" in line or "/mnt/[2J bad" in line  # the hostile name, shown inert
    for logged in log.read_bytes().splitlines(keepends=True):
        assert not UNSAFE_BYTES.search(logged), logged
    assert b"choose one of:" in log.read_bytes()


def test_environment_cannot_smuggle_escapes_into_messages() -> None:
    result = run_sot("--interval", "\x1b]0;PWNED\x07", env=base_env())
    assert_one_line_exit_2(result)


# 2. Sizes from outside are clamped -------------------------------------------------------------


def limited_memory() -> None:
    """In the child: 1 GiB of address space, where sot needs about 100 MiB. Without the clamp,
    COLUMNS=99999999 asks for gigabytes and ends in MemoryError long before this machine's
    memory is at risk."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("variable", ["COLUMNS", "LINES"])
def test_huge_columns_or_lines_render_at_most_1000_cells(variable: str) -> None:
    env = base_env(**{variable: "99999999"})
    result = subprocess.run(
        [*SOT, "--once", "--interval", "0.2"],
        capture_output=True,
        timeout=60,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=limited_memory,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert b"processes" in result.stdout
    assert max(len(line) for line in lines) <= 1000
    assert len(lines) <= 1000


def test_a_terminal_wider_than_1000_columns_gets_1000() -> None:
    run = PtyRun(args=["--interval", "60"], columns=1500, lines=40)
    try:
        assert run.wait_for(lambda t: "processes" in t)
        run.pump(0.2)
        assert all(not line[1000:].strip() for line in run.screen.display)
        assert any(line[990:1000].strip() for line in run.screen.display)  # drawn up to there
    finally:
        run.close()


# 3. Recordings: regular files of bounded size, validated as a whole ---------------------------


def test_replay_of_a_device_or_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "recording.json"
    os.mkfifo(fifo)  # no writer: reading it would wait forever
    for path, kind in (("/dev/zero", "character device"), (str(fifo), "FIFO")):
        line = assert_one_line_exit_2(run_sot("--replay", path, "--once"))
        assert kind in line and path in line


def test_replay_of_a_file_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: costs no disk, but sot must not read it
    assert "larger than the 256 MiB" in assert_one_line_exit_2(
        run_sot("--replay", str(big), "--once")
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["memory"].update(percent=float("nan")), "holds NaN"),
        (lambda d: d["processes"][2].update(rss_bytes=-1), "processes[2].rss_bytes"),
        (lambda d: d.update(host=[[[[]]]]), "host: expected an object"),
        (lambda d: d["usage"].update({"\x1b]0;PWNED\x07\x1b[31m": {}}), "usage['\\x1b]0;PWNED"),
    ],
)
def test_malformed_recording_is_one_line_exit_2(
    tmp_path: Path, edit: object, expected: str
) -> None:
    recording = edited_recording(tmp_path, edit)
    line = assert_one_line_exit_2(run_sot("--replay", str(recording), "--once"))
    assert expected in line and str(recording) in line


def test_deeply_nested_recording_is_refused(tmp_path: Path) -> None:
    recording = tmp_path / "deep.json"
    recording.write_text('{"format": 1, "host": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nests" in assert_one_line_exit_2(run_sot("--replay", str(recording), "--once"))


# 7. Ctrl-C at any moment of start-up ------------------------------------------------------------

# Runs the console-script entry point as the installed ``sot`` does, and sends itself SIGINT at
# the n-th Python function call made from inside it: through the imports, option parsing,
# opening the log, the first samples, rendering and printing.
INTERRUPTING_LAUNCHER = """
import os, signal, sys
import sot
target = int(sys.argv[1])
module, _, name = sys.argv[2].partition(":")
calls = [0, False]

def interrupt_at_nth_call(frame, event, arg):
    if event != "call":
        return
    caller = frame.f_back
    if not calls[1]:
        code = caller.f_code if caller is not None else None
        if code is None or code.co_name != name or "sot" not in code.co_filename:
            return
        calls[1] = True  # counting starts inside the entry point
    calls[0] += 1
    if calls[0] == target:
        sys.setprofile(None)
        os.kill(os.getpid(), signal.SIGINT)

sys.argv = ["sot", *sys.argv[3:]]
sys.setprofile(interrupt_at_nth_call)
entry = getattr(__import__(module, fromlist=[name]), name)
sys.exit(entry())
"""
ONCE = ("--once", "--interval", "0.2")
# Start-up to the printed frame makes about 70,000 calls.
CALLS = (1, 2, 3, 5, 8, 13, 30, 100, 300, 1000, 3000, 10000, 30000, 60000)


def console_entry_point() -> str:
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'^sot = "([\w.]+:\w+)"$', text, re.MULTILINE)
    assert match, "no [project.scripts] sot entry"
    return match.group(1)


def test_ctrl_c_at_any_moment_of_start_up_exits_130_quietly() -> None:
    entry = console_entry_point()
    runs = {
        calls: subprocess.Popen(
            [sys.executable, "-c", INTERRUPTING_LAUNCHER, str(calls), entry, *ONCE],
            cwd=REPO,
            env=base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for calls in CALLS
    }
    for calls, process in runs.items():
        _, errors = process.communicate(timeout=60)
        assert process.returncode in (130, 0), (calls, process.returncode, errors)
        assert errors == b"", (calls, errors)
