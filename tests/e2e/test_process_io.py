"""Per-process I/O and kernel threads, end to end: the real sot beside a real writer, and the
kernel-thread toggle in tmux."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import SOT, Tmux, run_sot, wait_until

# Feeds dd at a steady pace (bytes per second in argv[1]), so its rate is the same over any
# window of a second or more: dd's direct writes then go to the disk at that rate.
PACER = """
import os, sys, time
chunk = bytes(65536)
step_s = len(chunk) / int(sys.argv[1])
deadline = time.monotonic()
while True:
    os.write(1, chunk)
    deadline += step_s
    time.sleep(max(0.0, deadline - time.monotonic()))
"""
RATE_BYTES_PER_S = 8 * 1024 * 1024


def write_bytes(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return None


@pytest.fixture
def direct_writer(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """dd writing 8 MiB/s to a file with O_DIRECT (each write goes to the disk as it is made)."""
    pacer = subprocess.Popen(
        [sys.executable, "-c", PACER, str(RATE_BYTES_PER_S)], stdout=subprocess.PIPE
    )
    assert pacer.stdout is not None
    dd = subprocess.Popen(
        [
            "dd",
            f"of={tmp_path / 'direct.bin'}",
            "bs=64K",
            "iflag=fullblock",
            "oflag=direct",
            "status=none",
        ],
        stdin=pacer.stdout,
        stderr=subprocess.PIPE,
    )
    pacer.stdout.close()
    try:
        if not wait_until(lambda: (write_bytes(dd.pid) or 0) > 0 or dd.poll() is not None):
            pytest.skip("dd's /proc/<pid>/io counts no writes here (no task I/O accounting)")
        if dd.poll() is not None:
            reason = (dd.stderr.read() if dd.stderr else b"").decode(errors="replace").strip()
            pytest.skip(f"dd oflag=direct cannot write under {tmp_path}: {reason}")
        yield dd
    finally:
        pacer.kill()
        dd.kill()
        pacer.wait()
        dd.wait()
        if dd.stderr is not None:
            dd.stderr.close()


def test_write_rate_of_a_direct_writer_is_its_real_rate(
    direct_writer: subprocess.Popen[bytes],
) -> None:
    pid = direct_writer.pid
    # Past dd's start (half a second of writes at the pace): the pace is steady from here.
    assert wait_until(lambda: (write_bytes(pid) or 0) >= RATE_BYTES_PER_S // 2)
    start_s, start_bytes = time.monotonic(), write_bytes(pid)
    result = run_sot("--once", "--format", "json", "--interval", "2")
    end_s, end_bytes = time.monotonic(), write_bytes(pid)
    assert result.returncode == 0, result.stderr
    assert start_bytes is not None and end_bytes is not None
    real = (end_bytes - start_bytes) / (end_s - start_s)  # dd's own count, over sot's run
    document = json.loads(result.stdout)
    row = next(p for p in document["processes"] if p["pid"] == pid)
    shown = row["write_bytes_per_s"]
    assert shown is not None, row
    assert abs(shown - real) <= 0.3 * real, (shown, real)
    # dd reads a pipe, not the disk; what it may read (its own pages evicted under memory
    # pressure, brought back in) is a trickle beside its writes.
    assert row["read_bytes_per_s"] is not None and row["read_bytes_per_s"] < 0.05 * real, row
    assert row["is_kernel_thread"] is False
    # JSON says what the text view hid, and lists every process with the flag either way.
    assert document["kernel_threads_hidden"] is True
    assert all(isinstance(p["is_kernel_thread"], bool) for p in document["processes"])


def kernel_threads_visible() -> bool:
    stat = Path("/proc/2/stat")
    try:
        return stat.read_bytes().startswith(b"2 (kthreadd)")
    except OSError:
        return False


def test_kernel_threads_are_hidden_and_shown_by_the_toggle(tmux: Tmux) -> None:
    if not kernel_threads_visible():
        pytest.skip("no kernel thread is visible here (kthreadd is not PID 2 in this namespace)")
    tmux.start(SOT, columns=160, lines=48)
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    tmux.send("/")
    tmux.send("-l", "kthreadd")
    tmux.send("Enter")

    def hidden(text: str) -> bool:
        return "kernel threads hidden" in text and "no process matches the filter" in text

    assert tmux.wait_for(hidden), tmux.text()
    tmux.send("x")

    def shown(text: str) -> bool:
        rows = [line for line in text.splitlines() if "kthreadd" in line and "filter" not in line]
        return bool(rows) and "kernel threads hidden" not in text

    assert tmux.wait_for(shown), tmux.text()
    tmux.send("x")
    assert tmux.wait_for(hidden), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_once_text_says_how_many_kernel_threads_it_hid_and_the_option_shows_them() -> None:
    if not kernel_threads_visible():
        pytest.skip("no kernel thread is visible here (kthreadd is not PID 2 in this namespace)")
    hidden = run_sot("--once", "--interval", "0.2")
    assert hidden.returncode == 0, hidden.stderr
    assert b"kernel threads hidden" in hidden.stdout or b"kernel thread hidden" in hidden.stdout
    shown = run_sot("--once", "--interval", "0.2", "--kernel-threads")
    assert shown.returncode == 0, shown.stderr
    assert b"kernel thread" not in shown.stdout
    document = json.loads(run_sot("--once", "--format", "json", "--kernel-threads").stdout)
    assert document["kernel_threads_hidden"] is False
    assert any(p["is_kernel_thread"] for p in document["processes"])
