"""Counters between scrapes: what the Prometheus source reports when Prometheus scrapes a host
less often than sot samples it.

Prometheus keeps one sample per series per scrape (every 15 s by default, often 30 s or 1 min);
sot asks every second. The latest sample alone would leave a counter standing still between
scrapes (rates 0, CPU unknown) and then move it by a whole scrape interval in one tick: a spike
15 times the real rate. So the batch asks for the last samples of each series (a range selector
a little over two scrape intervals wide, ``window_s``), and each counter (a ``_total`` series)
moves on every tick at the rate of its last two samples, the rate PromQL's ``irate()`` gives:

- first seen, its value extrapolated to the query time from its last two samples;
- then last tick's value plus that rate times the time since last tick: the collector's
  tick-to-tick differences are the rate of the last completed scrape interval, changing at the
  tick that sees a new scrape. Pinning the value to the extrapolation instead (tried, and
  measured on ten minutes of a real 15 s scrape: tests/data/prometheus/slow_scrape_real.json)
  makes every change of rate a catch-up: a spike (CPU 99 %) when it rose, and, the value never
  going back, a run of zeros (14 ticks of CPU 0 %) when it fell; a third of the ticks were off.
  The value trails the counter by about one interval's growth, as a graph of irate() does;
- never more than ``EXTRAPOLATE_INTERVALS`` scrape intervals past the last sample: a target that
  stops answering does not keep "growing" for long;
- monotone by construction (the collector reads a counter going backwards as a reset), except
  after a real reset (a sample lower than the one before it): then the new value, extrapolated
  at the rate from before the reset, so the collector says "unknown" for that tick, as it does
  for a live machine, and the next scrape continues without a jump.

Gauges (memory, filesystem sizes, load, ``up``) are their latest sample. A series missing from a
target's latest scrape is left out, as the instant query's staleness handling did: the range
still holds its old samples, so "the latest scrape" is the newest sample time of the target.

The scrape interval itself comes from the samples: the spacing of ``up``'s last samples (written
at every scrape, successful or not), from the batch every tick and from a small query over
``LEARN_WINDOW_S`` when the batch cannot tell (at start, or when the interval grew).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sot.collect.prometheus_api import Labels, Sample, Series, promql_string

# A counter is extrapolated at most this many scrape intervals past its last sample: a scrape
# can come late (a slow exporter, a loaded server), but a target that stopped answering is down
# (its ``up`` says so) and its counters stop moving.
EXTRAPOLATE_INTERVALS = 2.0
# The learning query's range: enough samples of ``up`` for any interval up to 2.5 min, one
# answer of about 30 bytes a sample (10 KB at a 1 s scrape), sent rarely (see the source).
LEARN_WINDOW_S = 300
KEPT_TIMES = 3  # the last two spacings


def window_s(scrape_interval_s: float) -> float:
    """The batch's range for a scrape interval: the last two samples of every series (one of
    which may be almost an interval old) plus half an interval, at least 1 s, for a scrape still
    being written and for a query clock a little ahead of Prometheus's."""
    return 2.0 * scrape_interval_s + max(0.5 * scrape_interval_s, 1.0)


def range_selector(selector: str, seconds: float) -> str:
    """``selector`` as a range selector over the last ``seconds`` (whole milliseconds)."""
    ms = max(round(seconds * 1000), 1)
    return f"{selector}[{ms // 1000}s]" if ms % 1000 == 0 else f"{selector}[{ms}ms]"


def learn_query(instance: str) -> str:
    """The query that reads the scrape interval of ``instance``: its ``up`` samples."""
    return range_selector(f"up{{instance={promql_string(instance)}}}", LEARN_WINDOW_S)


def scrape_interval_of(times: Iterable[float]) -> float | None:
    """The scrape interval shown by a series' sample times: the longer of the last two spacings
    (a long guess only widens the window; a short one loses the second sample), None with fewer
    than two samples."""
    spacings = [b - a for a, b in itertools.pairwise(sorted(set(times)))]
    return max(spacings[-2:]) if spacings else None


def latest_times(*groups: Iterable[float]) -> tuple[float, ...]:
    """The newest ``KEPT_TIMES`` distinct sample times of ``groups``, oldest first: what the
    source keeps of ``up`` from tick to tick, so the first sample after a longer gap than
    before tells the new interval at once, though the window holds no earlier one."""
    return tuple(sorted({t for group in groups for t in group})[-KEPT_TIMES:])


def is_counter(name: str) -> bool:
    """Prometheus's naming rule: a cumulative counter's name ends in ``_total``."""
    return name.endswith("_total")


Point = tuple[float, float]  # (sample time in epoch s, value)


@dataclass(frozen=True, slots=True)
class CounterMemory:
    """One counter series at the last tick: its latest sample, the one before it (where known),
    the value reported, the rate it moved at and when. The earlier sample stands in when
    the window holds only the latest (a scrape later than the interval said, a skewed clock)."""

    last: Point
    earlier: Point | None
    reported: float
    rate_per_s: float
    at_s: float  # the query time it was reported for


def counter_value(
    points: Sequence[Point],
    query_time_s: float,
    scrape_interval_s: float,
    memory: CounterMemory | None,
) -> tuple[float, CounterMemory | None]:
    """A counter's value at ``query_time_s`` from its samples in the window (oldest first, at
    least one) and what it was last tick; and what to remember for the next."""
    last_s, last = points[-1]
    if not math.isfinite(last):
        return last, None  # unknown (the readers skip it); nothing to hold it to next tick
    earlier = points[-2] if len(points) >= 2 else None
    reset = False
    if memory is not None:
        reset = last < memory.last[1]
        remembered = memory.last if memory.last[0] < last_s else memory.earlier
        if earlier is None and remembered is not None and remembered[0] < last_s:
            earlier = remembered
    rate_per_s = 0.0
    if earlier is not None and earlier[0] < last_s and math.isfinite(earlier[1]):
        reset = reset or earlier[1] > last
        if not reset:
            rate_per_s = (last - earlier[1]) / (last_s - earlier[0])
        elif memory is not None:
            # The counter restarted (a driver reloaded, an exporter restarted): the rate
            # before is the best guess of the rate since, until a second sample tells; the
            # next scrape then continues without a jump.
            rate_per_s = memory.rate_per_s
        else:
            rate_per_s = last / (last_s - earlier[0])  # counted up from 0, as irate() does
    bound_s = last_s + EXTRAPOLATE_INTERVALS * scrape_interval_s
    if reset or memory is None:
        # First seen, or restarted: the value extrapolated to the query time.
        value = last + rate_per_s * (min(max(query_time_s, last_s), bound_s) - last_s)
    else:
        # On from last tick's value at the rate of the last two samples, up to the bound: the
        # rate shown is the rate of the last scrape interval, changing at once when a scrape
        # changes it, never a catch-up (a spike when the rate rose, a run of zeros when it
        # fell, had the value been pinned to the latest sample). The value trails the counter
        # by about one interval's growth, as a graph of irate() would.
        value = memory.reported + rate_per_s * max(min(query_time_s, bound_s) - memory.at_s, 0.0)
    return value, CounterMemory((last_s, last), earlier, value, rate_per_s, query_time_s)


@dataclass(frozen=True, slots=True)
class Reading:
    """A range answer read as one sample per series, and what it taught."""

    samples: tuple[Sample, ...]
    counters: Mapping[Labels, CounterMemory]  # the memory for the next tick
    # The sample times of ``instance``'s ``up`` in this answer (the scrapes), oldest first.
    up_times: tuple[float, ...]


def read_series(
    series: Iterable[Series],
    instance: str,
    query_time_s: float,
    scrape_interval_s: float,
    previous: Mapping[Labels, CounterMemory],
) -> Reading:
    """One sample per series of a range answer at ``query_time_s``: counters extrapolated (see
    the module's doc), gauges as their latest sample; series absent from their target's latest
    scrape left out."""
    found = [s for s in series if s.points]
    # A target is an instance and a job: two jobs scraping one instance scrape it apart.
    newest: dict[tuple[str | None, str | None], float] = {}
    for one in found:
        target = (one.label("instance"), one.label("job"))
        newest[target] = max(newest.get(target, -math.inf), one.points[-1][0])
    # Samples of one scrape share its time; half an interval absorbs a store that shifts them.
    slack_s = 0.5 * scrape_interval_s
    samples: list[Sample] = []
    counters: dict[Labels, CounterMemory] = {}
    up_times: tuple[float, ...] = ()
    for one in found:
        last_s, last = one.points[-1]
        if last_s < newest[(one.label("instance"), one.label("job"))] - slack_s:
            continue  # not in the target's latest scrape: gone, as a stale series would be
        name = one.label("__name__") or ""
        if name == "up" and one.label("instance") == instance:
            up_times = tuple(t for t, _ in one.points)
        if is_counter(name):
            value, memory = counter_value(
                one.points, query_time_s, scrape_interval_s, previous.get(one.labels)
            )
            if memory is not None:
                counters[one.labels] = memory
            samples.append(Sample(one.labels, value, query_time_s))
        else:
            samples.append(Sample(one.labels, last, last_s))
    return Reading(tuple(samples), counters, up_times)
