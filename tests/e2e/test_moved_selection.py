"""When the selected process exits, the status line says so for its full time, and a signal key
does not act on the process the selection moved to until the user has seen which it is."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import SOT, VICTIM, Tmux, comm_of, holds_throughout, wait_until

Child = tuple[str, subprocess.Popen[bytes]]


@pytest.fixture
def pair() -> Iterator[tuple[Child, Child]]:
    """Two sleeping children named alike (one filter shows both), lower PID first."""
    prefix = f"sotm{os.getpid() % 100000}"
    children = [
        (f"{prefix}{suffix}", subprocess.Popen([sys.executable, "-c", VICTIM, prefix + suffix]))
        for suffix in "ab"
    ]
    try:
        for name, child in children:
            assert wait_until(lambda: comm_of(child.pid) == name)  # noqa: B023 (used at once)
        first, second = sorted(children, key=lambda c: c[1].pid)
        yield first, second
    finally:
        for _, child in children:
            child.kill()
            child.wait()


def select_first_of(tmux: Tmux, pair: tuple[Child, Child]) -> None:
    """sot filtered down to the pair, sorted by PID, the lower one selected."""
    (first, _), _ = pair
    tmux.start([*SOT, "--interval", "0.5"], columns=120, lines=40)
    assert tmux.wait_for(lambda t: "processes" in t)
    tmux.send("/")
    assert tmux.wait_for(lambda t: "filter:" in t)
    tmux.tmux("send-keys", "-t", "main", "-l", first[:-1])
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "2 of " in t and f'filter "{first[:-1]}"' in t), tmux.text()
    tmux.send("p")
    assert tmux.wait_for(lambda t: "PID↑" in t), tmux.text()
    # Keys are taken before the sample of the same turn: Home is done before sot can see
    # the exit the test brings about next.
    tmux.send("Home")


def test_the_exited_message_stays_for_its_full_time(tmux: Tmux, pair: tuple[Child, Child]) -> None:
    (first, gone), (second, kept) = pair
    select_first_of(tmux, pair)
    killed_at = time.monotonic()
    gone.kill()
    gone.wait()
    message = f"process {gone.pid} ({first}) exited; selected {kept.pid} ({second})"
    assert tmux.wait_for(lambda t: message in t), tmux.text()
    # Shown for 3 s from the refresh that saw the exit (after the kill): through the
    # refreshes every half second until at least 2 s after the kill.
    remaining = killed_at + 2.0 - time.monotonic()
    assert holds_throughout(lambda: message in tmux.text(), max(0.0, remaining)), tmux.text()
    assert "1 of " in tmux.text()
    # And then it goes, as every message does.
    assert tmux.wait_for(lambda t: message not in t, timeout=10), tmux.text()


def test_a_signal_key_after_the_move_names_the_new_target_first(
    tmux: Tmux, pair: tuple[Child, Child]
) -> None:
    (_, gone), (second, kept) = pair
    select_first_of(tmux, pair)
    gone.kill()
    gone.wait()
    assert tmux.wait_for(lambda t: f"selected {kept.pid} ({second})" in t), tmux.text()
    tmux.send("T")
    guard = f"selection moved to PID {kept.pid} ({second}); press again to confirm the new target"
    assert tmux.wait_for(lambda t: guard in t), tmux.text()
    assert "[y/N]" not in tmux.text()
    assert holds_throughout(lambda: kept.poll() is None, 0.3)  # nothing was sent
    tmux.send("T")
    assert tmux.wait_for(lambda t: f"Send SIGTERM to {kept.pid} {second}? [y/N]" in t), tmux.text()
    tmux.send("y")
    assert kept.wait(timeout=5) == -15
    assert tmux.wait_for(lambda t: f"sent SIGTERM to {kept.pid} ({second})" in t), tmux.text()
