"""``sot line`` as tmux runs it: the installed console script, one line and exit, --follow until
a signal, a reader that leaves early, and its one-line errors. Assertions are on the line's shape,
never on this machine's numbers."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import REPO, base_env

DEFAULT_LINE = re.compile(r"cpu (\d+|-)% mem \d+% load \d+\.\d\d net \S+/\S+\n")
CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def console_script() -> str:
    """The ``sot`` the environment installed beside this interpreter: what tmux runs."""
    script = Path(sys.executable).parent / "sot"
    if not script.exists():
        pytest.skip(f"no sot console script beside {sys.executable} (uv sync installs it)")
    return str(script)


def run_line(*args: str, shell: str | None = None) -> subprocess.CompletedProcess[str]:
    command: str | list[str] = (
        shell.format(sot=console_script()) if shell else [console_script(), "line", *args]
    )
    return subprocess.run(
        command,
        shell=shell is not None,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_sot_line_prints_one_plain_line_and_exits_0() -> None:
    result = run_line()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert DEFAULT_LINE.fullmatch(result.stdout), result.stdout
    assert not CONTROLS.search(result.stdout)


def test_a_template_with_every_field_is_one_line() -> None:
    from sot.line_template import FIELDS

    result = run_line("--window", "0.1", " ".join(f"{{{name}}}" for name in FIELDS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    assert len(result.stdout.split()) == len(FIELDS)
    assert not CONTROLS.search(result.stdout.rstrip("\n"))


def test_an_unknown_field_is_one_line_exit_2() -> None:
    result = run_line("{cpu} {gpu_fan}")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "{gpu_fan}" in lines[0] and "known fields: cpu" in lines[0]


def test_help_through_the_console_script() -> None:
    result = run_line("--help")
    assert result.returncode == 0 and "{cpu}" in result.stdout and "--follow" in result.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_follow_prints_lines_until_a_signal_then_exits_quietly(signum: signal.Signals) -> None:
    process = subprocess.Popen(
        [console_script(), "line", "--follow", "-i", "0.2", "--window", "0.1", "m{mem} c{cpu}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env=base_env(),
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]  # blocks until each arrives
        process.send_signal(signum)
        rest, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert err == ""
    assert all(re.fullmatch(r"m\d+ c(\d+|-)\n", text) for text in lines), lines
    assert all(re.fullmatch(r"m\d+ c(\d+|-)", text) for text in rest.splitlines())


def test_follow_ends_quietly_with_status_0_when_the_reader_leaves() -> None:
    # bash for pipefail (/bin/sh may be dash): the pipeline's status is sot's.
    result = run_line(
        shell="bash -c 'set -o pipefail; {sot} line --follow -i 0.1 \"{{mem}}\" | head -1'"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.fullmatch(r"\d+\n", result.stdout)


def test_a_reader_that_leaves_before_the_line_is_not_an_error() -> None:
    result = run_line(shell="bash -c 'set -o pipefail; {sot} line --window 0.3 | true'")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_closed_stdout_is_one_line_exit_2() -> None:
    result = run_line(shell="{sot} line '{{mem}}' >&-")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "stdout is closed" in lines[0]
