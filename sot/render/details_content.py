"""What the details view holds, as rows of styled text: the process's fields, its environment and
its open files. The view shows a window of these rows (see ``sot.render.details``).

Everything here comes from the process and is untrusted: each text is sanitized before it is
measured or cut.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sot.model import ProcessDetails
from sot.render.cells import Role, display_width, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.text import Segment
from sot.render.units import UNKNOWN, cpu_time, duration, human_bytes, human_rate, percent
from sot.render.wrap import wrap, wrap_words

LABEL_WIDTH = 13
INDENT = 2  # entries of the environment and open-file lists
CONTINUATION = 2  # further indent of an entry's wrapped rows
MAX_COMMAND_ROWS = 40  # a command line can be megabytes; the rest is counted, not shown


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the view: sanitized segments from column ``x`` of the inner area."""

    x: int
    segments: tuple[Segment, ...] = ()


def _or_unknown(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def _gpu_memory(details: ProcessDetails) -> str:
    """The process's GPU memory, and why it may be unknown where the reader says."""
    shown = human_bytes(details.gpu_memory_bytes)
    note = details.gpu_memory_note
    return shown if note is None else f"{shown} ({note})"


def _field(label: str, lines: Sequence[str]) -> list[Row]:
    """A labelled field: its first row carries the label, the rest line up under the value."""
    head = (pad(label, LABEL_WIDTH - 1, "<", ""), Role.LABEL)
    rows = [Row(0, (head, (" ", Role.NORMAL), (lines[0] if lines else "", Role.VALUE)))]
    rows.extend(Row(LABEL_WIDTH, ((line, Role.VALUE),)) for line in lines[1:])
    return rows


def _command_rows(details: ProcessDetails, width: int, glyphs: Glyphs) -> list[str]:
    """The command line, broken between arguments (an argument is cut only when it is wider
    than the whole row); a kernel thread, which has none, shows its name in brackets."""
    arguments = [sanitize(argument, glyphs.ascii_only) for argument in details.arguments]
    if not arguments:
        return [fit(f"[{sanitize(details.name, glyphs.ascii_only)}]", width, glyphs.ellipsis)]
    rows, left = wrap_words(arguments, width, MAX_COMMAND_ROWS)
    if left:
        rows.append(f"+{left} more argument{'s' if left != 1 else ''}")
    return rows


def _started(details: ProcessDetails, wall_epoch_s: float) -> str:
    if details.start_time_epoch_s is None:
        return UNKNOWN
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(details.start_time_epoch_s))
    return f"{when}  (running {duration(wall_epoch_s - details.start_time_epoch_s)})"


def _items(items: Sequence[str] | None, width: int, glyphs: Glyphs, empty: str) -> list[str]:
    """A list (ports, connections, children) broken between its items."""
    if items is None:
        return [UNKNOWN]
    if not items:
        return [empty]
    last = len(items) - 1
    words = [
        sanitize(item, glyphs.ascii_only) + ("," if i < last else "")
        for i, item in enumerate(items)
    ]
    return wrap_words(words, width)[0]


def field_rows(
    details: ProcessDetails, wall_epoch_s: float, width: int, glyphs: Glyphs
) -> list[Row]:
    """The labelled fields, values wrapped to the ``width`` of the inner area."""
    value_width = max(1, width - LABEL_WIDTH)

    def path(text: str | None) -> list[str]:
        return wrap(sanitize(text, glyphs.ascii_only), value_width) if text else [UNKNOWN]

    def one(text: str) -> list[str]:  # user and state names come from the system too
        return [fit(sanitize(text, glyphs.ascii_only), value_width, glyphs.ellipsis)]

    connections = (
        None
        if details.connections is None
        else [f"{state} {count}" for state, count in details.connections]
    )
    parent = details.parent
    fields: list[tuple[str, list[str]]] = [
        ("command", _command_rows(details, value_width, glyphs)),
        ("executable", path(details.exe)),
        ("directory", path(details.cwd)),
        ("user", one(f"{_or_unknown(details.user_real)}"
                     f" (effective {_or_unknown(details.user_effective)})")),
        ("state", one(f"{_or_unknown(details.status)}, nice {_or_unknown(details.nice)}")),
        ("started", one(_started(details, wall_epoch_s))),
        ("cpu", one(f"{percent(details.cpu_percent)} now; user {cpu_time(details.cpu_user_s)},"
                    f" system {cpu_time(details.cpu_system_s)}")),
        ("memory", one(f"rss {human_bytes(details.rss_bytes)},"
                       f" virtual {human_bytes(details.vms_bytes)},"
                       f" shared {human_bytes(details.shared_bytes)}")),
        ("threads", one(_or_unknown(details.threads))),
        *(
            [("gpu memory", one(_gpu_memory(details)))]
            if details.gpus_present
            else []
        ),
        ("disk i/o", one(f"read {human_bytes(details.io_read_bytes)}"
                         f" ({human_rate(details.io_read_bytes_per_s)}), write"
                         f" {human_bytes(details.io_write_bytes)}"
                         f" ({human_rate(details.io_write_bytes_per_s)})")),
        ("listening", _items(details.listening_ports, value_width, glyphs, "none")),
        ("connections", _items(connections, value_width, glyphs, "none")),
        ("parent", one(f"{parent[0]} {parent[1]}") if parent else [UNKNOWN]),
        ("children", _items([f"{pid} {name}" for pid, name in details.children],
                            value_width, glyphs, "none")),
    ]  # fmt: skip
    return [row for label, lines in fields for row in _field(label, lines)]


def _entry(head: Segment, text: str, width: int) -> list[Row]:
    """A list entry: ``head`` then ``text``, wrapped anywhere; wrapped rows indented further."""
    head = (fit(head[0], max(1, width - INDENT - 1), "~"), head[1])
    first = max(1, width - INDENT - display_width(head[0]))
    rest = max(1, width - INDENT - CONTINUATION)
    lines = wrap(text, rest, first)
    rows = [Row(INDENT, (head, (lines[0], Role.VALUE)))]
    rows.extend(Row(INDENT + CONTINUATION, ((line, Role.VALUE),)) for line in lines[1:])
    return rows


def environment_rows(details: ProcessDetails, width: int, glyphs: Glyphs) -> list[Row]:
    """The environment, one variable per entry (secret-looking values arrive masked)."""
    variables = details.environment
    if variables is None:
        return _field("environment", ["- (not readable)"])
    count = f"{len(variables)} variable{'s' if len(variables) != 1 else ''}"
    rows = _field("environment", [count if variables else "none"])
    for name, value in variables:
        clean_name = sanitize(name, glyphs.ascii_only)
        rows.extend(
            _entry((clean_name, Role.LABEL), "=" + sanitize(value, glyphs.ascii_only), width)
        )
    if not details.environment_complete:
        rows.append(
            Row(INDENT, (("+ more, not read: the environment is larger than sot reads", Role.DIM),))
        )
    return rows


def open_file_rows(details: ProcessDetails, width: int, glyphs: Glyphs) -> list[Row]:
    """Each open descriptor and what it points to: a path, or the kernel's name for a socket,
    pipe or other object (``socket:[123]``), as its link reads."""
    targets = details.open_file_targets
    if targets is None:
        return _field("open files", [f"{_or_unknown(details.open_files)} (list not readable)"])
    total = details.open_files if details.open_files is not None else len(targets)
    rows = _field("open files", [str(total) if total else "none"])
    digits = max((len(str(fd)) for fd, _ in targets), default=1)
    for fd, target in targets:
        head = (f"{fd:>{digits}}  ", Role.LABEL)
        rows.extend(_entry(head, sanitize(target, glyphs.ascii_only), width))
    if total > len(targets):
        rows.append(Row(INDENT, ((f"+{total - len(targets)} more", Role.DIM),)))
    return rows


# The loop asks for these rows twice a frame (to know how far the view scrolls, then to draw
# it) and again on each key between two samples; for a process with a full environment and a
# thousand open files they take milliseconds. A pure function's cache: the same arguments (the
# very same details object, mostly) give the same rows.
@lru_cache(maxsize=4)
def details_rows(
    details: ProcessDetails, wall_epoch_s: float, width: int, glyphs: Glyphs
) -> tuple[Row, ...]:
    """Every row of the details view for an inner area ``width`` cells wide."""
    return (
        *field_rows(details, wall_epoch_s, width, glyphs),
        Row(0),
        *environment_rows(details, width, glyphs),
        Row(0),
        *open_file_rows(details, width, glyphs),
    )
