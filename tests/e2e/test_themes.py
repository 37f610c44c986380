"""Themes end to end: the real sot in a pty sends the chosen theme's sequences, and NO_COLOR
still wins over the theme."""

from __future__ import annotations

from tests.e2e.harness import PtyRun, base_env


def _once(*args: str, **env: str) -> bytes:
    run = PtyRun(["--once", "--interval", "0.2", *args], columns=100, lines=30, env=base_env(**env))
    try:
        assert run.wait_exit(timeout=10) == 0, run.text()
        return bytes(run.raw)
    finally:
        run.close()


def test_once_on_a_terminal_prints_in_the_chosen_theme() -> None:
    light = _once("--theme", "light", TERM="xterm-256color")
    # The light theme's border (67) and title (25), in one SGR each; none of dark's border.
    assert b"\x1b[0;38;5;67m" in light and b"\x1b[0;1;38;5;25m" in light
    assert b"38;5;240m" not in light
    truecolor = _once("--theme", "colour-blind", TERM="xterm-256color", COLORTERM="truecolor")
    assert b"\x1b[0;1;38;2;86;180;233m" in truecolor  # titles: Okabe-Ito sky blue, bold


def test_no_color_wins_over_the_theme() -> None:
    for output in (
        _once("--theme", "light", TERM="xterm-256color", NO_COLOR="1"),
        _once("--theme", "colour-blind", "--no-color", TERM="xterm-256color", COLORTERM="24bit"),
    ):
        assert b"38;5;" not in output and b"38;2;" not in output
