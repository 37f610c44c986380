"""Waiting for what the loop reacts to: keys from the terminal and signals, together, with
``poll`` on the keyboard and a signal wake-up pipe."""

from __future__ import annotations

import codecs
import contextlib
import os
import select
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from sot.keys import decode_keys
from sot.terminal import GONE_ERRNOS, Session

# The longest single wait: poll() takes a C int of milliseconds (24.8 days), and a --duration or a
# paused dashboard can ask for longer. The loop wakes, finds nothing due, and waits again.
MAX_WAIT_S = 3600.0
INPUT_READ_BYTES = 65536
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
WATCHED_SIGNALS = (*EXIT_SIGNALS, signal.SIGWINCH, signal.SIGTSTP, signal.SIGCONT)


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
        # Signals read from the pipe by a blocked write (``exit_signal``) and not yet handed to
        # the loop by ``wait``.
        self._pending: list[int] = []

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

    @property
    def wake_fd(self) -> int:
        """Readable when a signal has arrived (for a write that must not outwait one)."""
        assert self._pipe is not None, "EventSource used outside its with-block"
        return self._pipe[0]

    def exit_signal(self) -> int | None:
        """An exit signal (SIGTERM, SIGHUP, SIGINT) received and not yet handled, or None;
        other signals stay pending for ``wait``."""
        self._pending.extend(self._drain_pipe())
        return next((signum for signum in self._pending if signum in EXIT_SIGNALS), None)

    def wait(self, timeout_s: float | None) -> Events:
        """Keys typed and signals received within ``timeout_s`` (``None``: until something
        happens); returns at the first event."""
        assert self._pipe is not None, "EventSource used outside its with-block"
        poller = select.poll()
        poller.register(self._in_fd, select.POLLIN | select.POLLPRI)
        poller.register(self._pipe[0], select.POLLIN)
        timeout_ms = None
        if timeout_s is not None:
            timeout_ms = max(0, int(min(timeout_s, MAX_WAIT_S) * 1000 + 0.999))
        if self._pending:
            timeout_ms = 0  # signals already in hand: report them now
        ready = poller.poll(timeout_ms)
        keys: list[str] = []
        signals, self._pending = self._pending, []
        hangup = False
        for fd, flags in ready:
            if fd == self._pipe[0]:
                signals.extend(self._drain_pipe())
                continue
            if flags & select.POLLIN:
                try:
                    # Everything typed or pasted since the last wait, in one read: keys are
                    # handled per read, not per byte.
                    data = os.read(self._in_fd, INPUT_READ_BYTES)
                except BlockingIOError:
                    continue  # stdin shares a non-blocking open file with the output
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


def suspend(session: Session, events: EventSource) -> None:
    """Ctrl-Z: give the terminal back, stop, and take it again when continued in the
    foreground (``bg`` leaves sot stopped rather than fighting the shell for the tty)."""
    session.leave()
    with events.default_stop():
        os.kill(os.getpid(), signal.SIGTSTP)
    while not session.is_foreground():
        os.kill(os.getpid(), signal.SIGSTOP)
    session.enter()
