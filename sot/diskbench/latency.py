"""Latencies of millions of I/Os in a few thousand counters: a log-linear histogram.

Keeping every latency would grow with the run (4 KiB random reads on a fast disk finish
100,000 a second); fio keeps a histogram too. Each power of two is split into 128 equal
buckets, so a percentile is known to within 1/128 (0.8 %) of its value; below 128 ns every
nanosecond has its own bucket. Min, max and the sum are kept exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SUB_BITS = 7
SUB_BUCKETS = 1 << SUB_BITS


def bucket_of(ns: int) -> int:
    """The bucket of a latency in nanoseconds (buckets grow with the value)."""
    if ns < SUB_BUCKETS:
        return max(0, ns)
    shift = ns.bit_length() - SUB_BITS - 1
    return (shift + 1) * SUB_BUCKETS + (ns >> shift) - SUB_BUCKETS


def bucket_middle(bucket: int) -> float:
    """The value a bucket stands for: the middle of the latencies it holds."""
    if bucket < SUB_BUCKETS:
        return float(bucket)
    shift = bucket // SUB_BUCKETS - 1
    low = (bucket % SUB_BUCKETS + SUB_BUCKETS) << shift
    return low + ((1 << shift) - 1) / 2


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Latency figures of one test, in microseconds."""

    min_us: float
    avg_us: float
    p50_us: float
    p95_us: float
    p99_us: float
    max_us: float


class LatencyHistogram:
    """Counts of latencies by bucket; memory bounded by the longest latency, not the run."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self.count = 0
        self.total_ns = 0
        self.min_ns = 0
        self.max_ns = 0

    def record(self, ns: int) -> None:
        bucket = bucket_of(ns)
        self._counts[bucket] = self._counts.get(bucket, 0) + 1
        if self.count == 0 or ns < self.min_ns:
            self.min_ns = ns
        self.max_ns = max(self.max_ns, ns)
        self.count += 1
        self.total_ns += ns

    @property
    def buckets(self) -> int:
        return len(self._counts)

    def percentile_ns(self, percent: float) -> float | None:
        """The nearest-rank percentile: the smallest latency that at least ``percent`` % of the
        I/Os did not exceed (bucket middle, kept within the exact min and max); None when
        nothing was recorded."""
        if self.count == 0:
            return None
        rank = max(1, math.ceil(percent / 100 * self.count))
        seen = 0
        for bucket in sorted(self._counts):
            seen += self._counts[bucket]
            if seen >= rank:
                return min(max(bucket_middle(bucket), self.min_ns), self.max_ns)
        return float(self.max_ns)

    def summary(self) -> LatencySummary | None:
        if self.count == 0:
            return None

        def us(ns: float | None) -> float:
            return 0.0 if ns is None else ns / 1000

        return LatencySummary(
            min_us=self.min_ns / 1000,
            avg_us=self.total_ns / self.count / 1000,
            p50_us=us(self.percentile_ns(50)),
            p95_us=us(self.percentile_ns(95)),
            p99_us=us(self.percentile_ns(99)),
            max_us=self.max_ns / 1000,
        )
