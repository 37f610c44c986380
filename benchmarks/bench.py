"""What sot costs to leave running: first frame, CPU, peak RSS, bytes sent to the terminal.

Each program runs in a detached tmux session of a fixed size on a private socket; every byte it
writes is recorded with ``pipe-pane``; CPU time and peak RSS come from /proc for the pane's
process. Figures are medians over ``--runs`` runs. Run with ``make bench`` (``ARGS="--window 10"``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    command: tuple[str, ...]
    ready_text: str  # shown once the first complete frame is on screen


@dataclass(frozen=True, slots=True)
class Measurement:
    first_frame_ms: float
    cpu_percent: float
    peak_rss_mib: float
    bytes_per_s: float


def _tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=15,
    )
    return result.stdout


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(
    program: Program, width: int, height: int, warmup_s: float, window_s: float
) -> Measurement:
    socket = f"sot-bench-{os.getpid()}-{program.name}"
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "bytes"
        recording.touch()
        env = ["env", "TERM=tmux-256color", "LANG=C.UTF-8", f"PATH={os.environ['PATH']}"]
        started = time.monotonic()
        _tmux(
            socket,
            "-u",
            "new-session",
            "-d",
            "-s",
            "bench",
            "-x",
            str(width),
            "-y",
            str(height),
            "-c",
            str(REPO),
            *env,
            *program.command,
        )
        try:
            _tmux(socket, "pipe-pane", "-o", "-t", "bench", f"cat >> {shlex.quote(str(recording))}")
            pid = int(_tmux(socket, "display-message", "-p", "-t", "bench", "#{pane_pid}"))
            first_frame_ms = float("nan")
            while time.monotonic() - started < 10:
                if program.ready_text in _tmux(socket, "capture-pane", "-p", "-t", "bench"):
                    first_frame_ms = (time.monotonic() - started) * 1000
                    break
                time.sleep(0.005)
            time.sleep(warmup_s)
            cpu_before, bytes_before = _cpu_seconds(pid), recording.stat().st_size
            window_start = time.monotonic()
            time.sleep(window_s)
            elapsed = time.monotonic() - window_start
            cpu_after, bytes_after = _cpu_seconds(pid), recording.stat().st_size
            return Measurement(
                first_frame_ms=first_frame_ms,
                cpu_percent=100.0 * (cpu_after - cpu_before) / elapsed,
                peak_rss_mib=_peak_rss_mib(pid),
                bytes_per_s=(bytes_after - bytes_before) / elapsed,
            )
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)


def median(values: list[Measurement]) -> Measurement:
    return Measurement(
        first_frame_ms=statistics.median(m.first_frame_ms for m in values),
        cpu_percent=statistics.median(m.cpu_percent for m in values),
        peak_rss_mib=statistics.median(m.peak_rss_mib for m in values),
        bytes_per_s=statistics.median(m.bytes_per_s for m in values),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before (5)")
    parser.add_argument("--runs", type=int, default=2, help="runs per program (2)")
    parser.add_argument("--size", default="160x48", help="pane size (160x48)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("bench: tmux is required (apt-get install tmux)", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    programs = [Program("sot", (sys.executable, "-m", "sot", "--interval", "1"), "processes")]
    for name, command, ready in (("htop", ("htop", "-d", "10"), "PID"), ("top", ("top",), "PID")):
        if shutil.which(name):
            programs.append(Program(name, command, ready))
    print(
        f"{args.size} pane, {args.warmup:g} s warm-up, {args.window:g} s window, "
        f"median of {args.runs} run(s), {os.cpu_count()} cores"
    )
    print(f"{'program':<8} {'first frame ms':>15} {'CPU %':>7} {'peak RSS MiB':>13} {'bytes/s':>9}")
    for program in programs:
        result = median(
            [measure(program, width, height, args.warmup, args.window) for _ in range(args.runs)]
        )
        print(
            f"{program.name:<8} {result.first_frame_ms:>15.0f} {result.cpu_percent:>7.2f} "
            f"{result.peak_rss_mib:>13.1f} {result.bytes_per_s:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
