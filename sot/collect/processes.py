"""Process table: dynamic fields every tick, identity (name, cmdline, user) from a cache."""

from __future__ import annotations

from dataclasses import dataclass

from sot.collect.rates import percent_of, rate
from sot.collect.records import ProcessIdentity, RawProcess, SystemSource
from sot.model import ProcessCounts, ProcessKey, ProcessRow

# Start times are based on the boot time in whole seconds (/proc/stat's btime, as psutil reads
# it), so a process's start time may read up to this much earlier than it was.
START_TIME_SLACK_S = 1.0
_SLEEPING = frozenset({"sleeping", "disk-sleep", "idle", "waking", "parked"})


@dataclass(slots=True)
class _CachedIdentity:
    identity: ProcessIdentity
    fetched_at_s: float


def count_processes(rows: tuple[ProcessRow, ...]) -> ProcessCounts:
    running = sleeping = zombie = threads = 0
    for row in rows:
        if row.status == "running":
            running += 1
        elif row.status in _SLEEPING:
            sleeping += 1
        elif row.status == "zombie":
            zombie += 1
        threads += row.threads or 0
    return ProcessCounts(
        total=len(rows),
        running=running,
        sleeping=sleeping,
        zombie=zombie,
        other=len(rows) - running - sleeping - zombie,
        threads=threads,
    )


class ProcessCollector:
    """Turns the source's raw per-process readings into rows with CPU % and identity.

    Identity is keyed by (pid, create_time) so a reused PID never shows the old process's name;
    entries for processes that are gone are dropped each tick. Names can change (prctl, exec), so
    identities older than ``identity_ttl_s`` are re-read, at most ``refresh_cap`` per tick to keep
    the tick cost flat on hosts with thousands of processes.
    """

    def __init__(
        self, source: SystemSource, identity_ttl_s: float = 30.0, refresh_cap: int = 32
    ) -> None:
        self._source = source
        self._identity_ttl_s = identity_ttl_s
        self._refresh_cap = refresh_cap
        self._identities: dict[ProcessKey, _CachedIdentity] = {}
        self._previous: dict[ProcessKey, tuple[RawProcess, ProcessRow]] = {}
        self._memory_total_bytes: int | None = None

    def sample(
        self,
        now_s: float,
        wall_epoch_s: float,
        interval_s: float | None,
        memory_total_bytes: int | None,
    ) -> tuple[tuple[ProcessRow, ...], ProcessCounts]:
        raw = self._source.processes()
        rows: list[ProcessRow] = []
        seen: dict[ProcessKey, tuple[RawProcess, ProcessRow]] = {}
        same_memory = memory_total_bytes == self._memory_total_bytes
        self._memory_total_bytes = memory_total_bytes
        refreshed = 0
        for proc in raw:
            key: ProcessKey = (proc.pid, proc.create_time)
            cached = self._identities.get(key)
            stale = cached is not None and now_s - cached.fetched_at_s > self._identity_ttl_s
            renamed = False
            if cached is None or (stale and refreshed < self._refresh_cap):
                if cached is not None:
                    refreshed += 1
                identity = self._source.process_identity(proc.pid)
                if identity is None:
                    if cached is None:
                        continue  # vanished between the listing and the read
                else:
                    cached = _CachedIdentity(identity, now_s)
                    self._identities[key] = cached
                    renamed = True
            previous = self._previous.get(key)
            if (
                previous is not None
                and not renamed
                and same_memory
                and previous[0] == proc
                and previous[1].cpu_percent == 0.0
            ):
                row = previous[1]  # an idle process, unchanged: thousands of them on big hosts
            elif previous is not None:
                cpu_percent = _cpu_percent(previous[0].cpu_seconds, proc.cpu_seconds, interval_s)
                row = _row(proc, cached.identity, cpu_percent, memory_total_bytes)
            else:
                cpu_percent = _new_process_cpu_percent(proc, wall_epoch_s, interval_s)
                row = _row(proc, cached.identity, cpu_percent, memory_total_bytes)
            seen[key] = (proc, row)
            rows.append(row)
        for key in self._identities.keys() - seen.keys():
            del self._identities[key]
        self._previous = seen
        frozen_rows = tuple(rows)
        return frozen_rows, count_processes(frozen_rows)


def _cpu_percent(
    before: float | None, after: float | None, interval_s: float | None
) -> float | None:
    cpu_rate = rate(before, after, interval_s)
    return None if cpu_rate is None else 100.0 * cpu_rate


def _new_process_cpu_percent(
    proc: RawProcess, wall_epoch_s: float, interval_s: float | None
) -> float | None:
    """CPU % of a process the last sample did not see: its CPU time over its age. None on the
    first sample (every process is new to it, and a lifetime average is not a current rate) and
    where the start time or CPU time is unknown or the clock has moved backwards."""
    if interval_s is None or proc.cpu_seconds is None or proc.create_time is None:
        return None
    age_s = wall_epoch_s - proc.create_time
    if age_s <= 0:
        return None
    if age_s <= interval_s + START_TIME_SLACK_S:
        # Started since the last sample, so it is at most interval_s old; its start time may
        # read up to a second early (see START_TIME_SLACK_S), which would understate it.
        age_s = min(age_s, interval_s)
    return 100.0 * proc.cpu_seconds / age_s


def _row(
    proc: RawProcess,
    identity: ProcessIdentity,
    cpu_percent: float | None,
    memory_total_bytes: int | None,
) -> ProcessRow:
    return ProcessRow(
        pid=proc.pid,
        ppid=proc.ppid,
        user=identity.user,
        name=identity.name,
        cmdline=identity.cmdline,
        status=proc.status,
        threads=proc.threads,
        cpu_percent=cpu_percent,
        rss_bytes=proc.rss_bytes,
        mem_percent=percent_of(proc.rss_bytes, memory_total_bytes),
        cpu_time_s=proc.cpu_seconds,
        start_time_epoch_s=proc.create_time,
        vms_bytes=proc.vms_bytes,
        nice=proc.nice,
        priority=proc.priority,
    )
