"""Golden files of the themes: every role's SGR sequence per theme and colour depth (escapes made
visible), and what the screen writer sends for a small sample frame in it; README's picture of
the light theme is generated from the same code.

Regenerate after an intended change with ``SOT_UPDATE_GOLDEN=1 uv run pytest
tests/render/test_themes_golden.py``, then review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sot.history import History
from sot.render.cells import Block, Canvas, Role
from sot.render.frame import render_frame
from sot.render.glyphs import UNICODE
from sot.render.palettes import (
    DEPTHS,
    TRUECOLOR,
    Style,
    colour_rgb,
    nearest_index,
    role_sgr,
    role_styles,
    theme_named,
)
from sot.screen import Screen, Sequences
from sot.state import AppState
from sot.themes import THEME_NAMES
from tests.render.test_golden import busy_snapshot, check_text, frame_input, history_for
from tests.unit.test_themes import contrast_ratio

GOLDEN = Path(__file__).parent / "golden" / "themes"
README = Path(__file__).resolve().parents[2] / "README.md"
DEPTH_NAMES = {TRUECOLOR: "truecolor", 256: "256", 16: "16", 8: "8", 0: "mono"}
ROLE_NAMES = {letter: name.lower() for name, letter in vars(Role).items() if name.isupper()}
# What takes each role on the dashboard: README's legend.
ROLE_PARTS = {
    Role.NORMAL: "plain text",
    Role.DIM: "secondary text: counts, frequencies, totals, graph scales",
    Role.BORDER: "panel borders",
    Role.TITLE: "panel titles",
    Role.HEADER: "the header line (host, uptime, load, clock)",
    Role.LABEL: "labels (usr, sys, rx, tx), panel notes, the hints' words",
    Role.VALUE: "values, the process table's rows",
    Role.OK: "bars and percentages below the warning level; hosts up",
    Role.WARN: "bars and percentages at the warning level",
    Role.CRIT: "bars and percentages at the critical level; hosts down",
    Role.CPU: "CPU graphs",
    Role.MEMORY: "memory graphs",
    Role.RX: "received and read: network rx, disk reads",
    Role.TX: "sent and written: network tx, disk writes",
    Role.SELECTED: "the selected row",
    Role.COLUMN: "the process table's column titles",
    Role.KEY: "keys in the hints and the help",
}


def visible(text: str) -> str:
    return text.replace("\x1b", "\\e")


def plain_sequences(styles: dict[str, str]) -> Sequences:
    """ANSI movements written out, so the goldens do not depend on a terminfo database."""
    return Sequences(
        styles=styles,
        move=lambda y, x: f"\x1b[{y + 1};{x + 1}H",
        move_right=lambda n: f"\x1b[{n}C" if n > 0 else "",
        clear="\x1b[H\x1b[2J",
        reset="\x1b[0m",
    )


def sample_block() -> Block:
    """40x8: a panel with every role on it."""
    canvas = Canvas(40, 8)
    canvas.put(0, 0, " host │ up 1:02 │ load 0.52     12:00:00 ", Role.HEADER)
    canvas.put(1, 0, "┌", Role.BORDER)
    canvas.put(1, 1, " cpu ", Role.TITLE)
    canvas.put(1, 6, "─" * 33 + "┐", Role.BORDER)
    canvas.put(2, 0, "│", Role.BORDER)
    canvas.put(2, 1, "ok ", Role.LABEL)
    canvas.put(2, 4, "████", Role.OK)
    canvas.put(2, 9, "warn ", Role.LABEL)
    canvas.put(2, 14, "██████", Role.WARN)
    canvas.put(2, 21, "crit ", Role.LABEL)
    canvas.put(2, 26, "████████", Role.CRIT)
    canvas.put(2, 39, "│", Role.BORDER)
    canvas.put(3, 0, "│", Role.BORDER)
    canvas.put(3, 1, "⣀⣤⣶⣿", Role.CPU)
    canvas.put(3, 6, "⣀⣤⣶", Role.MEMORY)
    canvas.put(3, 10, "rx ", Role.LABEL)
    canvas.put(3, 13, "3.2M", Role.RX)
    canvas.put(3, 18, "tx ", Role.LABEL)
    canvas.put(3, 21, "1.1M", Role.TX)
    canvas.put(3, 26, "n/a", Role.DIM)
    canvas.put(3, 30, "12.5%", Role.VALUE)
    canvas.put(3, 39, "│", Role.BORDER)
    canvas.put(4, 0, "└" + "─" * 38 + "┘", Role.BORDER)
    canvas.put(5, 0, "   PID USER     CPU%▼ COMMAND           ", Role.COLUMN)
    canvas.put(6, 0, "  4242 postgres  97.5 postgres          ", Role.SELECTED)
    canvas.put(7, 0, "     1 root       0.0 systemd", Role.NORMAL)
    canvas.put(7, 30, "q", Role.KEY)
    canvas.put(7, 32, "quit", Role.DIM)
    return canvas.block()


def golden_text(theme: str, depth: int) -> str:
    styles = role_sgr(theme, depth)
    lines = [f"theme {theme}, {DEPTH_NAMES[depth]}", "--- roles"]
    lines += [
        f"{letter!r:5} {ROLE_NAMES[letter]:9} {visible(sgr)}" for letter, sgr in styles.items()
    ]
    sent: list[str] = []

    def write(text: str) -> int:
        sent.append(text)
        return len(text.encode())

    screen = Screen(plain_sequences(styles), write)
    written = screen.present(sample_block())
    lines.append(f"--- sample 40x8 through the screen writer: {written} bytes")
    # One line per cursor movement, so a reviewer reads it row by row.
    lines += [visible(part) for part in re.split(r"(?=\x1b\[\d+;\d+H)", "".join(sent)) if part]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", DEPTHS, ids=[DEPTH_NAMES[d] for d in DEPTHS])
@pytest.mark.parametrize("theme", THEME_NAMES)
def test_theme_golden(theme: str, depth: int) -> None:
    check_text(GOLDEN / f"{theme}-{DEPTH_NAMES[depth]}.txt", golden_text(theme, depth))


def _colour_words(style: Style, depth: int) -> str:
    words = []
    if style.fg is not None:
        if depth >= 256 and isinstance(style.fg, str):
            words.append(f"{style.fg} ({nearest_index(colour_rgb(style.fg))} at 256)")
        elif depth >= 256:
            r, g, b = colour_rgb(style.fg)
            words.append(f"{style.fg} (#{r:02x}{g:02x}{b:02x})")
        else:
            words.append(str(style.fg))
    if style.bg is not None:
        words.append(f"on {style.bg}")
    words += [word for word, on in (("bold", style.bold), ("reverse", style.reverse)) if on]
    return " ".join(words) or "default"


def light_readme_block() -> str:
    """README's picture of the light theme: the 80x24 frame of the render tests, each cell's
    role, and the legend of what each role is in the light theme."""
    snap = busy_snapshot()
    history: History = history_for(snap)
    frame = render_frame(frame_input(snap, history, AppState()), 80, 24, UNICODE)
    theme = theme_named("light")
    background = theme.background or "#ffffff"
    rich, ansi16 = role_styles("light", 256), role_styles("light", 16)
    legend = [
        "| letter | role | what takes it | 256 colours and truecolor | contrast | 8/16 colours |",
        "|---|---|---|---|---|---|",
    ]
    for letter, style in rich.items():
        shown = f"`{letter}`" if letter != " " else "(space)"
        contrast = "-"
        if style.fg is not None and not style.reverse:
            against = colour_rgb(style.bg) if style.bg is not None else colour_rgb(background)
            contrast = f"{contrast_ratio(colour_rgb(style.fg), against):.1f}:1"
        legend.append(
            f"| {shown} | {ROLE_NAMES[letter]} | {ROLE_PARTS[letter]} | {_colour_words(style, 256)}"
            f" | {contrast} | {_colour_words(ansi16[letter], 16)} |"
        )
    text = "\n".join(line.text.rstrip() for line in frame)
    styles = "\n".join(line.styles.rstrip() for line in frame)
    return (
        "<!-- light theme 80x24 -->\n```\n"
        + text
        + "\n```\n\nEach cell's role, by letter (a space: plain text):\n\n```\n"
        + styles
        + "\n```\n\n"
        + "\n".join(legend)
        + "\n<!-- end light theme -->\n"
    )


def test_readme_shows_the_light_theme_as_the_code_draws_it() -> None:
    readme = README.read_text(encoding="utf-8")
    start = readme.index("<!-- light theme 80x24 -->\n")
    end_marker = "<!-- end light theme -->\n"
    end = readme.index(end_marker, start) + len(end_marker)
    expected = light_readme_block()
    if os.environ.get("SOT_UPDATE_GOLDEN") == "1":
        README.write_text(readme[:start] + expected + readme[end:], encoding="utf-8")
        return
    assert readme[start:end] == expected, "README's light theme picture is out of date"
