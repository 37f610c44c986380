"""``sot line``'s templates: the fields, what each shows, and the line a template makes.

A template is text with ``{field}``s (``{{`` and ``}}`` are literal braces, as in str.format);
a field may take ``[[fill]align][width][.max_width]`` so a status bar keeps its width. Values are
plain text: numbers as status bars show them (``40``, ``3.2M``, ``0.52``), ``-`` where unknown;
what the system names is sanitized. Pure functions of readings: nothing here reads a file.
"""

from __future__ import annotations

import unicodedata

from sot.collect.line_source import LineReading, cpu_busy_percent
from sot.render.units import UNKNOWN, human_bytes
from sot.safe_text import sanitize

# typing.TYPE_CHECKING without importing typing: typing and the re it imports cost about 10 ms,
# a third of sot line's start-up (see sot.collect.line_source); mypy knows the name.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

MAX_WIDTH = 200  # a field padded wider than any status bar is a typo
MAX_DIGITS = len(str(MAX_WIDTH))  # longer width text is refused before int() reads it
ALIGNMENTS = "<>^"


class TemplateError(ValueError):
    """A template sot cannot fill: the message is the one line to print."""


class Window:
    """Two readings and the seconds between them (one reading: ``previous`` is None)."""

    __slots__ = ("current", "interval_s", "previous")

    def __init__(
        self, previous: LineReading | None, current: LineReading, interval_s: float | None
    ) -> None:
        self.previous = previous
        self.current = current
        self.interval_s = interval_s


def _rate(window: Window, counter: Callable[[LineReading], int | None]) -> float | None:
    """Per second over the window; None for one reading or a counter that went backwards (a
    reset, a hot-plugged disk)."""
    if window.previous is None or not window.interval_s or window.interval_s <= 0:
        return None
    before, after = counter(window.previous), counter(window.current)
    if before is None or after is None or after < before:
        return None
    return (after - before) / window.interval_s


def _net_rate(window: Window, counter: Callable[[LineReading], int | None]) -> float | None:
    """As ``_rate``, and None where the interface changed in between (the default route
    moved): two interfaces' counters make no rate."""
    if window.previous is not None and window.previous.interface != window.current.interface:
        return None
    return _rate(window, counter)


def _whole(value: float | None) -> str:
    return UNKNOWN if value is None else str(int(value + 0.5))


def _cpu(window: Window) -> str:
    previous = None if window.previous is None else window.previous.cpu
    return _whole(cpu_busy_percent(previous, window.current.cpu))


def _used_bytes(reading: LineReading) -> int | None:
    """Used memory as the dashboard counts it: total - available (so cache is not "used")."""
    total, available = reading.memory_total_bytes, reading.memory_available_bytes
    if total is None or available is None:
        return None
    return total - min(available, total)


def _mem(window: Window) -> str:
    used, total = _used_bytes(window.current), window.current.memory_total_bytes
    return UNKNOWN if used is None or not total else _whole(100 * used / total)


def _swap(window: Window) -> str:
    total, free = window.current.swap_total_bytes, window.current.swap_free_bytes
    if not total or free is None:
        return UNKNOWN  # no swap configured: no share of it is used
    return _whole(100 * (total - min(free, total)) / total)


def _load(index: int) -> Callable[[Window], str]:
    def value(window: Window) -> str:
        load = window.current.load
        return UNKNOWN if load is None else f"{load[index]:.2f}"

    return value


def _rx(window: Window) -> str:
    return human_bytes(_net_rate(window, lambda r: r.net_rx_bytes))


def _tx(window: Window) -> str:
    return human_bytes(_net_rate(window, lambda r: r.net_tx_bytes))


def _read(window: Window) -> str:
    return human_bytes(_rate(window, lambda r: r.disk_read_bytes))


def _write(window: Window) -> str:
    return human_bytes(_rate(window, lambda r: r.disk_write_bytes))


def _uptime(window: Window) -> str:
    """Compact, as status bars show it: ``3d4h``, ``5h07m``, ``12m``."""
    seconds = window.current.uptime_s
    if seconds is None or seconds < 0:
        return UNKNOWN
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def _text(value: str | None) -> str:
    return value or UNKNOWN


class Field:
    """A template field: the reading it needs (line_source.KINDS), whether it is a rate (and so
    needs the window), what it means for ``--help`` and README, and its value."""

    __slots__ = ("kind", "meaning", "rate", "value")

    def __init__(self, kind: str, rate: bool, meaning: str, value: Callable[[Window], str]) -> None:
        self.kind = kind
        self.rate = rate
        self.meaning = meaning
        self.value = value


FIELDS: dict[str, Field] = {
    "cpu": Field("cpu", True, "CPU busy, % of all CPUs over the window", _cpu),
    "mem": Field("memory", False, "memory used (total - available), %", _mem),
    "memused": Field(
        "memory",
        False,
        "memory used, bytes (1024-based: 3.2G)",
        lambda w: human_bytes(_used_bytes(w.current)),
    ),
    "memtotal": Field(
        "memory",
        False,
        "memory installed, bytes",
        lambda w: human_bytes(w.current.memory_total_bytes),
    ),
    "swap": Field("memory", False, "swap used, % (- with no swap)", _swap),
    "load": Field("load", False, "load average over 1 minute", _load(0)),
    "load5": Field("load", False, "load average over 5 minutes", _load(1)),
    "load15": Field("load", False, "load average over 15 minutes", _load(2)),
    "net": Field(
        "net", True, "received/sent bytes per second: rx/tx", lambda w: f"{_rx(w)}/{_tx(w)}"
    ),
    "rx": Field("net", True, "received bytes per second", _rx),
    "tx": Field("net", True, "sent bytes per second", _tx),
    "iface": Field(
        "net", False, "the interface net, rx and tx count", lambda w: _text(w.current.interface)
    ),
    "read": Field("disk", True, "bytes per second read from the disks", _read),
    "write": Field("disk", True, "bytes per second written to the disks", _write),
    "procs": Field(
        "procs",
        False,
        "processes",
        lambda w: _text(None if w.current.processes is None else str(w.current.processes)),
    ),
    "uptime": Field("uptime", False, "time since boot: 3d4h, 5h07m, 12m", _uptime),
    "host": Field("host", False, "host name", lambda w: _text(w.current.host)),
    "temp": Field(
        "temp",
        False,
        "CPU package temperature, °C (- without a sensor)",
        lambda w: _whole(w.current.temperature_celsius),
    ),
}


class Part:
    """Literal text, or a field with its padding (``{cpu:>3}``) and cut (``{host:.8}``)."""

    __slots__ = ("align", "field", "fill", "max_width", "text", "width")

    def __init__(
        self,
        text: str,
        field: str | None = None,
        fill: str = " ",
        align: str = ">",
        width: int = 0,
        max_width: int | None = None,
    ) -> None:
        self.text = text
        self.field = field
        self.fill = fill
        self.align = align
        self.width = width
        self.max_width = max_width


def _known_fields() -> str:
    return ", ".join(FIELDS)


def _spec(name: str, spec: str) -> Part:
    """``[[fill]align][width][.max_width]``: all a status bar needs to keep its width."""
    fill, align, rest = " ", ">", spec
    if len(rest) >= 2 and rest[1] in ALIGNMENTS:
        fill, align, rest = rest[0], rest[1], rest[2:]
    elif rest[:1] in tuple(ALIGNMENTS):
        align, rest = rest[0], rest[1:]
    width_text, dot, max_text = rest.partition(".")
    numbers = (width_text, max_text) if dot else (width_text,)
    if not all(n == "" or (n.isascii() and n.isdigit()) for n in numbers) or (dot and not max_text):
        raise TemplateError(
            f"format spec ':{_shown(spec)}' of {{{name}}} is not supported: sot line takes "
            f"[[fill]align][width][.max_width], e.g. {{{name}:>4}}; known fields: {_known_fields()}"
        )
    # Read no more digits than a width can have: int() refuses thousands (and is slow on them).
    if len(width_text) > MAX_DIGITS or len(max_text) > MAX_DIGITS:
        raise TemplateError(
            f"{{{name}:{_shown(spec)}}}: a width takes at most {MAX_DIGITS} digits "
            f"and {MAX_WIDTH} cells"
        )
    width = int(width_text or 0)
    max_width = int(max_text) if dot else None
    if width > MAX_WIDTH or (max_width is not None and max_width > MAX_WIDTH):
        raise TemplateError(f"{{{name}:{spec}}} is wider than {MAX_WIDTH} cells")
    if sanitize(fill) != fill or _cells(fill) != 1:
        raise TemplateError(
            f"the fill of {{{name}:{_shown(spec)}}} must be one character one cell wide "
            f"(not a wide, combining or control character), e.g. {{{name}:.>4}}"
        )
    return Part("", name, fill, align, width, max_width)


def _shown(spec: str) -> str:
    """A spec as an error message shows it: cut where it is long."""
    return spec if len(spec) <= 20 else spec[:17] + "..."


def _field(body: str) -> Part:
    name, colon, spec = body.partition(":")
    if "!" in name:
        raise TemplateError(
            f"conversions such as {{{body}}} are not supported; known fields: {_known_fields()}"
        )
    if name not in FIELDS:
        shown = f"{{{name}}}" if name else "{}"
        raise TemplateError(
            f"unknown field {shown} in the template; known fields: {_known_fields()}"
        )
    return _spec(name, spec) if colon else Part("", name)


def parse_template(template: str) -> tuple[Part, ...]:
    """The template's literal text and fields; ``{{`` and ``}}`` are literal braces, as in
    Python's str.format. TemplateError names what is wrong and the known fields."""
    parts: list[Part] = []
    literal: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        pair = template[index : index + 2]
        if pair in ("{{", "}}"):
            literal.append(char)
            index += 2
            continue
        if char == "}":
            raise TemplateError(
                f"unbalanced '}}' at character {index + 1} of the template (write '}}}}' for a "
                f"literal brace); known fields: {_known_fields()}"
            )
        if char != "{":
            literal.append(char)
            index += 1
            continue
        end = template.find("}", index + 1)
        if end < 0 or "{" in template[index + 1 : end]:
            raise TemplateError(
                f"unbalanced '{{' at character {index + 1} of the template (write '{{{{' for a "
                f"literal brace); known fields: {_known_fields()}"
            )
        if literal:
            parts.append(Part(sanitize("".join(literal))))
            literal = []
        parts.append(_field(template[index + 1 : end]))
        index = end + 1
    if literal:
        parts.append(Part(sanitize("".join(literal))))
    return tuple(parts)


def kinds_of(parts: Sequence[Part]) -> frozenset[str]:
    return frozenset(FIELDS[p.field].kind for p in parts if p.field is not None)


def needs_window(parts: Sequence[Part]) -> bool:
    return any(FIELDS[p.field].rate for p in parts if p.field is not None)


def _cells(text: str) -> int:
    """Display width without wcwidth (its import would cost more than sot line's reading):
    East Asian wide characters take two cells, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _cut(text: str, max_cells: int) -> str:
    out, used = [], 0
    for char in text:
        used += _cells(char)
        if used > max_cells:
            break
        out.append(char)
    return "".join(out)


def _shaped(part: Part, value: str, ascii_only: bool) -> str:
    if part.max_width is not None:
        value = _cut(value, part.max_width)
    room = part.width - _cells(value)
    if room <= 0:
        return value
    fill = part.fill if part.fill.isascii() or not ascii_only else "?"
    if part.align == "<":
        return value + fill * room
    if part.align == "^":
        return fill * (room // 2) + value + fill * (room - room // 2)
    return fill * room + value


def render(parts: Sequence[Part], window: Window, ascii_only: bool = False) -> str:
    """The line (without its newline): the template filled from the window, sanitized."""
    out: list[str] = []
    for part in parts:
        if part.field is None:
            out.append(sanitize(part.text, ascii_only))
        else:
            value = sanitize(FIELDS[part.field].value(window), ascii_only) or UNKNOWN
            out.append(_shaped(part, value, ascii_only))
    return "".join(out)
