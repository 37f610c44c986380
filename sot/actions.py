"""Sending signals to processes and changing their nice value, safely: the one place sot acts
on the system.

Before sending, the target PID must still belong to the process the user selected (same start
time); where the platform has pidfds, the check and the send go through one pidfd so a PID reused
in between cannot receive the signal. Renicing checks the start time the same way (there is no
pidfd form of setpriority, so the window between check and change is only narrowed, not closed).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

NICE_MIN = -20  # the highest priority
NICE_MAX = 19  # the lowest

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


class PriorityControl(Protocol):
    """The system calls renicing needs; a fake stands in for them in tests."""

    def start_time(self, pid: int) -> float | None: ...  # None: no such process
    def nice(self, pid: int) -> int: ...  # raises ProcessLookupError when gone
    def set_nice(self, pid: int, nice: int) -> None: ...


class SystemControl(ProcessControl, PriorityControl, Protocol):
    """Everything the loop acts on processes with."""


class OsProcessControl:
    """The real thing: pidfd_open + pidfd_send_signal where available, else kill(2);
    getpriority / setpriority for the nice value (of the process's main thread, as htop and
    renice(1) do)."""

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

    def nice(self, pid: int) -> int:
        return os.getpriority(os.PRIO_PROCESS, pid)

    def set_nice(self, pid: int, nice: int) -> None:
        os.setpriority(os.PRIO_PROCESS, pid, nice)


def refusal(pid: int, own_pid: int) -> str | None:
    """Why sot will not signal ``pid`` at all, or None."""
    if pid == 1:
        return "refusing to signal PID 1 (init): that would take the whole system down"
    if pid == own_pid:
        return "refusing to signal sot itself: quit it instead (its key, or Ctrl-C)"
    if pid <= 0:
        return f"refusing to signal PID {pid}: that would reach a whole process group"
    return None


class Result(Enum):
    """How one action on one process ended: the status line counts these for several."""

    DONE = "done"
    GONE = "gone"  # exited, or its PID now belongs to another process
    DENIED = "denied"
    REFUSED = "refused"  # PID 1, sot itself, a process group
    FAILED = "failed"
    AT_LIMIT = "at the limit"  # renice: already at nice -20 or 19


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    message: str  # the status line's words when this was the only process
    nice: int | None = None  # renice: the value set


def _changed(
    pid: int, started: float | None, expected: float | None, not_done: str
) -> Outcome | None:
    """GONE where ``pid`` is no longer the process that was chosen (started at ``expected``):
    it exited (``started`` None), or its PID now belongs to another; None where it still is."""
    if started is None:
        return Outcome(Result.GONE, f"{not_done}: process {pid} already exited")
    if expected is None or abs(started - expected) > START_TIME_TOLERANCE_S:
        return Outcome(Result.GONE, f"{not_done}: PID {pid} now belongs to another process")
    return None


def deliver(pending: PendingSignal, control: ProcessControl, own_pid: int) -> Outcome:
    """Send the pending signal if it is still safe to."""
    refused = refusal(pending.pid, own_pid)
    if refused is not None:
        return Outcome(Result.REFUSED, refused)
    label = f"{pending.signal_name} to {pending.pid} ({pending.name})"
    exited = Outcome(Result.GONE, f"not sent: process {pending.pid} already exited")
    handle: int | None = None
    try:
        # Open the handle before checking the start time: if the check passes, the handle is
        # known to point at the selected process, whatever happens to the PID afterwards.
        handle = control.open_handle(pending.pid)
        changed = _changed(
            pending.pid, control.start_time(pending.pid), pending.start_time_epoch_s, "not sent"
        )
        if changed is not None:
            return changed
        control.send(pending.pid, handle, pending.signum)
    except ProcessLookupError:
        return exited
    except PermissionError:
        message = f"{label}: permission denied: run sot as the owner or root"
        return Outcome(Result.DENIED, message)
    except OSError as err:
        return Outcome(Result.FAILED, f"{label} failed: {err.strerror or err}")
    finally:
        if handle is not None:
            control.close(handle)
    return Outcome(Result.DONE, f"sent {label}")


def send_signal(pending: PendingSignal, control: ProcessControl, own_pid: int) -> str:
    """Send the pending signal if it is still safe to; returns the line for the status bar."""
    return deliver(pending, control, own_pid).message


def _counted(outcomes: Sequence[Outcome], done: str) -> str:
    """ "4 sent, 1 gone": each result that happened, in the order of ``Result``; ``done``
    names DONE."""
    counts = Counter(outcome.result for outcome in outcomes)
    return ", ".join(
        f"{counts[result]} {done if result is Result.DONE else result.value}"
        for result in Result
        if counts[result]
    )


def send_signals(batch: Sequence[PendingSignal], control: ProcessControl, own_pid: int) -> str:
    """Send each pending signal, each through the guard; the status line's count of results,
    such as "SIGTERM: 4 sent, 1 gone"."""
    if len(batch) == 1:
        return send_signal(batch[0], control, own_pid)
    outcomes = [deliver(pending, control, own_pid) for pending in batch]
    name = batch[0].signal_name if batch else "signal"
    return f"{name}: {_counted(outcomes, 'sent') or 'no process'}"


@dataclass(frozen=True, slots=True)
class ReniceTarget:
    """A process to renice, known by its start time as a signal's target is."""

    pid: int
    start_time_epoch_s: float | None
    name: str


@dataclass(frozen=True, slots=True)
class PendingRenice:
    """One press of a renice key: ``step`` -1 raises the priority (needs root), +1 lowers it."""

    targets: tuple[ReniceTarget, ...]
    step: int


def _renice_one(target: ReniceTarget, step: int, control: PriorityControl) -> Outcome:
    label = f"{target.pid} ({target.name})"
    if target.pid <= 0:  # setpriority's 0 is the caller: sot itself
        return Outcome(Result.REFUSED, f"refusing to renice PID {target.pid}")
    gone = Outcome(Result.GONE, f"nice not changed: process {target.pid} already exited")
    try:
        changed = _changed(
            target.pid,
            control.start_time(target.pid),
            target.start_time_epoch_s,
            "nice not changed",
        )
        if changed is not None:
            return changed
        # The value now, not the snapshot's: presses quicker than the refresh each move a step.
        current = control.nice(target.pid)
        wanted = max(NICE_MIN, min(NICE_MAX, current + step))
        if wanted == current:
            return Outcome(Result.AT_LIMIT, f"nice of {label} is already {current}")
        control.set_nice(target.pid, wanted)
    except ProcessLookupError:
        return gone
    except PermissionError:
        return Outcome(Result.DENIED, f"nice of {label}: permission denied")
    except OSError as err:
        return Outcome(Result.FAILED, f"nice of {label} failed: {err.strerror or err}")
    return Outcome(Result.DONE, f"nice {wanted} for {label}", wanted)


def renice(pending: PendingRenice, control: PriorityControl, uid: int) -> str:
    """Move each target's nice value one step, each through the start-time guard; the status
    line's words. ``uid``: sot's effective user, named when lowering nice was denied (only
    root, or CAP_SYS_NICE, may)."""
    outcomes = [_renice_one(target, pending.step, control) for target in pending.targets]
    if not outcomes:
        return "no process to renice"
    if len(outcomes) == 1:
        message = outcomes[0].message
    elif {o.result for o in outcomes} == {Result.DONE} and len({o.nice for o in outcomes}) == 1:
        message = f"nice {outcomes[0].nice} for {len(outcomes)} processes"
    else:
        message = f"nice: {_counted(outcomes, 'done')}"
    if pending.step < 0 and uid != 0 and any(o.result is Result.DENIED for o in outcomes):
        message += f": lowering nice needs root (sot runs as uid {uid})"
    return message
