"""The past of a host that Prometheus scrapes, for the dashboard's first graphs.

A local dashboard starts with empty graphs because nothing was watching before; Prometheus was.
At start the worker asks ``/api/v1/query_range`` once per series family (CPU, memory, disks,
network), one point per refresh interval back from the first sample, as many points as the
graphs keep. The answers are the raw node_exporter series, regrouped into one ``Batch`` per
point in time, and each batch goes through a ``Collector`` exactly as a live batch does: the
past's CPU %, rates and mount points are computed by the same code as the present's, so the
graphs do not change character where the past meets the present.

Raw counters, not PromQL ``rate()``: the live dashboard also computes rates from counters
between its samples, so the past looks as the dashboard would have shown it. A query_range
point holds the latest sample at or before its time, so with a scrape interval longer than the
step a counter stands still for several points and then jumps (a rate of 0, then several
intervals' worth in one point). The live source spreads each scrape's growth over the time
until the next (``prometheus_counters``); the past does the same by drawing each counter
straight between the points where it changed (``spread_counter``), so past and present read
alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sot.collect.collector import Collector
from sot.collect.prometheus_api import PrometheusClient, PrometheusError, Sample, promql_string
from sot.collect.prometheus_source import Batch, PrometheusSource, split_by_name
from sot.model import Snapshot

# Each family is one query_range: the metrics (node_ prefix left out) one group of graphs needs.
# The disks' need the filesystems too: the collector maps a mount point's device to its disk.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("cpu", "cpu_seconds_total"),
    ("memory", "memory_(MemTotal|MemAvailable|MemFree|Cached|Buffers|SwapTotal|SwapFree)_bytes"),
    (
        "disk",
        "disk_(read_bytes|written_bytes|reads_completed|writes_completed)_total"
        "|filesystem_(size|avail|free)_bytes",
    ),
    ("network", "network_(receive|transmit)_(bytes|packets|errs|drop)_total"),
)
# Points of one series over a range are keyed by their time to the millisecond: Prometheus
# gives them at start + i * step, and float sums may differ in the last bits.
_TIME_DIGITS = 3


def spread_counter(
    points: Sequence[tuple[float, float]],
) -> tuple[tuple[float, float], ...]:
    """A counter's points with each scrape's growth spread evenly over the points since the
    previous change, instead of all on the point where it shows. After the last change the
    counter goes on at the last slope for as long as the last gap lasted (the next scrape is
    due within about that), then stands. A fall (a reset) is kept where it is: the collector
    reads it as unknown, as it does live."""
    changes = [0] + [i for i in range(1, len(points)) if points[i][1] != points[i - 1][1]]
    spread = list(points)
    for start, end in itertools.pairwise(changes):
        (t0, v0), (t1, v1) = points[start], points[end]
        if v1 < v0:
            continue  # a reset: the points before it stay as they were
        for i in range(start + 1, end):
            spread[i] = (points[i][0], v0 + (v1 - v0) * (points[i][0] - t0) / (t1 - t0))
    if len(changes) >= 2:
        (t0, v0), (t1, v1) = points[changes[-2]], points[changes[-1]]
        if v1 > v0:
            slope, reach_s = (v1 - v0) / (t1 - t0), t1 - t0
            for i in range(changes[-1] + 1, len(points)):
                ahead_s = min(points[i][0] - t1, reach_s)
                spread[i] = (points[i][0], v1 + slope * ahead_s)
    return tuple(spread)


def range_query(instance: str, pattern: str) -> str:
    return f"{{instance={promql_string(instance)},__name__=~{promql_string(f'node_({pattern})')}}}"


def _go_on() -> bool:
    return True


def fetch_past(
    client: PrometheusClient,
    instance: str,
    end_wall_s: float,
    step_s: float,
    points: int,
    between: Callable[[], bool] = _go_on,
) -> tuple[tuple[float, Batch], ...]:
    """One batch per point in time from ``end_wall_s - (points - 1) * step_s`` to
    ``end_wall_s``, oldest first; only the times where some family had data (the host's
    scraped past may be shorter than asked). Raises PrometheusError on the first failed query:
    the graphs then start empty, as without Prometheus. ``between`` runs before each query
    (the worker fetches the present there when due); False: stop, with no past."""
    start_s = end_wall_s - (points - 1) * step_s
    by_time: dict[float, list[Sample]] = {}
    for _, pattern in FAMILIES:
        if not between():
            return ()
        result = client.query_range(range_query(instance, pattern), start_s, end_wall_s, step_s)
        for series in result.series:
            counter = (series.label("__name__") or "").endswith("_total")
            values = spread_counter(series.points) if counter else series.points
            for time_s, value in values:
                by_time.setdefault(round(time_s, _TIME_DIGITS), []).append(
                    Sample(series.labels, value, time_s)
                )
    return tuple((t, Batch(split_by_name(by_time[t]))) for t in sorted(by_time))


class _StoredBatch(PrometheusSource):
    """The Prometheus source answering from one given batch (a point of the past), so the
    collector reads the past through the very code that reads the present."""

    def __init__(self, client: PrometheusClient, instance: str, batch: Batch) -> None:
        super().__init__(client, instance, clock=lambda: 0.0)
        self.stored = batch

    def batch(self) -> Batch:
        return self.stored


def past_snapshots(
    client: PrometheusClient,
    instance: str,
    batches: Sequence[tuple[float, Batch]],
    wanted: frozenset[str],
    between: Callable[[], bool] = _go_on,
) -> tuple[Snapshot, ...]:
    """The snapshots the dashboard would have taken at those times, oldest first; none when
    ``between`` (run before each) says to stop."""
    if not batches:
        return ()
    source = _StoredBatch(client, instance, batches[0][1])
    collector = Collector(source)
    snapshots = []
    for time_s, batch in batches:
        if not between():
            return ()
        source.stored = batch
        snapshots.append(collector.sample(time_s, time_s, wanted))
    return tuple(snapshots)


@dataclass
class PastFetch:
    """The history job the worker runs once at start (``PrometheusSource.start(first=...)``).
    ``snapshots`` stays None until it is done; the loop takes them then. One assignment of a
    finished tuple: the loop reading it while the worker writes it sees all or nothing."""

    client: PrometheusClient
    instance: str
    end_wall_s: float  # the time of the last point: one interval before the first sample
    step_s: float
    points: int
    wanted: frozenset[str]
    snapshots: tuple[Snapshot, ...] | None = None
    error: str | None = None  # why there is no past (kept for the log)

    def __call__(self, between: Callable[[], bool] = _go_on) -> None:
        """``between``: what the worker does between the history's steps (a live fetch when
        one is due: the present never waits for the past); False when closed: stop."""
        if self.points < 1:
            self.snapshots = ()
            return
        try:
            batches = fetch_past(
                self.client, self.instance, self.end_wall_s, self.step_s, self.points, between
            )
            found = past_snapshots(self.client, self.instance, batches, self.wanted, between)
        except PrometheusError as err:
            self.error = str(err)
            found = ()
        except (ArithmeticError, LookupError, TypeError, ValueError) as err:
            # The past is a nicety: series shaped as no live batch ever was must not end the
            # worker thread, which then goes on fetching the present.
            self.error = f"the past could not be read: {type(err).__name__}: {err}"
            found = ()
        self.snapshots = found


@dataclass
class RemoteFeed:
    """The dashboard's hold on the Prometheus source's worker (``pipeline.Feed``): started
    with the history job, told the interval, closed on the way out."""

    source: PrometheusSource
    first_wall_s: float  # when the first sample (fetched before the worker) was taken
    job: PastFetch | None = None

    def start(self, past_points: int, wanted: frozenset[str]) -> None:
        """The worker, with the history job first: ``past_points`` points, one interval
        apart, ending one interval before the first sample, so past and present meet."""
        step_s = self.source.interval_s
        self.job = PastFetch(
            self.source.client,
            self.source.instance,
            self.first_wall_s - step_s,
            step_s,
            past_points,
            wanted,
        )
        self.source.start(first=self.job)

    def set_interval(self, interval_s: float) -> None:
        self.source.set_interval(interval_s)

    def past(self) -> tuple[Snapshot, ...] | None:
        """The past's snapshots once fetched (empty where there is none), None until then."""
        return None if self.job is None else self.job.snapshots

    def close(self) -> None:
        self.source.close()

    def last_error(self) -> str | None:
        return self.source.last_error

    @property
    def running(self) -> bool:
        return self.source.running
