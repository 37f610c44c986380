"""``sot line``'s reader: the few /proc and /sys files one status line needs, read directly.

``sot line`` runs every few seconds from a tmux status bar or a shell prompt, so its start-up is
its cost: psutil (15-40 ms to import) and the collector's records (~30 ms with their parsers)
would spend most of its 60 ms budget before the first read. These readers are small, import
only the standard library, and read only the files the template's fields ask for. The records
are plain slotted classes, not dataclasses or NamedTuples: ``typing`` (with the ``re`` it
imports) costs about 10 ms on the development machine, ``dataclasses`` about as much, and each
class they make another fraction of one; nothing changes a record once it is made.
arithmetic is the dashboard's (``sot.collect.cpu``, ``procfs_parsers``, ``collector``), so the
two agree; tests check the shared parts against them.

Everything is under ``proc_root`` and ``sys_root``, so tests pass fake trees; a file that is
missing or unreadable gives ``None`` for what it holds, never an exception.
"""

from __future__ import annotations

import os

PROC_ROOT = "/proc"
SYS_ROOT = "/sys"
# The dashboard's CPU chips and package labels (sot.collect.collector; a test keeps them equal):
# importing the collector would cost more than the whole of `sot line`'s reading.
CPU_TEMPERATURE_CHIPS = ("coretemp", "k10temp", "zenpower", "cpu_thermal", "cpu-thermal", "soc")
CPU_PACKAGE_LABELS = ("package id 0", "tctl", "tdie", "cpu")
# Not whole disks whose traffic counts (the collector's _is_whole_disk): optical, floppy, RAM,
# loop and device-mapper devices, whose I/O is already counted on the disks beneath them.
_NOT_DISKS = ("loop", "ram", "zram", "fd", "sr", "dm-")
_SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's block size
# Which files each kind of reading needs; the fields name these kinds (sot.line.FIELDS).
KINDS = frozenset({"cpu", "memory", "load", "net", "disk", "procs", "uptime", "host", "temp"})


class CpuTicks:
    """/proc/stat's first line summed as the dashboard splits it: busy (user, nice, system, irq,
    softirq, steal) and idle (idle, iowait) clock ticks since boot, all CPUs together."""

    __slots__ = ("busy_ticks", "idle_ticks")

    def __init__(self, busy_ticks: int, idle_ticks: int) -> None:
        self.busy_ticks = busy_ticks
        self.idle_ticks = idle_ticks


class LineReading:
    """One reading of what the template asks for; ``None`` where the file is missing, unreadable
    or not asked for. Counters are cumulative: rates need two readings."""

    __slots__ = (
        "cpu",
        "disk_read_bytes",
        "disk_write_bytes",
        "host",
        "interface",
        "load",
        "memory_available_bytes",
        "memory_total_bytes",
        "net_rx_bytes",
        "net_tx_bytes",
        "processes",
        "swap_free_bytes",
        "swap_total_bytes",
        "temperature_celsius",
        "uptime_s",
    )

    def __init__(
        self,
        *,
        cpu: CpuTicks | None = None,
        memory_total_bytes: int | None = None,
        memory_available_bytes: int | None = None,
        swap_total_bytes: int | None = None,
        swap_free_bytes: int | None = None,
        load: tuple[float, float, float] | None = None,
        interface: str | None = None,
        net_rx_bytes: int | None = None,
        net_tx_bytes: int | None = None,
        disk_read_bytes: int | None = None,
        disk_write_bytes: int | None = None,
        processes: int | None = None,
        uptime_s: float | None = None,
        host: str | None = None,
        temperature_celsius: float | None = None,
    ) -> None:
        self.cpu = cpu
        self.memory_total_bytes = memory_total_bytes
        self.memory_available_bytes = memory_available_bytes
        self.swap_total_bytes = swap_total_bytes
        self.swap_free_bytes = swap_free_bytes
        self.load = load
        self.interface = interface
        self.net_rx_bytes = net_rx_bytes
        self.net_tx_bytes = net_tx_bytes
        self.disk_read_bytes = disk_read_bytes
        self.disk_write_bytes = disk_write_bytes
        self.processes = processes
        self.uptime_s = uptime_s
        self.host = host
        self.temperature_celsius = temperature_celsius


def _read(path: str, limit: int = 1 << 20) -> bytes | None:
    """A small kernel file's bytes, or None (missing, no permission, a directory, EIO)."""
    try:
        with open(path, "rb", buffering=0) as file:
            return file.read(limit)
    except (OSError, ValueError):
        return None


def read_cpu(proc_root: str) -> CpuTicks | None:
    stat = _read(f"{proc_root}/stat", 4096)
    if stat is None or not stat.startswith(b"cpu "):
        return None
    try:
        ticks = [int(field) for field in stat.split(b"\n", 1)[0].split()[1:9]]
    except ValueError:
        return None
    if len(ticks) < 4:
        return None
    ticks += [0] * (8 - len(ticks))  # an old kernel without iowait, irq, softirq or steal
    user, nice, system, idle, iowait, irq, softirq, steal = ticks
    return CpuTicks(user + nice + system + irq + softirq + steal, idle + iowait)


def cpu_busy_percent(previous: CpuTicks | None, current: CpuTicks | None) -> float | None:
    """Busy share of the ticks between two readings. As in sot.collect.cpu, a counter that went
    backwards (iowait may; so may all of them across a VM migration) adds nothing, and a window
    with no ticks at all gives None, not 0."""
    if previous is None or current is None:
        return None
    busy = max(0, current.busy_ticks - previous.busy_ticks)
    total = busy + max(0, current.idle_ticks - previous.idle_ticks)
    return None if total <= 0 else min(100.0, 100.0 * busy / total)


def read_memory(proc_root: str) -> dict[str, int]:
    """/proc/meminfo's totals in bytes (MemTotal, MemAvailable, SwapTotal, SwapFree)."""
    data = _read(f"{proc_root}/meminfo")
    found: dict[str, int] = {}
    for line in (data or b"").splitlines():
        key, colon, rest = line.partition(b":")
        fields = rest.split()
        if colon and fields and fields[0].isdigit():
            found[key.decode("ascii", "replace")] = int(fields[0]) * 1024
    return found


def read_load(proc_root: str) -> tuple[float, float, float] | None:
    data = _read(f"{proc_root}/loadavg", 256)
    try:
        one, five, fifteen = (float(field) for field in (data or b"").split()[:3])
    except ValueError:
        return None
    return one, five, fifteen


def default_interface(proc_root: str) -> str | None:
    """The interface of the lowest-metric IPv4 default route; where there is none (an IPv6-only
    host), the IPv6 one's."""
    best: tuple[int, str] | None = None
    for line in (_read(f"{proc_root}/net/route") or b"").splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[1] == b"00000000" and fields[7] == b"00000000":
            metric = int(fields[6]) if fields[6].isdigit() else None
            if metric is not None and (best is None or metric < best[0]):
                best = (metric, os.fsdecode(fields[0]))
    if best is None:
        for line in (_read(f"{proc_root}/net/ipv6_route") or b"").splitlines():
            fields = line.split()
            # ::/0 through a device; the kernel's "unreachable" defaults sit on lo.
            if len(fields) == 10 and fields[0] == b"0" * 32 and fields[1] == b"00":
                try:
                    metric = int(fields[5], 16)
                except ValueError:
                    continue
                if fields[9] != b"lo" and (best is None or metric < best[0]):
                    best = (metric, os.fsdecode(fields[9]))
    return None if best is None else best[1]


def read_net(proc_root: str) -> dict[str, tuple[int, int]] | None:
    """/proc/net/dev's (received, sent) bytes by interface name; None where it cannot be read."""
    data = _read(f"{proc_root}/net/dev")
    if data is None:
        return None
    counters: dict[str, tuple[int, int]] = {}
    for line in data.splitlines()[2:]:
        name, colon, rest = line.rpartition(b":")
        fields = rest.split()
        if colon and len(fields) >= 16 and fields[0].isdigit() and fields[8].isdigit():
            counters[os.fsdecode(name.strip())] = (int(fields[0]), int(fields[8]))
    return counters


def read_disks(proc_root: str) -> tuple[int, int] | None:
    """Bytes read and written by the whole disks (a partition's traffic is its disk's too)."""
    data = _read(f"{proc_root}/diskstats")
    if data is None:
        return None
    sectors: dict[str, tuple[int, int]] = {}
    for line in data.splitlines():
        fields = line.split()
        # Current kernels: 14 fields, or 18/20 with discards and flushes after them.
        if len(fields) >= 14 and fields[5].isdigit() and fields[9].isdigit():
            sectors[os.fsdecode(fields[2])] = (int(fields[5]), int(fields[9]))
    names = frozenset(sectors)
    disks = [
        name
        for name in names
        if not name.startswith(_NOT_DISKS)
        and not any(other != name and name.startswith(other) for other in names)
    ]
    if not disks:
        return None
    read = sum(sectors[name][0] for name in disks)
    written = sum(sectors[name][1] for name in disks)
    return read * _SECTOR_BYTES, written * _SECTOR_BYTES


def count_processes(proc_root: str) -> int | None:
    try:
        with os.scandir(proc_root) as entries:
            return sum(1 for entry in entries if entry.name.isdigit())
    except OSError:
        return None


def read_uptime(proc_root: str) -> float | None:
    fields = (_read(f"{proc_root}/uptime", 256) or b"").split()
    try:
        return float(fields[0]) if fields else None
    except ValueError:
        return None


def read_host(proc_root: str) -> str | None:
    """The kernel's host name (as ``hostname`` prints it); untrusted text, sanitized where shown."""
    name = (_read(f"{proc_root}/sys/kernel/hostname", 256) or b"").strip()
    return os.fsdecode(name) if name else None


def read_cpu_temperature(sys_root: str) -> float | None:
    """The CPU package's temperature in °C, as the dashboard picks it from the hwmon chips: the
    package reading where a CPU chip has one, else the hottest CPU chip reading; None where
    /sys has no CPU chip (most VMs and containers)."""
    base = f"{sys_root}/class/hwmon"
    try:
        chips = sorted(os.listdir(base))
    except OSError:
        return None
    readings: list[tuple[str, float]] = []
    for chip in chips:
        name = (_read(f"{base}/{chip}/name", 256) or b"").strip().decode("ascii", "replace")
        if name not in CPU_TEMPERATURE_CHIPS:
            continue
        try:
            inputs = sorted(f for f in os.listdir(f"{base}/{chip}") if f.endswith("_input"))
        except OSError:
            continue
        for entry in inputs:
            sensor = entry[: -len("_input")]
            if not sensor.startswith("temp"):
                continue
            value = (_read(f"{base}/{chip}/{entry}", 64) or b"").strip()
            if not value.lstrip(b"-").isdigit():
                continue
            label = (_read(f"{base}/{chip}/{sensor}_label", 256) or b"").strip()
            readings.append((label.decode("ascii", "replace").lower(), int(value) / 1000))
    for name, celsius in readings:
        if name in CPU_PACKAGE_LABELS:
            return celsius
    return max((celsius for _, celsius in readings), default=None)


class LineSource:
    """Reads ``LineReading``s under two roots (the live machine's by default). ``interface``:
    the one ``--net`` named; None follows the default route at every reading."""

    __slots__ = ("interface", "proc_root", "sys_root")

    def __init__(
        self, proc_root: str = PROC_ROOT, sys_root: str = SYS_ROOT, interface: str | None = None
    ) -> None:
        self.proc_root = proc_root
        self.sys_root = sys_root
        self.interface = interface

    def interfaces(self) -> tuple[str, ...] | None:
        counters = read_net(self.proc_root)
        return None if counters is None else tuple(sorted(counters))

    def read(self, kinds: frozenset[str]) -> LineReading:
        """The readings of ``kinds`` (see KINDS); the rest stay None and cost nothing."""
        proc = self.proc_root
        memory = read_memory(proc) if "memory" in kinds else {}
        interface = rx = tx = None
        if "net" in kinds:
            interface = self.interface or default_interface(proc)
            counters = read_net(proc) if interface is not None else None
            rx, tx = (counters or {}).get(interface or "", (None, None))
        disks = read_disks(proc) if "disk" in kinds else None
        return LineReading(
            cpu=read_cpu(proc) if "cpu" in kinds else None,
            memory_total_bytes=memory.get("MemTotal"),
            memory_available_bytes=memory.get("MemAvailable"),
            swap_total_bytes=memory.get("SwapTotal"),
            swap_free_bytes=memory.get("SwapFree"),
            load=read_load(proc) if "load" in kinds else None,
            interface=interface,
            net_rx_bytes=rx,
            net_tx_bytes=tx,
            disk_read_bytes=None if disks is None else disks[0],
            disk_write_bytes=None if disks is None else disks[1],
            processes=count_processes(proc) if "procs" in kinds else None,
            uptime_s=read_uptime(proc) if "uptime" in kinds else None,
            host=read_host(proc) if "host" in kinds else None,
            temperature_celsius=read_cpu_temperature(self.sys_root) if "temp" in kinds else None,
        )
