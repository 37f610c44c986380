"""The number keys and zoom in a real terminal (tmux), as a user presses them: 2 hides the
memory panel, z gives the process table the whole screen, Tab and z zoom a graph."""

from __future__ import annotations

import re

from tests.e2e.harness import SOT, Tmux

ROWS = re.compile(r"^│\s+\d+ ", re.MULTILINE)


def lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def test_2_hides_memory_z_zooms_the_table_and_esc_returns(tmux: Tmux) -> None:
    tmux.start([*SOT], columns=120, lines=40)
    assert tmux.wait_for(lambda t: "┌ memory" in t and "┌ processes" in t), tmux.text()
    normal_top = next(i for i, line in enumerate(lines(tmux.text())) if "┌ processes" in line)
    tmux.send("2")
    assert tmux.wait_for(lambda t: "┌ memory" not in t and "memory hidden (2 shows it)" in t), (
        tmux.text()
    )
    assert "┌ cpu" in tmux.text()  # the cpu graph takes the memory panel's width
    tmux.send("2")
    assert tmux.wait_for(lambda t: "┌ memory" in t), tmux.text()
    tmux.send("z")

    def zoomed(text: str) -> bool:
        shown = lines(text)
        return len(shown) > 2 and shown[1].startswith("┌ processes") and "┌ cpu" not in text

    assert tmux.wait_for(zoomed), tmux.text()
    assert normal_top > 1  # the table started below the graphs before
    assert len(ROWS.findall(tmux.text())) >= 1
    tmux.send("Escape")
    assert tmux.wait_for(lambda t: "┌ cpu" in t and "┌ memory" in t), tmux.text()
    tmux.send("Tab")
    assert tmux.wait_for(lambda t: "focus: cpu (z zooms it)" in t), tmux.text()
    tmux.send("z")
    assert tmux.wait_for(lambda t: lines(t)[1].startswith("┌ cpu") and "┌ processes" not in t), (
        tmux.text()
    )
    tmux.send("z")
    assert tmux.wait_for(lambda t: "┌ processes" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0
