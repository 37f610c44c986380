"""Streams for scripts: ``sot --format ndjson`` and ``--format csv`` print one record per
interval to stdout until ``--count`` records, ``--duration`` seconds, Ctrl-C or a reader that
went away.

The loop works over anything that samples (``Sampler``: the collector, whatever its source:
this machine, a recording, a remote one later) and writes to anything with write and flush; the
clock is passed in, so tests run it without sleeping. Separate from the full-screen loop (app)
and from the one-shot printers (oneshot), as those are from each other.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from sot.config import CannotRun, Config, OutputFormat
from sot.export import snapshot_to_json
from sot.layout import screen_readings
from sot.model import DiskUsage, NetInterface, Snapshot
from sot.oneshot import table_rows
from sot.schedule import Schedule

# A sample due at the --duration's very end still counts: the schedule adds intervals up, and
# float sums land a hair past the end (5 s x 12 against 60 s).
END_SLACK_S = 1e-6


class Sampler(Protocol):
    """What the stream samples: ``Collector.sample`` (monotonic and wall time, wanted readings)."""

    def sample(self, now: float, wall: float, wanted: frozenset[str]) -> Snapshot: ...


class Sink(Protocol):
    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Clock:
    monotonic: Callable[[], float]
    wall: Callable[[], float]
    sleep: Callable[[float], None]


def system_clock() -> Clock:
    return Clock(time.monotonic, time.time, time.sleep)


# A record's text from a snapshot; the CSV writer also prints its header with the first one.
Formatter = Callable[[Snapshot], str]


def stream(
    sampler: Sampler,
    wanted: frozenset[str],
    sink: Sink,
    clock: Clock,
    formatter: Formatter,
    interval_s: float,
    count: int | None = None,
    duration_s: float | None = None,
) -> int:
    """Sample every ``interval_s`` on a fixed schedule (no drift, no catch-up burst after a
    stall) and write one record each. The first record comes one interval after the start: its
    rates need the sample before it. Ends after ``count`` records, or at ``duration_s`` (a
    sample due exactly then is still written), or never. A write to a closed pipe raises
    BrokenPipeError for the caller (the command line ends quietly on it); exit status 0."""
    start = clock.monotonic()
    schedule = Schedule(
        last_sample_s=start,
        next_sample_s=start + interval_s,
        stop_at_s=None if duration_s is None else start + duration_s,
    )
    written = 0
    while count is None or written < count:
        if schedule.stop_at_s is not None and schedule.next_sample_s > (
            schedule.stop_at_s + END_SLACK_S
        ):
            break
        now = clock.monotonic()
        if not schedule.sample_due(now, paused=False):
            clock.sleep(schedule.next_sample_s - now)
            continue
        snapshot = sampler.sample(now, clock.wall(), wanted)
        sink.write(formatter(snapshot))
        sink.flush()  # a record a script can read now, not when a buffer fills
        written += 1
        schedule = schedule.sampled(now, interval_s)
    return 0


def ndjson_formatter(config: Config, glyphs_ascii: bool) -> Formatter:
    """Each record exactly what ``--once --format json`` prints, on one line."""

    def record(snapshot: Snapshot) -> str:
        view = table_rows(config, snapshot, glyphs_ascii, every_process=True)
        rows = [row.process for row in view.rows]
        return snapshot_to_json(snapshot, rows, not config.kernel_threads, compact=True)

    return record


# --- CSV --------------------------------------------------------------------------------------

FIXED_COLUMNS: tuple[str, ...] = (
    "time_utc",
    "time_epoch_s",
    "cpu_percent",
    "cpu_user_percent",
    "cpu_system_percent",
    "cpu_iowait_percent",
    "cpu_steal_percent",
    "memory_total_bytes",
    "memory_used_bytes",
    "memory_available_bytes",
    "memory_percent",
    "swap_total_bytes",
    "swap_used_bytes",
    "load_1m",
    "load_5m",
    "load_15m",
)
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def column_slug(name: str) -> str:
    """A device's name as part of a column name: letters, digits, ``_``, ``.`` and ``-`` kept,
    anything else (``/``, blanks, control bytes: the name is the system's, untrusted) one
    ``_``; a mount point loses its leading ``/``, and ``/`` itself is ``root``."""
    slug = _NOT_IN_A_NAME.sub("_", name.lstrip("/")).strip("_")
    return slug or "root"


def _unique_slugs(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(name, slug) for each distinct name, in order; two names with one slug get _2, _3..."""
    taken: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for name in dict.fromkeys(names):
        base = slug = column_slug(name)
        suffix = 2
        while slug in taken:
            slug = f"{base}_{suffix}"
            suffix += 1
        taken.add(slug)
        pairs.append((name, slug))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """The columns, fixed from the first snapshot: its interfaces (by name) and disks (by mount
    point). A device that appears later gets no column; one that vanishes gets empty cells."""

    interfaces: tuple[tuple[str, str], ...]  # (name, slug)
    disks: tuple[tuple[str, str], ...]  # (mount point, slug)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> CsvLayout:
        return cls(
            _unique_slugs(i.name for i in snapshot.interfaces),
            _unique_slugs(d.mount_point for d in snapshot.disks),
        )

    def header(self) -> list[str]:
        columns = list(FIXED_COLUMNS)
        for _, slug in self.interfaces:
            columns += [f"net_{slug}_rx_bytes_per_s", f"net_{slug}_tx_bytes_per_s"]
        for _, slug in self.disks:
            columns += [f"disk_{slug}_read_bytes_per_s", f"disk_{slug}_write_bytes_per_s"]
        return columns

    def row(self, snapshot: Snapshot) -> list[str]:
        cpu, breakdown, memory = snapshot.cpu, snapshot.cpu.breakdown, snapshot.memory
        load: Sequence[float | None] = snapshot.host.load_average or (None, None, None)
        values: list[float | int | None] = [
            snapshot.wall_epoch_s,
            cpu.total_percent,
            breakdown.user_percent,
            breakdown.system_percent,
            breakdown.iowait_percent,
            breakdown.steal_percent,
            memory.total_bytes,
            memory.used_bytes,
            memory.available_bytes,
            memory.percent,
            memory.swap_total_bytes,
            memory.swap_used_bytes,
            *load,
        ]
        nets: dict[str, NetInterface] = {}
        for interface in snapshot.interfaces:
            nets.setdefault(interface.name, interface)
        for name, _ in self.interfaces:
            net = nets.get(name)
            values += [None, None] if net is None else [net.rx_bytes_per_s, net.tx_bytes_per_s]
        disks: dict[str, DiskUsage] = {}
        for disk in snapshot.disks:
            disks.setdefault(disk.mount_point, disk)
        for mount, _ in self.disks:
            found = disks.get(mount)
            values += (
                [None, None]
                if found is None
                else [found.io.read_bytes_per_s, found.io.write_bytes_per_s]
            )
        return [iso_utc(snapshot.wall_epoch_s), *(cell(v) for v in values)]


def iso_utc(epoch_s: float) -> str:
    """ISO 8601 in UTC, to the millisecond, with a Z."""
    moment = datetime.fromtimestamp(epoch_s, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cell(value: float | int | None) -> str:
    """Unknown (None, NaN, infinity) is an empty cell, never a fake 0; whole numbers stay whole;
    other numbers to three decimals, trailing zeros dropped."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def csv_line(cells: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def csv_formatter() -> Formatter:
    """The header with the first record (its layout from that snapshot), then rows."""
    layouts: list[CsvLayout] = []  # the one layout, once the first snapshot has set it

    def record(snapshot: Snapshot) -> str:
        if not layouts:
            layouts.append(CsvLayout.from_snapshot(snapshot))
            return csv_line(layouts[0].header()) + csv_line(layouts[0].row(snapshot))
        return csv_line(layouts[0].row(snapshot))

    return record


def run_stream(config: Config) -> int:
    """``sot --format ndjson|csv``: open the pipeline (this machine or --replay) and stream."""
    from sot.pipeline import start_pipeline

    pipeline = start_pipeline(config)
    formatter = (
        csv_formatter()
        if config.output_format is OutputFormat.CSV
        else ndjson_formatter(config, pipeline.glyphs.ascii_only)
    )
    out = sys.stdout
    try:
        return stream(
            pipeline.collector,
            screen_readings(config.screen),
            out,
            system_clock(),
            formatter,
            config.interval_s,
            config.count,
            config.duration_s,
        )
    except KeyboardInterrupt:
        return 0  # Ctrl-C is how an endless stream is meant to end
    except BrokenPipeError:
        raise  # the reader left (sot ... | head): the command line ends quietly on it
    except OSError as err:
        raise CannotRun(f"cannot write to stdout: {err.strerror or err}") from err
    finally:
        pipeline.close()  # no worker runs for a stream (it queries in its loop): closed anyway
