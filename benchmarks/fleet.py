"""What ``sot fleet`` costs at 1,000 instances, against a real Prometheus filled with synthetic
node_exporter hosts (benchmarks/fleet_engine.py): first frame, CPU per refresh, HTTP queries per
refresh (beside the one-host dashboard's), ``--once --format json`` wall time, and what each of
the fleet's queries costs the server.

sot runs in a pseudo-terminal of its own (160x48, queries answered as a terminal would) and every
byte it writes is read and dropped; CPU time and peak RSS come from /proc for its PID. Refreshes
are counted on a window aligned to the refresh schedule: Prometheus's query log shows when a
refresh's queries arrive, the window opens half an interval later and lasts a whole number of
intervals, so it holds exactly that many refreshes. Queries are counted by Prometheus itself
(``prometheus_http_requests_total`` of the /api/v1/query handlers). Part of ``make bench``; alone:
``uv run python benchmarks/fleet.py`` (``--sot CMD`` measures another build's sot).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import pty
import re
import resource
import select
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import cpu_seconds, peak_rss_mib  # benchmarks/ is on sys.path
from fleet_engine import FleetEngine, Host, fleet_engine, missing_binaries

REPO = Path(__file__).resolve().parents[1]
FIRST_FRAME_BUDGET_MS = 1000.0  # issue 14
REFRESH_CPU_BUDGET_MS = 300.0  # issue 14
INTERVAL_S = 1.0
SETTLE_S = 0.1  # a request is counted once its response is sent, just after its log line
# Terminal control sequences, removed before looking for text on the screen.
_CONTROL = re.compile(rb"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b[@-_]|\x1b.|[\x00-\x1f]")
_CURSOR_QUERY = re.compile(rb"\x1b\[\??6n")
_QUERY_HANDLER = re.compile(r'handler="/api/v1/query[^"]*"')


@dataclass(frozen=True, slots=True)
class Window:
    """What one program spent over ``refreshes`` refreshes."""

    refreshes: int
    elapsed_s: float
    cpu_s: float  # the program's utime+stime
    server_cpu_s: float  # Prometheus's
    http_queries: int  # /api/v1/query* requests Prometheus counted
    logged_queries: int  # queries in Prometheus's query log (the same ones, counted another way)
    peak_rss_mib: float

    @property
    def cpu_ms_per_refresh(self) -> float:
        return self.cpu_s * 1000 / self.refreshes

    @property
    def cpu_percent(self) -> float:
        """Of one core, over the window."""
        return self.cpu_s * 100 / self.elapsed_s

    @property
    def period_s(self) -> float:
        """The time from one refresh to the next (the interval, or more)."""
        return self.elapsed_s / self.refreshes

    @property
    def queries_per_refresh(self) -> float:
        return self.http_queries / self.refreshes


@dataclass(frozen=True, slots=True)
class QueryCost:
    expression: str
    series: int
    response_bytes: int
    latency_ms: float  # median round trip of a POST /api/v1/query, the way sot sends it


# --- Prometheus's own figures ----------------------------------------------------------------


def http_queries(url: str) -> int:
    """Requests Prometheus has served on its /api/v1/query* handlers since it started."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("prometheus_http_requests_total{") and _QUERY_HANDLER.search(line):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def _query_text(entry: Mapping[str, object]) -> str:
    params = entry.get("params")
    return str(params.get("query", "")) if isinstance(params, dict) else ""


def _server_ms(entry: Mapping[str, object]) -> float | None:
    stats = entry.get("stats")
    timings = stats.get("timings") if isinstance(stats, dict) else None
    total = timings.get("execTotalTime") if isinstance(timings, dict) else None
    return float(total) * 1000 if isinstance(total, int | float) else None


def query_cost(url: str, expression: str, repeat: int) -> QueryCost:
    body = urllib.parse.urlencode({"query": expression}).encode()
    times, size, series = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{url}/api/v1/query", data=body, timeout=10) as response:
            raw = response.read()
        times.append((time.perf_counter() - started) * 1000)
        size = len(raw)
        series = len(json.loads(raw)["data"]["result"])
    return QueryCost(expression, series, size, statistics.median(times))


# --- sot in a pseudo-terminal ----------------------------------------------------------------


class Terminal:
    """A program in a pty of a fixed size whose output is read (so it never blocks writing),
    kept for a moment as plain text, and answered where it asks for the cursor position."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int]):
        columns, lines = size
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the tty, then become the program
            try:
                # An ignored signal stays ignored across exec: a bench run under nohup must not
                # hand that on to sot.
                for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
                    signal.signal(signum, signal.SIG_DFL)
                fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
                os.chdir(REPO)
                os.execvpe(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.text = b""  # the latest output, control sequences removed
        self.carry = b""  # the start of an escape sequence whose end has not come yet
        self.bytes_read = 0

    def read_until(self, deadline: float, done: Callable[[Terminal], bool] | None = None) -> bool:
        """Read output until ``done`` holds (True) or ``deadline`` (monotonic) passes."""
        while True:
            if done is not None and done(self):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.01))
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the program is gone
                return done is not None and done(self)
            if not data:
                return done is not None and done(self)
            self.bytes_read += len(data)
            for _ in _CURSOR_QUERY.findall(data):
                os.write(self.fd, b"\x1b[1;1R")
            # A sequence cut between two reads waits for its end, so no half of it reads as text.
            data = self.carry + data
            cut = data.rfind(b"\x1b")
            if cut < 0 or cut < len(data) - 64:
                cut = len(data)
            self.carry = data[cut:]
            self.text = (self.text + _CONTROL.sub(b" ", data[:cut]))[-65536:]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"q")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            self.read_until(time.monotonic() + 0.05)
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                break
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@contextlib.contextmanager
def terminal(
    argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int]
) -> Iterator[Terminal]:
    running = Terminal(argv, env, size)
    try:
        yield running
    finally:
        running.close()


class QueryLog:
    """Prometheus's query log from a point on, read as it grows: one JSON object a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.pending: list[dict[str, object]] = []
        self.consumed = 0  # entries taken by take_until since the last reset

    def _read(self) -> None:
        if not self.path.exists() or self.path.stat().st_size <= self.offset:
            return
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            data = stream.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line being written waits for next time
        self.offset += len(complete)
        for line in complete.splitlines():
            with contextlib.suppress(ValueError):
                self.pending.append(json.loads(line))

    def take_all(self) -> list[dict[str, object]]:
        self._read()
        taken, self.pending = self.pending, []
        self.consumed += len(taken)
        return taken

    def take_until(self, expression: str) -> bool:
        """Take entries up to and including the next query of ``expression``; whether one came."""
        self._read()
        for index, entry in enumerate(self.pending):
            if _query_text(entry) == expression:
                self.consumed += index + 1
                del self.pending[: index + 1]
                return True
        self.consumed += len(self.pending)
        self.pending = []
        return False


def _iso_s(value: object) -> float:
    """Epoch seconds of one of the query log's times (2026-11-30T08:19:26.360Z)."""
    text = str(value).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def last_of_refresh(entries: Sequence[Mapping[str, object]]) -> str:
    """The query a refresh ends with: the one after which the log is quiet longest (until the
    next refresh), where the queries of one refresh follow each other within milliseconds."""
    gaps: dict[str, list[float]] = {}
    for entry, following in itertools.pairwise(entries):
        params = following.get("params")
        started = params.get("start") if isinstance(params, dict) else None
        quiet_s = _iso_s(started) - _iso_s(entry.get("ts"))
        gaps.setdefault(_query_text(entry), []).append(quiet_s)
    # A refresh's queries come again every refresh; start-up's (a check, a history) once.
    repeated = [expression for expression, quiet in gaps.items() if len(quiet) >= 2]
    return max(repeated, key=lambda expression: statistics.median(gaps[expression]))


def measure_window(
    engine: FleetEngine,
    run: Terminal,
    refreshes: int,
    warmup_refreshes: int = 2,
    interval_s: float = INTERVAL_S,
) -> Window:
    """CPU, queries and peak RSS over ``refreshes`` refreshes after ``warmup_refreshes``.

    The window opens and closes in the quiet between two refreshes, just after the last query of
    a refresh reaches the query log (that query is learnt from the warm-up's log): so it holds
    exactly ``refreshes`` refreshes, their queries and their CPU, whatever the refresh's schedule
    (fixed deadlines, or an interval after each fetch) and however fast the queries are.
    """
    log = QueryLog(engine.query_log)
    seen: list[dict[str, object]] = []
    deadline = time.monotonic() + (warmup_refreshes + 2) * 10 * interval_s
    while max(Counter(map(_query_text, seen)).values(), default=0) <= warmup_refreshes:
        if time.monotonic() >= deadline:
            raise RuntimeError(f"fewer than {warmup_refreshes} refreshes reached Prometheus")
        run.read_until(time.monotonic() + 0.1)
        seen += log.take_all()
    marker = last_of_refresh(seen)

    def after_refresh() -> None:
        if not run.read_until(time.monotonic() + 10 * interval_s, lambda _: log.take_until(marker)):
            raise RuntimeError(f"no refresh within {10 * interval_s:g} s")
        run.read_until(time.monotonic() + SETTLE_S)

    after_refresh()
    log.consumed = 0
    opened = (
        time.monotonic(),
        cpu_seconds(run.pid),
        cpu_seconds(engine.pid),
        http_queries(engine.url),
    )
    for _ in range(refreshes):
        after_refresh()
    closed = (
        time.monotonic(),
        cpu_seconds(run.pid),
        cpu_seconds(engine.pid),
        http_queries(engine.url),
    )
    return Window(
        refreshes=refreshes,
        elapsed_s=closed[0] - opened[0],
        cpu_s=closed[1] - opened[1],
        server_cpu_s=closed[2] - opened[2],
        # The /metrics reads are not /api/v1/query requests: they count nothing here.
        http_queries=int(closed[3] - opened[3]),
        logged_queries=log.consumed,
        peak_rss_mib=peak_rss_mib(run.pid),
    )


# --- the stage -------------------------------------------------------------------------------


def sot_command(option: str | None) -> list[str]:
    return shlex.split(option) if option else [sys.executable, "-m", "sot"]


def sot_env(cache: str) -> dict[str, str]:
    # Bytecode written to a private cache, as an installed sot has it, even where the calling
    # environment sets PYTHONDONTWRITEBYTECODE (recompiling every start is not sot's cost).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=cache, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("NO_COLOR", None)
    return env


def has_fleet(sot: Sequence[str], env: Mapping[str, str]) -> bool:
    result = subprocess.run(
        [*sot, "fleet", "--help"], capture_output=True, env=dict(env), cwd=REPO, check=False
    )
    return result.returncode == 0 and b"--prometheus" in result.stdout


def once_json(
    sot: Sequence[str], env: Mapping[str, str], engine: FleetEngine, runs: int
) -> tuple[list[float], list[float], dict[str, object]]:
    """Wall and CPU milliseconds of each ``sot fleet --once --format json``, and the last
    document."""
    times, cpu, document = [], [], {}
    command = [*sot, "fleet", "--prometheus", engine.url, "--once", "--format", "json"]
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            command, capture_output=True, env=dict(env), cwd=REPO, check=False, timeout=60
        )
        times.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        if result.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)}: {result.stderr.decode()[-500:]}")
        document = json.loads(result.stdout)
    return times, cpu, document


# The names the fleet contract fixes for ``sot fleet --once --format json``.
DOCUMENT_KEYS = ("schema_version", "prometheus", "time_epoch_s", "instances")
INSTANCE_KEYS = (
    "instance",
    "job",
    "up",
    "cpu_percent",
    "memory_used_percent",
    "fullest_filesystem_percent",
    "fullest_filesystem_mount",
    "load1_per_core",
    "network_rx_bytes_per_s",
    "network_tx_bytes_per_s",
    "uptime_s",
)


def check_document(document: Mapping[str, object], hosts: Sequence[Host]) -> str:
    """What the fleet's JSON says about ``hosts``: "lists all ..." when it has every one of
    them, up or down as generated, with every field the contract names; else what is wrong."""
    missing = [key for key in DOCUMENT_KEYS if key not in document]
    instances = document.get("instances")
    if missing or not isinstance(instances, list):
        return f"no {', '.join(missing) or 'instances list'} in the document"
    rows = [row for row in instances if isinstance(row, dict)]
    absent = sorted({key for row in rows for key in INSTANCE_KEYS if key not in row})
    if absent:
        return f"instances without {', '.join(absent)}"
    names = {row["instance"] for row in rows}
    down = {row["instance"] for row in rows if row["up"] is False}
    expected_down = {host.instance for host in hosts if host.down}
    if len(rows) != len(hosts) or names != {host.instance for host in hosts}:
        return f"{len(rows)} instances, expected {len(hosts)}"
    if down != expected_down:
        return f"{len(down)} instances down, expected {len(expected_down)}"
    known = sum(isinstance(row["cpu_percent"], int | float) for row in rows if row["up"])
    return f"lists all {len(rows)} instances, {len(rows) - len(down)} up, CPU % known for {known}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_stage(args: argparse.Namespace) -> int:
    sot = sot_command(args.sot)
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="sot-bench-pycache-") as cache:
        env = sot_env(cache)
        if not has_fleet(sot, env):
            print(f"fleet: `{shlex.join(sot)} fleet` does not exist in this build; skipped")
            return 0
        with fleet_engine(args.instances) as engine:
            w = engine.written
            print(
                f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; engine: {w.hosts} hosts "
                f"({engine.up_count} up), {w.series} series, {w.samples} samples "
                f"({w.bytes / 1e6:.0f} MB of OpenMetrics): generated in {engine.generate_s:.1f} s,"
                f" backfilled in {engine.backfill_s:.1f} s, Prometheus answering in "
                f"{engine.start_s:.1f} s"
            )
            rows, queries = measure_fleet(args, sot, env, engine, (width, height))
        # The same fleet screen against a Prometheus that knows one host: the queries per
        # refresh must not depend on how many instances there are.
        with (
            fleet_engine(1) as single,
            terminal(fleet_command(sot, single), env, (width, height)) as run,
        ):
            one = measure_window(single, run, args.dashboard_refreshes)
        rows.append(
            f"| `sot fleet` at 1 instance: HTTP queries per refresh, {one.refreshes} refreshes "
            f"| {one.queries_per_refresh:.2f} (CPU {one.cpu_ms_per_refresh:.0f} ms per refresh) "
            f"| as at {args.instances} | {verdict(one.queries_per_refresh == queries)} |"
        )
    print(f"\n`sot fleet` at {args.instances} instances, {width}x{height} pty, -i {INTERVAL_S:g}:")
    print("| figure | measured | target | verdict |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    return 0  # a report, not a gate: the other stages still run


def fleet_command(sot: Sequence[str], engine: FleetEngine) -> list[str]:
    return [*sot, "fleet", "--prometheus", engine.url, "-i", f"{INTERVAL_S:g}"]


def measure_fleet(
    args: argparse.Namespace,
    sot: list[str],
    env: dict[str, str],
    engine: FleetEngine,
    size: tuple[int, int],
) -> tuple[list[str], float]:
    """The table's rows for ``engine``'s fleet, after printing what its queries cost, and its
    HTTP queries per refresh."""
    n = len(engine.hosts)
    # (2) --once --format json; its first run also tells which queries the fleet makes.
    log = QueryLog(engine.query_log)
    http_before = http_queries(engine.url)
    once_ms, once_cpu_ms, document = once_json(sot, env, engine, args.runs)
    once_queries = (http_queries(engine.url) - http_before) / args.runs
    entries = log.take_all()
    fleet_entries = entries[: len(entries) // args.runs]
    checked = check_document(document, engine.hosts)

    # (1) what each of those queries costs Prometheus (the server's share, for context).
    print(f"\nthe fleet's queries (one --once run), medians of {args.query_repeat} POSTs:")
    print("| query | series | response KiB | round trip ms | server ms (query log, that run) |")
    print("|---|---|---|---|---|")
    round_trip_ms = server_ms = 0.0
    for entry in fleet_entries:
        cost = query_cost(engine.url, _query_text(entry), args.query_repeat)
        server = _server_ms(entry)
        round_trip_ms += cost.latency_ms
        server_ms += server or 0.0
        text = cost.expression if len(cost.expression) <= 90 else cost.expression[:87] + "..."
        print(
            f"| `{text}` | {cost.series} | {cost.response_bytes / 1024:.0f} | "
            f"{cost.latency_ms:.1f} | {f'{server:.1f}' if server is not None else '-'} |"
        )
    print(
        f"total: {round_trip_ms:.0f} ms of round trips one after another, {server_ms:.0f} ms "
        "in Prometheus's engine"
    )

    # (3) the full screen: first frame, then CPU per refresh; (4) queries per refresh.
    ready = re.compile(rb"\b" + f"{n:,}".replace(",", ",?").encode() + rb" instances\b")
    first_ms: list[float] = []
    window: Window | None = None
    for attempt in range(args.runs):
        with terminal(fleet_command(sot, engine), env, size) as run:
            shown = run.read_until(
                time.monotonic() + 30, lambda t: ready.search(t.text) is not None
            )
            if not shown:
                raise RuntimeError(f"no '{n} instances' on the screen: {run.text[-400:]!r}")
            first_ms.append((time.monotonic() - run.started) * 1000)
            if attempt == args.runs - 1:
                window = measure_window(engine, run, args.refreshes)
    assert window is not None

    # (4) the one-host dashboard beside it: its source asks one batched query per refresh.
    host = engine.hosts[0].instance
    dashboard = [*sot, "--prometheus", engine.url, "--instance", host, "-i", f"{INTERVAL_S:g}"]
    with terminal(dashboard, env, size) as run:
        board = measure_window(engine, run, args.dashboard_refreshes)

    first = statistics.median(first_ms)
    per_refresh = window.cpu_ms_per_refresh
    rows = [
        f"| first frame (exec to '{n} instances'), median of {args.runs} | {first:.0f} ms "
        f"({', '.join(f'{v:.0f}' for v in first_ms)}) | <= {FIRST_FRAME_BUDGET_MS:.0f} ms | "
        f"{verdict(first <= FIRST_FRAME_BUDGET_MS)} |",
        f"| CPU per refresh, {window.refreshes} refreshes | {per_refresh:.0f} ms "
        f"({window.cpu_percent:.1f} % of a core, a refresh every {window.period_s:.2f} s) | <= "
        f"{REFRESH_CPU_BUDGET_MS:.0f} ms | {verdict(per_refresh <= REFRESH_CPU_BUDGET_MS)} |",
        f"| peak RSS | {window.peak_rss_mib:.1f} MiB | - | - |",
        f"| HTTP queries per refresh | {window.queries_per_refresh:.2f} (query log: "
        f"{window.logged_queries / window.refreshes:.2f}) | fixed, not per instance | "
        f"{verdict(window.queries_per_refresh < n)} |",
        f"| Prometheus CPU per refresh | {window.server_cpu_s * 1000 / window.refreshes:.0f} ms "
        "| - | - |",
        f"| `--once --format json`, median of {args.runs} | {statistics.median(once_ms):.0f} ms "
        f"wall, {statistics.median(once_cpu_ms):.0f} ms CPU, {once_queries:.0f} HTTP queries; "
        f"{checked} | - | "
        f"{verdict(checked.startswith('lists all'))} |",
        f"| dashboard `--instance {host}`: HTTP queries per refresh, {board.refreshes} "
        f"refreshes | {board.queries_per_refresh:.2f} (CPU {board.cpu_ms_per_refresh:.0f} ms "
        f"per refresh) | 1 | {verdict(round(board.queries_per_refresh, 2) == 1)} |",
    ]
    return rows, window.queries_per_refresh


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sot", metavar="CMD", help="the sot to run (default: this checkout's)")
    parser.add_argument("--instances", type=int, default=1000, help="synthetic hosts (1000)")
    parser.add_argument("--runs", type=int, default=3, help="starts timed (3)")
    parser.add_argument("--refreshes", type=int, default=20, help="refreshes measured (20)")
    parser.add_argument(
        "--dashboard-refreshes", type=int, default=5, help="refreshes of the one-host runs (5)"
    )
    parser.add_argument("--query-repeat", type=int, default=5, help="POSTs per query (5)")
    parser.add_argument("--size", default="160x48", help="pty size (160x48)")
    args = parser.parse_args()
    missing = missing_binaries()
    if missing:
        print(f"fleet: {', '.join(missing)} not installed (apt-get install prometheus); skipped")
        return 0
    return run_stage(args)


if __name__ == "__main__":
    sys.exit(main())
