"""The /proc fast path against psutil itself, on the live machine; and its parser."""

from __future__ import annotations

import os

from sot.collect.source import PsutilSource, parse_proc_stat


def test_parse_proc_stat_survives_hostile_command_names() -> None:
    stat = (
        b"4242 (evil) name (x) 0) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
        b"250 130 0 0 20 0 7 0 98765 123456789 2048 18446744073709551615"
    )
    assert parse_proc_stat(stat) == ("S", 1, 250, 130, 7, 98765, 2048)
    assert parse_proc_stat(b"1 (short) R 0") is None


def test_fast_path_agrees_with_psutil() -> None:
    source = PsutilSource()
    fast = {p.pid: p for p in source.processes()}
    slow = {p.pid: p for p in source.psutil_processes()}
    common = fast.keys() & slow.keys()
    # Processes come and go between the two scans, but nearly all are in both.
    assert len(common) >= 0.9 * max(len(fast), len(slow))
    assert os.getpid() in common and 1 in common
    for pid in common:
        a, b = fast[pid], slow[pid]
        assert a.ppid == b.ppid, pid
        assert a.create_time is not None and b.create_time is not None
        assert abs(a.create_time - b.create_time) < 0.01, pid  # the key sot uses for identity
    me_fast, me_slow = fast[os.getpid()], slow[os.getpid()]
    assert me_fast.threads == me_slow.threads
    assert me_fast.status in ("running", "sleeping") and me_slow.status in ("running", "sleeping")
    assert me_fast.rss_bytes is not None and me_slow.rss_bytes is not None
    assert abs(me_fast.rss_bytes - me_slow.rss_bytes) < 0.2 * me_slow.rss_bytes
    assert me_fast.cpu_seconds is not None and me_slow.cpu_seconds is not None
    assert me_fast.cpu_seconds <= me_slow.cpu_seconds + 0.05  # scanned first, never ahead


def test_start_time_matches_the_signal_guards_reading() -> None:
    source = PsutilSource()
    mine = next(p for p in source.processes() if p.pid == os.getpid())
    started = source.process_start_time(os.getpid())
    assert mine.create_time is not None and started is not None
    assert abs(mine.create_time - started) < 0.01
