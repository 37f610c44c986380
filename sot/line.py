"""``sot line``: one short line of figures for a tmux status bar or a shell prompt.

``sot line '{cpu}% {mem}%'`` fills a template's fields (``sot.line_template``) from one reading
(two, a short window apart, where a field is a rate) and prints it. tmux runs it every few
seconds (``#(sot line)``), so start-up is its cost. Hence: this module is outside ``sot.commands``
(whose package imports every command: tens of milliseconds); ``sot.main`` dispatches ``sot line``
here before building sot's command line; a plainly valid command line is read without argparse
(10 ms to import, 5 more to build the parser), which still parses everything else, help and
errors included, so those are the same whichever way sot line was started; and nothing here
imports psutil, blessed or the collector. The numbers are read by ``sot.collect.line_source``.

The output is plain text, one line ending in a newline: no colour, no escape sequences; what the
system names (host, interface) is sanitized like everything sot prints.
"""

from __future__ import annotations

import os
import sys
import time

from sot.collect.line_source import LineReading, LineSource
from sot.line_template import (
    FIELDS,
    Part,
    TemplateError,
    Window,
    kinds_of,
    needs_window,
    parse_template,
    render,
)
from sot.safe_text import report

# typing.TYPE_CHECKING without importing typing: typing and the re it imports cost about 10 ms,
# a third of sot line's start-up (see sot.collect.line_source); mypy knows the name.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import NoReturn, Protocol, TextIO

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
USAGE_EXIT_CODE = 2
INTERRUPTED_EXIT_CODE = 130  # sot.INTERRUPTED_EXIT_CODE: Ctrl-C in a one-shot run


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
    first_s = window_s if needs_window(parts) else 0.0
    # With no window (--window 0), the first rates are unknown rather than measured over the
    # microseconds between two reads, where one packet would read as megabytes a second.
    previous = source.read(kinds) if first_s > 0 else None
    previous_at = started
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


class Options:
    """``sot line``'s options, however they were read."""

    __slots__ = ("follow", "interval_s", "net", "template", "window_s")

    def __init__(
        self,
        template: str = DEFAULT_TEMPLATE,
        net: str | None = None,
        window_s: float = DEFAULT_WINDOW_S,
        follow: bool = False,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.template = template
        self.net = net
        self.window_s = window_s
        self.follow = follow
        self.interval_s = interval_s


def seconds(text: str, minimum: float) -> float | None:
    """``text`` as seconds from ``minimum`` to MAX_SECONDS; None if it is not (nan included)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if minimum <= value <= MAX_SECONDS else None


WINDOW_MIN_S = 0.0
INTERVAL_MIN_S = 0.1
# Options taking a value, as the fast reader knows them: (field of Options, least value).
_VALUED = {
    "--window": ("window_s", WINDOW_MIN_S),
    "-i": ("interval_s", INTERVAL_MIN_S),
    "--interval": ("interval_s", INTERVAL_MIN_S),
}


def quick_options(argv: Sequence[str]) -> Options | None:
    """``argv`` read without argparse where it is plainly valid: a template that does not start
    with ``-``, ``--follow``, and ``--window``, ``-i``/``--interval``, ``--net`` with a value
    (``--net eth0`` or ``--net=eth0``). Anything else (help, abbreviations, ``--``, a value
    starting with ``-``, a bad number, a second template) is None: argparse decides, with its
    own messages. A test checks both readers agree wherever this one answers."""
    found = Options()
    template: str | None = None
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg == "--follow":
            found.follow = True
            continue
        if not arg.startswith("-"):
            if template is not None:
                return None
            template = found.template = arg
            continue
        name, equals, value = arg.partition("=")
        if name != "--net" and name not in _VALUED:
            return None
        if not equals:
            if index >= len(argv):
                return None
            value = argv[index]
            index += 1
        if value.startswith("-"):
            return None
        if name == "--net":
            found.net = value
            continue
        field, minimum = _VALUED[name]
        number = seconds(value, minimum)
        if number is None:
            return None
        setattr(found, field, number)
    return found


def _seconds_type(minimum: float) -> Callable[[str], float]:
    import argparse

    def parse(text: str) -> float:
        value = seconds(text, minimum)
        if value is None:
            raise argparse.ArgumentTypeError(
                f"{text}: must be a number of seconds from {minimum:g} to {MAX_SECONDS:g}"
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
    import argparse

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
        type=_seconds_type(WINDOW_MIN_S),
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
        type=_seconds_type(INTERVAL_MIN_S),
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help="with --follow: seconds between lines (default: %(default)s)",
    )


def options_from(args: argparse.Namespace) -> Options:
    return Options(args.template, args.net, args.window, args.follow, args.interval)


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


def run(args: argparse.Namespace, log: DebugLog | None = None) -> int:
    """``sot line`` as a subcommand of sot's command line (``sot --log FILE line ...``): the
    log gets a start line, as other commands', and the problems reported."""
    options = options_from(args)
    if log is not None:
        from sot import __version__

        log.write(f"sot {__version__} line starting: {describe(options)}")
    return run_options(options, log=log)


def describe(options: Options) -> str:
    """The options, for the log (the template is the user's own text; nothing secret here)."""
    how = f"follow, every {options.interval_s:g}s" if options.follow else "once"
    return (
        f"template {options.template!r}, interface {options.net or 'of the default route'}, "
        f"window {options.window_s:g}s, {how}"
    )


def run_options(options: Options, source: Source | None = None, log: DebugLog | None = None) -> int:
    """``sot line`` after its options are read: the exit status; problems are one line (and a
    line in ``log`` where there is one). ``source``: the live machine's files unless a test
    passes its own."""

    def problem(message: str) -> int:
        if log is not None:
            log.write(message)
        report(message)
        return USAGE_EXIT_CODE

    try:
        parts = parse_template(options.template)
    except TemplateError as err:
        return problem(str(err))
    if source is None:
        live = LineSource(interface=options.net)
        known = live.interfaces() if options.net is not None else None
        if known is not None and options.net not in known:
            return problem(
                f"unknown network interface {options.net!r}; known: {', '.join(known) or 'none'}"
            )
        source = live
    stream = sys.stdout
    if stream is None:
        return problem("stdout is closed: there is nowhere to print the line")
    ascii_only = "utf" not in (getattr(stream, "encoding", None) or "").lower()
    try:
        stream.flush()
        write = _writer(stream)
        if not options.follow:
            write(render(parts, sample_once(parts, source, options.window_s), ascii_only))
            return 0
        import signal

        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _stop)
        follow(parts, source, options.window_s, options.interval_s, write, ascii_only=ascii_only)
    except (_Stopped, KeyboardInterrupt):
        # Following, a stop is how it ends, as streams do (sot --format ndjson); once, Ctrl-C
        # during the window is an interruption like any other of sot's.
        return 0 if options.follow else INTERRUPTED_EXIT_CODE
    except BrokenPipeError:
        return 0  # the reader left (tmux closed, `| head -1`): nothing to say
    except OSError as err:
        return problem(f"cannot write to stdout: {err.strerror or err}")


def build_parser() -> argparse.ArgumentParser:
    """The parser ``sot line`` gets as a subcommand of sot's (same prog, options and help)."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            """As sot's own parser (sot.cli): one sanitized line, exit 2, no usage dump."""
            report(f"{message} (see 'sot --help')")
            raise SystemExit(USAGE_EXIT_CODE)

    parser = Parser(prog="sot line")
    add_arguments(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    """``sot line ARGS`` without the rest of sot's command line (see the module's docstring)."""
    options = quick_options(argv)
    if options is None:
        options = options_from(build_parser().parse_args(argv))
    try:
        return run_options(options)
    except Exception as err:  # the last line of defence, as in sot.cli: one line
        report(f"unexpected error: {type(err).__name__}: {err}")
        return 1
