"""``sot bench`` beside fio on the same directory, with the same jobs: the accuracy check of
issue 15 (sequential read/write MiB/s and random-read IOPS within 25 % of fio's).

Each fio job is sot bench's test spelled in fio's words, one job after another on one file,
in sot's order (so the sequential write lays the file out for the reads, as in sot):

    --rw=write|read|randread|randwrite --bs=1M|4k --size=SIZE --runtime=SECONDS --time_based
    --direct=1 --ioengine=psync --iodepth=1 --end_fsync=1 (write jobs) --fallocate=none

psync is pread/pwrite, one I/O at a time: the system calls sot makes (preadv/pwritev). sot
creates its file by writing it, so fio does not preallocate either (``--fallocate=none``).
Both write jobs end with one fdatasync/fsync, timed, as sot's do.

Rounds alternate sot and fio (``--rounds``, default 1) and the medians are compared, so a
disk that drifts (a host cache filling, thermal throttling) hurts both alike. The CPU time
and peak RSS of each sot bench run come from ``wait4``: what sot itself costs while it runs.

fio comes from the system's packages: ``apt-get install fio`` (Debian, Ubuntu), ``dnf
install fio`` (Fedora), ``brew install fio`` (macOS); as root on Debian this script installs
it when missing. Exit status: 0 within tolerance, 1 outside it, 2 fio missing or a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 0.25
TESTS = ("seq-write", "seq-read", "rand-read", "rand-write")
FIO_JOBS = {
    "seq-write": ("write", "1M", "write"),
    "seq-read": ("read", "1M", "read"),
    "rand-read": ("randread", "4k", "read"),
    "rand-write": ("randwrite", "4k", "write"),
}
# What must agree: (test, figure).
CHECKED = (("seq-read", "mib_per_s"), ("seq-write", "mib_per_s"), ("rand-read", "iops"))


@dataclass(frozen=True)
class Figures:
    mib_per_s: float
    iops: float
    lat_avg_us: float
    lat_p50_us: float
    lat_p99_us: float


@dataclass(frozen=True)
class Cost:
    cpu_s: float
    wall_s: float
    max_rss_kib: int


def install_fio() -> None:
    if shutil.which("fio") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    print("installing fio with apt-get ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "fio"],
        env=env,
        capture_output=True,
        check=False,
    )


def run_measured(command: Sequence[str]) -> tuple[int, Cost, bytes, bytes]:
    """Run ``command``; its exit status, its own CPU time and peak RSS (wait4), its output."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        cost = Cost(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss)
        return process.returncode, cost, out.read(), err.read()


def run_sot(directory: str, size: str, duration: float) -> tuple[dict[str, Figures], Cost]:
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "sot.json")
        command = [sys.executable, "-m", "sot", "bench", directory, "--size", size]
        command += ["--duration", f"{duration:g}", "--yes", "--output", output]
        code, cost, _, err = run_measured(command)
        if code != 0:
            raise SystemExit(f"sot bench failed ({code}): {err.decode(errors='replace').strip()}")
        document = json.loads(Path(output).read_text())
    figures = {
        test["name"]: Figures(
            test["throughput_mib_per_s"],
            test["iops"],
            test["latency_avg_us"],
            test["latency_p50_us"],
            test["latency_p99_us"],
        )
        for test in document["tests"]
    }
    return figures, cost


def fio_command(test: str, filename: str, size: str, duration: float) -> list[str]:
    rw, block, _ = FIO_JOBS[test]
    command = [
        "fio",
        f"--name={test}",
        f"--filename={filename}",
        f"--rw={rw}",
        f"--bs={block}",
        f"--size={size}",
        f"--runtime={duration:g}",
        "--time_based",
        "--direct=1",
        "--ioengine=psync",
        "--iodepth=1",
        "--numjobs=1",
        "--fallocate=none",
        "--output-format=json",
    ]
    if rw in ("write", "randwrite"):
        command.append("--end_fsync=1")
    return command


def run_fio(directory: str, size: str, duration: float) -> tuple[dict[str, Figures], Cost]:
    figures: dict[str, Figures] = {}
    total = Cost(0.0, 0.0, 0)
    scratch = tempfile.mkdtemp(prefix="fio-vs-sot-", dir=directory)
    try:
        filename = os.path.join(scratch, "fio.data")
        for test in TESTS:
            code, cost, out, err = run_measured(fio_command(test, filename, size, duration))
            if code != 0:
                raise SystemExit(f"fio {test} failed ({code}): {err.decode(errors='replace')}")
            total = Cost(
                total.cpu_s + cost.cpu_s,
                total.wall_s + cost.wall_s,
                max(total.max_rss_kib, cost.max_rss_kib),
            )
            job = json.loads(out[out.index(b"{") :])["jobs"][0][FIO_JOBS[test][2]]
            percentiles = job["clat_ns"].get("percentile", {})
            figures[test] = Figures(
                job["bw_bytes"] / (1 << 20),
                job["iops"],
                job["lat_ns"]["mean"] / 1000,
                percentiles.get("50.000000", 0) / 1000,
                percentiles.get("99.000000", 0) / 1000,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return figures, total


def median_figures(rounds: list[dict[str, Figures]]) -> dict[str, Figures]:
    def med(test: str, name: str) -> float:
        return statistics.median(float(getattr(r[test], name)) for r in rounds)

    names = ("mib_per_s", "iops", "lat_avg_us", "lat_p50_us", "lat_p99_us")
    return {test: Figures(*(med(test, name) for name in names)) for test in TESTS}


def print_table(sot: dict[str, Figures], fio: dict[str, Figures]) -> list[str]:
    """The side-by-side table (markdown, for the closing note); the checks that failed."""
    print("| test | figure | sot bench | fio | sot / fio |")
    print("|---|---|---:|---:|---:|")
    failed = []
    for test in TESTS:
        for name, label in (
            ("mib_per_s", "MiB/s"),
            ("iops", "IOPS"),
            ("lat_avg_us", "latency avg (us)"),
            ("lat_p50_us", "latency p50 (us)"),
            ("lat_p99_us", "latency p99 (us)"),
        ):
            ours, theirs = getattr(sot[test], name), getattr(fio[test], name)
            ratio = ours / theirs if theirs else float("nan")
            mark = ""
            if (test, name) in CHECKED:
                ok = abs(ratio - 1) <= TOLERANCE
                mark = " ok" if ok else " OUTSIDE 25 %"
                if not ok:
                    failed.append(f"{test} {label}")
            print(f"| {test} | {label} | {ours:.1f} | {theirs:.1f} | {ratio:.2f}{mark} |")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "directory", nargs="?", help="where both write (default: a new directory under /var/tmp)"
    )
    parser.add_argument("--size", default="256M", help="test file size for both (default 256M)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per test (5)")
    parser.add_argument("--rounds", type=int, default=1, help="sot/fio pairs; medians compared")
    args = parser.parse_args(argv)
    install_fio()
    if shutil.which("fio") is None:
        print(
            "fio is not installed: apt-get install fio (Debian, Ubuntu), dnf install fio"
            " (Fedora), brew install fio (macOS)",
            file=sys.stderr,
        )
        return 2
    version = subprocess.run(["fio", "--version"], capture_output=True, text=True, check=False)
    own = args.directory is None
    directory = tempfile.mkdtemp(prefix="sot-vs-fio-", dir="/var/tmp") if own else args.directory
    os.chdir(REPO)
    sot_rounds, fio_rounds, costs = [], [], []
    try:
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}: sot bench ...", file=sys.stderr)
            sot, cost = run_sot(directory, args.size, args.duration)
            sot_rounds.append(sot)
            costs.append(cost)
            print(f"round {number + 1}/{args.rounds}: fio ...", file=sys.stderr)
            fio, fio_cost = run_fio(directory, args.size, args.duration)
            fio_rounds.append(fio)
    finally:
        if own:
            shutil.rmtree(directory, ignore_errors=True)
    print(
        f"sot bench vs {version.stdout.strip()} in {directory}: --size {args.size},"
        f" {args.duration:g} s per test, queue depth 1, direct I/O;"
        f" medians of {args.rounds} round(s)\n"
    )
    failed = print_table(median_figures(sot_rounds), median_figures(fio_rounds))
    print("\neach round (sot / fio), to show how much the disk itself varies:")
    for test, name in CHECKED:
        pairs = [
            f"{getattr(ours[test], name):.0f} / {getattr(theirs[test], name):.0f}"
            for ours, theirs in zip(sot_rounds, fio_rounds, strict=True)
        ]
        print(f"  {test} {'MiB/s' if name == 'mib_per_s' else 'IOPS'}: {', '.join(pairs)}")
    cpu = [c.cpu_s / c.wall_s * 100 for c in costs]
    rss = max(c.max_rss_kib for c in costs) / 1024
    print(
        f"\nsot bench's own cost: {statistics.median(cpu):.0f} % of one CPU over"
        f" {statistics.median(c.wall_s for c in costs):.1f} s (median of {len(costs)}),"
        f" peak RSS {rss:.1f} MiB; fio's last round: {fio_cost.cpu_s / fio_cost.wall_s * 100:.0f} %"
        f" of one CPU, peak RSS {fio_cost.max_rss_kib / 1024:.1f} MiB"
    )
    if failed:
        print(f"outside {TOLERANCE:.0%} of fio: {', '.join(failed)}")
        return 1
    print(f"sequential read/write MiB/s and random-read IOPS within {TOLERANCE:.0%} of fio's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
