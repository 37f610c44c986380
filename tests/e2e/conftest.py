from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.harness import VICTIM, Tmux, comm_of, wait_until


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        # In CI a missing tmux is a broken set-up, never a reason to skip.
        if os.environ.get("CI"):
            pytest.fail("tmux is missing in CI: .ci/run must install it")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    server = Tmux()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def busy_marker() -> Iterator[tuple[str, int]]:
    """A child process burning CPU with a unique word in its command line."""
    marker = f"sotprobe{os.getpid()}"
    child = subprocess.Popen(
        [sys.executable, "-c", "while True: pass", marker],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield marker, child.pid
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def victim() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A sleeping child process with a name of its own."""
    name = f"sotv{os.getpid() % 100000}x"
    child = subprocess.Popen([sys.executable, "-c", VICTIM, name])
    try:
        assert wait_until(lambda: comm_of(child.pid) == name)
        yield name, child
    finally:
        child.kill()
        child.wait()
