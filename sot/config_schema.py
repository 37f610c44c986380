"""The config file's keys, in one table: each key's TOML type, its check, the ``Config`` field it
sets, and the option and environment variable that beat it. README's schema table, the file
``sot config --write`` writes and the checks all come from here.

Standard library only (and sot's small name tables): ``sot --help`` loads the file for its key
bindings, and must stay cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sot.column_titles import PROCESS_COLUMN_TITLES
from sot.config import MAX_INTERVAL_S, MIN_INTERVAL_S
from sot.keymap import parse_bindings
from sot.layout import TOGGLEABLE_PANELS
from sot.sorting import SortKey
from sot.themes import THEME_NAMES


class BadValue(ValueError):
    """A value the key cannot take. The loader writes ``FILE line N: KEY: expected WHAT, not
    VALUE`` with the key's own ``expected`` unless a narrower one is given here, and with the
    whole value unless ``item`` names the one element of a list that is wrong."""

    def __init__(self, expected: str | None = None, item: object = None) -> None:
        super().__init__(expected or "")
        self.expected = expected
        self.item = item


Convert = Callable[[object], object]


@dataclass(frozen=True, slots=True)
class FileKey:
    name: str  # the key in config.toml
    kind: str  # its TOML type, for README
    expected: str  # what a value must be: the error's "expected WHAT"
    field: str  # the sot.config.Config field it sets
    convert: Convert  # the file's value -> the field's value; raises BadValue
    default: str  # the default, as TOML (commented out in the written file)
    explanation: str  # one line above it in the written file
    dest: str | None = None  # the argparse dest of the option that beats it
    option: str | None = None  # that option, as written
    env: str | None = None  # the environment variable between the file and the option


# An integer beyond this is out of every key's range; float() of a 400-digit one would overflow.
MAX_EXACT_INT = 1 << 53


def _number(value: object) -> float:
    # TOML's true is not 1 second.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue
    if isinstance(value, int) and not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
        raise BadValue  # the key's expected range
    return float(value)


def _interval(value: object) -> float:
    seconds = _number(value)
    if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:  # NaN fails both comparisons
        raise BadValue
    return seconds


def _theme(value: object) -> str:
    if value not in THEME_NAMES:
        raise BadValue
    return str(value)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value or "\x00" in value:
        raise BadValue
    return value


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValue
    return value


# Friendly names for the sort column, besides the SortKey titles themselves.
SORT_NAMES: dict[str, SortKey | None] = {
    "cpu": SortKey.CPU,
    "mem": SortKey.MEMORY,
    "memory": SortKey.MEMORY,
    "rss": SortKey.MEMORY,
    "pid": SortKey.PID,
    "time": SortKey.TIME,
    "user": SortKey.USER,
    "state": SortKey.STATE,
    "threads": SortKey.THREADS,
    "start": SortKey.START,
    "command": SortKey.COMMAND,
    "name": SortKey.COMMAND,
    "virt": SortKey.VIRTUAL,
    "nice": SortKey.NICE,
    "priority": SortKey.PRIORITY,
    "read": SortKey.READ,
    "write": SortKey.WRITE,
    "cgroup": SortKey.CGROUP,
    "none": None,  # unsorted: PID order, as the table's own "unsorted"
}


def sort_key_named(value: object) -> SortKey | None:
    """A SortKey by its title (case-insensitive: "cpu%", "TIME+") or a friendly name."""
    if not isinstance(value, str):
        raise BadValue
    text = value.strip().lower()
    for key in SortKey:
        if key.value.lower() == text:
            return key
    if text in SORT_NAMES:
        return SORT_NAMES[text]
    raise BadValue


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadValue
    return value


def _columns(value: object) -> tuple[str, ...]:
    """Known titles (case-insensitive), in the table's order whatever the file's order."""
    titles = PROCESS_COLUMN_TITLES
    wanted: set[str] = set()
    for item in _strings(value):
        title = next((t for t in titles if t.lower() == item.strip().lower()), None)
        if title is None:
            raise BadValue(f"column titles from {', '.join(titles)}", item)
        wanted.add(title)
    return tuple(title for title in titles if title in wanted)


def _hidden_panels(value: object) -> frozenset[str]:
    """The panels listed are shown; the others are hidden. At least one is shown: a screen of
    nothing but a status line is never what was meant."""
    shown = _strings(value)
    if not shown:
        raise BadValue
    for name in shown:
        if name not in TOGGLEABLE_PANELS:
            raise BadValue(f"panels from {PANEL_LIST}", name)
    return frozenset(TOGGLEABLE_PANELS) - frozenset(shown)


def _bindings(value: object) -> object:
    if not isinstance(value, dict):
        raise BadValue
    return parse_bindings(value)  # its BindingError names the entry; the loader adds lines


PANEL_LIST = ", ".join(TOGGLEABLE_PANELS)
ALL_PANELS = "[" + ", ".join(f'"{name}"' for name in TOGGLEABLE_PANELS) + "]"
SORT_TITLES = ", ".join(key.value for key in SortKey)

FILE_KEYS: tuple[FileKey, ...] = (
    FileKey(
        "interval", "float", f"seconds from {MIN_INTERVAL_S:g} to {MAX_INTERVAL_S:g}",
        "interval_s", _interval, "1.0", "seconds between samples, 0.2 to 3600",
        dest="interval", option="--interval",
    ),
    FileKey(
        "theme", "string", f"one of {', '.join(THEME_NAMES)}", "theme", _theme, '"dark"',
        f"colours: {', '.join(THEME_NAMES)} (NO_COLOR wins)",
        dest="theme", option="--theme", env="SOT_THEME",
    ),
    FileKey(
        "net", "string", "an interface name", "interface", _name, '"eth0"',
        "network interface to graph (default: the one carrying the default route)",
        dest="net", option="--net",
    ),
    FileKey(
        "disk", "string", "a mount point", "mount_point", _name, '"/"',
        "filesystem whose I/O to graph (default: /)",
        dest="disk", option="--disk",
    ),
    FileKey(
        "sort", "string", f"a column ({SORT_TITLES}) or cpu, mem, pid, time, user, none",
        "sort_key", sort_key_named, '"cpu"',
        "the process table's sort column at start: a column title, cpu, mem, pid, time, ...",
    ),
    FileKey(
        "sort_descending", "boolean", "true or false", "sort_descending", _boolean, "true",
        "largest first (the I key inverts it while sot runs)",
    ),
    FileKey(
        "columns", "array of strings", "a list of column titles", "columns", _columns,
        '["PID", "USER", "RSS", "MEM%", "CPU%", "TIME+"]',
        "process columns shown, in table order, dropped from the right when too narrow;"
        " default: by width",
    ),
    FileKey(
        "kernel_threads", "boolean", "true or false", "kernel_threads", _boolean, "false",
        "list kernel threads in the process table (the x key toggles them)",
        dest="kernel_threads", option="--kernel-threads",
    ),
    FileKey(
        "panels", "array of strings", f"a list of at least one panel from {PANEL_LIST}",
        "hidden_panels", _hidden_panels, ALL_PANELS,
        "panels shown at start; the others are hidden (the number keys 1-6 toggle them)",
    ),
    FileKey(
        "read_only", "boolean", "true or false", "read_only", _boolean, "false",
        "never act on processes: T, K, s, F9 and renice disabled",
        dest="read_only", option="--read-only", env="SOT_READ_ONLY",
    ),
    FileKey(
        "keys", "table", "a table of action = key or [keys]", "key_bindings", _bindings, "",
        "key bindings: action = key, or a list of keys (actions and key names: see README)",
    ),
)  # fmt: skip

KEYS_BY_NAME: dict[str, FileKey] = {key.name: key for key in FILE_KEYS}


def env_value(key: FileKey, text: str) -> object:
    """An environment variable's text as the key's value; raises BadValue. SOT_READ_ONLY: 0
    is off (beating the file's ``read_only = true``), anything else on."""
    if key.name == "read_only":
        return text != "0"
    return key.convert(text)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string; every character a terminal could act on (controls, C1,
    bidirectional marks) escaped, so printing it is safe and reading it back gives ``text``."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(f"\\U{ord(char):08X}")
    out.append('"')
    return "".join(out)


def shown_value(value: object, limit: int = 60) -> str:
    """A value from the file as TOML shows it, cut to ``limit`` characters: for error lines.
    A list shows only what fits: an array nested a thousand deep costs no more than the cut."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = toml_string(value[:limit])
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = _shown_list(value, limit)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown_list(value: list[object], limit: int) -> str:
    if limit <= 2:
        return "[…]"
    parts: list[str] = []
    used = 1
    for item in value:
        if used > limit:
            parts.append("…")
            break
        part = shown_value(item, limit - used)
        parts.append(part)
        used += len(part) + 2
    return "[" + ", ".join(parts) + "]"
