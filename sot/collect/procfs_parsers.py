"""Parsers of Linux's /proc and /sys files: bytes or text in, records out, nothing opened here.

The system-wide files are parsed as psutil parses them (same fields, same arithmetic), so the two
sources agree; tests compare them on the live machine. ``procfs`` reads the files.
"""

import os
import re
import sys
from collections.abc import Mapping
from typing import NamedTuple

from sot.collect.records import (
    CpuTimes,
    DiskCounters,
    IoCounters,
    NetCounters,
    SocketRecord,
    SwapMemory,
    VirtualMemory,
)


def split_cmdline(text: str) -> list[str]:
    """/proc/<pid>/cmdline's arguments, as psutil splits them: NUL-separated, or space-separated
    where a process rewrote its title (setproctitle) without NULs."""
    if not text:
        return []
    separator = "\x00" if text.endswith("\x00") else " "
    if text.endswith(separator):
        text = text[:-1]
    args = text.split(separator)
    if separator == "\x00" and len(args) == 1 and " " in text:
        args = text.split(" ")
    return args


_SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's block size
_SWAP_PAGE_BYTES = 4096  # psutil's factor for pswpin/pswpout


_MEMINFO_LINE = re.compile(rb"^([^:\n]+):[ \t]*(\d+)", re.MULTILINE)


def parse_meminfo(data: bytes) -> dict[bytes, int]:
    """/proc/meminfo as {b"MemTotal": bytes, ...} (one regex pass: a line loop costs 4x more)."""
    return {key: int(value) * 1024 for key, value in _MEMINFO_LINE.findall(data)}


def _usage_percent(used: int, total: int) -> float:
    return round(used / total * 100, 1) if total else 0.0


def memory_from_meminfo(info: Mapping[bytes, int]) -> VirtualMemory | None:
    """None where the kernel gives no MemAvailable (before 3.14): psutil estimates it."""
    total, free, available = info.get(b"MemTotal"), info.get(b"MemFree"), info.get(b"MemAvailable")
    if total is None or free is None or not available:
        return None
    if available > total:
        available = free
    cached = info.get(b"Cached")
    return VirtualMemory(
        total=total,
        available=available,
        used=total - available,
        free=free,
        cached=None if cached is None else cached + info.get(b"SReclaimable", 0),
        buffers=info.get(b"Buffers"),
        percent=_usage_percent(total - available, total),
    )


def swap_from_meminfo(info: Mapping[bytes, int], vmstat: bytes | None) -> SwapMemory | None:
    total, free = info.get(b"SwapTotal"), info.get(b"SwapFree")
    if total is None or free is None:
        return None

    lines = b"\n" + (vmstat or b"") + b"\n"  # every line, the first too, starts after a newline

    def pages(name: bytes) -> int | None:
        start = lines.find(b"\n" + name + b" ")
        if start < 0:
            return None
        value = lines[start + len(name) + 2 : lines.find(b"\n", start + 1)]
        return int(value) * _SWAP_PAGE_BYTES if value.isdigit() else None

    return SwapMemory(
        total=total,
        used=total - free,
        percent=_usage_percent(total - free, total),
        sin=pages(b"pswpin"),
        sout=pages(b"pswpout"),
    )


# Field positions of (name, reads, sectors read, writes, sectors written) by line length: 14 or
# 18+ (current kernels), 15 (Linux 2.6 with the name one field later), 7 (a partition on Linux
# 2.6.25 and older); the layouts psutil reads.
_DISKSTATS_FIELDS = {14: (2, 3, 5, 7, 9), 15: (3, 2, 5, 7, 9), 7: (2, 3, 4, 5, 6)}
# The ms reading, writing and with I/O in flight (iostat's await and %util) are fields 6, 10 and 12
# in both long layouts; the short partition lines have none. Lines of 18 fields (4.18+) add
# discards after them, 20 (5.5+) flushes: iostat's await counts neither.
_DISKSTATS_TIMES = (6, 10, 12)


def parse_diskstats(data: bytes) -> dict[str, DiskCounters] | None:
    """/proc/diskstats; None if a line has none of the known layouts."""
    counters: dict[str, DiskCounters] = {}
    read_at, write_at, io_at = _DISKSTATS_TIMES
    for line in data.splitlines():
        fields = line.split()
        count = len(fields)
        positions = _DISKSTATS_FIELDS.get(14 if count >= 18 else count)
        if positions is None:
            return None
        name, reads, read_sectors, writes, write_sectors = (fields[i] for i in positions)
        try:
            if count >= 14:
                found = DiskCounters(
                    int(read_sectors) * _SECTOR_BYTES,
                    int(write_sectors) * _SECTOR_BYTES,
                    int(reads),
                    int(writes),
                    int(fields[read_at]),
                    int(fields[write_at]),
                    int(fields[io_at]),
                )
            else:
                found = DiskCounters(
                    int(read_sectors) * _SECTOR_BYTES,
                    int(write_sectors) * _SECTOR_BYTES,
                    int(reads),
                    int(writes),
                )
        except ValueError:
            return None
        counters[os.fsdecode(name)] = found
    return counters


def parse_net_dev(data: bytes) -> dict[str, NetCounters] | None:
    """/proc/net/dev: two header lines, then "name: 8 receive and 8 transmit counters"."""
    counters: dict[str, NetCounters] = {}
    for line in data.splitlines()[2:]:
        name, colon, rest = line.rpartition(b":")
        fields = rest.split()
        if not colon or len(fields) < 16:
            return None
        try:
            rx_bytes, rx_packets, rx_errors, rx_drops = map(int, fields[0:4])
            tx_bytes, tx_packets, tx_errors, tx_drops = map(int, fields[8:12])
        except ValueError:
            return None
        counters[os.fsdecode(name.strip())] = NetCounters(
            rx_bytes, tx_bytes, rx_packets, tx_packets, rx_errors, tx_errors, rx_drops, tx_drops
        )
    return counters


def parse_per_cpu_times(stat: bytes, clock_ticks: float) -> tuple[CpuTimes, ...] | None:
    """The "cpuN" lines of /proc/stat in seconds; fields an older kernel lacks are None."""
    cpus: list[CpuTimes] = []
    for line in stat.splitlines()[1:]:
        if not line.startswith(b"cpu"):
            break
        try:
            values = [int(field) / clock_ticks for field in line.split()[1:11]]
        except ValueError:
            return None
        if len(values) < 4:
            return None
        optional: list[float | None] = [*values[4:], *[None] * (10 - len(values))]
        cpus.append(CpuTimes(values[0], values[1], values[2], values[3], *optional))
    return tuple(cpus) or None


def parse_boot_time(stat: bytes) -> float | None:
    start = stat.find(b"\nbtime ")
    if start < 0:
        return None
    value = stat[start + 7 : stat.find(b"\n", start + 1)]
    return float(value) if value.isdigit() else None


def parse_status_uid(status: bytes) -> int | None:
    """The real UID from /proc/<pid>/status."""
    start = status.find(b"\nUid:")
    if start < 0:
        return None
    fields = status[start + 5 : status.find(b"\n", start + 1)].split()
    try:
        return int(fields[0])
    except (IndexError, ValueError):
        return None


class ProcStat(NamedTuple):
    """The fields of /proc/<pid>/stat that sot shows; times in clock ticks, sizes as the kernel
    gives them (``vsize`` in bytes, ``rss_pages`` in pages)."""

    state: str
    ppid: int
    utime: int
    stime: int
    priority: int  # the kernel's: 20 + nice for normal processes, -2 to -100 for real-time ones
    nice: int
    threads: int
    start: int
    vsize: int
    rss_pages: int
    flags: int = 0  # the task's PF_* flags: PF_KTHREAD marks a kernel thread


# include/linux/sched.h: set on every kernel thread (kthreadd and its children).
PF_KTHREAD = 0x00200000


def parse_proc_stat(data: bytes) -> ProcStat | None:
    """The fields sot reads from /proc/<pid>/stat; None where the line is short or garbled.

    The command name sits in parentheses and may itself hold spaces and ')', so the fields are
    taken after the last ')'.
    """
    fields = data[data.rfind(b")") + 2 :].split()
    if len(fields) < 22:
        return None
    try:
        return ProcStat(
            state=fields[0].decode("ascii", "replace"),
            ppid=int(fields[1]),
            flags=int(fields[6]),
            utime=int(fields[11]),
            stime=int(fields[12]),
            priority=int(fields[15]),
            nice=int(fields[16]),
            threads=int(fields[17]),
            start=int(fields[19]),
            vsize=int(fields[20]),
            rss_pages=int(fields[21]),
        )
    except ValueError:
        return None


def parse_proc_io(data: bytes) -> IoCounters | None:
    """read_bytes and write_bytes of /proc/<pid>/io; None where either is missing. The lines
    are searched with their leading newline: "cancelled_write_bytes" ends in "write_bytes"."""
    values: list[int] = []
    for label in (b"\nread_bytes: ", b"\nwrite_bytes: "):
        start = data.find(label)
        if start < 0:
            return None
        start += len(label)
        end = data.find(b"\n", start)
        try:
            values.append(int(data[start : end if end >= 0 else len(data)]))
        except ValueError:
            return None
    return IoCounters(values[0], values[1])


def parse_statm_resident(data: bytes) -> int | None:
    """Resident pages, the second field of /proc/<pid>/statm."""
    fields = data.split()
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def parse_environ(data: bytes, complete: bool) -> tuple[tuple[str, str], ...]:
    """/proc/<pid>/environ as (name, value) pairs, in the process's order. ``complete`` False: the
    read stopped at a cap, so the last entry may be cut and is dropped. An entry without '='
    (a process may write anything there) is a name with an empty value."""
    entries = data.split(b"\x00")
    if not complete or entries[-1] == b"":
        entries.pop()  # after the last NUL: nothing, or what the cap cut off mid-entry
    pairs: list[tuple[str, str]] = []
    for entry in entries:
        if not entry:
            continue
        name, _, value = entry.partition(b"=")
        pairs.append((name.decode("utf-8", "replace"), value.decode("utf-8", "replace")))
    return tuple(pairs)


def parse_os_release(text: str) -> str | None:
    """PRETTY_NAME (or NAME VERSION) from an os-release file's text."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    if fields.get("PRETTY_NAME"):
        return fields["PRETTY_NAME"]
    name = " ".join(part for part in (fields.get("NAME"), fields.get("VERSION")) if part)
    return name or None


def parse_cpu_model(cpuinfo: str) -> str | None:
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
            return " ".join(value.split()) or None
    return None


def parse_default_route(route_table: str) -> str | None:
    """The interface of the lowest-metric default route in /proc/net/route."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        try:
            metric = int(fields[6])
        except ValueError:
            continue
        if best is None or metric < best[0]:
            best = (metric, fields[0])
    return best[1] if best else None


TCP_LISTEN = "0A"  # the kernel's TCP_LISTEN state, as /proc/net/tcp prints it


def _hex_address(text: str) -> str | None:
    """/proc/net's address: each 32-bit word printed as the host-order integer it is stored
    as, so the bytes come back in network order through this machine's byte order."""
    import socket  # here: only the ps screen reads sockets; the dashboard's start-up skips it

    try:
        words = [int(text[i : i + 8], 16) for i in range(0, len(text), 8)]
        packed = b"".join(word.to_bytes(4, sys.byteorder) for word in words)
        family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
        return socket.inet_ntop(family, packed)
    except (ValueError, OSError):
        return None


def parse_net_sockets(data: bytes, protocol: str) -> list[SocketRecord]:
    """/proc/net/{tcp,tcp6,udp,udp6}: listening TCP sockets (state 0A) and bound UDP sockets
    (a local port, no remote end); each IPv4 and IPv6 socket is its own record."""
    found: list[SocketRecord] = []
    for line in data.decode("ascii", "replace").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local, remote, state, inode_text = fields[1], fields[2], fields[3], fields[9]
        local_host, _, local_port = local.partition(":")
        _, _, remote_port = remote.partition(":")
        try:
            port, inode = int(local_port, 16), int(inode_text)
            remote_port_number = int(remote_port, 16)
        except ValueError:
            continue
        if protocol.startswith("tcp"):
            if state != TCP_LISTEN:
                continue
        elif port == 0 or remote_port_number != 0:
            continue
        address = _hex_address(local_host)
        if address is not None:
            found.append(SocketRecord(protocol, address, port, inode))
    return found


def socket_inode(link: str) -> int | None:
    """The inode of an fd link such as ``socket:[12345]``; None for any other kind of file."""
    if not (link.startswith("socket:[") and link.endswith("]")):
        return None
    try:
        return int(link[8:-1])
    except ValueError:
        return None
