"""What ``sot info`` costs: median wall time over ``--runs`` runs (10), beside neofetch (installed
with apt-get when missing and we may: root, Debian) and fastfetch where it is installed.

Each program runs with its output to a pipe, after one warm-up run (file caches, and Python's
bytecode cache: this is timed with bytecode written to a private cache directory, as on an
installed sot, even when PYTHONDONTWRITEBYTECODE is set in the calling environment).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_MS = 150.0  # issue 12: `sot info` must finish within this on the machine it runs on


def install_neofetch() -> None:
    """neofetch from the system's packages when it is missing and we may (root, apt-get), with
    pciutils (its GPU line runs lspci) but not its other recommendations (ImageMagick and image
    viewers, for pictures in place of the logo: nothing a timing of text output needs)."""
    if shutil.which("neofetch") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    print("installing neofetch with apt-get ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "neofetch", "pciutils"],
        env=env,
        capture_output=True,
        check=False,
    )


def wall_ms(command: Sequence[str], env: Mapping[str, str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, env=env, cwd=REPO, check=False, timeout=60)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, cwd=REPO, check=False, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
    return times


def timed_table(
    programs: Sequence[tuple[str, Sequence[str]]], env: Mapping[str, str], runs: int
) -> dict[str, float]:
    """Each program's median, min and max wall ms as a Markdown table; the medians by name."""
    print("| program | median ms | min ms | max ms |")
    print("|---|---|---|---|")
    medians = {}
    for name, command in programs:
        times = wall_ms(command, env, runs)
        medians[name] = statistics.median(times)
        print(f"| {name} | {medians[name]:.0f} | {min(times):.0f} | {max(times):.0f} |")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per program (10)")
    args = parser.parse_args()
    install_neofetch()
    with tempfile.TemporaryDirectory(prefix="sot-bench-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        programs: list[tuple[str, list[str]]] = [
            ("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"]),
            ("sot info", [sys.executable, "-m", "sot", "info"]),
            ("sot info --format json", [sys.executable, "-m", "sot", "info", "--format", "json"]),
        ]
        missing = []
        for name, command in (("neofetch", ["neofetch"]), ("fastfetch", ["fastfetch"])):
            if shutil.which(name):
                programs.append((name, command))
            else:
                missing.append(name)
        print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, output to a pipe, ", end="")
        print(f"median of {args.runs} runs after one warm-up")
        medians = timed_table(programs, env, args.runs)
    for name in missing:
        why = " (Debian 12 has no package for it)" if name == "fastfetch" else ""
        print(f"{name}: not installed{why}, not measured")
    mine = medians["sot info"]
    verdict = "within" if mine <= BUDGET_MS else "OVER"
    print(f"sot info: {mine:.0f} ms, {verdict} the {BUDGET_MS:.0f} ms budget", end="")
    if "neofetch" in medians:
        print(f"; neofetch takes {medians['neofetch'] / mine:.1f}x as long", end="")
    print()
    return 0  # a report, not a gate: the other benchmarks still run


if __name__ == "__main__":
    sys.exit(main())
