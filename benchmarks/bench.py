"""What sot costs to leave running: first frame, CPU, peak RSS, bytes sent to the terminal.

Each program runs in a detached tmux session of a fixed size on a private socket; every byte it
writes is recorded with ``pipe-pane``; CPU time and peak RSS come from /proc for the pane's
process. Figures are medians over ``--runs`` runs. Run with ``make bench`` (``ARGS="--window 10"``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    command: tuple[str, ...]
    ready_text: str  # shown once the first complete frame is on screen
    cwd: Path = REPO  # `python -m sot` runs the sot of this directory


@dataclass(frozen=True, slots=True)
class Measurement:
    first_frame_ms: float
    cpu_percent: float
    peak_rss_mib: float
    bytes_per_s: float


def tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=15,
    )
    return result.stdout


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(
    program: Program, width: int, height: int, warmup_s: float, window_s: float
) -> Measurement:
    # A socket of its own per run: a server that is still shutting down must not be reused.
    socket = f"sot-bench-{os.getpid()}-{program.name}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "bytes"
        recording.touch()
        # Bytecode as on an installed sot (pip compiles it; Python writes it on the first run),
        # even where the calling environment sets PYTHONDONTWRITEBYTECODE: recompiling every
        # module at every start is not sot's cost (see warm_bytecode).
        env = [
            "env",
            "-u",
            "PYTHONDONTWRITEBYTECODE",
            "TERM=tmux-256color",
            "LANG=C.UTF-8",
            f"PATH={os.environ['PATH']}",
        ]
        # The pane first waits for a line, so recording starts before the program does and the
        # clock starts at its exec, not at tmux's own start-up.
        holder = ["sh", "-c", 'read line; exec "$@"', "sh"]
        tmux(
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
            str(program.cwd),
            *env,
            *holder,
            *program.command,
        )
        try:
            tmux(socket, "pipe-pane", "-o", "-t", "bench", f"cat >> {shlex.quote(str(recording))}")
            pid = int(tmux(socket, "display-message", "-p", "-t", "bench", "#{pane_pid}"))
            ready = program.ready_text.encode()
            started = time.monotonic()
            tmux(socket, "send-keys", "-t", "bench", "Enter")
            first_frame_ms = float("nan")
            # Watch the recorded bytes in-process: polling capture-pane would spawn a tmux client
            # every few milliseconds and slow down the very start-up being timed.
            with recording.open("rb") as stream:
                seen = b""
                while time.monotonic() - started < 10:
                    seen = seen[-64:] + stream.read()
                    if ready in seen:
                        first_frame_ms = (time.monotonic() - started) * 1000
                        break
                    time.sleep(0.002)
            time.sleep(warmup_s)
            cpu_before, bytes_before = cpu_seconds(pid), recording.stat().st_size
            window_start = time.monotonic()
            time.sleep(window_s)
            elapsed = time.monotonic() - window_start
            cpu_after, bytes_after = cpu_seconds(pid), recording.stat().st_size
            return Measurement(
                first_frame_ms=first_frame_ms,
                cpu_percent=100.0 * (cpu_after - cpu_before) / elapsed,
                peak_rss_mib=peak_rss_mib(pid),
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


def ensure_installed(names: Sequence[str]) -> None:
    """Install the peers with apt-get when they are missing and we may (root, Debian)."""
    missing = [n for n in names if shutil.which(n) is None]
    if not missing or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    packages = ["procps" if n == "top" else n for n in missing]
    print(f"installing {' '.join(packages)} with apt-get ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True, check=False
    )


@contextlib.contextmanager
def sleeping_processes(count: int) -> Iterator[list[int]]:
    """``count`` extra sleeping processes, killed (exactly those PIDs) on the way out."""
    children: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            children.append(subprocess.Popen(["sleep", "100000"], stdin=subprocess.DEVNULL))
        yield [c.pid for c in children]
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()


@contextlib.contextmanager
def checkout_of(revision: str | None) -> Iterator[Path | None]:
    """A temporary worktree of ``revision`` (None: no baseline), removed on the way out."""
    if revision is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="sot-baseline-") as tmp:
        tree = Path(tmp) / "sot"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), revision],
            check=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False
            )


def warm_bytecode(program: Program) -> None:
    """Run a Python program's start-up once without PYTHONDONTWRITEBYTECODE, so that its
    bytecode (sot's and its libraries') is written before it is measured, as it is on any
    installed copy after the first run."""
    if program.command[0] != sys.executable:
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # A baseline revision may lack some of these modules: import what is there.
    warm = (
        "import importlib\n"
        "for name in ('blessed', 'psutil', 'sot.cli', 'sot.pipeline', 'sot.app',"
        " 'sot.terminal', 'sot.config_file'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        pass\n"
    )
    subprocess.run([sys.executable, "-c", warm], cwd=program.cwd, env=env, check=True)


def help_ms(runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sot", "--help"],
            capture_output=True,
            check=True,
            cwd=REPO,
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before (5)")
    parser.add_argument("--runs", type=int, default=2, help="runs per program (2)")
    parser.add_argument("--size", default="160x48", help="pane size (160x48)")
    parser.add_argument(
        "--extra",
        type=int,
        default=2000,
        help="also measure with this many extra sleeping processes (2000; 0: no)",
    )
    parser.add_argument("--only", default="sot,htop,top", help="programs to measure")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also measure sot as of this git revision, for before/after figures from one run",
    )
    args = parser.parse_args()
    with checkout_of(args.baseline) as baseline:
        return run_bench(args, baseline)


def run_bench(args: argparse.Namespace, baseline: Path | None) -> int:
    wanted = args.only.split(",")
    ensure_installed(["tmux", *[n for n in ("htop", "top") if n in wanted]])
    if shutil.which("tmux") is None:
        print("bench: tmux is required (apt-get install tmux)", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    programs = [
        Program("sot", (sys.executable, "-m", "sot", "--interval", "1"), "processes"),
        Program("htop", ("htop", "-d", "10"), "PID"),
        Program("top", ("top", "-d", "1"), "PID"),
    ]
    programs = [p for p in programs if p.name in wanted and shutil.which(p.command[0])]
    if baseline is not None:
        command = (sys.executable, "-m", "sot", "--interval", "1")
        programs.insert(1, Program(f"sot@{args.baseline}", command, "processes", baseline))
    print(
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.size} tmux pane, "
        f"refresh 1 s, {args.warmup:g} s warm-up, {args.window:g} s window, "
        f"median of {args.runs} run(s); `sot --help`: {help_ms():.0f} ms"
    )
    idle: dict[str, Measurement] = {}
    loaded: dict[str, Measurement] = {}
    for program in programs:
        warm_bytecode(program)
    for program in programs:
        idle[program.name] = median(
            [measure(program, width, height, args.warmup, args.window) for _ in range(args.runs)]
        )
    if args.extra:
        with sleeping_processes(args.extra):
            for program in programs:
                loaded[program.name] = median(
                    [
                        measure(program, width, height, args.warmup, args.window)
                        for _ in range(args.runs)
                    ]
                )
    extra = f"CPU % +{args.extra}" if args.extra else ""
    print(f"| program | first frame ms | CPU % idle | {extra or '-'} | peak RSS MiB | bytes/s |")
    print("|---|---|---|---|---|---|")
    for name, result in idle.items():
        under_load = f"{loaded[name].cpu_percent:.2f}" if name in loaded else "-"
        print(
            f"| {name} | {result.first_frame_ms:.0f} | {result.cpu_percent:.2f} | {under_load} "
            f"| {result.peak_rss_mib:.1f} | {result.bytes_per_s:.0f} |"
        )
    mine = idle.get("sot")
    peers = [name for name in idle if name != "sot"]
    for peer in peers:
        if mine is None or peer not in idle:
            continue
        theirs = idle[peer]

        def ratio(a: float, b: float) -> str:
            return f"{a / b:.2f}x" if b > 0 else "-"

        loaded_ratio = (
            ratio(loaded["sot"].cpu_percent, loaded[peer].cpu_percent)
            if "sot" in loaded and peer in loaded
            else "-"
        )
        print(
            f"| sot / {peer} | {ratio(mine.first_frame_ms, theirs.first_frame_ms)} "
            f"| {ratio(mine.cpu_percent, theirs.cpu_percent)} | {loaded_ratio} "
            f"| {ratio(mine.peak_rss_mib, theirs.peak_rss_mib)} "
            f"| {ratio(mine.bytes_per_s, theirs.bytes_per_s)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
