"""The /proc fast path against psutil itself, on the live machine; and its parser."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sot.collect.source import PsutilSource, parse_proc_stat, parse_status_uid, split_cmdline


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


# Sets a 15-byte comm whose argv[0] is longer (psutil restores the full name from it); its
# arguments include one with spaces and an empty last one.
RETITLED = "import time\nopen('/proc/self/comm', 'w').write('abcdefghijklmno')\ntime.sleep(600)\n"


def test_identity_fast_path_agrees_with_psutil() -> None:
    child = subprocess.Popen(
        ["abcdefghijklmnopqrstuvwxyz", "-c", RETITLED, "two words", ""],
        executable=sys.executable,
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(f"/proc/{child.pid}/comm", encoding="utf-8") as comm:
                if comm.read().strip() == "abcdefghijklmno":
                    break
            time.sleep(0.02)
        source = PsutilSource()
        pids = [p.pid for p in source.processes()]
        assert child.pid in pids
        compared = 0
        for pid in pids:
            fast, slow = source.process_identity(pid), source.psutil_identity(pid)
            if fast is None or slow is None:
                continue  # exited in between
            assert fast == slow, pid
            compared += 1
        assert compared >= 0.9 * len(pids)
        mine = source.process_identity(child.pid)
        assert mine is not None
        assert mine.name == "abcdefghijklmnopqrstuvwxyz"
        assert mine.cmdline.endswith("-c " + RETITLED + " two words ")
    finally:
        child.kill()
        child.wait()


def test_command_lines_split_as_psutil_splits_them() -> None:
    assert split_cmdline("") == []
    assert split_cmdline("/bin/sh\x00-c\x00echo a b\x00") == ["/bin/sh", "-c", "echo a b"]
    assert split_cmdline("postgres: writer process   \x00") == [
        "postgres:",
        "writer",
        "process",
        "",
        "",
        "",
    ]
    assert split_cmdline("nginx: worker process") == ["nginx:", "worker", "process"]


def test_real_uid_comes_from_the_status_file() -> None:
    status = b"Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\n"
    assert parse_status_uid(status) == 1000
    assert parse_status_uid(b"Name:\tx\n") is None
