"""What a recording (``sot --record``) may hold, checked as a whole before anything is shown.

A recording is a file from somebody else (README asks users to attach them to bug reports), so
every value is checked against this schema: its type, its range (finite numbers only), the length
of every text and list. Nothing deeper than the schema is ever walked, so no nesting can exhaust
the stack. The first problem found is reported as one ``RecordingError`` naming the field's path,
e.g. ``processes[3].rss_bytes: expected an integer from 0 to 9223372036854775807 (found -5)``.

A field that may be null may also be missing (a recording from an older or newer sot): it reads
as null, and a missing list or table reads as empty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

MAX_BYTES = 2**63 - 1  # counters and sizes: what a signed 64-bit kernel counter can hold
MAX_NAME_CHARS = 255  # interface, chip, user and filesystem type names
MAX_PATH_CHARS = 4096  # PATH_MAX: devices and mount points
MAX_COMMAND_LINE_CHARS = 131072  # the kernel's limit for one argument (MAX_ARG_STRLEN)
MAX_ITEMS = 10000  # processes, filesystems, interfaces, sensors in one recording
MAX_CPUS = 8192  # the kernel's NR_CPUS ceiling
MAX_EPOCH_S = 1e11  # the year 5138: a start or boot time past that is not a time
MAX_SECONDS = 1e15  # cumulative CPU seconds
PIDS = 2**32


class RecordingError(ValueError):
    """A replay file that cannot be used; the message is one line saying which part is wrong."""


@dataclass(frozen=True, slots=True)
class Number:
    low: float
    high: float
    integer: bool = False
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Text:
    max_chars: int = MAX_NAME_CHARS
    nullable: bool = False
    digits: bool = False  # a decimal number written as text (a PID as a JSON object key)


@dataclass(frozen=True, slots=True)
class Flag:
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    fields: tuple[tuple[str, Spec], ...]
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Spec
    max_items: int = MAX_ITEMS
    exact: int | None = None
    nullable: bool = False
    optional: bool = False  # missing reads as an empty list


@dataclass(frozen=True, slots=True)
class MapOf:
    key: Text
    value: Spec
    max_items: int = MAX_ITEMS
    nullable: bool = False
    optional: bool = True  # missing reads as an empty table


Spec = Union[Number, Text, Flag, Record, ListOf, MapOf]  # noqa: UP007 (a runtime alias on 3.10)


def _integer(high: float, nullable: bool = False, low: float = 0) -> Number:
    return Number(low, high, integer=True, nullable=nullable)


def _fields(spec: Spec, *names: str) -> tuple[tuple[str, Spec], ...]:
    return tuple((name, spec) for name in names)


BYTES = _integer(MAX_BYTES)
MAYBE_BYTES = _integer(MAX_BYTES, nullable=True)
PERCENT = Number(0, 100)
SECONDS = Number(0, MAX_SECONDS)
MAYBE_SECONDS = Number(0, MAX_SECONDS, nullable=True)
MAYBE_NAME = Text(nullable=True)
CELSIUS = Number(-300, 10000)
MAYBE_CELSIUS = Number(-300, 10000, nullable=True)
MHZ = Number(0, 1e7, nullable=True)

HOST = Record(
    (
        ("hostname", Text()),
        *_fields(MAYBE_NAME, "os_name", "kernel", "architecture", "cpu_model"),
        ("boot_time_epoch_s", Number(0, MAX_EPOCH_S, nullable=True)),
    )
)
CPU_TIMES = Record(
    (
        *_fields(SECONDS, "user", "nice", "system", "idle"),
        *_fields(MAYBE_SECONDS, "iowait", "irq", "softirq", "steal", "guest", "guest_nice"),
    )
)
MEMORY = Record(
    (
        *_fields(BYTES, "total", "available", "used", "free"),
        *_fields(MAYBE_BYTES, "cached", "buffers"),
        ("percent", PERCENT),
    ),
    nullable=True,
)
SWAP = Record(
    (*_fields(BYTES, "total", "used"), ("percent", PERCENT), *_fields(MAYBE_BYTES, "sin", "sout")),
    nullable=True,
)
PARTITION = Record(
    (
        ("device", Text(MAX_PATH_CHARS)),
        ("mount_point", Text(MAX_PATH_CHARS)),
        ("fstype", Text()),
    )
)
USAGE = Record((*_fields(BYTES, "total", "used", "free"), ("percent", PERCENT)))
DISK_COUNTERS = Record(
    (
        *_fields(BYTES, "read_bytes", "write_bytes", "read_count", "write_count"),
        *_fields(MAYBE_BYTES, "read_ms", "write_ms", "io_ms"),  # milliseconds, as large
    )
)
NET_COUNTERS = Record(
    _fields(
        BYTES,
        "bytes_recv",
        "bytes_sent",
        "packets_recv",
        "packets_sent",
        "errin",
        "errout",
        "dropin",
        "dropout",
    )
)
NET_STATS = Record((("is_up", Flag()), ("speed_mbps", _integer(1e7, nullable=True))))
SENSOR = Record(
    (
        *_fields(Text(), "chip", "label"),
        ("current", CELSIUS),
        *_fields(MAYBE_CELSIUS, "high", "critical"),
    )
)
FAN = Record((*_fields(Text(), "chip", "label"), ("rpm", _integer(1e6))))
BATTERY = Record(
    (
        ("percent", PERCENT),
        ("power_plugged", Flag(nullable=True)),
        ("seconds_left", _integer(MAX_SECONDS, nullable=True)),
    ),
    nullable=True,
)
PROCESS = Record(
    (
        ("pid", _integer(PIDS)),
        ("ppid", _integer(PIDS, nullable=True)),
        ("status", Text(64, nullable=True)),
        ("create_time", Number(0, MAX_EPOCH_S, nullable=True)),
        ("cpu_seconds", MAYBE_SECONDS),
        ("rss_bytes", MAYBE_BYTES),
        ("threads", _integer(1e7, nullable=True)),
        ("vms_bytes", MAYBE_BYTES),
        ("nice", _integer(20, nullable=True, low=-20)),
        # Linux: 0 to 39 (20 + nice), real-time -2 to -100; other systems use other scales.
        ("priority", _integer(1000, nullable=True, low=-1000)),
        # Recordings made before these fields hold none: not a kernel thread, I/O unknown.
        ("kernel_thread", Flag(nullable=True)),
        *_fields(MAYBE_BYTES, "io_read_bytes", "io_write_bytes"),
        # A process-exporter group's process count (a Prometheus source's rows); null: a process.
        ("group_processes", _integer(1e9, nullable=True)),
    )
)
IDENTITY = Record(
    (
        ("name", Text(MAX_PATH_CHARS)),
        ("cmdline", Text(MAX_COMMAND_LINE_CHARS)),
        ("user", MAYBE_NAME),
        ("cgroup", Text(MAX_PATH_CHARS, nullable=True)),
    ),
    nullable=True,
)
CPU_PLACE = ListOf(_integer(2**31 - 1), exact=2, nullable=True)  # ids: may be sparse
ADDRESSES = ListOf(ListOf(Text(), max_items=1000), exact=2)

RECORDING = Record(
    (
        ("format", _integer(1, low=1)),
        ("host", HOST),
        ("cpu", ListOf(CPU_TIMES, max_items=MAX_CPUS, optional=True)),
        ("counts", ListOf(_integer(MAX_CPUS, nullable=True, low=1), exact=2, nullable=True)),
        ("frequency", Record(_fields(MHZ, "current_mhz", "max_mhz"), nullable=True)),
        # Each logical CPU's [package id, core id], or null where unknown; missing: unknown.
        ("topology", ListOf(CPU_PLACE, max_items=MAX_CPUS, nullable=True)),
        ("sensors", ListOf(SENSOR, optional=True)),
        ("fans", ListOf(FAN, optional=True)),
        ("battery", BATTERY),
        ("load", ListOf(Number(0, 1e9), exact=3, nullable=True)),
        ("users", _integer(1e9, nullable=True)),
        ("memory", MEMORY),
        ("swap", SWAP),
        ("partitions", ListOf(PARTITION, optional=True)),
        ("usage", MapOf(Text(MAX_PATH_CHARS), USAGE)),
        ("disks", MapOf(Text(), DISK_COUNTERS)),
        ("nics", MapOf(Text(), NET_COUNTERS)),
        ("nic_stats", MapOf(Text(), NET_STATS)),
        ("addresses", MapOf(Text(), ADDRESSES)),
        ("virtual", ListOf(Text(), optional=True)),
        ("route", MAYBE_NAME),
        ("processes", ListOf(PROCESS, optional=True)),
        ("identities", MapOf(Text(10, digits=True), IDENTITY)),
    )
)


def validate(document: Any) -> dict[str, Any]:
    """``document`` (parsed JSON) checked against the recording schema, with every field present
    (missing ones as null or empty); raises ``RecordingError`` naming the first bad field."""
    checked: dict[str, Any] = _check(RECORDING, document, "recording")
    return checked


def _check(spec: Spec, value: Any, where: str) -> Any:
    if value is None and spec.nullable:
        return None
    if isinstance(spec, Number):
        return _check_number(spec, value, where)
    if isinstance(spec, Text):
        return _check_text(spec, value, where)
    if isinstance(spec, Flag):
        if not isinstance(value, bool):
            raise _wrong(where, "true or false", value)
        return value
    if isinstance(spec, Record):
        return _check_record(spec, value, where)
    if isinstance(spec, ListOf):
        return _check_list(spec, value, where)
    return _check_map(spec, value, where)


def _check_number(spec: Number, value: Any, where: str) -> float:
    expected = (
        f"{'an integer' if spec.integer else 'a number'} from {spec.low:.16g} to {spec.high:.16g}"
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(where, expected, value)
    if spec.integer and not isinstance(value, int):
        raise _wrong(where, expected, value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _wrong(where, expected, value)
    if not spec.low <= value <= spec.high:
        raise _wrong(where, expected, value)
    return value


def _check_text(spec: Text, value: Any, where: str) -> str:
    expected = f"text of at most {spec.max_chars} characters"
    if not isinstance(value, str) or len(value) > spec.max_chars:
        raise _wrong(where, expected, value)
    if spec.digits and not (value.isascii() and value.isdigit()):
        raise _wrong(where, "a decimal number", value)
    return value


def _check_record(spec: Record, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _wrong(where, "an object", value)
    checked: dict[str, Any] = {}
    for name, field in spec.fields:
        path = name if where == "recording" else f"{where}.{name}"
        if name in value:
            checked[name] = _check(field, value[name], path)
        elif isinstance(field, MapOf) and field.optional:
            checked[name] = {}
        elif isinstance(field, ListOf) and field.optional:
            checked[name] = []
        elif field.nullable:
            checked[name] = None
        else:
            raise RecordingError(f"{path}: missing")
    return checked


def _check_list(spec: ListOf, value: Any, where: str) -> list[Any]:
    if spec.exact is not None:
        expected = f"a list of {spec.exact} items"
        if not isinstance(value, list) or len(value) != spec.exact:
            raise _wrong(where, expected, value)
    elif not isinstance(value, list) or len(value) > spec.max_items:
        raise _wrong(where, f"a list of at most {spec.max_items} items", value)
    return [_check(spec.item, item, f"{where}[{index}]") for index, item in enumerate(value)]


def _check_map(spec: MapOf, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping) or len(value) > spec.max_items:
        raise _wrong(where, f"an object of at most {spec.max_items} entries", value)
    checked: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{where}[{_shown_key(key)}]"
        _check_text(spec.key, key, f"{path} (its name)")
        checked[key] = _check(spec.value, item, path)
    return checked


def _shown_key(key: str) -> str:
    """A table key as it appears in an error's field path: quoted, escapes visible, short."""
    return repr(key if len(key) <= 40 else key[:40] + "...")


def _wrong(where: str, expected: str, value: Any) -> RecordingError:
    return RecordingError(f"{where}: expected {expected}, not {_describe(value)}")


def _describe(value: Any) -> str:
    """What was found instead, without echoing text from the file (it could be anything)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**18 else "a number of more than 18 digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return f"text of {len(value)} characters"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    return "an object"
