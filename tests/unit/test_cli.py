"""The command line: fast help, one-line errors, exit codes."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from sot import cli
from sot.commands import Subcommand
from sot.config import OutputFormat
from sot.key_help import KEY_HELP


def run_sot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def help_with_imports(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``sot --help`` run in-process, its output followed by ``LOADED [...]``: which of psutil,
    blessed and curses it imported (``env``: the environment, e.g. a config file's)."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['sot', '--help']\n"
        "try:\n    runpy.run_module('sot', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('psutil', 'blessed', 'curses') if m in sys.modules))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
        env=env,
    )  # fmt: skip


def test_help_imports_neither_psutil_nor_blessed() -> None:
    result = help_with_imports()
    assert "LOADED []" in result.stdout
    assert "--interval" in result.stdout and "keys:" in result.stdout


def test_version() -> None:
    result = run_sot("--version")
    assert result.returncode == 0 and result.stdout.startswith("sot ")


@pytest.mark.parametrize(
    "args",
    [
        ["-i", "abc"],
        ["-i", "0.1"],
        ["-i", "5000"],
        ["-i", "nan"],
        ["--duration", "4e7"],  # more than a year
        ["--duration", "inf"],
        ["--duration", "nan"],
        ["--duration", "0"],
        ["--format", "yaml"],
        ["--nope"],
        ["extra"],
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str]) -> None:
    result = run_sot(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("sot: ")


def test_unwritable_log_is_a_usage_error() -> None:
    result = run_sot("--log", "/nonexistent-dir/sot.log", "--once")
    assert result.returncode == 2
    assert "cannot open log file" in result.stderr


def test_parse_config_honours_no_color_env() -> None:
    config = cli.parse_config(["-i", "2.5", "--format", "json", "--ascii"], {"NO_COLOR": ""})
    assert config.interval_s == 2.5
    assert config.output_format is OutputFormat.JSON
    assert config.no_color and config.ascii_only


def test_unexpected_error_is_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    def explode(*_: object) -> int:
        raise RuntimeError("boom")

    boom = Subcommand("boom", "always fails", lambda parser: None, explode)
    log = f"{tmp_path}/debug.log"
    assert cli.main(["--log", log, "boom"], subcommands=(boom,)) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"sot: unexpected error: RuntimeError: boom (details in {log})"
    with open(log, encoding="utf-8") as handle:
        assert "Traceback" in handle.read()


def test_a_subcommand_registers_its_own_options_and_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[argparse.Namespace] = []

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--depth", type=int, default=3, help="how deep to look")

    def run(args: argparse.Namespace, _: object) -> int:
        seen.append(args)
        return 0

    probe = Subcommand("probe", "look at one thing", add, run)
    with pytest.raises(SystemExit):
        cli.main(["--help"], subcommands=(probe,))
    top = capsys.readouterr().out
    assert "probe" in top and "look at one thing" in top and "--interval" in top
    with pytest.raises(SystemExit):
        cli.main(["probe", "--help"], subcommands=(probe,))
    assert "--depth" in capsys.readouterr().out
    assert cli.main(["probe", "--depth", "5"], subcommands=(probe,)) == 0
    assert seen[0].depth == 5
    with pytest.raises(SystemExit) as exited:
        cli.main(["probe", "--depth", "x"], subcommands=(probe,))
    assert exited.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1  # one line


def test_help_lists_every_key_of_the_key_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for entry in KEY_HELP:
        assert f"{entry.keys} " in text and entry.text in text
