"""``sot line``: one short line of figures for a tmux status bar or a shell prompt.

``sot line '{cpu}% {mem}%'`` fills a template's fields from one reading (two, a short window
apart, where a field is a rate) and prints it. tmux runs it every few seconds (``#(sot line)``),
so start-up is its cost: this module is outside ``sot.commands`` (whose package imports every
command: tens of milliseconds), ``sot.main`` dispatches ``sot line`` here before building the
full command line, and nothing here imports psutil, blessed or the collector. The numbers are
read by ``sot.collect.line_source``.

The output is plain text, one line ending in a newline: no colour, no escape sequences; what the
system names (host, interface) is sanitized like everything sot prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, NoReturn, TextIO

from sot.collect.line_source import LineReading, LineSource, cpu_busy_percent
from sot.render.units import UNKNOWN, human_bytes
from sot.safe_text import report, sanitize

if TYPE_CHECKING:  # (typing.Protocol costs a millisecond to define: only mypy needs it)
    from typing import Protocol

    from sot.log import DebugLog

    class Source(Protocol):
        """What the command reads from: the live ``LineSource``, or a test's fake."""

        def read(self, kinds: frozenset[str]) -> LineReading: ...


SUMMARY = "print one line of figures for a tmux status bar or a shell prompt, then exit"
DEFAULT_TEMPLATE = "cpu {cpu}% mem {mem}% load {load} net {net}"
# Long enough for CPU % to mean something (100 ticks/s per CPU: 2 % steps on one CPU), short
# enough for a shell prompt; only templates with a rate field wait at all.
DEFAULT_WINDOW_S = 0.25
# A status bar read by a glance: half the dashboard's refresh rate is plenty, and half the cost.
DEFAULT_INTERVAL_S = 2.0
MAX_SECONDS = 3600.0
MAX_WIDTH = 200  # a field padded wider than any status bar is a typo
USAGE_EXIT_CODE = 2
INTERRUPTED_EXIT_CODE = 130  # sot.INTERRUPTED_EXIT_CODE: Ctrl-C in a one-shot run
ALIGNMENTS = "<>^"


class TemplateError(ValueError):
    """A template sot cannot fill: the message is the one line to print."""


class Window(NamedTuple):
    """Two readings and the seconds between them (one reading: ``previous`` is None)."""

    previous: LineReading | None
    current: LineReading
    interval_s: float | None


def _rate(window: Window, counter: Callable[[LineReading], int | None]) -> float | None:
    """Bytes per second over the window; None for one reading, a counter that went backwards
    (a reset, a re-created interface) or an interface that changed in between."""
    if window.previous is None or not window.interval_s or window.interval_s <= 0:
        return None
    if window.previous.interface != window.current.interface:
        return None
    before, after = counter(window.previous), counter(window.current)
    if before is None or after is None or after < before:
        return None
    return (after - before) / window.interval_s


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
    return human_bytes(_rate(window, lambda r: r.net_rx_bytes))


def _tx(window: Window) -> str:
    return human_bytes(_rate(window, lambda r: r.net_tx_bytes))


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


class Field(NamedTuple):
    """A template field: the reading it needs (line_source.KINDS), whether it is a rate (and so
    needs the window), what it means for ``--help`` and README, and its value."""

    kind: str
    rate: bool
    meaning: str
    value: Callable[[Window], str]


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


class Part(NamedTuple):
    """Literal text, or a field with its padding (``{cpu:>3}``) and cut (``{host:.8}``)."""

    text: str
    field: str | None = None
    fill: str = " "
    align: str = ">"
    width: int = 0
    max_width: int | None = None


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
            f"format spec ':{spec}' of {{{name}}} is not supported: sot line takes "
            f"[[fill]align][width][.max_width], e.g. {{{name}:>4}}; known fields: {_known_fields()}"
        )
    width = int(width_text or 0)
    max_width = int(max_text) if dot else None
    if width > MAX_WIDTH or (max_width is not None and max_width > MAX_WIDTH):
        raise TemplateError(f"{{{name}:{spec}}} is wider than {MAX_WIDTH} cells")
    return Part("", name, sanitize(fill) or " ", align, width, max_width)


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


def _shaped(part: Part, value: str) -> str:
    if part.max_width is not None:
        value = _cut(value, part.max_width)
    room = part.width - _cells(value)
    if room <= 0:
        return value
    if part.align == "<":
        return value + part.fill * room
    if part.align == "^":
        return part.fill * (room // 2) + value + part.fill * (room - room // 2)
    return part.fill * room + value


def render(parts: Sequence[Part], window: Window, ascii_only: bool = False) -> str:
    """The line (without its newline): the template filled from the window, sanitized."""
    out: list[str] = []
    for part in parts:
        if part.field is None:
            out.append(sanitize(part.text, ascii_only))
        else:
            value = sanitize(FIELDS[part.field].value(window), ascii_only) or UNKNOWN
            out.append(_shaped(part, value))
    return "".join(out)


def sample_once(
    parts: Sequence[Part],
    source: Source,
    window_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Window:
    """One reading, or two ``window_s`` apart where a field is a rate (and the window is not 0)."""
    kinds = kinds_of(parts)
    if not kinds:
        return Window(None, LineReading(), None)
    if window_s <= 0 or not needs_window(parts):
        return Window(None, source.read(kinds), None)
    started = clock()
    first = source.read(kinds)
    sleep(max(0.0, started + window_s - clock()))
    ended = clock()
    return Window(first, source.read(kinds), ended - started)


def follow(
    parts: Sequence[Part],
    source: Source,
    window_s: float,
    interval_s: float,
    emit: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    ascii_only: bool = False,
) -> NoReturn:
    """A line every ``interval_s`` until stopped (an exception: a signal, a closed stdout): the
    first after the window (at once without rate fields), each rate over the time since the
    line before. Lines keep to a fixed schedule (sot.schedule): no drift, and no burst of lines
    after a stall."""
    from sot.schedule import Schedule

    kinds = kinds_of(parts)
    started = clock()
    previous, previous_at = source.read(kinds), started
    first_s = window_s if needs_window(parts) else 0.0
    schedule = Schedule(last_sample_s=started, next_sample_s=started + first_s)
    while True:
        wait_s = schedule.next_sample_s - clock()
        if wait_s > 0:
            sleep(wait_s)
            continue
        now = clock()
        current = source.read(kinds)
        emit(render(parts, Window(previous, current, now - previous_at), ascii_only))
        previous, previous_at = current, now
        schedule = schedule.sampled(now, interval_s)


def _seconds(minimum: float, inclusive: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        low_ok = value >= minimum if inclusive else value > minimum
        if not (low_ok and value <= MAX_SECONDS):
            bound = f"{'at least' if inclusive else 'more than'} {minimum:g}"
            raise argparse.ArgumentTypeError(
                f"{text} s: must be {bound} and at most {MAX_SECONDS:g}"
            )
        return value

    return parse


def epilog() -> str:
    rows = "\n".join(
        f"  {{{name}}}{' ' * (10 - len(name))}{f.meaning}" for name, f in FIELDS.items()
    )
    return (
        f"fields:\n{rows}\n\n"
        f"default template: '{DEFAULT_TEMPLATE}'\n"
        "A field takes [[fill]align][width][.max_width] ({cpu:>3}, {host:.12}); {{ and }} are "
        "literal braces. Unknown values are '-'.\n"
        "tmux: set -g status-right '#(sot line)'  (refreshed every status-interval seconds)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = SUMMARY
    parser.epilog = epilog()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "template",
        nargs="?",
        default=DEFAULT_TEMPLATE,
        metavar="TEMPLATE",
        help="the line, with {field}s to fill (default: %(default)r)",
    )
    parser.add_argument(
        "--net",
        metavar="IFACE",
        help="the network interface of net, rx, tx (default: the default route's)",
    )
    parser.add_argument(
        "--window",
        type=_seconds(0.0, inclusive=True),
        default=DEFAULT_WINDOW_S,
        metavar="SECONDS",
        help="seconds between the two readings of the rates (cpu, net, rx, tx, read, write); "
        "0: one reading, rates '-' (default: %(default)s)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="print a line every --interval seconds until stopped",
    )
    parser.add_argument(
        "-i",
        "--interval",
        type=_seconds(0.1, inclusive=True),
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help="with --follow: seconds between lines (default: %(default)s)",
    )


class _Stopped(Exception):
    """SIGTERM or SIGHUP while following: end quietly, like Ctrl-C."""


def _stop(signum: int, frame: object) -> NoReturn:
    raise _Stopped


def _writer(stream: TextIO) -> Callable[[str], None]:
    """Writes a line straight to ``stream``'s file descriptor: nothing is left in a buffer for
    the interpreter to fail to flush at exit when the reader has gone (tmux, ``| head -1``).
    A stream with no descriptor (an embedding program's) is written as a stream."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):

        def write_stream(line: str) -> None:
            stream.write(line + "\n")
            stream.flush()

        return write_stream
    encoding = stream.encoding or "utf-8"

    def write(line: str) -> None:
        data = (line + "\n").encode(encoding, "replace")
        while data:
            data = data[os.write(fd, data) :]

    return write


def run(args: argparse.Namespace, log: DebugLog | None = None, source: Source | None = None) -> int:
    """``sot line`` after its options are parsed: the exit status; problems are one line.
    ``source``: the live machine's files unless a test passes its own."""
    try:
        parts = parse_template(args.template)
    except TemplateError as err:
        report(str(err))
        return USAGE_EXIT_CODE
    if source is None:
        live = LineSource(interface=args.net)
        known = live.interfaces() if args.net is not None else None
        if known is not None and args.net not in known:
            report(f"unknown network interface {args.net!r}; known: {', '.join(known) or 'none'}")
            return USAGE_EXIT_CODE
        source = live
    stream = sys.stdout
    if stream is None:
        report("stdout is closed: there is nowhere to print the line")
        return USAGE_EXIT_CODE
    ascii_only = "utf" not in (getattr(stream, "encoding", None) or "").lower()
    try:
        stream.flush()
        write = _writer(stream)
        if not args.follow:
            write(render(parts, sample_once(parts, source, args.window), ascii_only))
            return 0
        import signal

        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _stop)
        follow(parts, source, args.window, args.interval, write, ascii_only=ascii_only)
    except (_Stopped, KeyboardInterrupt):
        # Following, a stop is how it ends, as streams do (sot --format ndjson); once, Ctrl-C
        # during the window is an interruption like any other of sot's.
        return 0 if args.follow else INTERRUPTED_EXIT_CODE
    except BrokenPipeError:
        return 0  # the reader left (tmux closed, `| head -1`): nothing to say
    except OSError as err:
        report(f"cannot write to stdout: {err.strerror or err}")
        return USAGE_EXIT_CODE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """As sot's own parser (sot.cli): one sanitized line, exit 2, no usage dump."""
        report(f"{message} (see 'sot --help')")
        raise SystemExit(USAGE_EXIT_CODE)


def build_parser() -> argparse.ArgumentParser:
    """The parser ``sot line`` gets as a subcommand of sot's (same prog, options and help)."""
    parser = _Parser(prog="sot line")
    add_arguments(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    """``sot line ARGS`` without the rest of sot's command line (see the module's docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except Exception as err:  # the last line of defence, as in sot.cli: one line
        report(f"unexpected error: {type(err).__name__}: {err}")
        return 1
