"""Process table: dynamic fields every tick, identity (name, cmdline, user, cgroup) from a
cache, storage I/O rates on a schedule that keeps their cost flat on hosts of thousands."""

from __future__ import annotations

from dataclasses import dataclass

from sot.collect.cgroup_labels import cgroup_label
from sot.collect.rates import percent_of, rate
from sot.collect.records import ProcessIdentity, RawProcess, SystemSource
from sot.model import ProcessCounts, ProcessKey, ProcessRow

# Start times are based on the boot time in whole seconds (/proc/stat's btime, as psutil reads
# it), so a process's start time may read up to this much earlier than it was.
START_TIME_SLACK_S = 1.0
_SLEEPING = frozenset({"sleeping", "disk-sleep", "idle", "waking", "parked"})
# A quiet process (its /proc/<pid>/stat reading is the same as last tick's: it has not been
# charged a clock tick of CPU, and it read and wrote nothing when last read) has its I/O
# counters re-read in turn, about this many of them a tick, not each of them every tick: with 70
# processes each is read every third tick, with 2,000 every 63rd. Its rates are taken over the
# time since their last read, so no byte is missed: a process that does I/O without being
# charged CPU (a few small writes a second) shows its average rate that much later. Every other
# process is read every tick. Reading /proc/<pid>/io costs 2.6 us a process even kept open (4 us
# with the calls around it): 2,000 idle processes read every tick would add 0.8 % of a core at
# 1 s, one in 16 of them still 0.1 % (make bench: +2000 processes); 32 a tick cost nothing seen.
QUIET_IO_READS_PER_TICK = 32
_NO_RATES: tuple[float | None, float | None] = (None, None)
_ZERO_RATES: tuple[float | None, float | None] = (0.0, 0.0)


@dataclass(slots=True)
class _CachedIdentity:
    identity: ProcessIdentity
    fetched_at_s: float
    cgroup: str | None  # its short label
    seen_as: RawProcess  # the process's reading when its identity was read


@dataclass(slots=True)
class _IoReading:
    """A process's storage counters as last read, and when (the loop's monotonic seconds)."""

    read_bytes: int
    write_bytes: int
    read_at_s: float


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
    the tick cost flat on hosts with thousands of processes; only those of processes whose reading
    changed since: a process that has not run cannot have renamed itself, exec'd or changed user,
    and re-reading the identities of thousands of sleeping ones cost more than the I/O columns.
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
        # Storage counters by process; the processes whose counters the kernel refused (another
        # user's, without root), not asked again for the rest of their lives.
        self._io: dict[ProcessKey, _IoReading] = {}
        self._io_denied: set[ProcessKey] = set()
        self._tick = 0

    def _io_rates(
        self, key: ProcessKey, proc: RawProcess, now_s: float
    ) -> tuple[float | None, float | None]:
        """(read, write) bytes per second from a new reading of the counters; unknown for the
        first reading and where they cannot be read. Kernel threads are not read: their I/O
        is charged to the processes they work for."""
        if proc.kernel_thread or key in self._io_denied:
            return _NO_RATES
        counters = self._source.process_io(proc.pid)
        if counters is None:
            if proc.group_processes is None:  # a group's counters may come in the next answer
                self._io_denied.add(key)
            return _NO_RATES
        last = self._io.get(key)
        if last is None:
            self._io[key] = _IoReading(counters.read_bytes, counters.write_bytes, now_s)
            return _NO_RATES
        interval_s = now_s - last.read_at_s
        rates = (
            rate(last.read_bytes, counters.read_bytes, interval_s),
            rate(last.write_bytes, counters.write_bytes, interval_s),
        )
        last.read_bytes, last.write_bytes, last.read_at_s = (
            counters.read_bytes,
            counters.write_bytes,
            now_s,
        )
        return rates

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
        tick = self._tick
        # Each quiet process's turn comes every ``every`` ticks (1: every tick).
        every = max(1, -(-len(raw) // QUIET_IO_READS_PER_TICK))
        for proc in raw:
            # A group (see RawProcess.group_processes) is one by its made-up PID alone: its
            # start, its oldest process's, moves when that one exits; its rates go on.
            key: ProcessKey = (proc.pid, proc.create_time if proc.group_processes is None else None)
            cached = self._identities.get(key)
            stale = (
                cached is not None
                and now_s - cached.fetched_at_s > self._identity_ttl_s
                and cached.seen_as is not proc
                and cached.seen_as != proc
            )
            renamed = False
            if cached is None or (stale and refreshed < self._refresh_cap):
                if cached is not None:
                    refreshed += 1
                identity = self._source.process_identity(proc.pid)
                if identity is None:
                    if cached is None:
                        continue  # vanished between the listing and the read
                else:
                    if cached is not None and cached.identity.cgroup == identity.cgroup:
                        label = cached.cgroup
                    else:
                        label = cgroup_label(identity.cgroup)
                    cached = _CachedIdentity(identity, now_s, label, proc)
                    self._identities[key] = cached
                    renamed = True
            previous = self._previous.get(key)
            if previous is None:
                io_rates = self._io_rates(key, proc, now_s)
                cpu_percent = _new_process_cpu_percent(proc, wall_epoch_s, interval_s)
                row = _row(proc, cached, cpu_percent, memory_total_bytes, io_rates)
            else:
                last_raw, last_row = previous
                # The very record of last tick where the stat line was byte-for-byte the same.
                unchanged = last_raw is proc or last_raw == proc
                idle = unchanged and not renamed and same_memory and last_row.cpu_percent == 0.0
                last_rates = (last_row.read_bytes_per_s, last_row.write_bytes_per_s)
                if unchanged and (
                    proc.kernel_thread  # not read at all: see _io_rates
                    or (last_rates == _ZERO_RATES and (proc.pid + tick) % every)
                ):
                    # Quiet, and not its turn for I/O (see QUIET_IO_READS_PER_TICK).
                    if idle:  # nothing to read or build: most processes of a big host
                        seen[key] = previous
                        rows.append(last_row)
                        continue
                    io_rates = last_rates
                else:
                    io_rates = self._io_rates(key, proc, now_s)
                if idle and io_rates == last_rates:
                    row = last_row
                else:
                    cpu_percent = _cpu_percent(last_raw.cpu_seconds, proc.cpu_seconds, interval_s)
                    row = _row(proc, cached, cpu_percent, memory_total_bytes, io_rates)
            seen[key] = (proc, row)
            rows.append(row)
        for key in self._identities.keys() - seen.keys():
            del self._identities[key]
        if len(self._io) > len(seen):
            for key in self._io.keys() - seen.keys():
                del self._io[key]
        if self._io_denied:
            self._io_denied &= seen.keys()
        self._tick += 1
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
    cached: _CachedIdentity,
    cpu_percent: float | None,
    memory_total_bytes: int | None,
    io_rates: tuple[float | None, float | None],
) -> ProcessRow:
    identity = cached.identity
    read_bytes_per_s, write_bytes_per_s = io_rates
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
        read_bytes_per_s=read_bytes_per_s,
        write_bytes_per_s=write_bytes_per_s,
        is_kernel_thread=proc.kernel_thread,
        cgroup=cached.cgroup,
        group_processes=proc.group_processes,
    )
