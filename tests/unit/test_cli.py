"""The command line: fast help, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sot import cli
from sot.config import OutputFormat


def run_sot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_imports_neither_psutil_nor_blessed() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['sot', '--help']\n"
        "try:\n    runpy.run_module('sot', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('psutil', 'blessed', 'curses') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
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
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from sot import app

    def explode(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "run", explode)
    log = f"{tmp_path}/debug.log"
    assert cli.main(["--log", log]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"sot: unexpected error: RuntimeError: boom (details in {log})"
    with open(log, encoding="utf-8") as handle:
        assert "Traceback" in handle.read()
