"""Writing to a terminal that takes nothing (Ctrl-S, a stalled link) never outwaits a signal."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import termios
from collections.abc import Iterator

import pytest

from sot.events import EventSource
from sot.terminal import (
    ExitSignal,
    OutputStalled,
    Session,
    open_output,
    write_all,
)


@pytest.fixture
def full_pipe() -> Iterator[int]:
    """The write end of a pipe nobody reads, already full: the next write would block."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        while True:
            os.write(write_end, b"x" * 65536)
    except BlockingIOError:
        pass
    try:
        yield write_end
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.fixture
def keyboard() -> Iterator[int]:
    fd = os.open(os.devnull, os.O_RDONLY)
    yield fd
    os.close(fd)


def test_an_exit_signal_ends_a_blocked_write(full_pipe: int, keyboard: int) -> None:
    with EventSource(keyboard) as events:
        os.kill(os.getpid(), signal.SIGWINCH)  # not an exit signal: the write keeps waiting...
        os.kill(os.getpid(), signal.SIGTERM)  # ...but this one ends it
        with pytest.raises(ExitSignal) as raised:
            write_all(full_pipe, b"frame", events)
        assert raised.value.signum == signal.SIGTERM
        # Both stay for the loop to see; nothing read from the pipe is lost.
        assert events.wait(0).signals == (signal.SIGWINCH, signal.SIGTERM)


def test_a_write_with_a_time_limit_gives_up(full_pipe: int) -> None:
    with pytest.raises(OutputStalled):
        write_all(full_pipe, b"leave the alternate screen", None, timeout_s=0.0)


def test_output_is_written_whole_when_the_terminal_takes_it() -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        assert write_all(write_end, b"abc" * 1000) == 3000
        assert len(os.read(read_end, 10000)) == 3000
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_output_fd_is_non_blocking_and_the_shared_one_untouched() -> None:
    master, slave = pty.openpty()
    try:
        assert os.get_blocking(slave)
        fd, give_back = open_output(slave)
        assert fd != slave and not os.get_blocking(fd)
        assert os.get_blocking(slave)  # the shell's open file keeps its flags
        give_back()
        with pytest.raises(OSError):
            os.fstat(fd)
    finally:
        os.close(master)
        os.close(slave)


def test_where_the_tty_cannot_be_opened_again_the_shared_fd_is_restored() -> None:
    read_end, write_end = os.pipe()  # no name to open again, as a tty owned by another user
    try:
        fd, give_back = open_output(write_end)
        assert fd == write_end and not os.get_blocking(fd)
        give_back()
        assert os.get_blocking(write_end)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_wait_longer_than_poll_can_express_is_capped(keyboard: int) -> None:
    # --duration 2.2e6 and a pause asked poll() for 2.2e9 ms, more than its C int holds.
    with EventSource(keyboard) as events:
        os.kill(os.getpid(), signal.SIGWINCH)
        assert events.wait(2.2e6).signals == (signal.SIGWINCH,)
        os.kill(os.getpid(), signal.SIGWINCH)
        assert events.wait(1e300).signals == (signal.SIGWINCH,)


def fill_until_no_room(fd: int) -> None:
    """Write until the pty has had no room for 0.3 s (its buffers fill in steps, as the
    kernel moves data along behind the writes)."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while True:
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(fd, b"frame " * 1000)
        if not poller.poll(300):
            return


def test_leaving_a_busy_terminal_drops_the_unsent_frame_to_restore_the_screen() -> None:
    master, slave = pty.openpty()
    mode = termios.tcgetattr(slave)
    mode[1] &= ~termios.OPOST  # bytes through as they are, as in a raw link
    termios.tcsetattr(slave, termios.TCSANOW, mode)
    fd, give_back = open_output(slave)
    try:
        fill_until_no_room(fd)  # a link slower than sot: nobody reads
        Session._restore_screen(fd, b"LEAVE")
        os.set_blocking(master, False)
        received = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(master, 65536):
                received += chunk
        assert received.endswith(b"LEAVE")
    finally:
        give_back()
        os.close(master)
        os.close(slave)
