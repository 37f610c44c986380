from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import VICTIM, Tmux, base_env, comm_of, wait_until


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


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
RUNTIME_PACKAGES = ("sot", "psutil", "blessed", "wcwidth")


def runnable_by_nobody(python: str) -> bool:
    # The same form as the real run: from a directory nobody can enter, as the copy is.
    check = [
        *NOBODY,
        "env",
        "-C",
        "/",
        python,
        "-c",
        "import sys; assert sys.version_info >= (3, 10)",
    ]
    return subprocess.run(check, capture_output=True, timeout=30, check=False).returncode == 0


@pytest.fixture
def unprivileged_sot() -> Iterator[tuple[list[str], dict[str, str]]]:
    """sot as the user nobody: the command and its environment.

    nobody may not be able to enter the checkout (a clone in a 0700 directory) or the venv's
    interpreter (under /root), so sot and the packages it imports are copied into a
    world-readable temporary directory, run by an interpreter nobody can execute."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        reason = "becoming another user needs root and setpriv (util-linux)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI runs as root and must run this test")
        pytest.skip(reason)
    candidates = [
        sys.executable,
        getattr(sys, "_base_executable", sys.executable),
        "/usr/bin/python3",
        "/usr/local/bin/python3",
    ]
    python = next((c for c in candidates if Path(c).exists() and runnable_by_nobody(c)), None)
    if python is None:
        pytest.fail(f"no Python interpreter the user nobody can run among {candidates}")
    home = Path(tempfile.mkdtemp(prefix="sot-nobody-", dir="/tmp"))
    try:
        home.chmod(0o755)
        for name in RUNTIME_PACKAGES:
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.origin is not None, name
            shutil.copytree(
                Path(spec.origin).parent, home / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        env = base_env(TERM="tmux-256color", PYTHONPATH=str(home), HOME=str(home))
        yield [*NOBODY, "env", "-C", str(home), python, "-m", "sot"], env
    finally:
        shutil.rmtree(home, ignore_errors=True)
