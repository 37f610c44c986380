"""The terminal: opening it through blessed, the full-screen session, signals and key input.

Everything that touches the tty lives here. blessed is imported lazily (by ``open_terminal``) so
that ``sot --help``, usage errors and plain-text output never pay for it.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import select
import signal
import sys
import termios
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from types import FrameType
from typing import TYPE_CHECKING, Any

from sot.keys import decode_keys
from sot.render.cells import Role
from sot.screen import Sequences

if TYPE_CHECKING:
    import blessed

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_CHARSET_RESETS = ("\x1b(B", "\x0f")  # G0 := ASCII; shift in (use G0)
_PADDING = re.compile(r"\$<[0-9.]+[*/]{0,2}>")
QUERY_TIMEOUT_ENV = "BLESSED_QUERY_TIMEOUT_SECONDS"
# Newer blessed releases wait this long for replies to start-up terminal queries; a terminal that
# never answers must not delay the first frame.
QUERY_TIMEOUT_CAP_S = "0.25"
FALLBACK_KIND = "vt100"

# Errors that mean the terminal is gone (hang-up, closed pty, broken pipe): end the loop.
GONE_ERRNOS = frozenset({errno.EIO, errno.ENXIO, errno.EPIPE, errno.EBADF, errno.ENOTTY})
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
WATCHED_SIGNALS = (*EXIT_SIGNALS, signal.SIGWINCH, signal.SIGTSTP, signal.SIGCONT)


class TerminalGone(Exception):
    """The terminal went away (hang-up, closed pty): nothing more can be shown."""


class NotFullScreen(Exception):
    """This terminal cannot run the full-screen dashboard (no cursor addressing)."""


@dataclass(frozen=True, slots=True)
class OpenedTerminal:
    term: blessed.Terminal
    kind: str
    colors: int
    sequences: Sequences
    enter: str  # alternate screen (if any), cursor hidden, application keypad
    leave: str  # the reverse, leaving a normal screen with a visible cursor
    notes: tuple[str, ...] = field(default=())


def _palette(term: blessed.Terminal, colors: int) -> dict[str, str]:
    """Role letter -> full SGR sequence (reset first, so styles never leak into each other)."""
    # blessed types color() as if it took a name; it takes a colour number.
    painter: Any = term

    def c(number: int) -> str:
        return str(painter.color(number))

    def on(number: int) -> str:
        return str(painter.on_color(number))

    normal = term.normal or ""
    bold = term.bold or ""
    reverse = term.reverse or ""
    if colors >= 256:
        return {
            Role.NORMAL: normal,
            Role.DIM: normal + c(245),
            Role.BORDER: normal + c(240),
            Role.TITLE: normal + bold + c(75),
            Role.HEADER: normal + c(252) + on(236),
            Role.LABEL: normal + c(244),
            Role.VALUE: normal,
            Role.OK: normal + c(71),
            Role.WARN: normal + c(179),
            Role.CRIT: normal + bold + c(167),
            Role.CPU: normal + c(80),
            Role.MEMORY: normal + c(176),
            Role.RX: normal + c(114),
            Role.TX: normal + c(209),
            Role.SELECTED: normal + reverse,
            Role.COLUMN: normal + c(16) + on(110),
            Role.KEY: normal + bold + c(75),
        }
    if colors >= 8:
        bright = 8 if colors >= 16 else 0
        return {
            Role.NORMAL: normal,
            Role.DIM: normal + (c(8) if colors >= 16 else ""),
            Role.BORDER: normal + c(4),
            Role.TITLE: normal + bold + c(6),
            Role.HEADER: normal + reverse,
            Role.LABEL: normal + (c(8) if colors >= 16 else ""),
            Role.VALUE: normal,
            Role.OK: normal + c(2),
            Role.WARN: normal + c(3 + bright),
            Role.CRIT: normal + bold + c(1),
            Role.CPU: normal + c(6),
            Role.MEMORY: normal + c(5),
            Role.RX: normal + c(2),
            Role.TX: normal + c(1 + bright),
            Role.SELECTED: normal + reverse,
            Role.COLUMN: normal + c(0) + on(6),
            Role.KEY: normal + bold,
        }
    # Monochrome (NO_COLOR, --no-color, or a terminal without colours): bold and reverse only.
    return {
        Role.NORMAL: normal,
        Role.DIM: normal,
        Role.BORDER: normal,
        Role.TITLE: normal + bold,
        Role.HEADER: normal + reverse,
        Role.LABEL: normal,
        Role.VALUE: normal,
        Role.OK: normal,
        Role.WARN: normal + bold,
        Role.CRIT: normal + bold,
        Role.CPU: normal,
        Role.MEMORY: normal,
        Role.RX: normal,
        Role.TX: normal,
        Role.SELECTED: normal + reverse,
        Role.COLUMN: normal + reverse,
        Role.KEY: normal + bold,
    }


def _terminfo_exists(kind: str, fd: int) -> bool:
    import curses

    try:
        curses.setupterm(kind, fd)
    except curses.error:
        return False
    return True


def open_terminal(out_fd: int, no_color: bool, environ: dict[str, str]) -> OpenedTerminal:
    """Open the terminal on ``out_fd`` for full-screen use, or raise ``NotFullScreen``.

    ``NO_COLOR`` is hidden from blessed while it starts: blessed would drop every sequence,
    cursor movement included, where no-color.org asks only for no colour. We honour it ourselves
    with the monochrome palette.
    """
    notes: list[str] = []
    kind = environ.get("TERM", "")
    if kind in ("", "dumb"):
        raise NotFullScreen(f"TERM is {kind or 'not set'}")
    if not _terminfo_exists(kind, out_fd):
        notes.append(f"unknown TERM={kind!r}: no terminfo entry; using {FALLBACK_KIND}")
        kind = FALLBACK_KIND
    os.environ.setdefault(QUERY_TIMEOUT_ENV, QUERY_TIMEOUT_CAP_S)
    hidden = {name: os.environ.pop(name) for name in ("NO_COLOR",) if name in os.environ}
    try:
        import blessed

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            term = blessed.Terminal(kind=kind, stream=sys.__stdout__, force_styling=True)
        notes.extend(str(w.message) for w in caught)
    finally:
        os.environ.update(hidden)
    if not term.move_yx(1, 1):
        raise NotFullScreen(f"TERM={kind} has no cursor addressing")
    colors = 0 if no_color else max(0, int(term.number_of_colors))
    sequences = sequences_for(term, colors)
    clear = sequences.clear
    alternate = strip_padding(term.enter_fullscreen or "")
    enter = (
        alternate
        + strip_padding((term.hide_cursor or "") + (term.smkx or ""))
        + "".join(shift for shift in _CHARSET_RESETS if shift in (term.normal or ""))
    )
    # Without an alternate screen the dashboard would stay on the user's screen: clear it.
    leave = strip_padding(
        (term.normal or "")
        + (term.rmkx or "")
        + (term.normal_cursor or "")
        + (term.exit_fullscreen if alternate else clear)
    )
    return OpenedTerminal(term, kind, colors, sequences, enter, leave, tuple(notes))


def sequences_for(term: blessed.Terminal, colors: int) -> Sequences:
    """What the screen writer sends on this terminal, with terminfo delays removed."""
    painter: Any = term  # blessed types parameterized capabilities as taking strings

    # vt100-style entries carry delays in every movement: stripped on each (cached) use.
    def move_yx(y: int, x: int) -> str:
        return strip_padding(term.move_yx(y, x))

    def parameterized(capability: str) -> Callable[[int], str]:
        """A movement by n cells from its parameterized capability only: the one-cell forms
        (cud1 is a newline) can scroll or be translated by the tty."""
        formatter: Any = getattr(term, capability)

        def move(n: int) -> str:
            return strip_padding(str(formatter(n) or "")) if n > 0 else ""

        return lru_cache(maxsize=256)(move) if formatter(1) else lambda n: ""

    clear = strip_padding((term.home or "") + (term.clear or ""))
    # Movements are asked for hundreds of times a frame and blessed formats each through tparm;
    # the same few thousand strings come back, so remember them.
    return Sequences(
        styles={
            role: merge_sgr(strip_padding(seq)) for role, seq in _palette(term, colors).items()
        },
        move=lru_cache(maxsize=16384)(move_yx),
        move_right=parameterized("cuf"),
        clear=clear,
        reset=strip_padding(term.normal or ""),
        scroll_region=lambda top, bottom: strip_padding(str(painter.csr(top, bottom) or "")),
        index=strip_padding(term.ind or ""),
        reverse_index=strip_padding(term.ri or ""),
        move_left=parameterized("cub"),
        move_down=parameterized("cud"),
        move_up=parameterized("cuu"),
        back="\b" if term.cub1 == "\b" else "",
        carriage_return="\r" if term.cr == "\r" else "",
    )


def merge_sgr(sequence: str) -> str:
    """``ESC(B ESC[m ESC[1m ESC[38;5;75m`` -> ``ESC[0;1;38;5;75m``: one SGR instead of three.

    Every style change sends one of these, so on a slow link the bytes add up. The character set
    resets that terminfo puts in sgr0 (G0 designation ``ESC(B`` in xterm's, shift-in ``SI`` in
    screen's and tmux's) are dropped here: sot never switches character sets, and the session
    sends them once on entry.
    """
    rest = sequence
    for shift in _CHARSET_RESETS:
        rest = rest.replace(shift, "")
    params = _SGR.findall(rest)
    if not params or _SGR.sub("", rest):
        return sequence  # not plain SGR (an unusual terminal): send it as terminfo says
    return "\x1b[" + ";".join(p or "0" for p in params) + "m"


def strip_padding(sequence: str) -> str:
    """Remove terminfo delay specs (``$<50>``): curses' tputs would turn them into pauses, but
    blessed hands them over as literal text that would appear on screen."""
    return _PADDING.sub("", sequence) if "$<" in sequence else sequence


def write_all(fd: int, data: bytes) -> int:
    """Write every byte or raise ``TerminalGone``; returns the count."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError as err:
            raise TerminalGone(os.strerror(err.errno or 0)) from err
        view = view[written:]
    return len(data)


class Session:
    """Full-screen mode on a tty: cbreak input, hidden cursor, alternate screen.

    ``leave`` never raises: on a hung-up tty restoring settings fails with EIO, and there is
    nothing left to restore then.
    """

    def __init__(self, opened: OpenedTerminal, in_fd: int, out_fd: int, encoding: str) -> None:
        self._opened = opened
        self._in_fd = in_fd
        self._out_fd = out_fd
        self._encoder = codecs.getincrementalencoder(encoding)(errors="replace")
        self._saved: list[Any] | None = None
        self.active = False

    def enter(self) -> None:
        try:
            self._saved = termios.tcgetattr(self._in_fd)
            mode = termios.tcgetattr(self._in_fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)  # keep ISIG: Ctrl-C/Ctrl-Z are signals
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self._in_fd, termios.TCSANOW, mode)
        except termios.error as err:
            raise TerminalGone(f"cannot set terminal mode: {err}") from err
        self.active = True
        self.write(self._opened.enter)

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        with contextlib.suppress(TerminalGone):
            self.write(self._opened.leave)
        if self._saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._in_fd, termios.TCSADRAIN, self._saved)

    def write(self, text: str) -> int:
        if not text:
            return 0
        return write_all(self._out_fd, self._encoder.encode(text))

    def size(self) -> tuple[int, int]:
        try:
            size = os.get_terminal_size(self._out_fd)
        except OSError as err:
            raise TerminalGone(f"cannot read terminal size: {err}") from err
        return size.columns, size.lines

    def is_foreground(self) -> bool:
        try:
            return os.tcgetpgrp(self._in_fd) == os.getpgrp()
        except OSError:
            return True


@dataclass(frozen=True, slots=True)
class Events:
    keys: tuple[str, ...] = ()
    signals: tuple[int, ...] = ()
    hangup: bool = False


def _ignore_signal(signum: int, frame: FrameType | None) -> None:
    """Signals are read from the wake-up pipe; the handler only has to exist."""


class EventSource:
    """Waits for keys and signals together: ``poll`` on the keyboard fd and a wake-up pipe.

    Signal handlers do nothing; ``signal.set_wakeup_fd`` writes each signal's number into the pipe,
    so the loop learns of SIGTERM or SIGWINCH at once, however long the interval is.
    """

    def __init__(self, in_fd: int) -> None:
        self._in_fd = in_fd
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._previous: dict[int, Any] = {}
        self._pipe: tuple[int, int] | None = None
        self._old_wakeup = -1

    def __enter__(self) -> EventSource:
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        self._pipe = (read_end, write_end)
        self._old_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in WATCHED_SIGNALS:
            # Started under nohup (SIGHUP ignored): keep it ignored, as the user asked. A terminal
            # that goes away still ends sot, through POLLHUP/EIO on the keyboard.
            if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
                continue
            self._previous[signum] = signal.signal(signum, _ignore_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, handler)
        signal.set_wakeup_fd(self._old_wakeup)
        if self._pipe is not None:
            for fd in self._pipe:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._pipe = None

    @contextlib.contextmanager
    def default_stop(self) -> Iterator[None]:
        """Let SIGTSTP stop the process as usual while inside this block (for suspend)."""
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        try:
            yield
        finally:
            signal.signal(signal.SIGTSTP, _ignore_signal)

    def wait(self, timeout_s: float | None) -> Events:
        """Keys typed and signals received within ``timeout_s`` (``None``: until something
        happens); returns at the first event."""
        assert self._pipe is not None, "EventSource used outside its with-block"
        poller = select.poll()
        poller.register(self._in_fd, select.POLLIN | select.POLLPRI)
        poller.register(self._pipe[0], select.POLLIN)
        timeout_ms = None if timeout_s is None else max(0, int(timeout_s * 1000 + 0.999))
        ready = poller.poll(timeout_ms)
        keys: list[str] = []
        signals: list[int] = []
        hangup = False
        for fd, flags in ready:
            if fd == self._pipe[0]:
                signals.extend(self._drain_pipe())
                continue
            if flags & select.POLLIN:
                try:
                    data = os.read(self._in_fd, 4096)
                except OSError as err:
                    if err.errno in GONE_ERRNOS:
                        hangup = True
                        continue
                    raise
                if not data:
                    hangup = True
                    continue
                keys.extend(decode_keys(self._decoder.decode(data)))
            elif flags & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                hangup = True
        return Events(tuple(keys), tuple(signals), hangup)

    def _drain_pipe(self) -> list[int]:
        assert self._pipe is not None
        received: list[int] = []
        while True:
            try:
                chunk = os.read(self._pipe[0], 512)
            except BlockingIOError:
                break
            if not chunk:
                break
            received.extend(chunk)
        return received
