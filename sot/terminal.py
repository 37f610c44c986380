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
import sys
import termios
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from sot.render.palettes import colour_depth, role_styles, style_sgr
from sot.screen import Sequences
from sot.themes import DEFAULT_THEME

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
# Read by blessed from os.environ as it starts, but decided by sot (see ``open_terminal``).
_HIDDEN_FROM_BLESSED = ("NO_COLOR", "COLORTERM")
# How long restoring the terminal may wait for it to take output (Ctrl-S, a stalled link) when
# sot is leaving: a signal must end sot promptly even then.
LEAVE_TIMEOUT_S = 0.1

# Errors that mean the terminal is gone (hang-up, closed pty, broken pipe): end the loop.
GONE_ERRNOS = frozenset({errno.EIO, errno.ENXIO, errno.EPIPE, errno.EBADF, errno.ENOTTY})


class TerminalGone(Exception):
    """The terminal went away (hang-up, closed pty): nothing more can be shown."""


class NotFullScreen(Exception):
    """This terminal cannot run the full-screen dashboard (no cursor addressing)."""


@dataclass(frozen=True, slots=True)
class OpenedTerminal:
    term: blessed.Terminal
    kind: str
    colors: int  # the colour depth drawn with: sot.render.palettes.DEPTHS (0: monochrome)
    sequences: Sequences
    enter: str  # alternate screen (if any), cursor hidden, application keypad
    leave: str  # the reverse, leaving a normal screen with a visible cursor
    notes: tuple[str, ...] = field(default=())


def _styles(term: blessed.Terminal, depth: int, theme: str) -> dict[str, str]:
    """Role letter -> its SGR sequence in ``theme`` (``sot.render.palettes``). These are the
    ECMA-48 sequences that every terminal with colours speaks; a terminal whose terminfo has
    no attribute reset (sgr0) gets none at all, and one without bold or reverse does
    without that attribute."""
    if not term.normal:
        return dict.fromkeys(role_styles(theme, 0), "")
    has_bold, has_reverse = bool(term.bold), bool(term.reverse)
    return {
        role: style_sgr(
            replace(style, bold=style.bold and has_bold, reverse=style.reverse and has_reverse),
            depth,
        )
        for role, style in role_styles(theme, depth).items()
    }


def _terminfo_exists(kind: str, fd: int) -> bool:
    import curses

    try:
        curses.setupterm(kind, fd)
    except curses.error:
        return False
    return True


def _terminfo_colors() -> int:
    """The colour count in the terminfo entry set up (``colors``; 0 where it has none). Read
    here, not from blessed, whose count is 2**24 whenever ``COLORTERM`` says truecolor: the
    terminal's own count must be known for ``colour_depth`` to weigh COLORTERM against it."""
    import curses

    try:
        return max(0, curses.tigetnum("colors"))
    except curses.error:
        return 0


def open_terminal(
    out_fd: int, no_color: bool, environ: dict[str, str], theme: str
) -> OpenedTerminal:
    """Open the terminal on ``out_fd`` for full-screen use, or raise ``NotFullScreen``.

    ``NO_COLOR`` is hidden from blessed while it starts: blessed would drop every sequence,
    cursor movement included, where no-color.org asks only for no colour. We honour it ourselves
    with the monochrome palette, whatever ``theme`` says. ``COLORTERM`` is hidden too: blessed
    would take it as 2**24 colours on any terminal, GNU screen and the 8-colour console
    included. The colour depth is decided in one place, ``sot.render.palettes.colour_depth``,
    from terminfo's colour count and ``environ`` (COLORTERM, STY).
    """
    notes: list[str] = []
    kind = environ.get("TERM", "")
    if kind in ("", "dumb"):
        raise NotFullScreen(f"TERM is {kind or 'not set'}")
    if not _terminfo_exists(kind, out_fd):
        notes.append(f"unknown TERM={kind!r}: no terminfo entry; using {FALLBACK_KIND}")
        kind = FALLBACK_KIND
    os.environ.setdefault(QUERY_TIMEOUT_ENV, QUERY_TIMEOUT_CAP_S)
    hidden = {name: os.environ.pop(name) for name in _HIDDEN_FROM_BLESSED if name in os.environ}
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
    colors = 0 if no_color else colour_depth(_terminfo_colors(), environ)
    sequences = sequences_for(term, colors, theme)
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


def sequences_for(term: blessed.Terminal, colors: int, theme: str = DEFAULT_THEME) -> Sequences:
    """What the screen writer sends on this terminal, with terminfo delays removed; ``colors``
    is the colour depth (``sot.render.palettes.DEPTHS``)."""
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
        styles=_styles(term, colors, theme),
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
        erase=parameterized("ech"),
        clear_to_end=strip_padding(term.clear_eol or ""),
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


class ExitSignal(Exception):
    """SIGTERM, SIGHUP or SIGINT arrived while sot waited to write: leave now."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"received signal {signum}")
        self.signum = signum


class OutputStalled(Exception):
    """The terminal took no output within the time allowed (restoring it on the way out)."""


class Interrupt(Protocol):
    """What a blocked write watches besides the terminal: the signal wake-up pipe."""

    @property
    def wake_fd(self) -> int: ...
    def exit_signal(self) -> int | None: ...


def write_all(
    fd: int, data: bytes, interrupt: Interrupt | None = None, timeout_s: float | None = None
) -> int:
    """Write every byte to the non-blocking ``fd``; returns the count.

    While the terminal takes nothing (output stopped with Ctrl-S, a stalled link), wait in
    ``poll`` for room or a signal, so SIGTERM or SIGHUP end sot at once instead of queueing
    behind a write that the kernel would resume forever. Raises ``ExitSignal``,
    ``OutputStalled`` after ``timeout_s``, or ``TerminalGone``.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            _wait_writable(fd, interrupt, deadline)
            continue
        except InterruptedError:
            continue
        except OSError as err:
            raise TerminalGone(os.strerror(err.errno or 0)) from err
        view = view[written:]
    return len(data)


def _wait_writable(fd: int, interrupt: Interrupt | None, deadline: float | None) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    if interrupt is not None:
        poller.register(interrupt.wake_fd, select.POLLIN)
    while True:
        signum = interrupt.exit_signal() if interrupt is not None else None
        if signum is not None:
            raise ExitSignal(signum)
        timeout_ms = None
        if deadline is not None:
            timeout_ms = max(0, int((deadline - time.monotonic()) * 1000))
        ready = poller.poll(timeout_ms)
        if not ready and deadline is not None and time.monotonic() >= deadline:
            raise OutputStalled("the terminal took no output in time")
        if any(ready_fd == fd for ready_fd, _ in ready):
            return  # room, or an error the next write reports


def open_output(out_fd: int) -> tuple[int, Callable[[], None]]:
    """A non-blocking fd for writing to the terminal on ``out_fd``, and how to give it back.

    The tty is opened again, so O_NONBLOCK is set on sot's own open file only: stdout shares
    its open file with the shell, which would find it non-blocking after sot (or after a
    SIGKILL). Where the tty cannot be opened again (``su`` to another user leaves it owned by
    the first), the shared one is made non-blocking and restored on the way out.
    """
    try:
        fd = os.open(os.ttyname(out_fd), os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        fd = -1
    if fd >= 0:
        if os.fstat(fd).st_rdev == os.fstat(out_fd).st_rdev:
            return fd, lambda: os.close(fd)
        os.close(fd)  # another terminal by that name (a namespace): use the one we were given
    was_blocking = os.get_blocking(out_fd)
    os.set_blocking(out_fd, False)
    return out_fd, lambda: os.set_blocking(out_fd, was_blocking)


class Session:
    """Full-screen mode on a tty: cbreak input, hidden cursor, alternate screen.

    Output goes through a non-blocking fd (``open_output``), and a write that has to wait
    watches ``interrupt`` for exit signals. ``leave`` never raises and never blocks for long: on
    a hung-up tty restoring settings fails with EIO, and with output stopped (Ctrl-S) the
    restoring sequence waits at most ``LEAVE_TIMEOUT_S``.
    """

    def __init__(
        self,
        opened: OpenedTerminal,
        in_fd: int,
        out_fd: int,
        encoding: str,
        interrupt: Interrupt | None = None,
    ) -> None:
        self._opened = opened
        self._in_fd = in_fd
        self._out_fd = out_fd
        self._interrupt = interrupt
        self._encoder = codecs.getincrementalencoder(encoding)(errors="replace")
        self._saved: list[Any] | None = None
        self._output: tuple[int, Callable[[], None]] | None = None
        self.active = False

    def enter(self) -> None:
        try:
            self._saved = termios.tcgetattr(self._in_fd)
            mode = termios.tcgetattr(self._in_fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)  # keep ISIG: Ctrl-C/Ctrl-Z are signals
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self._in_fd, termios.TCSANOW, mode)
            self._output = open_output(self._out_fd)
        except (termios.error, OSError) as err:
            raise TerminalGone(f"cannot set terminal mode: {err}") from err
        self.active = True
        self.write(self._opened.enter)

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        if self._output is not None:
            self._restore_screen(self._output[0], self._encode(self._opened.leave))
            with contextlib.suppress(OSError):
                self._output[1]()
            self._output = None
        if self._saved is not None:
            # TCSANOW, not TCSADRAIN: draining waits for output that Ctrl-S may hold forever,
            # and only input modes change here, which queued output does not depend on.
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._in_fd, termios.TCSANOW, self._saved)

    @staticmethod
    def _restore_screen(fd: int, leave: bytes) -> None:
        """Send the restoring sequence, waiting ``LEAVE_TIMEOUT_S`` at most. A terminal still busy
        with a frame (a slow link) has what it did not take yet thrown away to make room; one
        whose output is stopped (Ctrl-S) gets nothing, since nothing can reach it."""
        try:
            write_all(fd, leave, None, LEAVE_TIMEOUT_S)
        except TerminalGone:
            return
        except OutputStalled:
            with contextlib.suppress(termios.error, OSError):
                termios.tcflush(fd, termios.TCOFLUSH)
            with contextlib.suppress(TerminalGone, OutputStalled):
                write_all(fd, leave, None, 0.0)

    def write(self, text: str) -> int:
        if not text:
            return 0
        fd = self._output[0] if self._output is not None else self._out_fd
        return write_all(fd, self._encode(text), self._interrupt)

    def _encode(self, text: str) -> bytes:
        return self._encoder.encode(text)

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


class KeysWithoutEcho:
    """Single keys, read as typed (no Enter) and not echoed, on a terminal left as it is
    otherwise (no full screen): for questions such as ``sot clean``'s. ISIG stays on, so
    Ctrl-C is still SIGINT; the settings are restored on every way out, a signal included,
    and for the time of ``paused()`` (Ctrl-Z: the shell gets its terminal back)."""

    def __init__(self, in_fd: int) -> None:
        self._in_fd = in_fd
        self._saved: list[Any] | None = None

    def __enter__(self) -> KeysWithoutEcho:
        try:
            self._saved = termios.tcgetattr(self._in_fd)
            mode = termios.tcgetattr(self._in_fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self._in_fd, termios.TCSANOW, mode)
        except (termios.error, OSError) as err:
            raise TerminalGone(f"cannot set terminal mode: {err}") from err
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._in_fd, termios.TCSANOW, self._saved)
            self._saved = None

    def is_foreground(self) -> bool:
        try:
            return os.tcgetpgrp(self._in_fd) == os.getpgrp()
        except OSError:
            return True

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.__exit__()
        try:
            yield
        finally:
            self.__enter__()
