"""``sot info`` on this machine: the real command, piped, as JSON and on a pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sot.cli import build_parser
from tests.e2e.harness import REPO, PtyRun, base_env, run_sot

ESCAPES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def pretty_name() -> str:
    """PRETTY_NAME as a shell would read it (the test's own reading, not sot's)."""
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        if Path(path).exists():
            text = Path(path).read_text()
            found = re.search(r"^PRETTY_NAME=(.*)$", text, re.MULTILINE)
            if found:
                return subprocess.run(
                    ["sh", "-c", f"printf %s {found.group(1)}"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
    pytest.skip("this machine has no os-release PRETTY_NAME")


def mem_total_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def test_piped_output_names_this_os_and_kernel_with_no_escape_byte() -> None:
    result = run_sot(shell="{sot} info | cat")
    assert result.returncode == 0, result.stderr
    assert not ESCAPES.search(result.stdout), result.stdout
    text = result.stdout.decode()
    assert pretty_name() in text
    assert f"Kernel: {os.uname().release}" in text
    assert result.stderr == b""


def test_json_parses_and_memory_total_equals_meminfo() -> None:
    result = run_sot("info", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["memory_total_bytes"] == mem_total_bytes()
    assert document["kernel_release"] == os.uname().release
    assert document["os_pretty_name"] == pretty_name()
    assert document["architecture"] == os.uname().machine
    assert isinstance(document["packages"], dict) and isinstance(document["gpus"], list)


@pytest.mark.parametrize(
    "args",
    [
        ("info", "--bogus"),
        ("info", "--format", "xml"),
        ("info", "--logo", "windows"),
        ("info", "x"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = run_sot(*args)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sot: "), lines


def test_help_documents_every_option() -> None:
    result = run_sot("info", "-h")
    assert result.returncode == 0
    text = result.stdout.decode()
    chooser = next(a for a in build_parser()._actions if a.dest == "command")
    info = chooser.choices["info"]  # type: ignore[index]
    for action in info._actions:
        for option in action.option_strings:
            assert option in text, option
    assert "JSON" in text or "json" in text


def test_no_blessed_psutil_or_subprocess_on_the_way() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sot", "info"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=base_env(),
        timeout=30,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert not imported & {"blessed", "psutil", "curses", "subprocess"}, imported


def info_on_a_terminal(columns: int, *args: str, **env: str) -> PtyRun:
    run = PtyRun(["info", *args], columns=columns, lines=40, env=base_env(**env))
    assert run.wait_exit(timeout=20) == 0, run.text()
    return run


def test_a_terminal_gets_colours_and_the_logo_beside_the_facts() -> None:
    run = info_on_a_terminal(120)
    try:
        assert b"\x1b[" in run.raw
        first = run.text().splitlines()[0]
        assert "@" in first and first.index("@") > 20  # the logo is on the left
    finally:
        run.close()


@pytest.mark.parametrize(("args", "env"), [(("--no-color",), {}), ((), {"NO_COLOR": "1"})])
def test_no_color_means_no_escape_bytes(args: tuple[str, ...], env: dict[str, str]) -> None:
    run = info_on_a_terminal(120, *args, **env)
    try:
        assert b"\x1b" not in run.raw
    finally:
        run.close()


def test_a_narrow_terminal_gets_the_facts_only_and_ascii_rules_with_ascii() -> None:
    run = info_on_a_terminal(50, "--ascii")
    try:
        lines = run.text().splitlines()
        assert "@" in lines[0] and lines[0].index("@") < 40  # no logo before the title
        assert set(lines[1].strip()) == {"-"}
        assert all(max(0, len(line.rstrip())) <= 50 for line in lines)
        assert run.raw.decode("utf-8", errors="replace").isascii()
    finally:
        run.close()


def test_no_logo_prints_the_facts_only() -> None:
    import pwd

    result = run_sot("info", "--no-logo")
    assert result.returncode == 0
    user = pwd.getpwuid(os.getuid()).pw_name  # base_env sets no USER: sot asks the passwd file
    assert result.stdout.decode().splitlines()[0].startswith(f"{user}@")


def test_sot_help_lists_info() -> None:
    result = run_sot("--help")
    assert re.search(r"^\s+info\s+print this machine's facts", result.stdout.decode(), re.M)
