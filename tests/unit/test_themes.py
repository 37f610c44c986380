"""Themes: the palettes per theme and depth, their contrast, the colour depth from terminfo and
COLORTERM, NO_COLOR, and the screen writer's shortcuts with them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sot.config import Config
from sot.render.cells import BACKGROUND_ROLES, Role
from sot.render.palettes import (
    DEPTHS,
    THEMES,
    TRUECOLOR,
    Style,
    colour_depth,
    colour_rgb,
    nearest_index,
    palette_rgb,
    role_sgr,
    role_styles,
)
from sot.screen import style_transitions
from sot.themes import DEFAULT_THEME, THEME_NAMES

RICH = (TRUECOLOR, 256)
COLOURED = (TRUECOLOR, 256, 16, 8)
# Roles read as text: their colour must stand out from the background as text does (WCAG's
# 4.5:1 for normal text); a border is a graphic (3:1).
GRAPHIC_ROLES = frozenset({Role.BORDER})

# The sequences sot sent before themes (xterm-256color's terminfo through blessed): dark must
# keep them byte for byte.
TODAY_256 = {
    " ": "\x1b[0m",
    "d": "\x1b[0;38;5;245m",
    "b": "\x1b[0;38;5;240m",
    "t": "\x1b[0;1;38;5;75m",
    "H": "\x1b[0;38;5;252;48;5;236m",
    "l": "\x1b[0;38;5;244m",
    "v": "\x1b[0m",
    "g": "\x1b[0;38;5;71m",
    "y": "\x1b[0;38;5;179m",
    "r": "\x1b[0;1;38;5;167m",
    "c": "\x1b[0;38;5;80m",
    "m": "\x1b[0;38;5;176m",
    "x": "\x1b[0;38;5;114m",
    "w": "\x1b[0;38;5;209m",
    "S": "\x1b[0;7m",
    "C": "\x1b[0;38;5;16;48;5;110m",
    "k": "\x1b[0;1;38;5;75m",
}
TODAY_8 = {
    **dict.fromkeys(" dlvcmxw", "\x1b[0m"),
    "b": "\x1b[0;34m",
    "t": "\x1b[0;1;36m",
    "H": "\x1b[0;7m",
    "g": "\x1b[0;32m",
    "y": "\x1b[0;33m",
    "r": "\x1b[0;1;31m",
    "c": "\x1b[0;36m",
    "m": "\x1b[0;35m",
    "x": "\x1b[0;32m",
    "w": "\x1b[0;31m",
    "S": "\x1b[0;7m",
    "C": "\x1b[0;30;46m",
    "k": "\x1b[0;1m",
}
TODAY_16 = {**TODAY_8, "d": "\x1b[0;90m", "l": "\x1b[0;90m", "y": "\x1b[0;93m", "w": "\x1b[0;91m"}
TODAY_MONO = {
    **dict.fromkeys(" dblvgcmxw", "\x1b[0m"),
    **dict.fromkeys("tyrk", "\x1b[0;1m"),
    **dict.fromkeys("HSC", "\x1b[0;7m"),
}


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def shown_rgb(colour: int | str, depth: int) -> tuple[int, int, int]:
    """The colour a terminal shows at ``depth``: at 256 colours an #rrggbb is its nearest."""
    rgb = colour_rgb(colour)
    return palette_rgb(nearest_index(rgb)) if depth == 256 and isinstance(colour, str) else rgb


def text_contrasts(theme: str, depth: int) -> Iterator[tuple[str, float]]:
    """(role, contrast of its foreground with what is behind it) for roles with a foreground."""
    background = THEMES[theme].background
    assert background is not None
    for role, style in role_styles(theme, depth).items():
        if style.fg is None or style.reverse:
            continue
        behind = style.bg if style.bg is not None else background
        yield role, contrast_ratio(shown_rgb(style.fg, depth), shown_rgb(behind, depth))


def test_every_theme_has_a_palette_and_every_role() -> None:
    assert tuple(THEMES) == THEME_NAMES
    assert DEFAULT_THEME in THEMES
    roles = {letter for name, letter in vars(Role).items() if name.isupper()}
    for theme in THEME_NAMES:
        for depth in DEPTHS:
            assert set(role_sgr(theme, depth)) == roles, (theme, depth)


@pytest.mark.parametrize(
    ("depth", "today"), [(256, TODAY_256), (16, TODAY_16), (8, TODAY_8), (0, TODAY_MONO)]
)
def test_dark_keeps_todays_colours_exactly(depth: int, today: dict[str, str]) -> None:
    assert role_sgr("dark", depth) == today
    # Today's colours are all among the 240 standard ones: truecolor sends them the same way.
    assert role_sgr("dark", TRUECOLOR) == TODAY_256


@pytest.mark.parametrize("depth", DEPTHS)
def test_mono_is_todays_monochrome_at_every_depth(depth: int) -> None:
    assert role_sgr("mono", depth) == TODAY_MONO
    assert all(role_sgr(theme, 0) == TODAY_MONO for theme in THEME_NAMES)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("theme", THEME_NAMES)
def test_roles_that_must_differ_do(theme: str, depth: int) -> None:
    sgr = role_sgr(theme, depth)
    assert sgr[Role.SELECTED] != sgr[Role.NORMAL]
    assert sgr[Role.OK] not in (sgr[Role.WARN], sgr[Role.CRIT])
    if theme == "mono" or depth == 0:
        # Bold and reverse only: warning and critical are both bold (the number tells them
        # apart), received and sent plain, as before themes.
        return
    assert sgr[Role.WARN] != sgr[Role.CRIT]
    assert sgr[Role.RX] != sgr[Role.TX]


@pytest.mark.parametrize("depth", RICH)
def test_light_text_stands_out_on_white(depth: int) -> None:
    assert THEMES["light"].background == "#ffffff"
    for role, ratio in text_contrasts("light", depth):
        needed = 3.0 if role in GRAPHIC_ROLES else 4.5
        assert ratio >= needed, (role, round(ratio, 2))


@pytest.mark.parametrize("depth", (16, 8))
def test_light_avoids_the_terminal_colours_that_are_pale_on_white(depth: int) -> None:
    # Green, yellow, cyan, white and the bright ones are pale on white in most terminal
    # palettes; a colour on its own background (the column titles) is exempt.
    pale = {2, 3, 6, 7, *range(8, 16)}
    for role, style in role_styles("light", depth).items():
        if style.bg is None:
            assert style.fg not in pale, role
    # Measured with xterm's default 16 colours (green is 2.2:1 on white there).
    assert THEMES["light"].background == "#ffffff"
    for role, ratio in text_contrasts("light", depth):
        assert ratio >= 3.0, (role, round(ratio, 2))


@pytest.mark.parametrize("depth", (16, 8))
def test_light_warnings_share_their_colour_with_no_other_role(depth: int) -> None:
    # A memory graph in the warning colour would read as a warning.
    styles = role_styles("light", depth)
    warn = styles[Role.WARN].fg
    assert warn is not None
    assert [role for role, style in styles.items() if style.fg == warn] == [Role.WARN]


@pytest.mark.parametrize("depth", RICH)
def test_high_contrast_text_is_seven_to_one_and_never_dim(depth: int) -> None:
    for role, ratio in text_contrasts("high-contrast", depth):
        assert ratio >= 7.0, (role, round(ratio, 2))
    for depth_any in COLOURED:
        styles = role_styles("high-contrast", depth_any)
        # "dim" text is as bright as any: a light grey or the terminal's white, never grey 8.
        assert styles[Role.DIM].fg not in (None, 8), depth_any
        assert styles[Role.CRIT].bold and styles[Role.TITLE].bold and styles[Role.KEY].bold


@pytest.mark.parametrize("depth", COLOURED)
def test_colour_blind_tells_ok_from_critical_by_more_than_hue(depth: int) -> None:
    styles = role_styles("colour-blind", depth)
    assert styles[Role.CRIT].bold and not styles[Role.OK].bold
    assert not styles[Role.WARN].bold
    if depth in RICH:
        # Okabe-Ito orange and vermillion: apart in lightness too, not only in hue.
        warn, crit = (shown_rgb(styles[r].fg or 0, depth) for r in (Role.WARN, Role.CRIT))
        assert contrast_ratio(warn, crit) >= 1.5


def test_colour_blind_is_okabe_ito_exactly_at_truecolor_and_nearest_at_256() -> None:
    true, at_256 = role_sgr("colour-blind", TRUECOLOR), role_sgr("colour-blind", 256)
    assert true[Role.OK] == "\x1b[0;38;2;86;180;233m"
    assert true[Role.WARN] == "\x1b[0;38;2;230;159;0m"
    assert true[Role.CRIT] == "\x1b[0;1;38;2;213;94;0m"
    assert true[Role.COLUMN] == "\x1b[0;38;5;16;48;2;86;180;233m"
    assert at_256[Role.OK] == "\x1b[0;38;5;74m"
    assert "38;2" not in "".join(at_256.values())


def test_standard_colours_keep_their_short_form_at_truecolor() -> None:
    # An #rrggbb that is one of the 240 standard colours shows the same in 5 fewer bytes.
    assert palette_rgb(75) == (95, 175, 255)
    assert nearest_index((95, 175, 255)) == 75
    assert role_sgr("light", TRUECOLOR) == role_sgr("light", 256)
    assert all(palette_rgb(nearest_index(palette_rgb(i))) == palette_rgb(i) for i in range(16, 256))


@pytest.mark.parametrize(
    ("colors", "colorterm", "depth"),
    [
        (256, "truecolor", TRUECOLOR),
        (256, "24bit", TRUECOLOR),
        (256, "TrueColor", TRUECOLOR),
        (256, "", 256),
        (256, "yes", 256),
        (88, "truecolor", 16),  # COLORTERM is inherited: it counts from 256 colours only
        (8, "truecolor", 8),
        (16, "", 16),
        (8, "", 8),
        (2, "", 0),
        (0, "truecolor", 0),  # --no-color and NO_COLOR come here as 0
        (1 << 24, "", TRUECOLOR),  # xterm-direct's terminfo
    ],
)
def test_colour_depth_from_terminfo_and_colorterm(colors: int, colorterm: str, depth: int) -> None:
    assert colour_depth(colors, {"COLORTERM": colorterm} if colorterm else {}) == depth


def test_colorterm_inherited_into_gnu_screen_is_ignored() -> None:
    environ = {"COLORTERM": "truecolor", "STY": "1234.pts-0.host"}
    assert colour_depth(256, environ) == 256
    assert colour_depth(256, {"COLORTERM": "truecolor", "TMUX": "/tmp/tmux-0/default,1,0"}) == (
        TRUECOLOR
    )


@pytest.mark.parametrize("theme", THEME_NAMES)
@pytest.mark.parametrize("depth", DEPTHS)
def test_each_style_is_one_sgr_and_foreground_changes_take_the_short_form(
    theme: str, depth: int
) -> None:
    styles = role_sgr(theme, depth)
    for sgr in styles.values():
        assert sgr.startswith("\x1b[0") and sgr.endswith("m") and sgr.count("\x1b") == 1
    transitions = style_transitions(styles)
    plain_foregrounds = [
        role
        for role, style in role_styles(theme, depth).items()
        if style == Style(style.fg) and style.fg is not None and depth
    ]
    for old in [Role.NORMAL, *plain_foregrounds]:
        for new in plain_foregrounds:
            if old != new:
                shorter = transitions[(old, new)]
                assert styles[new] == "\x1b[0;" + shorter[2:], (old, new)


def test_a_truecolor_foreground_change_sends_the_colour_alone() -> None:
    transitions = style_transitions(role_sgr("colour-blind", TRUECOLOR))
    assert transitions[(Role.OK, Role.WARN)] == "\x1b[38;2;230;159;0m"


def test_config_defaults_to_the_default_theme() -> None:
    assert Config().theme == DEFAULT_THEME


_PTY_OPEN = """
import json, os, pty, sys
from sot.terminal import open_terminal
controller, terminal = pty.openpty()
opened = open_terminal(terminal, sys.argv[2] == "1", dict(os.environ), sys.argv[1])
print(json.dumps([opened.colors, dict(opened.sequences.styles), list(opened.notes)]))
"""


def _pty_open(theme: str, no_color: bool, environ: dict[str, str]) -> tuple[int, dict[str, str]]:
    """``open_terminal`` on a pty, in a process of its own: curses sets up one terminal kind per
    process, and blessed reads ``os.environ``. The child gets exactly ``environ`` (with PATH and
    HOME), whatever the runner's COLORTERM, STY or TERM."""
    import json
    import subprocess
    import sys

    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env.update(environ)
    done = subprocess.run(
        [sys.executable, "-c", _PTY_OPEN, theme, "1" if no_color else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    colors, styles, notes = json.loads(done.stdout)
    assert not any("unknown TERM" in note for note in notes), notes
    return colors, styles


def test_open_terminal_draws_with_the_theme_at_the_terminals_depth() -> None:
    environ = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    colors, styles = _pty_open("colour-blind", False, environ)
    assert colors == TRUECOLOR
    assert styles == role_sgr("colour-blind", TRUECOLOR)
    colors, styles = _pty_open("light", False, {"TERM": "xterm-256color"})
    assert (colors, styles) == (256, role_sgr("light", 256))


@pytest.mark.parametrize(
    ("environ", "depth"),
    [
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, TRUECOLOR),
        ({"TERM": "xterm-256color", "COLORTERM": "24bit"}, TRUECOLOR),
        ({"TERM": "xterm-256color"}, 256),
        # GNU screen 4.x garbles 24-bit colours even as screen-256color: COLORTERM inherited
        # from the outer terminal does not count there.
        ({"TERM": "screen-256color", "STY": "1.pts-0.host", "COLORTERM": "truecolor"}, 256),
        ({"TERM": "screen-256color", "COLORTERM": "truecolor"}, TRUECOLOR),  # tmux's old TERM
        # 8-colour terminfo: COLORTERM cannot promise what the terminal cannot pass on.
        ({"TERM": "screen", "COLORTERM": "truecolor"}, 8),
        ({"TERM": "screen"}, 8),
        ({"TERM": "linux", "COLORTERM": "truecolor"}, 8),
        ({"TERM": "linux", "COLORTERM": "24bit", "STY": "1.tty1.host"}, 8),
    ],
)
def test_open_terminal_weighs_colorterm_against_terminfo(
    environ: dict[str, str], depth: int
) -> None:
    colors, styles = _pty_open("colour-blind", False, environ)
    assert colors == depth
    assert styles == role_sgr("colour-blind", depth)
    if depth != TRUECOLOR:
        assert "38;2;" not in "".join(styles.values())


def test_no_color_wins_over_the_theme_and_colorterm() -> None:
    environ = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    colors, styles = _pty_open("light", True, environ)
    assert colors == 0
    assert styles == TODAY_MONO


def test_no_color_in_the_environment_means_no_colour_whatever_the_theme() -> None:
    from sot.cli import parse_config

    assert parse_config(["--theme", "light"], {}).theme == "light"
    config = parse_config(["--theme", "light"], {"NO_COLOR": ""})
    assert config.no_color and config.theme == "light"
    assert parse_config([], {}).theme == DEFAULT_THEME


def test_the_other_screens_take_the_theme_too() -> None:
    from sot.cli import build_parser
    from sot.commands import disk, fleet

    args = build_parser().parse_args(["disk", "--theme", "high-contrast"])
    assert disk.config_from(args, {}).theme == "high-contrast"
    args = build_parser().parse_args(
        ["fleet", "--theme", "colour-blind", "--prometheus", "http://127.0.0.1:9"]
    )
    assert fleet.config_from(args, {}).theme == "colour-blind"


def test_background_roles_are_the_ones_that_paint_a_background() -> None:
    # The screen writer skips style changes around blanks of other roles: a theme that gave
    # another role a background would leave stale colour behind.
    for theme in THEME_NAMES:
        for depth in DEPTHS:
            for role, style in role_styles(theme, depth).items():
                if style.bg is not None or style.reverse:
                    assert role in BACKGROUND_ROLES, (theme, depth, role)
