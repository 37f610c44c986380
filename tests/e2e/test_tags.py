"""Acting on several processes in a real terminal: three children tagged with `v` all get
SIGTERM after one `T`, `y` (and nothing else is touched); `[` five times makes a child's nice 5,
which its details show; as a user, lowering nice says it needs root."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.harness import (
    SOT,
    VICTIM,
    Tmux,
    comm_of,
    holds_throughout,
    wait_until,
)
from tests.e2e.test_process_panel import filter_for, start_filtered


@pytest.fixture
def trio() -> Iterator[tuple[str, list[subprocess.Popen[bytes]], subprocess.Popen[bytes]]]:
    """Three sleeping children named alike (one filter shows the three), and a bystander
    named otherwise that must live through it."""
    prefix = f"sott{os.getpid() % 100000}"
    names = [f"{prefix}{suffix}" for suffix in "abc"]
    children = [subprocess.Popen([sys.executable, "-c", VICTIM, name]) for name in names]
    bystander_name = f"sotb{os.getpid() % 100000}"
    bystander = subprocess.Popen([sys.executable, "-c", VICTIM, bystander_name])
    try:
        for name, child in zip(names, children, strict=True):
            assert wait_until(lambda: comm_of(child.pid) == name)  # noqa: B023 (used at once)
        assert wait_until(lambda: comm_of(bystander.pid) == bystander_name)
        yield prefix, children, bystander
    finally:
        for child in (*children, bystander):
            child.kill()
            child.wait()


def test_tag_three_children_and_terminate_them_with_one_question(
    tmux: Tmux, trio: tuple[str, list[subprocess.Popen[bytes]], subprocess.Popen[bytes]]
) -> None:
    prefix, children, bystander = trio
    tmux.start([*SOT, "--interval", "0.5"], columns=120, lines=40)
    assert tmux.wait_for(lambda t: "processes" in t)
    tmux.send("/")
    assert tmux.wait_for(lambda t: "filter:" in t)
    tmux.tmux("send-keys", "-t", "main", "-l", prefix)
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "3 of " in t and f'filter "{prefix}"' in t), tmux.text()
    tmux.send("Home")
    tmux.send("v", "v", "v")  # each tags the selected row and moves down
    assert tmux.wait_for(lambda t: "3 tagged" in t), tmux.text()
    for child in children:
        assert f"{child.pid}*" in tmux.text(), tmux.text()  # each tagged row is marked
    tmux.send("T")
    assert tmux.wait_for(lambda t: "Send SIGTERM to 3 processes? [y/N]" in t), tmux.text()
    assert holds_throughout(lambda: all(c.poll() is None for c in children), 0.2)
    tmux.send("y")
    assert [child.wait(timeout=5) for child in children] == [-15, -15, -15]
    assert tmux.wait_for(lambda t: "SIGTERM: 3 sent" in t), tmux.text()
    assert bystander.poll() is None  # nothing else was touched
    assert tmux.exit_status() is None  # nor sot itself


def test_renice_a_child_five_steps_and_its_details_show_nice_5(
    tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, child = victim
    before = os.getpriority(os.PRIO_PROCESS, child.pid)
    if before + 5 > 19:
        pytest.skip(f"the test runs at nice {before}: five steps lower are not possible")
    start_filtered(tmux, name)
    tmux.tmux("send-keys", "-t", "main", "-l", "[[[[[")  # one read, or five: each is a step
    message = f"nice {before + 5} for {child.pid} ({name})"
    assert tmux.wait_for(lambda t: message in t), tmux.text()
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == before + 5
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: f"nice {before + 5}" in t and "environment" in t), tmux.text()
    if os.geteuid() == 0:  # root may raise the priority again: F7 (htop's key) once
        tmux.send("F7")
        assert tmux.wait_for(lambda t: f"sleeping, nice {before + 4}" in t), tmux.text()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == before + 4


NOBODY_UID = 65534  # the user the shared ``unprivileged_sot`` fixture runs sot as


def test_lowering_nice_as_a_user_says_it_needs_root(
    tmux: Tmux, unprivileged_sot: tuple[list[str], dict[str, str]]
) -> None:
    command, env = unprivileged_sot
    name = f"sotu{os.getpid() % 100000}x"
    # The same interpreter and user as sot's command, running the victim instead of sot.
    assert command[-2:] == ["-m", "sot"]
    child = subprocess.Popen([*command[:-2], "-c", VICTIM, name], env=env)
    try:
        assert wait_until(lambda: comm_of(child.pid) == name)
        before = os.getpriority(os.PRIO_PROCESS, child.pid)
        soft, _ = resource.getrlimit(resource.RLIMIT_NICE)  # setpriv keeps the limits
        if before >= 19 or soft == resource.RLIM_INFINITY or 20 - before <= soft:
            pytest.skip(f"at nice {before} with RLIMIT_NICE {soft} a user may lower nice")
        tmux.start(command, env=env)
        assert tmux.wait_for(lambda t: "processes" in t), tmux.text()
        filter_for(tmux, name)
        tmux.send("[")  # raising nice: any user may, for their own process
        raised = f"nice {before + 1} for {child.pid} ({name})"
        assert tmux.wait_for(lambda t: raised in t), tmux.text()
        tmux.send("]")  # lowering it again: only root may
        denied = f"lowering nice needs root (sot runs as uid {NOBODY_UID})"
        assert tmux.wait_for(lambda t: denied in t), tmux.text()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == before + 1
    finally:
        child.kill()
        child.wait()
