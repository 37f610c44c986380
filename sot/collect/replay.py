"""Stored readings, and the source that answers from them; recording a machine's to JSON.

``sot --record FILE`` writes what this machine's source returns; ``sot --replay FILE`` runs the
dashboard on such a file instead of the live system. That reproduces a user's odd machine (no
swap, no sensors, strange names) anywhere. Tests feed the same ``ReplaySource`` with readings they
build, so the collector is tested through the source that replays recordings.

A recording names its format (``"format": FORMAT_VERSION``), raised when its shape changes. A
reading it lacks (one an older sot did not record) loads as unknown, and a missing section as
not available; a reading that is there must be right (``recording_schema``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from sot.collect.recording_schema import MAX_COMMAND_LINE_CHARS, RecordingError, validate
from sot.collect.records import (
    BatteryReading,
    CpuPlace,
    CpuTimes,
    DiskCounters,
    Environment,
    FanReading,
    Frequency,
    IoCounters,
    Memory,
    NetCounters,
    NetStats,
    OpenFiles,
    Partition,
    ProcessIdentity,
    RawProcess,
    RawProcessDetails,
    SensorReading,
    StaticHostInfo,
    SwapMemory,
    SystemSource,
    UsageBytes,
    VirtualMemory,
)
from sot.safe_files import FileRefused, read_regular_file

FORMAT_VERSION = 1
RECORDED_PROCESSES = 400  # enough for any screen; keeps a recording small enough to mail
# Checked before reading: a recording of 400 processes is about 200 KiB; this leaves room for
# hand-made ones and keeps a mistaken path (a disk image, a log) from filling the memory.
MAX_RECORDING_BYTES = 256 * 1024 * 1024

R = TypeVar("R")


__all__ = [
    "MAX_RECORDING_BYTES",
    "Readings",
    "RecordingError",
    "ReplaySource",
    "parse_recording",
    "readings_from",
    "record",
]


@dataclass(frozen=True, slots=True)
class Readings:
    """Everything a ``SystemSource`` answers, stored: a recording's, or a test's."""

    host: StaticHostInfo
    per_cpu: tuple[CpuTimes, ...] | None
    cpu_counts: tuple[int | None, int | None]
    frequency: Frequency | None
    temperatures: tuple[SensorReading, ...]
    load_average: tuple[float, float, float] | None
    user_count: int | None
    memory: Memory
    partitions: tuple[Partition, ...]
    usage: Mapping[str, UsageBytes]  # by mount point
    disk_counters: Mapping[str, DiskCounters]
    net_counters: Mapping[str, NetCounters]
    net_stats: Mapping[str, NetStats]
    net_addresses: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    virtual_interfaces: frozenset[str]
    default_route: str | None
    processes: tuple[RawProcess, ...]
    identities: Mapping[int, ProcessIdentity | None]  # None: gone before its name was read
    # Never recorded (they are about one process, read only while its details are shown):
    # tests store them.
    details: Mapping[int, RawProcessDetails] = field(default_factory=dict)
    environments: Mapping[int, Environment] = field(default_factory=dict)
    open_files: Mapping[int, OpenFiles] = field(default_factory=dict)
    # How many times the mount table has changed (a recording's never does); the source reports
    # each change once, as the kernel's notice on /proc/self/mountinfo does.
    mount_changes: int = 0
    fans: tuple[FanReading, ...] = ()
    battery: BatteryReading | None = None
    # Each logical CPU's (package, core); None: unknown (a recording from before sot read it).
    topology: tuple[CpuPlace, ...] | None = None


def _plain(value: object) -> Any:
    as_dict = getattr(value, "_asdict", None)
    return as_dict() if as_dict is not None else value


def _identity(identity: ProcessIdentity | None) -> dict[str, Any] | None:
    """One process's identity as recorded: a command line longer than a replay accepts (the
    kernel allows megabytes) is cut, so every recording sot makes can be replayed."""
    if identity is None:
        return None
    return identity._replace(cmdline=identity.cmdline[:MAX_COMMAND_LINE_CHARS])._asdict()


def _topology(places: Sequence[CpuPlace] | None) -> list[list[int] | None] | None:
    return None if places is None else [None if p is None else list(p) for p in places]


def _with_io(source: SystemSource, process: RawProcess) -> RawProcess:
    """The process with its storage counters, where they can be read."""
    io = source.process_io(process.pid)
    if io is None:
        return process
    return process._replace(io_read_bytes=io.read_bytes, io_write_bytes=io.write_bytes)


def record(source: SystemSource) -> dict[str, Any]:
    """Everything the dashboard reads from ``source``, as a JSON-able document."""
    processes = list(source.processes())[:RECORDED_PROCESSES]
    partitions = list(source.partitions())
    memory = source.memory()
    usage = {p.mount_point: source.disk_usage(p.mount_point) for p in partitions}
    # Each record as an object named by its fields; ``recording_schema`` lists the same fields.
    return {
        "format": FORMAT_VERSION,
        "host": _plain(source.host_info()),
        "cpu": [_plain(c) for c in source.per_cpu_times() or []],
        "counts": list(source.cpu_counts()),
        "frequency": _plain(source.cpu_frequency()),
        "topology": _topology(source.cpu_topology()),
        "sensors": [_plain(s) for s in source.temperatures()],
        "fans": [_plain(f) for f in source.fans()],
        "battery": _plain(source.battery()),
        "load": source.load_average(),
        "users": source.user_count(),
        "memory": _plain(memory.virtual),
        "swap": _plain(memory.swap),
        "partitions": [_plain(p) for p in partitions],
        "usage": {k: _plain(v) for k, v in usage.items() if v is not None},
        "disks": {k: _plain(v) for k, v in source.disk_counters().items()},
        "nics": {k: _plain(v) for k, v in source.net_counters().items()},
        "nic_stats": {k: _plain(v) for k, v in source.net_stats().items()},
        "addresses": {k: [list(v[0]), list(v[1])] for k, v in source.net_addresses().items()},
        "virtual": sorted(source.virtual_interfaces()),
        "route": source.default_route_interface(),
        "processes": [_plain(_with_io(source, p)) for p in processes],
        "identities": {str(p.pid): _identity(source.process_identity(p.pid)) for p in processes},
    }


def _build(cls: type[R], data: Any, where: str) -> R:
    if not isinstance(data, Mapping):
        raise RecordingError(f"{where}: expected an object")
    names: tuple[str, ...] = getattr(cls, "_fields", ())
    missing = [n for n in names if n not in data]
    if missing:
        raise RecordingError(f"{where}: missing {', '.join(missing)}")
    values = {n: tuple(data[n]) if isinstance(data[n], list) else data[n] for n in names}
    return cls(**values)


def _process(data: Any) -> RawProcess:
    process = _build(RawProcess, data, "processes")
    # A recording made before the flag existed holds null there: not a kernel thread.
    return process._replace(kernel_thread=bool(process.kernel_thread))


def _io_counters(process: RawProcess) -> IoCounters | None:
    if process.io_read_bytes is None or process.io_write_bytes is None:
        return None
    return IoCounters(process.io_read_bytes, process.io_write_bytes)


def _optional(cls: type[R], data: Any, where: str) -> R | None:
    return None if data is None else _build(cls, data, where)


def _reject_constant(name: str) -> NoReturn:
    raise RecordingError(f"holds {name}, which is not a number JSON allows")


def parse_recording(data: bytes) -> dict[str, Any]:
    """A recording's bytes, parsed and validated as a whole; raises ``RecordingError``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordingError(f"is not UTF-8 text (byte {err.start})") from err
    del data  # the bytes go before parsing: a large recording is held twice at most, not thrice
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno} column {err.colno}"
        raise RecordingError(f"is not JSON ({err.msg}: {where})") from err
    except RecursionError as err:
        raise RecordingError("nests lists or objects deeper than a recording ever does") from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_VERSION:
        raise RecordingError(f"is not a sot recording (format {FORMAT_VERSION})")
    return validate(doc)


def readings_from(doc: Mapping[str, Any]) -> Readings:
    """``doc`` as ``parse_recording`` returns it (validated, a missing field filled in as null or
    empty) as records; raises ``RecordingError``."""
    try:
        return _readings(doc)
    except (KeyError, TypeError, IndexError, ValueError) as err:
        raise RecordingError(f"not a sot recording ({type(err).__name__}: {err})") from err


def _readings(doc: Mapping[str, Any]) -> Readings:
    logical, physical = doc["counts"] or (None, None)
    load = doc["load"]
    return Readings(
        host=_build(StaticHostInfo, doc["host"], "host"),
        per_cpu=tuple(_build(CpuTimes, c, "cpu") for c in doc["cpu"]) or None,
        cpu_counts=(logical, physical),
        frequency=_optional(Frequency, doc["frequency"], "frequency"),
        topology=None
        if doc["topology"] is None
        else tuple(None if p is None else (p[0], p[1]) for p in doc["topology"]),
        temperatures=tuple(_build(SensorReading, s, "sensors") for s in doc["sensors"]),
        fans=tuple(_build(FanReading, f, "fans") for f in doc["fans"]),
        battery=_optional(BatteryReading, doc["battery"], "battery"),
        load_average=None if load is None else (load[0], load[1], load[2]),
        user_count=doc["users"],
        memory=Memory(
            _optional(VirtualMemory, doc["memory"], "memory"),
            _optional(SwapMemory, doc["swap"], "swap"),
        ),
        partitions=tuple(_build(Partition, p, "partitions") for p in doc["partitions"]),
        usage={k: _build(UsageBytes, v, f"usage.{k}") for k, v in doc["usage"].items()},
        disk_counters={k: _build(DiskCounters, v, f"disks.{k}") for k, v in doc["disks"].items()},
        net_counters={k: _build(NetCounters, v, f"nics.{k}") for k, v in doc["nics"].items()},
        net_stats={k: _build(NetStats, v, f"nic_stats.{k}") for k, v in doc["nic_stats"].items()},
        net_addresses={k: (tuple(v[0]), tuple(v[1])) for k, v in doc["addresses"].items()},
        virtual_interfaces=frozenset(doc["virtual"]),
        default_route=doc["route"],
        processes=tuple(_process(p) for p in doc["processes"]),
        identities={
            int(pid): _optional(ProcessIdentity, value, f"identities.{pid}")
            for pid, value in doc["identities"].items()
        },
    )


class ReplaySource:
    """A SystemSource answering every call from stored readings. A recording's never change, so
    its rates read as zero; a test sets new ``readings`` between ticks."""

    def __init__(self, readings: Readings) -> None:
        self.readings = readings
        self._mount_changes_seen = readings.mount_changes
        self._io_of: tuple[tuple[RawProcess, ...], dict[int, IoCounters | None]] = ((), {})

    @classmethod
    def from_file(cls, path: str) -> ReplaySource:
        """Raises ``RecordingError`` naming ``path``: a refused file (not regular, too large) or
        a recording that does not hold what the schema says."""
        try:
            # No name for the bytes here: parse_recording lets them go once they are decoded.
            return cls(readings_from(parse_recording(read_regular_file(path, MAX_RECORDING_BYTES))))
        except FileRefused as err:
            raise RecordingError(str(err)) from err
        except RecordingError as err:
            raise RecordingError(f"{path}: {err}") from err

    def host_info(self) -> StaticHostInfo:
        return self.readings.host

    def host_changes(self) -> bool:
        return False  # a recording is of one host, read once

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        return self.readings.per_cpu

    def cpu_counts(self) -> tuple[int | None, int | None]:
        return self.readings.cpu_counts

    def cpu_frequency(self) -> Frequency | None:
        return self.readings.frequency

    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        return self.readings.topology

    def temperatures(self) -> Sequence[SensorReading]:
        return self.readings.temperatures

    def fans(self) -> Sequence[FanReading]:
        return self.readings.fans

    def battery(self) -> BatteryReading | None:
        return self.readings.battery

    def load_average(self) -> tuple[float, float, float] | None:
        return self.readings.load_average

    def user_count(self) -> int | None:
        return self.readings.user_count

    def memory(self) -> Memory:
        return self.readings.memory

    def partitions(self) -> Sequence[Partition]:
        return self.readings.partitions

    def mounts_changed(self) -> bool:
        changes = self.readings.mount_changes
        changed, self._mount_changes_seen = changes != self._mount_changes_seen, changes
        return changed

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        return self.readings.usage.get(mount_point)

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        return self.readings.disk_counters

    def resolve_device(self, device: str) -> str:
        return device.rsplit("/", 1)[-1]  # not this machine's devices: no link is followed

    def net_counters(self) -> Mapping[str, NetCounters]:
        return self.readings.net_counters

    def net_stats(self) -> Mapping[str, NetStats]:
        return self.readings.net_stats

    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return self.readings.net_addresses

    def virtual_interfaces(self) -> frozenset[str]:
        return self.readings.virtual_interfaces

    def default_route_interface(self) -> str | None:
        return self.readings.default_route

    def processes(self) -> Sequence[RawProcess]:
        return self.readings.processes

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        return self.readings.identities.get(pid)

    def process_io(self, pid: int) -> IoCounters | None:
        """The stored process's counters (None where none are stored, or no such process)."""
        processes = self.readings.processes
        if self._io_of[0] is not processes:  # new readings: index them once, not per call
            self._io_of = (processes, {p.pid: _io_counters(p) for p in processes})
        return self._io_of[1].get(pid)

    def process_details(self, pid: int) -> RawProcessDetails | None:
        # None where none is stored (a recording holds no details): the view says it is gone.
        return self.readings.details.get(pid)

    def process_environment(self, pid: int) -> Environment | None:
        return self.readings.environments.get(pid)

    def process_open_files(self, pid: int) -> OpenFiles | None:
        return self.readings.open_files.get(pid)

    def process_start_time(self, pid: int) -> float | None:
        # Stored processes are not this machine's: a PID here may be a live process's there, so
        # no start time is ever given and the signal guard refuses every send.
        return None
