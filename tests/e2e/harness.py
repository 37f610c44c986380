"""Run the real sot: in a pseudo-terminal rendered by pyte, or in a private tmux server."""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil
import pyte

REPO = Path(__file__).resolve().parents[2]
SOT = [sys.executable, "-m", "sot"]
_serial = itertools.count()
_CLOCK = re.compile(r"\d\d:\d\d:\d\d(?=\s*$)")
# A sleeping child that renames itself (comm): a unique name, not just a unique argument.
VICTIM = "import sys, time\nopen('/proc/self/comm', 'w').write(sys.argv[1])\ntime.sleep(600)\n"


def base_env(**extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(REPO),
        # Never the tester's own config file: a test that wants one passes its own directory.
        "XDG_CONFIG_HOME": str(REPO / "tests" / "data" / "no-config-here"),
    }
    env.update(extra)
    return env


def run_sot(
    *args: str, shell: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The real sot with no terminal: ``args`` after the command, or a shell line in which
    ``{sot}`` stands for it (for pipes and redirections)."""
    command: str | list[str] = (
        shell.format(sot=" ".join(SOT)) if shell is not None else [*SOT, *args]
    )
    return subprocess.run(
        command,
        shell=shell is not None,
        capture_output=True,
        timeout=30,
        cwd=REPO,
        env=dict(env if env is not None else base_env()),
        stdin=subprocess.DEVNULL,
        check=False,
    )


class AnsweringScreen(pyte.Screen):
    """A pyte screen that answers the terminal's queries (cursor position, device attributes) the
    way a real terminal would, so a program that asks is not left waiting."""

    def __init__(self, columns: int, lines: int, reply: Callable[[str], None]) -> None:
        super().__init__(columns, lines)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data)


class PtyRun:
    """sot in a pty of the given size; output goes through a pyte screen."""

    def __init__(
        self,
        args: Sequence[str] = (),
        columns: int = 120,
        lines: int = 40,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] | None = None,
        answer_queries: bool = True,
    ) -> None:
        self.columns, self.lines = columns, lines
        self.screen = (
            AnsweringScreen(columns, lines, self._answer)
            if answer_queries
            else pyte.Screen(columns, lines)
        )
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the tty before sot looks at it, then become sot
            try:
                # An ignored signal stays ignored across exec: a test run under nohup (or a CI
                # runner that ignores SIGHUP) must not hand that on to the sot being tested.
                for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
                    signal.signal(signum, signal.SIG_DFL)
                winsize = struct.pack("HHHH", lines, columns, 0, 0)
                fcntl.ioctl(1, termios.TIOCSWINSZ, winsize)
                argv = list(command) if command is not None else [*SOT, *args]
                os.chdir(REPO)
                os.execvpe(argv[0], argv, dict(env if env is not None else base_env()))
            finally:
                os._exit(127)  # never return into a copy of the test runner
        self.pid, self.fd = pid, fd
        self.exit_code: int | None = None

    def _answer(self, data: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, data.encode())

    def pump(self, seconds: float = 0.05) -> None:
        """Feed whatever the program wrote within ``seconds`` to the screen."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if self.fd < 0 or remaining <= 0:
                return
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                return
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.raw += data
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if predicate(self.text()):
                return True
            if self.poll() is not None:
                self.pump(0.05)
                return predicate(self.text())
        return False

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def paste(self, data: bytes, timeout: float = 30.0) -> None:
        """Type ``data`` as fast as the program reads it (a paste), reading its output meanwhile:
        the pty takes 4 KiB at a time, and a program that cannot write blocks reading too."""
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        os.set_blocking(self.fd, False)
        try:
            while view and time.monotonic() < deadline:
                try:
                    view = view[os.write(self.fd, view) :]
                except BlockingIOError:
                    self.pump(0.01)
        finally:
            os.set_blocking(self.fd, True)
        assert not view, f"{len(view)} bytes not taken in {timeout} s"

    def resize(self, columns: int, lines: int) -> None:
        self.columns, self.lines = columns, lines
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.screen.resize(lines, columns)

    def poll(self) -> int | None:
        if self.exit_code is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code

    def wait_exit(self, timeout: float = 5.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.02)
            if self.poll() is not None:
                return self.exit_code
        return None

    def line_discipline(self) -> tuple[bool, bool]:
        """(canonical mode, echo) of the pty now: Linux reports the slave's modes on the master."""
        flags = termios.tcgetattr(self.fd)[3]
        return bool(flags & termios.ICANON), bool(flags & termios.ECHO)

    def unread_input(self) -> int:
        """Bytes typed into the pty that the program has not read yet (its input queue)."""
        slave = os.open(os.readlink(f"/proc/{self.pid}/fd/0"), os.O_RDONLY | os.O_NOCTTY)
        try:
            queued = fcntl.ioctl(slave, termios.FIONREAD, struct.pack("i", 0))
            return int(struct.unpack("i", queued)[0])
        finally:
            os.close(slave)

    def hang_up(self) -> None:
        os.close(self.fd)
        self.fd = -1

    def close(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Tmux:
    """A private tmux server (own socket, no config) with one session running a command."""

    def __init__(self) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError(
                "tmux is not installed: .ci/run installs it; locally apt-get install tmux"
            )
        self.socket = f"sot-test-{os.getpid()}-{next(_serial)}"

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(
        self,
        command: Sequence[str],
        columns: int = 120,
        lines: int = 40,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Run ``command`` in a shell that stays after it and prints its exit status, so a test
        sees both the status and the terminal state the program left behind."""
        environment = dict(env if env is not None else base_env(TERM="tmux-256color"))
        holder = '"$@"; echo "exit status $?"; exec sleep 600'
        self.tmux(
            "-u",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            str(columns),
            "-y",
            str(lines),
            "-c",
            str(REPO),
            "env",
            "-i",
            *(f"{k}={v}" for k, v in environment.items()),
            "sh",
            "-c",
            holder,
            "sh",
            *command,
        )

    def capture(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", "main").split("\n")

    def settled_capture(self, quiet: float = 0.15, timeout: float = 5.0) -> list[str]:
        """The pane once two captures ``quiet`` seconds apart agree.

        One frame can reach tmux in several reads, so a single capture may show half of it.
        """
        deadline = time.monotonic() + timeout
        previous = self.capture()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            current = self.capture()
            if current == previous:
                return current
            previous = current
        return previous

    def text(self) -> str:
        return "\n".join(self.capture())

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "main", fmt).strip()

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def resize(self, columns: int, lines: int) -> None:
        self.tmux("resize-window", "-t", "main", "-x", str(columns), "-y", str(lines))

    def pane_pid(self) -> int:
        return int(self.display("#{pane_pid}"))

    def exit_status(self) -> int | None:
        match = re.search(r"exit status (\d+)", self.text())
        return int(match.group(1)) if match else None

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.text()):
                return True
            time.sleep(0.05)
        return predicate(self.text())

    def wait_exit(self, timeout: float = 5.0) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                return status
            time.sleep(0.05)
        return None

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


def sot_under(tmux: Tmux, timeout: float = 5.0) -> psutil.Process:
    """The sot process running in the tmux pane (a child of the holder shell)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shell = psutil.Process(tmux.pane_pid())
        for child in shell.children(recursive=True):
            try:
                if "sot" in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.05)
    raise AssertionError("no sot process in the pane")


def wait_for_refreshes(run: PtyRun | Tmux, count: int = 2, timeout: float = 10.0) -> bool:
    """Wait until sot has drawn ``count`` more refreshes: the header's clock (HH:MM:SS at the
    right of the top row) changes once per sample."""
    seen: list[str] = []

    def clock_changed(text: str) -> bool:
        found = _CLOCK.search(text.split("\n", 1)[0])
        if found and (not seen or seen[-1] != found.group()):
            seen.append(found.group())
        return len(seen) > count

    return run.wait_for(clock_changed, timeout)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def holds_throughout(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` stays true for ``seconds``: for what must *not* happen (a process
    must stay stopped, a signal must not be sent), where there is no later event to wait for."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not condition():
            return False
        time.sleep(0.02)
    return condition()


def comm_of(pid: int) -> str:
    """A process's name as the kernel keeps it (at most 15 bytes)."""
    with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
        return comm.read().rstrip("\n")
