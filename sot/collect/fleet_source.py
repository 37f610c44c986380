"""The fleet's figures from Prometheus: every instance it scrapes, one row each.

A refresh is a fixed set of instant queries, one per figure (``FLEET_QUERIES``), each for all
instances at once, aggregated by ``instance`` and ``job`` on the server: the HTTP queries per
refresh stay at ``len(FLEET_QUERIES)`` for 1 instance or 10,000, and what comes back is one
sample per instance per figure (per filesystem for the fullest one), joined here in one pass.

Rates use ``irate()`` over ``RATE_WINDOW``: irate takes the last two samples in the window, so
with the e2e engine's 1 s scrape a figure follows the latest second, and with Prometheus's
default 15 s or a 1 min scrape the 5 min window still holds two samples (even with one scrape
missed). ``rate()`` over a window long enough for a 1 min scrape would average 5 min of a 1 s
scrape and hide what the fleet does now.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from sot.collect.prometheus_api import PrometheusClient, PrometheusError, Sample
from sot.collect.prometheus_source import (
    _ago,
    failure_text,
    first_wait_s,
    fresh_window_s,
    join_worker,
    retry_delay_s,
    run_fetches,
    short_error,
)
from sot.fleet_model import FleetRow, FleetSnapshot

RATE_WINDOW = "5m"
# The same filesystems as on this machine (sot.collect.collector.LOCAL_FSTYPES): data on local
# block devices; pseudo filesystems (tmpfs, proc, cgroup) and network ones left out. Filtered
# by the server, so their series never cross the network. An overlay counts only as "/" (a
# container's root), as locally; loop devices (snaps) are left out.
FLEET_FSTYPES = (
    "ext2|ext3|ext4|xfs|btrfs|zfs|f2fs|jfs|reiserfs|bcachefs|vfat|exfat|ntfs|ntfs3|fuseblk"
    "|hfs|hfsplus|apfs|ufs|ffs|overlay"
)
_FS = f'fstype=~"{FLEET_FSTYPES}",device!~"/dev/loop.*"'
# Traffic of the host, not of its plumbing: loopback and the virtual interfaces of containers
# and bridges (which would count a container's traffic twice, on its veth and on the uplink).
FLEET_NET_EXCLUDED = "lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|vnet.*"
_NET = f'device!~"{FLEET_NET_EXCLUDED}"'
_BY = "by (instance, job)"

FLEET_QUERIES: Mapping[str, str] = {
    "up": "up",
    # Busy share of all CPU time, as psutil counts it: idle and iowait are not busy.
    "cpu": (
        f'100 * (1 - sum {_BY} (irate(node_cpu_seconds_total{{mode=~"idle|iowait"}}'
        f"[{RATE_WINDOW}])) / sum {_BY} (irate(node_cpu_seconds_total[{RATE_WINDOW}])))"
    ),
    # As psutil's memory percent: what is not available is used.
    "memory": "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)",
    # Per filesystem; the fullest is chosen here. Root-reserved blocks count as used (df
    # counts them as neither), so a figure can read a few points above df's Use%.
    "filesystem": (
        f"100 * (1 - node_filesystem_avail_bytes{{{_FS}}} / node_filesystem_size_bytes{{{_FS}}})"
    ),
    "load": (
        f'node_load1 / on (instance, job) count {_BY} (node_cpu_seconds_total{{mode="idle"}})'
    ),
    "rx": f"sum {_BY} (irate(node_network_receive_bytes_total{{{_NET}}}[{RATE_WINDOW}]))",
    "tx": f"sum {_BY} (irate(node_network_transmit_bytes_total{{{_NET}}}[{RATE_WINDOW}]))",
    "boot": "node_boot_time_seconds",
    "uname": "node_uname_info",
}


def _key(sample: Sample) -> tuple[str, str]:
    return (sample.label("instance") or "", sample.label("job") or "")


def _finite(samples: tuple[Sample, ...]) -> dict[tuple[str, str], Sample]:
    """By (instance, job): the samples whose value is a number (NaN, Inf: unknown)."""
    return {_key(s): s for s in samples if math.isfinite(s.value)}


def _fullest(samples: tuple[Sample, ...]) -> dict[tuple[str, str], tuple[float, str]]:
    """By (instance, job): the highest filesystem percent and its mount point."""
    fullest: dict[tuple[str, str], tuple[float, str]] = {}
    for sample in samples:
        mount = sample.label("mountpoint") or ""
        if not math.isfinite(sample.value):
            continue  # a zero-sized filesystem: 0/0
        if sample.label("fstype") == "overlay" and mount != "/":
            continue
        key = _key(sample)
        known = fullest.get(key)
        if known is None or sample.value > known[0]:
            fullest[key] = (sample.value, mount)
    return fullest


def _value(found: Mapping[tuple[str, str], Sample], key: tuple[str, str]) -> float | None:
    sample = found.get(key)
    return None if sample is None else sample.value


def fleet_rows(results: Mapping[str, tuple[Sample, ...]]) -> tuple[FleetRow, ...]:
    """One row per ``up`` series, in the order Prometheus gave them, with every figure joined
    by (instance, job). A down instance's figures are unknown: what irate still finds in its
    window is from before it went down."""
    cpu = _finite(results.get("cpu", ()))
    memory = _finite(results.get("memory", ()))
    load = _finite(results.get("load", ()))
    rx = _finite(results.get("rx", ()))
    tx = _finite(results.get("tx", ()))
    boot = _finite(results.get("boot", ()))
    uname = {_key(s): s for s in results.get("uname", ())}
    fullest = _fullest(results.get("filesystem", ()))
    rows = []
    for sample in results.get("up", ()):
        key = _key(sample)
        # Prometheus answered: the target is up or it is not (a NaN ``up`` is not "up").
        up = sample.value == 1.0
        facts = uname.get(key)
        nodename = facts.label("nodename") if facts is not None else None
        release = facts.label("release") if facts is not None else None
        if not up:
            rows.append(FleetRow(key[0], key[1], up, nodename=nodename, kernel_release=release))
            continue
        booted = boot.get(key)
        uptime = None if booted is None else booted.timestamp_s - booted.value
        if uptime is not None and not math.isfinite(uptime):
            uptime = None  # a time or boot time past a float's range: unknown, not inf
        elif uptime is not None:
            uptime = max(uptime, 0.0)
        disk = fullest.get(key)
        rows.append(
            FleetRow(
                key[0],
                key[1],
                up,
                cpu_percent=_clamped_percent(_value(cpu, key)),
                memory_used_percent=_clamped_percent(_value(memory, key)),
                fullest_filesystem_percent=None if disk is None else _clamped_percent(disk[0]),
                fullest_filesystem_mount=None if disk is None else disk[1],
                load1_per_core=_value(load, key),
                network_rx_bytes_per_s=_value(rx, key),
                network_tx_bytes_per_s=_value(tx, key),
                uptime_s=uptime,
                nodename=nodename,
                kernel_release=release,
            )
        )
    return tuple(rows)


def _clamped_percent(value: float | None) -> float | None:
    """Rounding in the server's arithmetic can give -0.0001 or 100.0001: shown as 0 and 100."""
    return None if value is None else min(max(value, 0.0), 100.0)


def blanked(row: FleetRow) -> FleetRow:
    """The row while Prometheus gives no fresh answer: its identity, nothing else known."""
    return FleetRow(row.instance, row.job, None)


@dataclass(frozen=True, slots=True)
class FleetFetch:
    """What the last fetch left, replaced whole by one assignment: the loop reading it while
    the worker writes it always sees one consistent state (no lock needed under the GIL)."""

    rows: tuple[FleetRow, ...] = ()
    time_epoch_s: float | None = None
    fetched_s: float | None = None  # monotonic start of the fetch that gave ``rows``
    last_error: str | None = None
    last_success_wall_s: float | None = None
    failures: int = 0  # failed fetches in a row
    warnings: tuple[str, ...] = ()
    answered_s: float | None = None  # monotonic time the answers came (freshness counts from it)


class FleetSource:
    """The fleet's rows from one Prometheus server. ``clock`` (monotonic s) and ``wall``
    (epoch s) are injected so tests control freshness and what the status line says."""

    def __init__(
        self,
        client: PrometheusClient,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        interval_s: float = 1.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self._wall = wall
        self.interval_s = interval_s
        self._state = FleetFetch()
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._background = False  # start() was called: a worker fetches, freshness applies
        self._generation = 0  # the current worker's number; close() and start() change it
        self.queries = 0  # HTTP queries sent: the issue counts them per refresh
        self.fetches = 0  # refreshes done (or failed): the loop redraws when it changes

    @property
    def url(self) -> str:
        return self._client.url

    @property
    def last_error(self) -> str | None:
        return self._state.last_error

    def fetch_once(self, generation: int | None = None) -> float:
        """One refresh: ``len(FLEET_QUERIES)`` queries; stores the rows (or the error). Returns
        the seconds to wait before the next: what is left of the interval after a success (so
        refreshes start an interval apart however long the queries took), the back-off (1 s
        doubling to 30 s) after a failure. Raises nothing: a failed query fails the refresh,
        since rows joined from half the figures would look complete and not be.
        ``generation``: the worker's (see ``start``); a worker stopped meanwhile leaves the
        state as it is, so a quick close and start never see an old query land on new rows."""
        started_s = self._clock()
        state = self._state
        try:
            results, warnings = self._ask_all()
            rows = fleet_rows(results)
        except Exception as err:  # any failure (a future's too) fails the refresh
            message = str(err) if isinstance(err, PrometheusError) else failure_text(err)
            self._store(
                generation,
                replace(
                    state, last_error=message, failures=state.failures + 1, fetched_s=started_s
                ),
            )
            return retry_delay_s(state.failures + 1)
        wall = self._wall()
        self._store(
            generation,
            FleetFetch(rows, wall, started_s, None, wall, 0, tuple(warnings), self._clock()),
        )
        return max(0.0, started_s + self.interval_s - self._clock())

    def _store(self, generation: int | None, state: FleetFetch) -> None:
        if generation is not None and generation != self._generation:
            return  # a stopped worker's late answer: the state is no longer its to write
        self._state = state
        self.fetches += 1

    def _ask_all(self) -> tuple[dict[str, tuple[Sample, ...]], list[str]]:
        """Every figure's query at once, each in a thread of its own: they are independent and
        Prometheus evaluates them in parallel, so a refresh waits for the slowest query (the CPU
        one, ~190 ms at 1,000 instances in make bench) instead of the sum of all nine (~300 ms).
        The first PrometheusError raises, after every query has ended (each within the
        timeout)."""
        self.queries += len(FLEET_QUERIES)
        with ThreadPoolExecutor(len(FLEET_QUERIES), thread_name_prefix="sot-fleet-query") as pool:
            asked = {
                name: pool.submit(self._client.query, expr) for name, expr in FLEET_QUERIES.items()
            }
            results: dict[str, tuple[Sample, ...]] = {}
            warnings: list[str] = []
            for name, future in asked.items():
                result = future.result()
                results[name] = result.samples
                warnings.extend(w for w in result.warnings if w not in warnings)
        return results, warnings

    def start(self, now: bool = False, spawn: bool = True) -> None:
        """Fetch in a worker thread from now on. urllib blocks for up to the 2 s timeout per
        query, nine queries a refresh, and a slow or unreachable server is one of the faults
        sot must survive: the keys must never wait for it, so the HTTP calls leave the loop,
        which only reads the latest rows. ``now``: the first fetch at once (back from a
        dashboard, the rows are old), else after the interval (or the back-off).
        ``spawn=False``: the same, but no thread; tests call ``fetch_once()`` step by step."""
        self._background = True
        if not spawn:
            return
        if self._worker is not None and not self._stop.is_set():
            return
        # A new stop event per worker: one stopped by close() may still be finishing its
        # query, and must not be woken into a second life by this start.
        self._stop = threading.Event()
        self._generation += 1
        generation = self._generation
        state = self._state  # the first frame's fetch (before start) sets the first wait
        delay_s = first_wait_s(state.fetched_s is not None, state.failures, self.interval_s)
        self._worker = threading.Thread(
            target=run_fetches,
            args=(self._stop, 0.0 if now else delay_s, lambda: self.fetch_once(generation)),
            name="sot-fleet",
            daemon=True,
        )
        self._worker.start()

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop the worker and wait for it (at once when waiting, else after its current
        queries, each within the 2 s timeout, hence the 3 s bound); the fleet does while a
        dashboard is open, so as not to query for a screen not shown. Whatever a worker not
        ended by then answers is ignored (its generation is over)."""
        self._stop.set()
        self._generation += 1
        join_worker(self._worker, timeout_s)

    @property
    def running(self) -> bool:
        """Whether a worker thread is alive (tests check none is left behind)."""
        return self._worker is not None and self._worker.is_alive()

    def fresh(self) -> bool:
        """Whether the latest rows' figures may still show: fetched by the latest refresh, and
        come within ``fresh_window_s`` (one late refresh does not blank the screen). Without
        the worker (``--once``, a stream) the answer was fetched for this very output: fresh,
        however slowly it came."""
        state = self._state
        if state.last_success_wall_s is None or state.last_error is not None:
            return False
        if not self._background:
            return True
        answered_s = state.answered_s if state.answered_s is not None else -math.inf
        return self._clock() - answered_s < fresh_window_s(self.interval_s)

    def status_message(self) -> str | None:
        """One line while something is wrong: "prometheus: <error>; last success 12 s ago",
        stale figures, or the server's warnings (partial data); else None."""
        state = self._state
        if state.last_success_wall_s is None:
            since = "no success yet"
        else:
            since = "last success " + _ago(self._wall() - state.last_success_wall_s)
        if state.last_error is not None:
            return f"prometheus: {short_error(state.last_error)}; {since}"
        if not self.fresh():
            return f"prometheus: no fresh data (slow server?); {since}"
        if state.warnings:
            return "prometheus: warning: " + "; ".join(state.warnings)
        return None

    def snapshot(self) -> FleetSnapshot:
        """The rows to show now: the latest while fresh, else every instance with its figures
        unknown (``-``), never the last known values as if they were current."""
        state = self._state
        rows = state.rows if self.fresh() else tuple(blanked(row) for row in state.rows)
        return FleetSnapshot(
            self.url, state.time_epoch_s, rows, self.status_message(), self.queries
        )
