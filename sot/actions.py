"""Sending signals to processes, safely: the one place sot acts on the system.

Before sending, the target PID must still belong to the process the user selected (same start
time); where the platform has pidfds, the check and the send go through one pidfd so a PID reused
in between cannot receive the signal.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# The signals offered by the `s` menu, in menu order.
SIGNAL_CHOICES: tuple[tuple[str, int], ...] = (
    ("HUP", signal.SIGHUP),
    ("INT", signal.SIGINT),
    ("TERM", signal.SIGTERM),
    ("KILL", signal.SIGKILL),
    ("STOP", signal.SIGSTOP),
    ("CONT", signal.SIGCONT),
    ("USR1", signal.SIGUSR1),
    ("USR2", signal.SIGUSR2),
)
START_TIME_TOLERANCE_S = 0.01  # start times are derived from clock ticks since boot


@dataclass(frozen=True, slots=True)
class PendingSignal:
    pid: int
    start_time_epoch_s: float | None
    name: str
    signum: int

    @property
    def signal_name(self) -> str:
        return signal_name(self.signum)


def is_signal(signum: int) -> bool:
    """Whether ``signum`` is a signal this system has (0, which only probes, is not)."""
    return signum in signal.valid_signals()


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class ProcessControl(Protocol):
    """The system calls the guard needs; a fake stands in for them in tests."""

    def start_time(self, pid: int) -> float | None: ...  # None: no such process
    def open_handle(self, pid: int) -> int | None: ...  # a pidfd, or None without pidfd support
    def send(self, pid: int, handle: int | None, signum: int) -> None: ...
    def close(self, handle: int) -> None: ...


class OsProcessControl:
    """The real thing: pidfd_open + pidfd_send_signal where available, else kill(2)."""

    def __init__(self, start_time: Callable[[int], float | None]) -> None:
        self._start_time = start_time

    def start_time(self, pid: int) -> float | None:
        return self._start_time(pid)

    def open_handle(self, pid: int) -> int | None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is None or not hasattr(signal, "pidfd_send_signal"):
            return None
        try:
            return int(pidfd_open(pid))
        except OSError as err:
            if err.errno in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
                return None  # an older kernel or a sandbox without pidfds: fall back to kill
            raise

    def send(self, pid: int, handle: int | None, signum: int) -> None:
        if handle is not None:
            signal.pidfd_send_signal(handle, signum)
        else:
            os.kill(pid, signum)

    def close(self, handle: int) -> None:
        with contextlib.suppress(OSError):
            os.close(handle)


def refusal(pid: int, own_pid: int) -> str | None:
    """Why sot will not signal ``pid`` at all, or None."""
    if pid == 1:
        return "refusing to signal PID 1 (init): that would take the whole system down"
    if pid == own_pid:
        return "refusing to signal sot itself: press q to quit"
    if pid <= 0:
        return f"refusing to signal PID {pid}: that would reach a whole process group"
    return None


def send_signal(pending: PendingSignal, control: ProcessControl, own_pid: int) -> str:
    """Send the pending signal if it is still safe to; returns the line for the status bar."""
    refused = refusal(pending.pid, own_pid)
    if refused is not None:
        return refused
    label = f"{pending.signal_name} to {pending.pid} ({pending.name})"
    handle: int | None = None
    try:
        # Open the handle before checking the start time: if the check passes, the handle is
        # known to point at the selected process, whatever happens to the PID afterwards.
        handle = control.open_handle(pending.pid)
        started = control.start_time(pending.pid)
        if started is None:
            return f"not sent: process {pending.pid} already exited"
        expected = pending.start_time_epoch_s
        if expected is None or abs(started - expected) > START_TIME_TOLERANCE_S:
            return f"not sent: PID {pending.pid} now belongs to another process"
        control.send(pending.pid, handle, pending.signum)
    except ProcessLookupError:
        return f"not sent: process {pending.pid} already exited"
    except PermissionError:
        return f"{label}: permission denied: run sot as the owner or root"
    except OSError as err:
        return f"{label} failed: {err.strerror or err}"
    finally:
        if handle is not None:
            control.close(handle)
    return f"sent {label}"
