"""What a key press costs over the wire: bytes sent to the terminal for one action, sot beside
htop, in a tmux pane of a fixed size with every byte recorded by ``pipe-pane``.

Both programs refresh rarely during the measurement (sot ``--interval 60``, htop ``-d 600``), so
what a key makes them send is not mixed with a refresh. An action's figure is what arrives after
its keys until the output has been quiet for a moment. Run with ``make bench`` or directly.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import REPO, tmux  # this folder is on sys.path when run as a script

QUIET_S = 0.6  # no output for this long: the program has finished reacting to the key


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    keys: tuple[str, ...]  # tmux send-keys arguments, sent one by one


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    command: tuple[str, ...]
    ready_text: str
    actions: tuple[Action, ...]


def _settled_size(recording: Path, timeout_s: float = 10.0) -> int:
    """The recording's size once nothing has arrived for QUIET_S seconds."""
    deadline = time.monotonic() + timeout_s
    size, since = recording.stat().st_size, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = recording.stat().st_size
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            return size
    return size


def measure(program: Program, width: int, height: int) -> dict[str, int]:
    socket = f"sot-keys-{os.getpid()}-{program.name}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "bytes"
        recording.touch()
        env = ["env", "TERM=tmux-256color", "LANG=C.UTF-8", f"PATH={os.environ['PATH']}"]
        holder = ["sh", "-c", 'read line; exec "$@"', "sh"]
        tmux(socket, "-u", "new-session", "-d", "-s", "keys", "-x", str(width), "-y",
              str(height), "-c", str(REPO), *env, *holder, *program.command)  # fmt: skip
        try:
            tmux(socket, "pipe-pane", "-o", "-t", "keys", f"cat >> {shlex.quote(str(recording))}")
            tmux(socket, "send-keys", "-t", "keys", "Enter")
            deadline = time.monotonic() + 10
            while program.ready_text.encode() not in recording.read_bytes():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{program.name} did not start")
                time.sleep(0.05)
            time.sleep(1.5)  # sot's first follow-up sample comes 0.5 s after start
            before = _settled_size(recording)
            figures: dict[str, int] = {}
            for action in program.actions:
                for key in action.keys:
                    tmux(socket, "send-keys", "-t", "keys", key)
                after = _settled_size(recording)
                figures[action.name] = after - before
                before = after
            return figures
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)


def programs() -> list[Program]:
    letters = ("k", "w", "o", "r", "k")  # five letters that match kernel threads on any Linux
    sot = Program(
        "sot",
        (sys.executable, "-m", "sot", "--interval", "60"),
        "processes",
        (
            Action("open details", ("Enter",)),
            Action("close details", ("Escape",)),
            Action("sort key", ("m",)),
            Action("5-letter filter", ("/", *letters, "Enter")),
        ),
    )
    htop = Program(
        "htop",
        ("htop", "-d", "6000"),
        "PID",
        (
            # htop has no details view; its environment screen of the selected process is the
            # nearest thing it has.
            Action("open details", ("e",)),
            Action("close details", ("Escape",)),
            Action("sort key", ("M",)),
            Action("5-letter filter", ("F4", *letters, "Enter")),
        ),
    )
    return [p for p in (sot, htop) if shutil.which(p.command[0])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="160x48", help="pane size (160x48)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("keys: tmux is required (apt-get install tmux)", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    results = {p.name: measure(p, width, height) for p in programs()}
    names = list(next(iter(results.values())))
    print(f"bytes sent for one action, {args.size} tmux pane (pipe-pane, settled output)")
    print("| action | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        print(f"| {name} | " + " | ".join(str(r.get(name, "-")) for r in results.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
