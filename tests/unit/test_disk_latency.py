"""await and util as ``iostat -x`` computes them, from pairs of recorded /proc/diskstats texts:
the dashboard's disks panel (``parse_diskstats`` -> ``DiskCounters`` -> the collector) and the
disk screen (``parse_disk_times`` -> ``io_figures``) must both give the hand-computed figures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sot.collect.block import io_figures
from sot.collect.block_devices import parse_disk_times
from sot.collect.collector import Collector
from sot.collect.procfs_parsers import parse_diskstats
from sot.collect.rates import iostat_await_util
from sot.collect.records import Partition, UsageBytes
from sot.collect.replay import ReplaySource
from sot.model import IoRate
from tests.fakes import GIB, readings

# This machine's /proc/diskstats line (kernel 6.1: 20 fields, with the 4.18+ discard and 5.5+
# flush counters), then the same disk 2 s later: 120 reads and 380 writes completed, 300 + 1700
# ms spent on them, 1500 ms with I/O in flight. The discards (+5000 ms) and flushes (+9000 ms)
# moved too: iostat's await counts neither, and nor may we.
#   await = (300 + 1700) / (120 + 380) = 4.0 ms;  util = 1500 / 2000 * 100 = 75 %
VDA_BEFORE = (
    b" 254       0 vda 59639 9993 2472250 103065 35609 118669 3218248 31876 0 24184 145806"
    b" 63567 42 1518120 10830 939 35\n"
)
VDA_AFTER = (
    b" 254       0 vda 59759 9993 2473210 103365 35989 118669 3248648 33576 0 25684 147806"
    b" 63577 42 1518920 15830 959 9035\n"
)
# A kernel before 4.18 (14 fields), 1 s apart: 10 reads + 30 writes in 30 + 90 ms, busy 950 ms.
#   await = (30 + 90) / (10 + 30) = 3.0 ms;  util = 950 / 1000 * 100 = 95 %
SDA_BEFORE = b"   8       0 sda 1000 0 8000 400 500 0 4000 600 2 900 1000\n"
SDA_AFTER = b"   8       0 sda 1010 0 8080 430 530 0 4240 690 2 1850 1120\n"
# 4.18 to 5.4 (18 fields), 1 s apart: nothing completed (await unknown), but a device with
# parallel queues counted 1100 ms busy in 1000: iostat clamps util to 100, and so do we.
NVME_BEFORE = b" 259       0 nvme0n1 50 0 400 10 60 0 480 20 4 5000 30 0 0 0 0\n"
NVME_AFTER = b" 259       0 nvme0n1 50 0 400 10 60 0 480 20 4 6100 30 0 0 0 0\n"

CASES = [
    ("vda", VDA_BEFORE, VDA_AFTER, 2.0, 4.0, 75.0),
    ("sda", SDA_BEFORE, SDA_AFTER, 1.0, 3.0, 95.0),
    ("nvme0n1", NVME_BEFORE, NVME_AFTER, 1.0, None, 100.0),
]


@pytest.mark.parametrize(("name", "before", "after", "seconds", "wait", "util"), CASES)
def test_disk_screen_figures_match_the_hand_computation(
    name: str, before: bytes, after: bytes, seconds: float, wait: float | None, util: float
) -> None:
    figures = io_figures(parse_disk_times(before)[name], parse_disk_times(after)[name], seconds)
    assert figures.await_ms == (None if wait is None else pytest.approx(wait))
    assert figures.util_percent == pytest.approx(util)


def _collector_io(name: str, before: bytes, after: bytes, seconds: float) -> IoRate:
    """The disks panel's rates for a filesystem on ``name``, from the two texts, through the
    /proc parser and the collector as the dashboard reads them."""
    counters = [parse_diskstats(text) for text in (before, after)]
    assert counters[0] is not None and counters[1] is not None
    stored = replace(
        readings(),
        partitions=(Partition(f"/dev/{name}", "/", "ext4"),),
        usage={"/": UsageBytes(100 * GIB, 40 * GIB, 60 * GIB, 40.0)},
        disk_counters=counters[0],
    )
    source = ReplaySource(stored)
    collector = Collector(source)
    collector.sample(10.0, 1000.0)
    source.readings = replace(stored, disk_counters=counters[1])
    (disk,) = collector.sample(10.0 + seconds, 1000.0 + seconds).disks
    return disk.io


@pytest.mark.parametrize(("name", "before", "after", "seconds", "wait", "util"), CASES)
def test_disks_panel_figures_match_the_disk_screen_and_the_hand_computation(
    name: str, before: bytes, after: bytes, seconds: float, wait: float | None, util: float
) -> None:
    io = _collector_io(name, before, after, seconds)
    assert io.await_ms == (None if wait is None else pytest.approx(wait))
    assert io.util_percent == pytest.approx(util)


def test_first_sample_and_sources_without_times_give_unknown_not_zero() -> None:
    counters = parse_diskstats(SDA_BEFORE)
    assert counters is not None
    source = ReplaySource(
        replace(
            readings(), partitions=(Partition("/dev/sda", "/", "ext4"),), disk_counters=counters
        )
    )
    collector = Collector(source)
    (first,) = collector.sample(1.0, 1.0).disks
    assert (first.io.await_ms, first.io.util_percent) == (None, None)
    # A source with bytes and counts only (an older recording, a platform without times).
    plain = {"sda": counters["sda"]._replace(read_ms=None, write_ms=None, io_ms=None)}
    source.readings = replace(source.readings, disk_counters=plain)
    (second,) = collector.sample(2.0, 2.0).disks
    assert second.io.read_ops_per_s == 0.0
    assert (second.io.await_ms, second.io.util_percent) == (None, None)
    # The total over whole disks has no await or util: iostat gives them per device only.
    assert collector.sample(3.0, 3.0).disk_total_io.util_percent is None


def test_times_need_a_line_layout_that_has_them() -> None:
    # A partition line of Linux 2.6.25 and older (7 fields) holds counts and sectors only.
    counters = parse_diskstats(b"   3       1 hda1 1 2 3 4\n")
    assert counters is not None
    assert (counters["hda1"].read_ms, counters["hda1"].io_ms) == (None, None)


def test_counters_that_went_backwards_or_no_interval_give_unknown() -> None:
    assert iostat_await_util(10, -5, 100, 1.0) == (None, 10.0)  # a reset read_ms
    assert iostat_await_util(10, 50, -1, 1.0) == (5.0, None)  # a reset io_ms
    assert iostat_await_util(0, 0, 0, 1.0) == (None, 0.0)  # idle: no I/O completed
    assert iostat_await_util(10, 50, 100, 0.0) == (None, None)
    assert iostat_await_util(10, 50, 100, None) == (None, None)
    before, after = parse_disk_times(VDA_AFTER)["vda"], parse_disk_times(VDA_BEFORE)["vda"]
    figures = io_figures(before, after, 2.0)  # the device was re-created: counters restarted
    assert (figures.await_ms, figures.util_percent, figures.read_iops) == (None, None, None)
