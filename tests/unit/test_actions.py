"""The signal guard: PID reuse, PID 1, sot itself, EPERM, ESRCH, and pidfd use."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from sot.actions import OsProcessControl, PendingSignal, send_signal

OWN_PID = 4000


@dataclass
class FakeControl:
    start_times: dict[int, float]
    fail_with: OSError | None = None
    pidfds: bool = True
    sent: list[tuple[int, int | None, int]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def start_time(self, pid: int) -> float | None:
        return self.start_times.get(pid)

    def open_handle(self, pid: int) -> int | None:
        if pid not in self.start_times:
            raise ProcessLookupError(errno.ESRCH, "No such process")
        return 100 + pid if self.pidfds else None

    def send(self, pid: int, handle: int | None, signum: int) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((pid, handle, signum))

    def close(self, handle: int) -> None:
        self.closed.append(handle)


def pending(pid: int = 77, start: float | None = 500.0, signum: int = 15) -> PendingSignal:
    return PendingSignal(pid, start, "victim", signum)


def test_sends_through_the_pidfd_when_the_process_is_the_same() -> None:
    control = FakeControl({77: 500.0})
    assert send_signal(pending(), control, OWN_PID) == "sent SIGTERM to 77 (victim)"
    assert control.sent == [(77, 177, 15)]
    assert control.closed == [177]


def test_falls_back_to_kill_without_pidfds() -> None:
    control = FakeControl({77: 500.0}, pidfds=False)
    assert send_signal(pending(signum=9), control, OWN_PID).startswith("sent SIGKILL")
    assert control.sent == [(77, None, 9)]


def test_pid_reused_by_another_process_gets_nothing() -> None:
    control = FakeControl({77: 999.0})
    assert send_signal(pending(), control, OWN_PID) == (
        "not sent: PID 77 now belongs to another process"
    )
    assert control.sent == []
    assert control.closed == [177]  # the handle is closed on every path


def test_refuses_pid_1_and_itself() -> None:
    control = FakeControl({1: 1.0, OWN_PID: 2.0})
    assert "refusing to signal PID 1" in send_signal(pending(pid=1), control, OWN_PID)
    assert "refusing to signal sot itself" in send_signal(pending(pid=OWN_PID), control, OWN_PID)
    assert control.sent == []


def test_exited_process_and_permission_denied() -> None:
    assert send_signal(pending(), FakeControl({}), OWN_PID) == (
        "not sent: process 77 already exited"
    )
    denied = FakeControl({77: 500.0}, fail_with=PermissionError(errno.EPERM, "denied"))
    assert send_signal(pending(), denied, OWN_PID) == (
        "SIGTERM to 77 (victim): permission denied: run sot as the owner or root"
    )
    gone = FakeControl({77: 500.0}, fail_with=ProcessLookupError(errno.ESRCH, "gone"))
    assert send_signal(pending(), gone, OWN_PID) == "not sent: process 77 already exited"
    odd = FakeControl({77: 500.0}, fail_with=OSError(errno.EINVAL, "Invalid argument"))
    assert send_signal(pending(), odd, OWN_PID) == "SIGTERM to 77 (victim) failed: Invalid argument"


def test_real_control_signals_a_real_child() -> None:
    from sot.collect.system import system_source

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        source = system_source()
        control = OsProcessControl(source.process_start_time)
        started = source.process_start_time(child.pid)
        message = send_signal(
            PendingSignal(child.pid, started, "sleeper", signal.SIGTERM), control, os.getpid()
        )
        assert message == f"sent SIGTERM to {child.pid} (sleeper)"
        assert child.wait(timeout=10) == -signal.SIGTERM
        # Now the PID is gone: nothing is sent.
        message = send_signal(
            PendingSignal(child.pid, started, "sleeper", signal.SIGTERM), control, os.getpid()
        )
        assert message == f"not sent: process {child.pid} already exited"
    finally:
        child.kill()
        child.wait()
