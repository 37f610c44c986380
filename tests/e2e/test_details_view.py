"""The details view in a real terminal: a child's environment (a secret's value masked) and its
open files, scrolled from the top to the end and back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Tmux, comm_of, wait_until
from tests.e2e.test_process_panel import start_filtered

SECRET = "hunter2-e2e-value"
# Renames itself (a unique comm to filter on), opens the file it is given, and waits.
CHILD = (
    "import sys, time\n"
    "open('/proc/self/comm', 'w').write(sys.argv[1])\n"
    "held = open(sys.argv[2], 'w')\n"
    "time.sleep(600)\n"
)


@pytest.fixture
def child(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    name = f"sotd{os.getpid() % 100000}x"
    path = tmp_path / f"unique-{name}-open-file.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOT_E2E_API_TOKEN": SECRET}
    process = subprocess.Popen([sys.executable, "-c", CHILD, name, str(path)], env=env)
    try:
        assert wait_until(lambda: comm_of(process.pid) == name)
        assert wait_until(lambda: str(path) in _links(process.pid))
        yield name, process.pid, path
    finally:
        process.kill()
        process.wait()


def _links(pid: int) -> list[str]:
    directory = f"/proc/{pid}/fd"
    try:
        return [os.readlink(f"{directory}/{fd}") for fd in os.listdir(directory)]
    except OSError:
        return []


POSITION = re.compile(r"(\d+)-(\d+) of (\d+)")


def position(text: str) -> tuple[int, int, int] | None:
    """The details box's "first-last of total" note."""
    found = POSITION.search(text)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def test_details_show_the_masked_environment_and_open_files_scrolled_to_the_end(
    tmux: Tmux, child: tuple[str, int, Path]
) -> None:
    name, pid, path = child
    start_filtered(tmux, name, columns=120, lines=40)
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: f"process {pid} {name}" in t and "environment" in t), tmux.text()
    top = position(tmux.text())
    assert top is not None and top[0] == 1 and top[1] < top[2], tmux.text()  # it scrolls
    tmux.send("End")

    def at_end(text: str) -> bool:
        shown = position(text)
        return shown is not None and shown[1] == shown[2] and str(path) in text

    assert tmux.wait_for(at_end), tmux.text()
    assert tmux.wait_for(lambda t: "SOT_E2E_API_TOKEN=****" in t), tmux.text()
    assert SECRET not in tmux.text()
    tmux.send("Home")
    assert tmux.wait_for(lambda t: (position(t) or (0,))[0] == 1 and "command" in t), tmux.text()
    tmux.send("Down")
    assert tmux.wait_for(lambda t: (position(t) or (0,))[0] == 2), tmux.text()
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "environment" not in t and "processes" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0
