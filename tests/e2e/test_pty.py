"""The real sot in a pseudo-terminal, read through a pyte screen.

Signals and hang-ups are covered, more thoroughly, in test_robustness.py.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.e2e.harness import PtyRun, run_sot

PANELS = ("cpu", "memory", "disks", "net ", "processes")


def test_first_frame_shows_every_panel_and_our_process(busy_marker: tuple[str, int]) -> None:
    marker, pid = busy_marker
    run = PtyRun(columns=140, lines=45)
    try:
        assert run.wait_for(lambda t: all(p in t for p in PANELS), timeout=10), run.text()
        first_frame_s = time.monotonic() - run.started
        # Within two refreshes the busy child tops the table, found by its PID and command line.
        assert run.wait_for(lambda t: marker in t and str(pid) in t, timeout=6), run.text()
        assert first_frame_s < 5
        run.send(b"q")
        assert run.wait_exit() == 0
        # The terminal was handed back: cursor shown again, application keypad off.
        assert run.raw.endswith(b"\x1b[?1049l") or b"\x1b[?25h" in run.raw[-64:]
    finally:
        run.close()


def test_help_overlay_and_pause() -> None:
    run = PtyRun(columns=100, lines=30)
    try:
        assert run.wait_for(lambda t: "processes" in t)
        run.send(b"?")
        assert run.wait_for(lambda t: "pause or resume sampling" in t)
        run.send(b"\x1b")
        assert run.wait_for(lambda t: "pause or resume sampling" not in t)
        run.send(b" ")
        assert run.wait_for(lambda t: "PAUSED" in t)
        run.send(b"+")
        assert run.wait_for(lambda t: "interval 2s" in t)
        run.send(b"\x03")  # Ctrl-C
        assert run.wait_exit() == 130
    finally:
        run.close()


def test_resize_to_tiny_and_back_leaves_no_stale_cells() -> None:
    run = PtyRun(columns=100, lines=30)
    try:
        assert run.wait_for(lambda t: "processes" in t)
        run.resize(30, 8)
        assert run.wait_for(lambda t: "terminal too small" in t), run.text()
        run.resize(100, 30)
        assert run.wait_for(lambda t: "processes" in t and "too small" not in t), run.text()
        run.pump(0.3)
        lines = run.screen.display
        assert lines[0].startswith(" sot ")
        # Every boxed row ends in a border: nothing from the tiny frame survived.
        for row in lines[1:-1]:
            if row.startswith(("disk ", "net ")):
                continue  # the one-line rate meters have no border
            assert row[-1] in "┐│┘", row
        run.send(b"q")
        assert run.wait_exit() == 0
    finally:
        run.close()


def test_once_json_matches_proc_meminfo() -> None:
    result = run_sot("--once", "--format", "json", "--interval", "0.2")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    assert doc["memory"]["total_bytes"] == total_kib * 1024
    assert doc["cpu"]["total_percent"] is not None
    assert any(p["pid"] for p in doc["processes"])
    assert {"rx_bytes_per_s", "tx_bytes_per_s"} <= set(doc["interfaces"][0])


def test_piped_output_is_one_plain_frame() -> None:
    started = time.monotonic()
    result = run_sot(shell="{sot} --interval 0.5 | cat")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 0.5 + 5
    assert b"\x1b" not in result.stdout
    text = result.stdout.decode()
    assert "processes" in text and "memory" in text
    assert len(text.splitlines()) == 40  # the default size when not on a terminal


def test_bad_options_print_one_line_and_exit_2() -> None:
    for args in (
        ["--interval", "0"],
        ["--net", "no-such-nic0"],
        ["--disk", "/no/such"],
        ["--format", "xml"],
        ["--bogus"],
    ):
        result = run_sot(*args)
        errors = result.stderr.decode()
        assert result.returncode == 2, args
        assert len(errors.strip().splitlines()) == 1, errors
        assert "Traceback" not in errors
    result = run_sot("--net", "no-such-nic0")
    assert b"lo" in result.stderr  # names the valid choices


def test_once_for_scripts_has_no_key_hints_and_top_limits_the_table() -> None:
    text = run_sot("--once", "--top", "3", "--interval", "0.2").stdout.decode()
    assert "q quit" not in text and "? help" not in text
    rows = [line for line in text.splitlines() if re.match(r"^[│|]\s+\d+ ", line)]
    assert len(rows) == 3
    assert " 3 of " in text  # the title says how many of how many
    doc = json.loads(run_sot("--once", "--top", "4", "--format", "json", "-i", "0.2").stdout)
    cpu = [p["cpu_percent"] for p in doc["processes"]]
    assert len(cpu) == 4
    known = [c for c in cpu if c is not None]
    assert known == sorted(known, reverse=True)  # as the table sorts: busiest first
    assert cpu[: len(known)] == known  # unknown ones last


@pytest.mark.parametrize("value", ["0", "-1", "x", "1e9"])
def test_bad_top_is_one_line_exit_2(value: str) -> None:
    result = run_sot("--once", "--top", value)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
