"""Recording a machine's readings to JSON, and replaying them as a SystemSource.

``sot --record FILE`` writes what this machine's source returns; ``sot --replay FILE`` runs the
dashboard on such a file instead of the live system. That reproduces a user's odd machine (no
swap, no sensors, strange names) anywhere, and lets tests drive the real program with any data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, TypeVar

from sot.collect.recording_schema import MAX_COMMAND_LINE_CHARS, RecordingError, validate
from sot.collect.records import (
    CpuTimes,
    DiskCounters,
    Frequency,
    Memory,
    NetCounters,
    NetStats,
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


__all__ = ["MAX_RECORDING_BYTES", "RecordingError", "ReplaySource", "record"]


def _plain(value: object) -> Any:
    as_dict = getattr(value, "_asdict", None)
    return as_dict() if as_dict is not None else value


def _identity(identity: ProcessIdentity | None) -> dict[str, Any] | None:
    """One process's identity as recorded: a command line longer than a replay accepts (the
    kernel allows megabytes) is cut, so every recording sot makes can be replayed."""
    if identity is None:
        return None
    return identity._replace(cmdline=identity.cmdline[:MAX_COMMAND_LINE_CHARS])._asdict()


def record(source: SystemSource) -> dict[str, Any]:
    """Everything the dashboard reads from ``source``, as a JSON-able document."""
    processes = list(source.processes())[:RECORDED_PROCESSES]
    partitions = list(source.partitions())
    memory = source.memory()
    usage = {p.mount_point: source.disk_usage(p.mount_point) for p in partitions}
    return {
        "format": FORMAT_VERSION,
        "host": _plain(source.host_info()),
        "cpu": [_plain(c) for c in source.per_cpu_times() or []],
        "counts": list(source.cpu_counts()),
        "frequency": _plain(source.cpu_frequency()),
        "sensors": [_plain(s) for s in source.temperatures()],
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
        "processes": [_plain(p) for p in processes],
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


class ReplaySource:
    """A SystemSource answering every call from a recording; counters do not move, so rates
    read as zero and nothing is ever unknown that the recording knew."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        """``doc`` as ``parse_recording`` returns it: validated, every field present."""
        try:
            self._load(doc)
        except (KeyError, TypeError, IndexError, ValueError) as err:
            raise RecordingError(f"not a sot recording ({type(err).__name__}: {err})") from err

    @classmethod
    def from_file(cls, path: str) -> ReplaySource:
        """Raises ``RecordingError`` naming ``path``: a refused file (not regular, too large) or
        a recording that does not hold what the schema says."""
        try:
            # No name for the bytes here: parse_recording lets them go once they are decoded.
            return cls(parse_recording(read_regular_file(path, MAX_RECORDING_BYTES)))
        except FileRefused as err:
            raise RecordingError(str(err)) from err
        except RecordingError as err:
            raise RecordingError(f"{path}: {err}") from err

    def _load(self, doc: Mapping[str, Any]) -> None:
        self._host = _build(StaticHostInfo, doc["host"], "host")
        self._cpu = tuple(_build(CpuTimes, c, "cpu") for c in doc["cpu"])
        logical, physical = doc["counts"] or (None, None)
        self._counts: tuple[int | None, int | None] = (logical, physical)
        self._frequency = _optional(Frequency, doc["frequency"], "frequency")
        self._sensors = tuple(_build(SensorReading, s, "sensors") for s in doc["sensors"])
        load = doc["load"]
        self._load_average = None if load is None else (load[0], load[1], load[2])
        self._users: int | None = doc["users"]
        self._memory = _optional(VirtualMemory, doc["memory"], "memory")
        self._swap = _optional(SwapMemory, doc["swap"], "swap")
        self._partitions = tuple(_build(Partition, p, "partitions") for p in doc["partitions"])
        self._usage = {k: _build(UsageBytes, v, f"usage.{k}") for k, v in doc["usage"].items()}
        self._disks = {k: _build(DiskCounters, v, f"disks.{k}") for k, v in doc["disks"].items()}
        self._nics = {k: _build(NetCounters, v, f"nics.{k}") for k, v in doc["nics"].items()}
        self._nic_stats = {
            k: _build(NetStats, v, f"nic_stats.{k}") for k, v in doc["nic_stats"].items()
        }
        self._addresses = {k: (tuple(v[0]), tuple(v[1])) for k, v in doc["addresses"].items()}
        self._virtual = frozenset(doc["virtual"])
        self._route: str | None = doc["route"]
        self._processes = tuple(_build(RawProcess, p, "processes") for p in doc["processes"])
        self._identities = {
            int(pid): _optional(ProcessIdentity, value, f"identities.{pid}")
            for pid, value in doc["identities"].items()
        }

    def host_info(self) -> StaticHostInfo:
        return self._host

    def per_cpu_times(self) -> Sequence[CpuTimes] | None:
        return self._cpu or None

    def cpu_counts(self) -> tuple[int | None, int | None]:
        return self._counts

    def cpu_frequency(self) -> Frequency | None:
        return self._frequency

    def temperatures(self) -> Sequence[SensorReading]:
        return self._sensors

    def load_average(self) -> tuple[float, float, float] | None:
        return self._load_average

    def user_count(self) -> int | None:
        return self._users

    def memory(self) -> Memory:
        return Memory(self._memory, self._swap)

    def partitions(self) -> Sequence[Partition]:
        return self._partitions

    def mounts_changed(self) -> bool:
        return False  # a recording's mounts never change

    def disk_usage(self, mount_point: str) -> UsageBytes | None:
        return self._usage.get(mount_point)

    def disk_counters(self) -> Mapping[str, DiskCounters]:
        return self._disks

    def resolve_device(self, device: str) -> str:
        return device.rsplit("/", 1)[-1]

    def net_counters(self) -> Mapping[str, NetCounters]:
        return self._nics

    def net_stats(self) -> Mapping[str, NetStats]:
        return self._nic_stats

    def net_addresses(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return self._addresses

    def virtual_interfaces(self) -> frozenset[str]:
        return self._virtual

    def default_route_interface(self) -> str | None:
        return self._route

    def processes(self) -> Sequence[RawProcess]:
        return self._processes

    def process_identity(self, pid: int) -> ProcessIdentity | None:
        return self._identities.get(pid)

    def process_details(self, pid: int) -> RawProcessDetails | None:
        return None  # a recording holds no details: the view says the process is gone

    def process_start_time(self, pid: int) -> float | None:
        return None  # nothing to signal in a recording: the guard refuses every send
