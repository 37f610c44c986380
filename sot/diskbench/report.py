"""What a run shows: the results table, the live progress line and the JSON document. Pure:
results in, text or a dict out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sot import __version__
from sot.diskbench.plan import BenchPlan, BenchTest, format_size
from sot.diskbench.runner import BenchResult, Progress
from sot.diskbench.target import OVERLAY, Target
from sot.safe_text import sanitize

SCHEMA_VERSION = 1
WRITE_METHOD = "O_DIRECT writes, fdatasync at the end of each write test (timed)"
UNKNOWN = "-"
HEADERS = (
    "test",
    "block",
    "MiB/s",
    "IOPS",
    "lat min",
    "avg",
    "p50",
    "p95",
    "p99",
    "max",
    "duration",
)
BAR_CELLS = 24


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a run was, for the heading, the notes and the JSON."""

    target: Target
    plan: BenchPlan
    direct_io: bool  # the filesystem took O_DIRECT
    started_at: str  # ISO 8601, UTC

    @property
    def cache_bypassed(self) -> bool:
        """Reads came from the device: O_DIRECT taken, no memory filesystem, no cache of the
        filesystem's own in between (zfs, fuse)."""
        return self.direct_io and not self.target.memory_backed and not self.target.own_cache


# A 4 KiB random read at queue depth 1 takes tens of microseconds on the fastest NVMe drive;
# a median below this came from memory, whatever the filesystem says.
MEMORY_SPEED_P50_US = 5.0


def implausibly_fast(results: Sequence[BenchResult]) -> float | None:
    """rand-read's median latency if it is faster than any disk, else None."""
    for result in results:
        lat = result.latency
        if result.test is not BenchTest.RAND_READ or lat is None:
            continue
        if lat.p50_us < MEMORY_SPEED_P50_US:
            return lat.p50_us
    return None


def notes(info: RunInfo, results: Sequence[BenchResult] = ()) -> tuple[str, ...]:
    """The honest small print: what the figures measure here."""
    said: list[str] = []
    target = info.target
    fstype = target.fstype or "this filesystem"
    if target.upper_fstype is not None:
        fstype = f"{fstype} (its upper layer on {target.upper_fstype})"
    if target.memory_backed:
        said.append(
            f"{fstype} keeps files in memory: these figures are RAM speeds, not a disk's,"
            " and reads do not bypass the page cache"
        )
    elif info.direct_io and target.own_cache:
        said.append(
            f"O_DIRECT was used, but {fstype} may serve reads from its own cache (zfs's ARC,"
            " a FUSE daemon's): read figures can be RAM speeds"
        )
    elif info.direct_io:
        said.append("reads bypass the page cache (O_DIRECT)")
    else:
        said.append(
            f"{fstype} refused O_DIRECT: reads do not bypass the page cache (its pages are"
            " dropped before each read test, but a test that goes round the file again reads"
            " the cache), so read figures can be RAM speeds"
        )
    if target.fstype == OVERLAY and target.upper_fstype is None:
        said.append(
            "overlay: the filesystem under its upper layer was not found; if it is tmpfs,"
            " these figures are RAM speeds"
        )
    if info.direct_io:
        said.append(f"writes: {WRITE_METHOD}")
    else:
        said.append("writes: buffered, fdatasync at the end of each write test (timed)")
    fast = implausibly_fast(results)
    if fast is not None and not target.memory_backed:
        said.append(
            f"rand-read's median latency, {latency_text(fast)}, is faster than any disk:"
            " likely served from memory"
        )
    return tuple(said)


def latency_text(microseconds: float | None) -> str:
    """``85us``, ``1.25ms``, ``2.3s``: three significant figures at most, ASCII units."""
    if microseconds is None:
        return UNKNOWN
    if microseconds < 1000:
        return f"{microseconds:.1f}us" if microseconds < 100 else f"{microseconds:.0f}us"
    if microseconds < 1_000_000:
        ms = microseconds / 1000
        return f"{ms:.2f}ms" if ms < 10 else f"{ms:.1f}ms" if ms < 100 else f"{ms:.0f}ms"
    return f"{microseconds / 1_000_000:.2f}s"


def _figure(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _block(test: BenchTest) -> str:
    return format_size(test.block_bytes).replace(" ", "")


def table_rows(results: Sequence[BenchResult]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [HEADERS]
    for result in results:
        lat = result.latency
        figures = (
            (lat.min_us, lat.avg_us, lat.p50_us, lat.p95_us, lat.p99_us, lat.max_us)
            if lat is not None
            else (None,) * 6
        )
        rows.append(
            (
                result.test.value,
                _block(result.test),
                _figure(result.throughput_mib_per_s),
                _figure(result.iops),
                *(latency_text(value) for value in figures),
                f"{result.duration_s:.2f}s",
            )
        )
    return rows


def heading(info: RunInfo) -> str:
    target = info.target
    upper = f", upper layer on {target.upper_fstype}" if target.upper_fstype else ""
    on = f" ({target.fstype} on {target.mount_point}{upper})" if target.mount_point else ""
    return sanitize(
        f"sot bench: {target.directory}{on}, {format_size(info.plan.size_bytes)} file,"
        f" {info.plan.duration_s:g} s per test, queue depth 1"
    )


def render_table(info: RunInfo, results: Sequence[BenchResult]) -> str:
    """The results as aligned text: a heading, the table, the notes."""
    rows = table_rows(results)
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    lines = [heading(info), ""]
    for row in rows:
        cells = [
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.extend(f"note: {sanitize(note)}" for note in notes(info, results))
    return "\n".join(lines) + "\n"


def progress_line(progress: Progress, total_elapsed_s: float, width: int, ascii_only: bool) -> str:
    """One line, at most ``width - 1`` cells (the last column would wrap on some terminals):
    the test, a bar of its time, its elapsed seconds, the run's elapsed time."""
    name = "preparing" if progress.test is None else progress.test.value
    fraction = min(1.0, max(0.0, progress.fraction))
    full, empty = ("#", ".") if ascii_only else ("\u2588", "\u2591")
    filled = round(fraction * BAR_CELLS)
    bar = full * filled + empty * (BAR_CELLS - filled)
    rate = progress.bytes_done / (1 << 20) / progress.elapsed_s if progress.elapsed_s > 0 else 0
    text = (
        f"{name:<10} {bar} {fraction * 100:3.0f}%  {progress.elapsed_s:5.1f}s"
        f"  {rate:8.1f} MiB/s  elapsed {total_elapsed_s:.1f}s"
    )
    return text[: max(0, width - 1)]


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def result_json(result: BenchResult) -> dict[str, object]:
    lat = result.latency
    document: dict[str, object] = {
        "name": result.test.value,
        "block_size_bytes": result.test.block_bytes,
        "queue_depth": 1,
        "direct_io": result.direct_io,
        "operations": result.operations,
        "bytes": result.bytes_done,
        "duration_s": round(result.duration_s, 6),
        "throughput_mib_per_s": _rounded(result.throughput_mib_per_s),
        "iops": _rounded(result.iops, 1),
    }
    for field in ("min", "avg", "p50", "p95", "p99", "max"):
        value = None if lat is None else getattr(lat, f"{field}_us")
        document[f"latency_{field}_us"] = _rounded(value)
    return document


def bench_json(
    info: RunInfo, results: Sequence[BenchResult], error: str | None = None
) -> dict[str, object]:
    """The JSON document of ``--output`` (docs/bench-json.md describes it)."""
    target, plan = info.target, info.plan
    return {
        "schema_version": SCHEMA_VERSION,
        "sot_version": __version__,
        "started_at": info.started_at,
        "directory": target.directory,
        "mount_point": target.mount_point,
        "fstype": target.fstype,
        "filesystem_total_bytes": target.space.total_bytes,
        "filesystem_free_bytes": target.space.free_bytes,
        "file_size_bytes": plan.size_bytes,
        "duration_per_test_s": plan.duration_s,
        "page_cache_bypassed": info.cache_bypassed,
        "memory_backed": target.memory_backed,
        "upper_fstype": target.upper_fstype,
        "own_cache": target.own_cache,
        "write_method": WRITE_METHOD if info.direct_io else "buffered writes, fdatasync at end",
        "notes": list(notes(info, results)),
        "complete": error is None and len(results) == len(plan.tests),
        "error": error,
        "tests": [result_json(result) for result in results],
    }
