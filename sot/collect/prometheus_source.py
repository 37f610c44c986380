"""A ``SystemSource`` for one host that a Prometheus server scrapes with node_exporter.

Every reading of a tick comes from one query: all the node_exporter series the dashboard uses
for the instance, selected by name with one regular expression, and split here by ``__name__``.
The HTTP queries per refresh stay at one however many panels there are.

Two ways to run it. Synchronously (``--once``, the streams, tests): ``batch()`` refetches when
its batch is older than ``max_age_s``, so one tick never mixes two scrapes. On the dashboard a
worker thread (``start()``) owns the fetching and the loop only reads the latest batch, which
answers while it is *fresh*: younger than ``FRESH_INTERVALS`` refresh intervals; an older one
answers None everywhere (shown ``-``), never the last known values as if they were current.

node_exporter gives cumulative counters (CPU seconds, disk and network bytes) as /proc does;
they are passed on as such and the collector computes the rates, as it does for a live machine.
Prometheus scrapes them less often than sot samples (15 s against 1 s by default): the batch is
a range query over the last two scrapes or so, and each counter is read as its value at the
query time, extrapolated from its last two samples (sot.collect.prometheus_counters), so the
rates are steady rather than 0 between scrapes and 15 times too high on the tick after one.
What node_exporter has no metric for (per-process details, addresses, sensors here) reads as
None or empty, as the Protocol says. Processes: node_exporter has none; where process-exporter
(``namedprocess_namegroup_*``) runs for the host, its groups stand in the process table as rows
of their own (``RawProcess.group_processes``), read from the same batch (see
``instance_pattern``). A failed query makes every reading unknown:
``last_error``, ``last_success_wall_s`` and ``status_message()`` say what failed and when data
last came.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sot.collect.prometheus_api import (
    DEFAULT_TIMEOUT_S,
    Labels,
    PrometheusClient,
    PrometheusError,
    QueryResult,
    Sample,
    Series,
    promql_string,
)
from sot.collect.prometheus_counters import (
    EXTRAPOLATE_INTERVALS,
    CounterMemory,
    is_counter,
    latest_times,
    learn_query,
    range_selector,
    read_series,
    scrape_interval_of,
    window_s,
)
from sot.collect.records import (
    BatteryReading,
    CpuPlace,
    CpuTimes,
    DiskCounters,
    Environment,
    FanReading,
    Frequency,
    IoCounters,
    Memory,
    NetCounters,
    NetStats,
    OpenFiles,
    Partition,
    ProcessIdentity,
    RawProcess,
    RawProcessDetails,
    SensorReading,
    StaticHostInfo,
    SwapMemory,
    UsageBytes,
    VirtualMemory,
)

# The batch is reused within this age from the start of its query: every reading of one
# collector tick (a few ms apart, after one query) comes from one batch, and the next tick, at
# least sot's shortest interval (0.2 s, which the interval keys can choose at run time) later,
# always refetches. A query slower than this costs a second query in that tick, never stale data.
DEFAULT_MAX_AGE_S = 0.1
# The worker's batch answers while younger than this many refresh intervals: one late or failed
# fetch does not blank the screen, two do. Counted from when the answer came (not when its
# query left), and never shorter than the query timeout plus an interval: a server slower than
# two intervals (but within the timeout) still gives data, one that stops answering does not.
FRESH_INTERVALS = 2.0


def fresh_window_s(interval_s: float) -> float:
    """How long an answer stays fresh after it came, at a refresh interval of ``interval_s``."""
    return max(FRESH_INTERVALS * interval_s, DEFAULT_TIMEOUT_S + interval_s)


# After a failed fetch the worker waits 1 s, then doubles the wait up to 30 s (issue 14), so an
# unreachable server is not hammered and a restarted one is found again within 30 s.
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 30.0
# The scrape interval is read again (one small query) when the batch cannot tell it: at start,
# or when the window missed a sample (the interval grew). At most this often, so a host whose
# ``up`` has no two samples (a new target, a store without ``up``) costs one extra query per
# 10 s, not one per tick.
RELEARN_AFTER_S = 10.0

_CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
_NET_FIELDS = (
    ("node_network_receive_bytes_total", "bytes_recv"),
    ("node_network_transmit_bytes_total", "bytes_sent"),
    ("node_network_receive_packets_total", "packets_recv"),
    ("node_network_transmit_packets_total", "packets_sent"),
    ("node_network_receive_errs_total", "errin"),
    ("node_network_transmit_errs_total", "errout"),
    ("node_network_receive_drop_total", "dropin"),
    ("node_network_transmit_drop_total", "dropout"),
)
# Every metric the batch asks for (node_ prefix left out). One regular expression, anchored by
# PromQL: a new reading adds its name here and nowhere else in the query.
METRIC_PATTERN = (
    "node_("
    "cpu_seconds_total"
    "|memory_(MemTotal|MemAvailable|MemFree|Cached|Buffers|SwapTotal|SwapFree)_bytes"
    "|load(1|5|15)"
    "|boot_time_seconds|uname_info|os_info"
    "|filesystem_(size|avail|free)_bytes"
    "|disk_(read_bytes|written_bytes|reads_completed|writes_completed"
    "|read_time_seconds|write_time_seconds|io_time_seconds)_total"
    "|network_(receive|transmit)_(bytes|packets|errs|drop)_total"
    "|network_up|network_speed_bytes"
    ")"
)


# process-exporter's group metrics (ncabatoff/process-exporter), in the same batch.
GROUP_PREFIX = "namedprocess_namegroup_"
GROUP_METRIC_PATTERN = (
    "namedprocess_namegroup_("
    "num_procs|num_threads|cpu_seconds_total|memory_bytes"
    "|read_bytes_total|write_bytes_total|oldest_start_time_seconds|states"
    ")"
)
# A group's rows get made-up PIDs from here on: above any real PID (Linux's PID_MAX_LIMIT is
# 2**22), positive (a signal to 0 or a negative PID would reach a whole process group), within
# a recording's PID range (2**32). Nothing acts on them anyway (see sot.reducer).
GROUP_PID_BASE = 1 << 30
# process-exporter's states, as the table's status words, in the order one speaks for a group:
# a group is "running" while any of its processes runs, else waiting on I/O ("disk-sleep", the
# kernel's D) while any does, else sleeping, else zombie; "Other" (stopped, traced...) unknown.
_GROUP_STATES = (
    ("Running", "running"),
    ("Waiting", "disk-sleep"),
    ("Sleeping", "sleeping"),
    ("Zombie", "zombie"),
)
NO_GROUPS_NOTE = (
    "Prometheus has no per-process data for {instance} (run process-exporter to see process groups)"
)
GROUPS_NOTE = "process-exporter groups from {instance}"


def _regex_literal(text: str) -> str:
    """``text`` matched literally by a PromQL (RE2) regular expression."""
    return "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in text)


def host_of(instance: str) -> str:
    """``instance`` without its ``:port`` ("web-1:9100" -> "web-1", "[::1]:9100" -> "[::1]");
    as it is where it has none."""
    host, colon, port = instance.rpartition(":")
    if colon and port.isdigit() and host and (":" not in host or host.startswith("[")):
        return host
    return instance


def instance_pattern(instance: str) -> str:
    """The instances the batch reads: ``instance`` itself, and every target on its host (the same
    host name with any port), where process-exporter usually is (port 9256), scraped as a target
    of its own. One query still reads everything: no query to find process-exporter first."""
    host = host_of(instance)
    exact = _regex_literal(instance)
    return exact if host == instance else f"{exact}|{_regex_literal(host)}:[0-9]+"


def batch_query(instance: str, window_s: float | None = None) -> str:
    """The one PromQL query that reads everything for ``instance``: the latest samples, or
    every sample of the last ``window_s`` seconds (see sot.collect.prometheus_counters)."""
    # ``up`` too (Prometheus's own series: 0 while it cannot scrape the target), for the status.
    pattern = promql_string(f"up|{METRIC_PATTERN}|{GROUP_METRIC_PATTERN}")
    matcher = promql_string(instance_pattern(instance))
    # process-exporter's memory_bytes has up to 5 memtypes (with smaps); only 2 are read. The
    # empty alternative keeps every series without that label (all the others).
    selector = f'{{instance=~{matcher},__name__=~{pattern},memtype=~"|resident|virtual"}}'
    return selector if window_s is None else range_selector(selector, window_s)


def known_instances(client: PrometheusClient) -> tuple[str, ...]:
    """Every instance Prometheus scrapes (the ``up`` series), sorted; raises PrometheusError."""
    found = {s.label("instance") for s in client.query("up").samples}
    return tuple(sorted(i for i in found if i is not None))


def check_instance(client: PrometheusClient, instance: str, job: str | None = None) -> None:
    """Raises PrometheusError naming the known instances when ``instance`` is not one (or the
    instance's jobs, when ``job`` is not one of them)."""
    ups = client.query("up").samples
    known = tuple(sorted({i for s in ups if (i := s.label("instance")) is not None}))
    if instance not in known:
        choices = ", ".join(known) or "(none: it scrapes no targets)"
        raise PrometheusError(f"unknown instance {instance!r}; Prometheus knows: {choices}")
    jobs = sorted({j for s in ups if s.label("instance") == instance and (j := s.label("job"))})
    if job is not None and job not in jobs:
        raise PrometheusError(
            f"no job {job!r} scrapes {instance!r}; its jobs: {', '.join(jobs) or '(none)'}"
        )


@dataclass(frozen=True, slots=True)
class Moving:
    """How one counter of a batch moves on after the batch's query time."""

    rate_per_s: float
    at_s: float  # Prometheus time of the batch's value
    until_s: float  # Prometheus time after which it stands
    reset: bool = False  # lower than before (restarted): never held to an earlier answer


@dataclass(frozen=True, slots=True)
class Batch:
    """One query's series, by metric name; empty after a failed query."""

    by_name: Mapping[str, tuple[Sample, ...]]
    warnings: tuple[str, ...] = ()
    # The target whose process-exporter groups are in ``by_name``; None: no target of the host
    # has any (see ``split_batch``).
    groups_instance: str | None = None
    # Counters that move on between fetches (see ``advanced``): by series, its rate (per s),
    # the Prometheus time its sample's value is for, and the time it stops moving at (the
    # bound: EXTRAPOLATE_INTERVALS scrape intervals past its last sample). Empty: none move.
    moving: Mapping[Labels, Moving] = field(default_factory=dict)

    def samples(self, name: str) -> tuple[Sample, ...]:
        return self.by_name.get(name, ())

    def value(self, name: str) -> float | None:
        """The one finite value of ``name``; None where absent, NaN/Inf or ambiguous."""
        found = self.samples(name)
        if len(found) != 1 or not math.isfinite(found[0].value):
            return None
        return found[0].value

    def by_label(self, name: str, label: str) -> dict[str, float]:
        """``name``'s finite values keyed by ``label`` (series without it, or NaN, left out)."""
        out: dict[str, float] = {}
        for sample in self.samples(name):
            key = sample.label(label)
            if key is not None and math.isfinite(sample.value):
                out[key] = sample.value
        return out


def split_batch(
    samples: Iterable[Sample], instance: str, warnings: tuple[str, ...], job: str | None = None
) -> Batch:
    """The batch of ``instance``: its own series, and the process-exporter groups of one target
    of its host: ``instance`` itself where it has them, else the first of the others (by name)
    that has. Other targets' series (their ``up``, another exporter's) are left out.

    Several jobs may scrape one instance (relabelled to the host name, say, for node_exporter
    and process-exporter both): its ``up`` series are all kept (any at 0 is a down exporter),
    and its node_ series are one job's, so that each reading has one series: ``job`` where
    given (``--job``, the fleet's row), else the first by name that has node_ series."""
    own: list[Sample] = []
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        target = sample.label("instance")
        if target is None:
            continue
        if (sample.label("__name__") or "").startswith(GROUP_PREFIX):
            groups.setdefault(target, []).append(sample)
        elif target == instance and (job is None or sample.label("job") == job):
            own.append(sample)
    node_jobs = {
        s.label("job") or "" for s in own if (s.label("__name__") or "").startswith("node_")
    }
    if len(node_jobs) > 1:
        first = min(node_jobs)
        own = [
            s
            for s in own
            if not (s.label("__name__") or "").startswith("node_")
            or (s.label("job") or "") == first
        ]
    chosen = instance if instance in groups else min(groups, default=None)
    if chosen is not None:
        own.extend(groups[chosen])
    return Batch(split_by_name(own), warnings, chosen)


def advanced(
    batch: Batch, read_s: float, answered: Mapping[Labels, tuple[float, float]]
) -> tuple[Batch, dict[Labels, tuple[float, float]]]:
    """``batch`` with its moving counters read at Prometheus time ``read_s``: value + rate *
    (read time - query time), up to their bound, and never below what was answered before
    (``answered``: by series, the value and its read time), so the collector's differences
    between any two reads are the rate times the time between them, whenever the worker's
    fetches land. Also what was answered now, for the next read and the next fetch."""
    if not batch.moving:
        return batch, {}
    now: dict[Labels, tuple[float, float]] = {}
    by_name: dict[str, tuple[Sample, ...]] = {}
    for name, samples in batch.by_name.items():
        if not is_counter(name):
            by_name[name] = samples
            continue
        found = []
        for sample in samples:
            moving = batch.moving.get(sample.labels)
            if moving is None:
                found.append(sample)
                continue
            ahead_s = max(min(read_s, moving.until_s) - moving.at_s, 0.0)
            value = sample.value + moving.rate_per_s * ahead_s
            before = answered.get(sample.labels)
            if before is not None and before[0] > value and not moving.reset:
                value = before[0]  # read a little ahead before the fetch landed: hold, not back
            now[sample.labels] = (value, read_s)
            found.append(Sample(sample.labels, value, read_s))
        by_name[name] = tuple(found)
    return replace(batch, by_name=by_name), now


def _from_answer(
    memory: CounterMemory, answered: tuple[float, float], query_time_s: float
) -> CounterMemory:
    """A counter's memory going on from the loop's last read of it (value, Prometheus time)
    rather than from the last fetch. A read later than this query (the loop read the old batch
    while this query was under way) is taken back to the query time at the rate it was read
    at, so the time between is not counted twice; the next read holds it to that answer."""
    value, read_s = answered
    if read_s > query_time_s:
        value = max(value - max(memory.rate_per_s, 0.0) * (read_s - query_time_s), memory.reported)
        read_s = query_time_s
    return replace(memory, reported=value, at_s=read_s)


def split_by_name(samples: Iterable[Sample]) -> dict[str, tuple[Sample, ...]]:
    grouped: dict[str, list[Sample]] = {}
    for sample in samples:
        name = sample.label("__name__")
        if name is not None:
            grouped.setdefault(name, []).append(sample)
    return {name: tuple(found) for name, found in grouped.items()}


def _percent(used: float, total: float) -> float:
    return round(used / total * 100, 1) if total > 0 else 0.0


def _cpu_number(name: str) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return int(name) if name.isascii() and name.isdigit() else -1


# No real count, byte total or millisecond counter reaches 2**64 (the kernel's are 64-bit at
# most): a larger value from the server is unknown, as NaN and negatives are. This also keeps
# every sum and quotient of them within a float (int / int past 1.8e308 raises).
MAX_WHOLE = 2.0**64


# The latest epoch second a date can show (9999-12-31): a later time from the server is unknown.
MAX_EPOCH_S = 253402300799.0


def _epoch(value: float | None) -> float | None:
    """An epoch time from the server; None unless after 1970 and before the year 10000."""
    return value if value is not None and 0 < value < MAX_EPOCH_S else None


def whole(value: float | None) -> int | None:
    """A count or size from the server as an int; None where unknown, not finite, negative
    or beyond any real counter (``MAX_WHOLE``)."""
    if value is None or not 0 <= value < MAX_WHOLE:  # NaN fails both comparisons
        return None
    return int(value)


def retry_delay_s(failures: int) -> float:
    """The wait after ``failures`` failed fetches in a row (1 or more): 1, 2, 4 ... 30 s."""
    return min(RETRY_FIRST_S * 2.0 ** min(failures - 1, 16), RETRY_MAX_S)


def first_wait_s(fetched: bool, failures: int, interval_s: float) -> float:
    """A worker's first wait: none before any fetch; after the first frame's fetch (done before
    the worker starts) the interval, or the back-off if it failed."""
    if not fetched:
        return 0.0
    return retry_delay_s(failures) if failures else interval_s


def join_worker(worker: threading.Thread | None, timeout_s: float) -> None:
    """Wait up to ``timeout_s`` for a stopped worker to end (not for itself: a worker
    closing its own source must not wait forever)."""
    if worker is not None and worker is not threading.current_thread():
        worker.join(timeout_s)


def failure_text(err: Exception) -> str:
    """One line for a fetch that failed on something other than a PrometheusError (a bug, an
    answer shaped as no server should send): its type and message, never a traceback."""
    text = " ".join(str(err).split())[:200]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def run_fetches(stop: threading.Event, delay_s: float, fetch_once: Callable[[], float]) -> None:
    """A worker thread's loop: wait ``delay_s``, fetch, wait what the fetch says, until
    ``stop`` is set. ``fetch_once`` handles its own failures; should it raise anyway, the
    loop backs off as after a failed fetch and goes on: the worker never dies while the screen
    is up (a dead worker would leave the screen stale for good)."""
    failures = 0
    while not stop.wait(delay_s):
        try:
            delay_s = fetch_once()
            failures = 0
        except Exception:  # the last resort: nothing may end the worker
            failures += 1
            delay_s = retry_delay_s(failures)


_ERRNO = re.compile(r"\[Errno -?\d+\] ")


def short_error(error: str) -> str:
    """A fetch's error as the status line says it: what failed, first and short. The URL the
    user gave is left out (the log keeps it, see ``last_error``), and so are errno numbers:
    "Prometheus https://h:9090/api/v1/query: cannot connect ([Errno 111] Connection refused)"
    -> "cannot connect (Connection refused)"."""
    if error.startswith("Prometheus "):
        _, colon, rest = error.partition(": ")
        error = rest if colon and rest else error
    return _ERRNO.sub("", error)


def _ago(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


@dataclass(frozen=True, slots=True)
class FetchState:
    """What the last fetch left: replaced whole by one assignment, so the loop reading it while
    the worker writes it always sees one consistent state (no lock needed under the GIL)."""

    batch: Batch
    fetched_s: float | None = None  # monotonic start of the query that gave ``batch``
    last_error: str | None = None
    last_success_wall_s: float | None = None
    failures: int = 0  # failed fetches in a row
    answered_s: float | None = None  # monotonic time the answer came (freshness counts from it)


class PrometheusSource:
    """A SystemSource answering from node_exporter's metrics for one ``instance``.

    ``clock`` (monotonic seconds) and ``wall`` (epoch seconds) are injected so tests control
    when the batch is refetched, how old it is and what the status line says.
    """

    def __init__(
        self,
        client: PrometheusClient,
        instance: str,
        clock: Callable[[], float],
        max_age_s: float = DEFAULT_MAX_AGE_S,
        wall: Callable[[], float] = time.time,
        interval_s: float = 1.0,
        job: str | None = None,
    ) -> None:
        self._client = client
        self.instance = instance
        self.job = job  # --job: only this job's series of the instance; None: any (see split_batch)
        self._clock = clock
        self._wall = wall
        self._max_age_s = max_age_s
        self.interval_s = interval_s
        self._query = batch_query(instance)
        self._state = FetchState(Batch({}))
        self._worker: threading.Thread | None = None
        self._fetched_elsewhere = False  # start() was called: batch() never fetches itself
        self._closed = False
        # Wakes the worker early: close() (to stop) or set_interval() (to refetch on the new
        # schedule now rather than after the old, perhaps hour-long, wait).
        self._wake = threading.Event()
        self.queries = 0  # HTTP queries sent: the issue counts them per refresh
        # process-exporter groups' made-up PIDs (GROUP_PID_BASE up), kept for the source's life
        # so a group keeps its row (and its rates) from tick to tick; and back to the name.
        self._group_pids: dict[str, int] = {}
        self._group_names: dict[int, str] = {}
        # The groups read from one batch: processes() and each group's process_io() ask.
        self._groups: tuple[Batch | None, dict[str, GroupReading]] = (None, {})
        # Counters between scrapes (fetch_once, one thread at a time): the target's scrape
        # interval (None: not known yet, the batch reads latest samples only) from the times of
        # its last scrapes, whether the last batch showed one, when the interval may be asked
        # for again, and each counter series' last values.
        self._scrape_interval_s: float | None = None
        self._scrape_times: tuple[float, ...] = ()
        self._clock_offset_s: float | None = None  # Prometheus's time minus self._clock()
        self._interval_seen = False
        self._learn_after_s = -math.inf
        self._counters: Mapping[Labels, CounterMemory] = {}
        # The host's other targets (process-exporter's): their last scrape times and intervals.
        self._other_times: dict[str, tuple[float, ...]] = {}
        self._other_intervals: dict[str, float] = {}
        # Counters read between fetches: how the last batch's move on (set with the batch, by
        # the worker), and what the loop was last answered, by series, with the Prometheus time
        # of its read (replaced whole by the loop, read by the worker's next fetch); and the
        # last read batch, kept for reads within ``max_age_s`` (one tick's readings).
        self._moving: Mapping[Labels, Moving] = {}
        self._answered: Mapping[Labels, tuple[float, float]] = {}
        self._read: tuple[Batch | None, float, Batch] = (None, -math.inf, Batch({}))

    @property
    def scrape_interval_s(self) -> float | None:
        """The target's scrape interval as its samples show it; None while unknown."""
        return self._scrape_interval_s

    @property
    def client(self) -> PrometheusClient:
        return self._client

    @property
    def last_error(self) -> str | None:
        return self._state.last_error

    @property
    def last_success_wall_s(self) -> float | None:
        return self._state.last_success_wall_s

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings (e.g. partial data) Prometheus gave with the latest batch."""
        return self._state.batch.warnings

    def _query_samples(self, now_s: float) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
        """The batch's samples, one per series (counters read at the query time); raises
        PrometheusError. First the scrape interval, where the last batch could not show it."""
        self._moving = {}
        if not self._interval_seen and now_s >= self._learn_after_s:
            self._learn_after_s = now_s + RELEARN_AFTER_S
            self.queries += 1
            self._learn(self._client.query(learn_query(self.instance)))
            if self._clock_offset_s is None:
                self._learn_clock()
        interval_s = self._scrape_interval_s
        self.queries += 1
        if interval_s is None:  # latest samples only, until the interval is known
            result = self._client.query(self._query)
            return result.samples, result.warnings
        if self._clock_offset_s is None:
            query_time_s = self._wall()
        else:
            query_time_s = self._clock() + self._clock_offset_s
        # The window holds two scrapes of every target read: process-exporter's target may be
        # scraped less often than node_exporter's, and its groups must not drop out of the
        # table whenever its last two scrapes are further apart than node's window.
        widest_s = max((interval_s, *self._other_intervals.values()))
        result = self._client.query(batch_query(self.instance, window_s(widest_s)), query_time_s)
        if result.result_type != "matrix":
            return result.samples, result.warnings
        self._note_other_targets(result.series)
        # Each counter goes on from what the loop was last answered (its value and read time,
        # see ``advanced``), not from the last fetch's value: the loop has seen the growth up
        # to its last read at the old rate, and only the time since moves at the new one.
        answered = self._answered
        previous = {
            labels: _from_answer(memory, seen, query_time_s)
            if (seen := answered.get(labels)) is not None and seen[1] >= memory.at_s
            else memory
            for labels, memory in self._counters.items()
        }
        reading = read_series(result.series, self.instance, query_time_s, interval_s, previous)
        self._counters = reading.counters
        self._moving = {
            labels: Moving(
                max(memory.rate_per_s, 0.0),
                query_time_s,
                memory.last[0] + EXTRAPOLATE_INTERVALS * interval_s,
                labels in previous and memory.last[1] < previous[labels].last[1],
            )
            for labels, memory in reading.counters.items()
        }
        self._interval_seen = bool(reading.up_times)  # else: no scrape in the window
        self._note_scrapes(reading.up_times)
        return reading.samples, result.warnings

    def _learn_clock(self) -> None:
        """Prometheus's clock against ours, once: the batch's window and the counters' query
        time are on its clock, the samples' times are. A host clock seconds ahead of the
        server's would otherwise ask for a window with no sample in it yet (everything
        unknown); one behind would never extrapolate. Monotonic, so a step of the wall clock
        does not move it; a server that does not answer ``time()`` with a scalar: the wall."""
        before_s = self._clock()
        self.queries += 1
        answer = self._client.query("time()")
        after_s = self._clock()
        if answer.result_type == "scalar" and math.isfinite(answer.samples[0].value):
            self._clock_offset_s = answer.samples[0].value - (before_s + after_s) / 2
        else:
            self._clock_offset_s = self._wall() - after_s

    def _learn(self, result: QueryResult) -> None:
        for series in result.series:
            self._note_scrapes(tuple(t for t, _ in series.points))
            self._interval_seen = self._scrape_interval_s is not None

    def _note_other_targets(self, series: Iterable[Series]) -> None:
        """The scrape intervals of the host's other targets (process-exporter's), each from its
        own ``up`` samples, kept from answer to answer (one answer may hold one sample only)."""
        for one in series:
            target = one.label("instance")
            if one.label("__name__") != "up" or target is None or target == self.instance:
                continue
            times = latest_times(self._other_times.get(target, ()), (t for t, _ in one.points))
            self._other_times[target] = times
            interval_s = scrape_interval_of(times)
            if interval_s is not None:
                self._other_intervals[target] = interval_s

    def _note_scrapes(self, times: tuple[float, ...]) -> None:
        self._scrape_times = latest_times(self._scrape_times, times)
        interval_s = scrape_interval_of(self._scrape_times)
        if interval_s is not None:
            self._scrape_interval_s = interval_s

    def fetch_once(self) -> float:
        """One query; stores its batch (or its error). Returns the seconds to wait before the
        next fetch: the refresh interval after a success, the back-off after a failure.
        The worker thread calls this in a loop; tests call it directly, step by step."""
        started_s = self._clock()
        state = self._state
        try:
            samples, warnings = self._query_samples(started_s)
            batch = replace(
                split_batch(samples, self.instance, warnings, self.job), moving=self._moving
            )
        except Exception as err:  # any failure is a failed fetch (see below)
            # A PrometheusError says what failed; anything else (an answer shaped as no server
            # should send, a bug) counts as a failed fetch too, named in one line, with the
            # back-off: the worker goes on retrying rather than dying with a traceback.
            message = str(err) if isinstance(err, PrometheusError) else failure_text(err)
            self._state = FetchState(
                Batch({}), started_s, message, state.last_success_wall_s, state.failures + 1
            )
            return retry_delay_s(state.failures + 1)
        self._state = FetchState(batch, started_s, None, self._wall(), 0, self._clock())
        return self.interval_s

    def start(
        self, spawn: bool = True, first: Callable[[Callable[[], bool]], None] | None = None
    ) -> None:
        """Fetch in a worker thread from now on. urllib blocks for up to the 2 s timeout per
        query (and a slow server is one of the faults sot must survive), and nothing may block
        the keys: so the HTTP calls leave the loop, which only reads the latest batch.
        ``first``: a job the worker runs once before its first wait (the graphs' history),
        given ``between_jobs`` to call between its steps.
        ``spawn=False``: the same, but no thread; tests call ``fetch_once()`` step by step."""
        self._fetched_elsewhere = True
        if self._worker is not None or not spawn:
            return
        self._worker = threading.Thread(
            target=self._run, args=(first,), name="sot-prometheus", daemon=True
        )
        self._worker.start()

    def next_wait_s(self) -> float:
        """Seconds until the next fetch is due: an interval after the last success, the
        back-off after failures, now when nothing was fetched yet."""
        state = self._state
        if state.fetched_s is None:
            return 0.0
        pause_s = retry_delay_s(state.failures) if state.failures else self.interval_s
        return max(0.0, state.fetched_s + pause_s - self._clock())

    def between_jobs(self) -> bool:
        """What the worker does between the steps of a long job (the history's range queries
        and collector passes): the live fetch, when one is due, so the present never goes
        stale waiting for the past. False once closed: the job stops, and close() is prompt."""
        if not self._closed and self.next_wait_s() <= 0.0:
            self.fetch_once()
        return not self._closed

    def _run(self, first: Callable[[Callable[[], bool]], None] | None) -> None:
        if first is not None:
            # The past is a nicety: whatever it raises, the present goes on.
            with contextlib.suppress(Exception):
                first(self.between_jobs)
        while not self._closed:
            if self._wake.wait(self.next_wait_s()):
                self._wake.clear()  # closed, or a new interval: next_wait_s says which wait
                continue
            self.fetch_once()  # raises nothing: every failure is a failed fetch

    def set_interval(self, interval_s: float) -> None:
        """The dashboard's interval changed (the + and - keys): the worker fetches on the new
        one from now on, also when it was in the middle of a long wait."""
        self.interval_s = interval_s
        self._wake.set()

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop the worker and wait for it: it ends at once when waiting, or after its
        current query (bounded by the 2 s query timeout, hence the 3 s here)."""
        self._closed = True
        self._wake.set()
        join_worker(self._worker, timeout_s)

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive (tests check none is left behind)."""
        return self._worker is not None and self._worker.is_alive()

    def fresh(self) -> bool:
        """Whether the latest batch may still answer: it came within ``fresh_window_s``."""
        answered_s = self._state.answered_s
        if answered_s is None or self._state.last_error is not None:
            return False
        return self._clock() - answered_s < fresh_window_s(self.interval_s)

    def batch(self) -> Batch:
        """The current tick's series. With the worker: its latest batch while fresh, else an
        empty one (every reading unknown). Without: fetched once per ``max_age_s``."""
        if self._fetched_elsewhere:
            return self._at_read(self._state.batch) if self.fresh() else Batch({})
        fetched_s = self._state.fetched_s
        if fetched_s is None or self._clock() - fetched_s >= self._max_age_s:
            self.fetch_once()
        return self._at_read(self._state.batch)

    def _at_read(self, batch: Batch) -> Batch:
        """``batch`` with its counters moved on to now (``advanced``): the loop's reads, not the
        worker's fetches, set the time a counter is read at, so a fetch landing just after a
        tick neither repeats a value (a rate of 0) nor gives the next tick two fetches' worth.
        One tick's readings (within ``max_age_s`` of its first) share one time."""
        offset_s = self._clock_offset_s
        if not batch.moving or offset_s is None:
            return batch
        now_s = self._clock()
        source, read_at_s, read = self._read
        if source is batch and now_s - read_at_s < self._max_age_s:
            return read
        read, self._answered = advanced(batch, now_s + offset_s, self._answered)
        self._read = (batch, now_s, read)
        return read

    def status_message(self) -> str | None:
        """One line for the status bar while something is wrong, else None:
        "prometheus: <error>; last success 12 s ago", a stale batch, or its warnings."""
        state = self._state
        if state.last_success_wall_s is None:
            since = "no success yet"
        else:
            since = "last success " + _ago(self._wall() - state.last_success_wall_s)
        if state.last_error is not None:
            return f"prometheus: {short_error(state.last_error)}; {since}"
        if self._fetched_elsewhere and state.fetched_s is not None and not self.fresh():
            return f"prometheus: no fresh data (slow server?); {since}"
        down = [s for s in state.batch.samples("up") if s.value == 0.0]
        if down:
            # Any job's exporter down is news, named where a job label tells which.
            jobs = sorted({job for s in down if (job := s.label("job")) is not None})
            who = f"job {', '.join(jobs)}'s exporter" if jobs else "its exporter"
            return f"prometheus: {self.instance} is down (up = 0: {who} does not answer)"
        if state.batch.warnings:
            return "prometheus: warning: " + "; ".join(state.batch.warnings)
        if state.fetched_s is not None and not state.batch.by_name:
            return f"prometheus: no data for {self.instance} (no series: is it still scraped?)"
        return None

    def host_changes(self) -> bool:
        """Another host's facts come with every answer and may change: it reboots (another boot
        time), or stops answering (unknown: its uptime must not run on as if it were up)."""
        return True

    def host_info(self) -> StaticHostInfo:
        batch = self.batch()
        uname = batch.samples("node_uname_info")
        os_info = batch.samples("node_os_info")

        def label(found: tuple[Sample, ...], name: str) -> str | None:
            return found[0].label(name) if len(found) == 1 else None

        return StaticHostInfo(
            hostname=label(uname, "nodename") or self.instance,
            os_name=label(os_info, "pretty_name"),
            kernel=label(uname, "release"),
            architecture=label(uname, "machine"),
            cpu_model=None,  # node_exporter has no CPU model without its cpu.info flag
            boot_time_epoch_s=_epoch(batch.value("node_boot_time_seconds")),
        )

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        modes: dict[str, dict[str, float]] = {}
        for sample in self.batch().samples("node_cpu_seconds_total"):
            cpu, mode = sample.label("cpu"), sample.label("mode")
            if cpu is not None and mode is not None and math.isfinite(sample.value):
                modes.setdefault(cpu, {})[mode] = sample.value
        if not modes:
            return None
        times = []
        for cpu in sorted(modes, key=_cpu_number):
            seconds = modes[cpu]
            if any(m not in seconds for m in _CPU_MODES[:4]):
                return None  # a CPU without its basic modes: the whole reading is unknown
            times.append(
                CpuTimes(
                    user=seconds["user"],
                    nice=seconds["nice"],
                    system=seconds["system"],
                    idle=seconds["idle"],
                    iowait=seconds.get("iowait"),
                    irq=seconds.get("irq"),
                    softirq=seconds.get("softirq"),
                    steal=seconds.get("steal"),
                    guest=None,  # node_cpu_guest_seconds_total: already counted in user
                    guest_nice=None,
                )
            )
        return times

    def cpu_counts(self) -> tuple[int | None, int | None]:
        times = self.per_cpu_times()
        return (None if times is None else len(times)), None

    def cpu_frequency(self) -> Frequency | None:
        return None

    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        return None

    def temperatures(self) -> Sequence[SensorReading]:
        return ()

    def fans(self) -> Sequence[FanReading]:
        return ()

    def battery(self) -> BatteryReading | None:
        return None

    def load_average(self) -> tuple[float, float, float] | None:
        batch = self.batch()
        one, five, fifteen = (batch.value(f"node_load{n}") for n in (1, 5, 15))
        if one is None or five is None or fifteen is None:
            return None
        return one, five, fifteen

    def user_count(self) -> int | None:
        return None

    def memory(self) -> Memory:
        batch = self.batch()

        def field(name: str) -> int | None:
            return whole(batch.value(f"node_memory_{name}_bytes"))

        total, available, free = field("MemTotal"), field("MemAvailable"), field("MemFree")
        virtual = None
        if total is not None and available is not None and free is not None and total > 0:
            used = max(total - available, 0)
            virtual = VirtualMemory(
                total=total,
                available=available,
                used=used,
                free=free,
                cached=field("Cached"),
                buffers=field("Buffers"),
                percent=_percent(used, total),
            )
        swap_total, swap_free = field("SwapTotal"), field("SwapFree")
        swap = None
        if swap_total is not None and swap_free is not None:
            swap_used = max(swap_total - swap_free, 0)
            # sin/sout: node_vmstat_pswpin counts pages, not bytes; left unknown for now.
            swap = SwapMemory(swap_total, swap_used, _percent(swap_used, swap_total), None, None)
        return Memory(virtual, swap)

    def partitions(self) -> Sequence[Partition]:
        found = []
        for sample in self.batch().samples("node_filesystem_size_bytes"):
            device, mount, fstype = (sample.label(n) for n in ("device", "mountpoint", "fstype"))
            if device is not None and mount is not None and fstype is not None:
                found.append(Partition(device, mount, fstype))
        return sorted(set(found))

    def mounts_changed(self) -> bool:
        return False  # the collector re-reads partitions on its schedule: that is enough here

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        batch = self.batch()
        size, avail, free = (
            whole(batch.by_label(f"node_filesystem_{name}_bytes", "mountpoint").get(mount_point))
            for name in ("size", "avail", "free")
        )
        if size is None or avail is None or free is None:
            return None
        # As psutil and df count: used excludes the root-reserved blocks, percent is of the
        # space a user can have (used + avail).
        used = max(size - free, 0)
        return UsageBytes(size, used, avail, _percent(used, used + avail))

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        batch = self.batch()

        def column(name: str) -> dict[str, int]:
            found = batch.by_label(f"node_disk_{name}_total", "device")
            return {device: n for device, value in found.items() if (n := whole(value)) is not None}

        read_bytes, written = column("read_bytes"), column("written_bytes")
        reads, writes = column("reads_completed"), column("writes_completed")
        read_s, write_s, io_s = (
            batch.by_label("node_disk_read_time_seconds_total", "device"),
            batch.by_label("node_disk_write_time_seconds_total", "device"),
            batch.by_label("node_disk_io_time_seconds_total", "device"),
        )

        def ms(values: dict[str, float], device: str) -> int | None:
            seconds = values.get(device)
            return None if seconds is None else whole(seconds * 1000)

        out = {}
        for device in sorted(read_bytes):
            if device in written and device in reads and device in writes:
                out[device] = DiskCounters(
                    read_bytes[device],
                    written[device],
                    reads[device],
                    writes[device],
                    ms(read_s, device),
                    ms(write_s, device),
                    ms(io_s, device),
                )
        return out

    def resolve_device(self, device: str) -> str:
        return device.rsplit("/", 1)[-1]  # another machine's devices: no link to follow here

    def net_counters(self) -> Mapping[str, NetCounters]:
        batch = self.batch()
        columns = [
            {
                d: n
                for d, value in batch.by_label(name, "device").items()
                if (n := whole(value)) is not None
            }
            for name, _ in _NET_FIELDS
        ]
        out = {}
        for device in sorted(columns[0]):
            if all(device in column for column in columns):
                out[device] = NetCounters(*(column[device] for column in columns))
        return out

    def net_stats(self) -> Mapping[str, NetStats]:
        batch = self.batch()
        speeds = batch.by_label("node_network_speed_bytes", "device")
        out = {}
        for device, up in sorted(batch.by_label("node_network_up", "device").items()):
            speed = speeds.get(device)
            # node_exporter reports -1 bytes/s (or nothing) where the link speed is unknown.
            # A speed beyond any link (1.7e308 bytes/s) is unknown too, not an OverflowError.
            mbps = None if speed is None or speed <= 0 else whole(speed * 8 / 1_000_000)
            out[device] = NetStats(up == 1.0, mbps)
        return out

    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return {}

    def virtual_interfaces(self) -> frozenset[str]:
        return frozenset()

    def default_route_interface(self) -> str | None:
        return None

    def processes(self) -> Sequence[RawProcess]:
        """process-exporter's groups with processes now (it keeps reporting a group whose
        processes all exited, with zeros), as rows; none where it does not run for the host."""
        groups = self._read_groups()
        for name in sorted(groups.keys() - self._group_pids.keys()):
            pid = GROUP_PID_BASE + len(self._group_pids)
            self._group_pids[name] = pid
            self._group_names[pid] = name
        return tuple(group.raw(self._group_pids[name]) for name, group in sorted(groups.items()))

    def _read_groups(self) -> dict[str, GroupReading]:
        batch = self.batch()
        if self._groups[0] is not batch:
            self._groups = (batch, read_groups(batch))
        return self._groups[1]

    def processes_note(self) -> str | None:
        """The process table's one line about what it shows: where the groups come from, or that
        there is no per-process data for the host; None without data at all (the status line
        then says what failed)."""
        batch = self.batch()
        if not batch.by_name:
            return None
        if batch.groups_instance is None:
            return NO_GROUPS_NOTE.format(instance=self.instance)
        return GROUPS_NOTE.format(instance=batch.groups_instance)

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        name = self._group_names.get(pid)
        # A group has no command line or user: its name stands for both columns' text.
        return None if name is None else ProcessIdentity(name, name, None)

    def process_io(self, pid: int) -> IoCounters | None:
        name = self._group_names.get(pid)
        group = None if name is None else self._read_groups().get(name)
        if group is None or group.read_bytes is None or group.write_bytes is None:
            return None
        return IoCounters(group.read_bytes, group.write_bytes)

    def process_details(self, pid: int) -> RawProcessDetails | None:
        return None

    def process_environment(self, pid: int) -> Environment | None:
        return None

    def process_open_files(self, pid: int) -> OpenFiles | None:
        return None

    def process_start_time(self, pid: int) -> float | None:
        return None  # another machine's PIDs: no signal is ever sent to them from here


@dataclass(slots=True)
class GroupReading:
    """One process-exporter group's series of a batch; None where absent or not finite."""

    processes: int | None = None
    threads: int | None = None
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # by mode: user, system
    memory_bytes: dict[str, float] = field(default_factory=dict)  # by memtype
    read_bytes: int | None = None
    write_bytes: int | None = None
    oldest_start_epoch_s: float | None = None
    states: dict[str, float] = field(default_factory=dict)  # process counts by state

    def status(self) -> str | None:
        for state, word in _GROUP_STATES:
            if self.states.get(state, 0) > 0:
                return word
        return None

    def raw(self, pid: int) -> RawProcess:
        def memory(memtype: str) -> int | None:
            return whole(self.memory_bytes.get(memtype))

        cpu_seconds = sum(self.cpu_seconds.values()) if self.cpu_seconds else None
        if cpu_seconds is not None and not 0 <= cpu_seconds < MAX_WHOLE:
            cpu_seconds = None  # negative, or a sum past a float
        return RawProcess(
            pid=pid,
            ppid=None,
            status=self.status(),
            create_time=self.oldest_start_epoch_s,
            cpu_seconds=cpu_seconds,
            rss_bytes=memory("resident"),
            threads=self.threads,
            vms_bytes=memory("virtual"),
            group_processes=self.processes,
        )


def _count(value: float) -> int | None:
    return whole(value)


def read_groups(batch: Batch) -> dict[str, GroupReading]:
    """The batch's process-exporter groups that have processes now, by group name (untrusted
    text: sanitized where shown, like a process name)."""
    groups: dict[str, GroupReading] = {}

    def each(metric: str) -> Iterable[tuple[GroupReading, Sample]]:
        for sample in batch.samples(GROUP_PREFIX + metric):
            name = sample.label("groupname")
            if name is not None and math.isfinite(sample.value):
                yield groups.setdefault(name, GroupReading()), sample

    for group, sample in each("num_procs"):
        group.processes = _count(sample.value)
    for group, sample in each("num_threads"):
        group.threads = _count(sample.value)
    for group, sample in each("read_bytes_total"):
        group.read_bytes = _count(sample.value)
    for group, sample in each("write_bytes_total"):
        group.write_bytes = _count(sample.value)
    for group, sample in each("oldest_start_time_seconds"):
        # A start time datetime cannot show (past the year 9999) is unknown.
        group.oldest_start_epoch_s = _epoch(sample.value)
    for metric, label, table in (
        ("cpu_seconds_total", "mode", "cpu_seconds"),
        ("memory_bytes", "memtype", "memory_bytes"),
        ("states", "state", "states"),
    ):
        for group, sample in each(metric):
            key = sample.label(label)
            if key is not None:
                getattr(group, table)[key] = sample.value
    return {name: group for name, group in groups.items() if group.processes}
