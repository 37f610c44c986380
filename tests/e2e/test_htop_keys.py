"""htop's function keys in a real terminal (tmux sends them as xterm does), as a user would
press them: help, search, filter, tree, sort, signal menu, quit."""

from __future__ import annotations

import re
import subprocess

from tests.e2e.harness import SOT, Tmux

# A process row: the table's left border, then the PID.
ROW_PID = re.compile(r"^│\s+(\d+) ", re.MULTILINE)


def started(tmux: Tmux, *args: str) -> None:
    tmux.start([*SOT, *args], columns=120, lines=40)
    assert tmux.wait_for(lambda t: "processes" in t), tmux.text()


def status_line(text: str) -> str:
    return text.rstrip("\n").split("\n")[-1]


def test_f1_help_f2_help_and_f10_quits_with_status_0(tmux: Tmux) -> None:
    started(tmux)
    tmux.send("F1")
    assert tmux.wait_for(lambda t: "show or hide this help" in t and "Up/Down scroll" in t)
    assert "(htop: lsof)" not in tmux.text()
    tmux.send("End")  # a 40-row pane shows part of the help: it scrolls to its end
    assert tmux.wait_for(lambda t: "(htop: lsof)" in t and "show or hide this help" not in t), (
        tmux.text()
    )
    tmux.send("F1")
    assert tmux.wait_for(lambda t: "Up/Down scroll" not in t)
    tmux.send("F2")
    assert tmux.wait_for(lambda t: "show or hide this help" in t), tmux.text()
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "Up/Down scroll" not in t)
    tmux.send("F10")
    assert tmux.wait_exit() == 0


def test_f4_filter_f5_tree_f6_sort_f9_signal_menu(tmux: Tmux) -> None:
    started(tmux)
    tmux.send("F4")
    assert tmux.wait_for(lambda t: status_line(t).startswith("filter:")), tmux.text()
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "q quit" in status_line(t))
    tmux.send("F5")
    assert tmux.wait_for(lambda t: ", tree," in t), tmux.text()
    tmux.send("F5")
    assert tmux.wait_for(lambda t: ", tree," not in t), tmux.text()
    tmux.send("F6")
    assert tmux.wait_for(lambda t: "desc/asc/off" in t), tmux.text()
    tmux.send("F6")
    assert tmux.wait_for(lambda t: "desc/asc/off" not in t)
    tmux.send("F9")
    assert tmux.wait_for(lambda t: "signal to " in t and "SIGTERM" in t), tmux.text()
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "signal to " not in t)
    tmux.send("y")  # means nothing: once, the status line points at the help
    assert tmux.wait_for(lambda t: "press ? for help" in t), tmux.text()


def test_f3_search_jumps_to_the_match_and_keeps_the_other_rows(
    tmux: Tmux,
    victim: tuple[str, subprocess.Popen[bytes]],
) -> None:
    name, child = victim
    started(tmux)
    tmux.send("F3")
    assert tmux.wait_for(lambda t: status_line(t).startswith("search:")), tmux.text()
    tmux.tmux("send-keys", "-t", "main", "-l", name)

    def jumped(text: str) -> bool:
        pids = ROW_PID.findall(text)
        # The match is on screen (scrolled to), with other processes around it: no filter.
        return str(child.pid) in pids and len(pids) > 5 and f"search: {name}" in text

    assert tmux.wait_for(jumped), tmux.text()
    assert f'filter "{name}"' not in tmux.text()  # found, not filtered
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: f'search "{name}": F3 next' in t), tmux.text()
    # Enter now opens the details of the selection: the process the search found.
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: f"process {child.pid} {name}" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_for(lambda t: "executable" not in t)
    tmux.send("F10")
    assert tmux.wait_exit() == 0
