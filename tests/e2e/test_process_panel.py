"""The process panel in a real terminal: filter, select, signal, sort and tree, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.harness import SOT, PtyRun, Tmux, holds_throughout


def start_filtered(tmux: Tmux, text: str, *args: str, columns: int = 120, lines: int = 40) -> None:
    """sot in a pane, its table filtered down to the one process ``text`` names."""
    tmux.start([*SOT, *args], columns=columns, lines=lines)
    assert tmux.wait_for(lambda t: "processes" in t)
    filter_for(tmux, text)


def filter_for(tmux: Tmux, text: str) -> None:
    tmux.send("/")
    assert tmux.wait_for(lambda t: "filter:" in t)
    tmux.tmux("send-keys", "-t", "main", "-l", text)
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "1 of " in t and f'filter "{text}"' in t), tmux.text()


def still_running(tmux: Tmux) -> bool:
    return tmux.exit_status() is None and "processes" in tmux.text()


def test_filter_select_and_terminate(
    tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, child = victim
    start_filtered(tmux, name)
    assert tmux.wait_for(lambda t: f" {child.pid} " in t), tmux.text()
    tmux.send("T")
    assert tmux.wait_for(lambda t: f"Send SIGTERM to {child.pid} {name}? [y/N]" in t), tmux.text()
    tmux.send("y")
    assert child.wait(timeout=5) == -15
    assert tmux.wait_for(lambda t: f"sent SIGTERM to {child.pid} ({name})" in t), tmux.text()
    # The table catches up on the next tick; sot itself carries on.
    assert tmux.wait_for(lambda t: "0 of " in t, timeout=4), tmux.text()
    assert still_running(tmux)
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_answering_no_leaves_the_process_alive(
    tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, child = victim
    start_filtered(tmux, name)
    tmux.send("K")
    assert tmux.wait_for(lambda t: f"Send SIGKILL to {child.pid} {name}? [y/N]" in t)
    tmux.send("n")
    assert tmux.wait_for(lambda t: "cancelled" in t)
    assert holds_throughout(lambda: child.poll() is None, 0.5)
    assert still_running(tmux)


def test_read_only_sends_nothing(tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]) -> None:
    name, child = victim
    start_filtered(tmux, name, "--read-only")
    tmux.send("K")
    assert tmux.wait_for(lambda t: "read-only" in t)
    tmux.send("y")
    assert holds_throughout(lambda: child.poll() is None, 0.5)


def test_order_by_mode_moves_the_sort_marker(tmux: Tmux) -> None:
    tmux.start(SOT, columns=120, lines=40)
    assert tmux.wait_for(lambda t: "CPU%↓" in t), tmux.text()
    tmux.send("o")
    assert tmux.wait_for(lambda t: "desc/asc/off" in t)
    tmux.send("Right")
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "TIME+↓" in t and "sort TIME+↓" in t), tmux.text()
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "TIME+↑" in t), tmux.text()
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "desc/asc/off" not in t)
    tmux.send("p")
    assert tmux.wait_for(lambda t: "PID↑" in t), tmux.text()


def test_tree_shows_the_child_under_its_parent(
    tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, child = victim
    start_filtered(tmux, name, columns=160, lines=48)
    tmux.send("t")

    def child_under_parent(text: str) -> bool:
        # Matched on whole rows, not on "└─" anywhere: every box corner is "└─", and a
        # capture can land between two writes of one frame.
        lines = text.split("\n")
        child_rows = [i for i, line in enumerate(lines) if f" {child.pid} " in line]
        parent_rows = [i for i, line in enumerate(lines) if f" {os.getpid()} " in line]
        return (
            len(child_rows) == 1
            and len(parent_rows) == 1
            and parent_rows[0] < child_rows[0]  # the test runner (its parent) sits above it
            and "└─" in lines[child_rows[0]].split(f" {child.pid} ", 1)[1]
            and ", tree," in text
        )

    assert tmux.wait_for(child_under_parent), tmux.text()


def test_details_view_opens_and_q_closes_without_quitting(
    tmux: Tmux, victim: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, child = victim
    start_filtered(tmux, name)
    tmux.send("Enter")
    executable = sys.executable.split("/")[-1]
    assert tmux.wait_for(
        lambda t: f"process {child.pid} {name}" in t and "executable" in t and executable in t
    ), tmux.text()
    tmux.send("q")
    assert tmux.wait_for(lambda t: "executable" not in t)
    assert still_running(tmux)


def test_a_40000_character_paste_into_the_filter_is_taken_at_once() -> None:
    run = PtyRun(args=["--interval", "60"], columns=120, lines=40)
    try:
        assert run.wait_for(lambda t: "processes" in t)
        run.send(b"/")
        assert run.wait_for(lambda t: "filter:" in t)
        run.paste(b"abcdefghij" * 4000)
        # Quadratic handling took 20 s of CPU for this; linear, it is a blink.
        assert run.wait_for(lambda t: "the filter holds at most 256 characters" in t, 5)
        run.send(b"\r")
        assert run.wait_for(lambda t: 'filter "abcdefghij' in t, 5)
        run.send(b"q")
        assert run.wait_exit() == 0
    finally:
        run.close()
