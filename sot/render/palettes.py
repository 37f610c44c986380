"""The themes' palettes: each role letter's look (foreground, background, bold, reverse) per
theme and colour depth, and the one SGR sequence the screen writer sends for it.

Pure data and pure functions, no terminal: ``sot.terminal`` asks ``role_sgr(theme, depth)`` for
the sequences once, when the terminal is opened; render code only ever names role letters, so a
theme changes what is sent, never a frame.

Depths: ``TRUECOLOR`` (24-bit, ``COLORTERM=truecolor``/``24bit`` on a terminal of at least 256
colours, or a terminfo entry of 2**24 colours such as xterm-direct), 256, 16, 8, and 0 (mono:
``NO_COLOR``, ``--no-color``, or a terminal without colours). Colours are palette numbers
(0-255) or ``#rrggbb``: a number is sent as it is at 256 colours and truecolor; an ``#rrggbb``
is sent as the nearest of the 240 standard colours (16-255) at 256 colours, and exactly
(``38;2;r;g;b``) at truecolor, unless it is one of those 240, whose shorter ``38;5;n`` form
shows the same colour in 5 fewer bytes. The 16- and 8-colour forms name the terminal's own
palette (0-15, 0-7), whose colours the user's terminal theme decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from sot.render.cells import Role
from sot.themes import DEFAULT_THEME

TRUECOLOR = 1 << 24
DEPTHS: tuple[int, ...] = (TRUECOLOR, 256, 16, 8, 0)
TRUECOLOR_WORDS = frozenset({"truecolor", "24bit"})

Colour = int | str  # a palette number 0-255, or "#rrggbb"


@dataclass(frozen=True, slots=True)
class Style:
    """One role's look; None: the terminal's default colour."""

    fg: Colour | None = None
    bg: Colour | None = None
    bold: bool = False
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    rich: Mapping[str, Style]  # 256 colours and truecolor
    ansi16: Mapping[str, Style]
    # The background the theme is made for, which its contrast is checked against (tests,
    # README); None: any (mono).
    background: str | None
    # At 8 colours the bright ones (9-15) are their plain ones, made bold where the theme
    # wants the brightness back; grey (8) is the default colour.
    bright_as_bold: bool = False
    ansi8: Mapping[str, Style] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ansi8", _eight_colours(self.ansi16, self.bright_as_bold))


def _eight_colours(ansi16: Mapping[str, Style], bright_as_bold: bool) -> Mapping[str, Style]:
    def plain(colour: Colour | None) -> Colour | None:
        if isinstance(colour, int) and colour >= 8:
            return None if colour == 8 else colour - 8
        return colour

    def bright(colour: Colour | None) -> bool:
        return isinstance(colour, int) and colour > 8

    return MappingProxyType(
        {
            role: replace(
                style,
                fg=plain(style.fg),
                bg=plain(style.bg),
                bold=style.bold or (bright_as_bold and bright(style.fg)),
            )
            for role, style in ansi16.items()
        }
    )


def colour_depth(colors: int, environ: Mapping[str, str]) -> int:
    """The depth to draw with, from terminfo's colour count (0 when colour is off) and
    ``COLORTERM``. COLORTERM is inherited by everything started from the terminal, so it
    counts only where terminfo says 256 colours or more (under ``TERM=screen``, 8 colours, it
    would promise what the multiplexer cannot pass on), and not inside GNU screen (``STY``
    set), whose 4.x releases turn 24-bit colours into garbage even as screen-256color."""
    if colors <= 0:
        return 0
    if colors >= TRUECOLOR:
        return TRUECOLOR
    if colors >= 256:
        truecolor = environ.get("COLORTERM", "").strip().lower() in TRUECOLOR_WORDS
        return TRUECOLOR if truecolor and "STY" not in environ else 256
    if colors >= 16:
        return 16
    return 8 if colors >= 8 else 0


def theme_named(name: str) -> Theme:
    """The theme of that name (one of ``sot.themes.THEME_NAMES``); the default for others."""
    return THEMES.get(name) or THEMES[DEFAULT_THEME]


def role_styles(theme: str, depth: int) -> Mapping[str, Style]:
    """Each role's style in ``theme`` at ``depth``."""
    chosen = theme_named(theme)
    if depth >= 256:
        return chosen.rich
    if depth >= 16:
        return chosen.ansi16
    if depth >= 8:
        return chosen.ansi8
    return _MONO


def role_sgr(theme: str, depth: int) -> dict[str, str]:
    """Role letter -> the one SGR sequence that sets its style from any other (reset first, so
    styles never leak into each other): ``ESC[0;1;38;5;75m``, never three sequences."""
    return {role: style_sgr(style, depth) for role, style in role_styles(theme, depth).items()}


def style_sgr(style: Style, depth: int) -> str:
    params = ["0"]
    if style.bold:
        params.append("1")
    if style.reverse:
        params.append("7")
    if style.fg is not None and depth:
        params.append(_colour_params(style.fg, depth, background=False))
    if style.bg is not None and depth:
        params.append(_colour_params(style.bg, depth, background=True))
    return "\x1b[" + ";".join(params) + "m"


def _colour_params(colour: Colour, depth: int, background: bool) -> str:
    if isinstance(colour, str):
        rgb = parse_hex(colour)
        index = nearest_index(rgb)
        if depth >= TRUECOLOR and palette_rgb(index) != rgb:
            return f"{48 if background else 38};2;{rgb[0]};{rgb[1]};{rgb[2]}"
        colour = index
    # As xterm's terminfo (setaf/setab) writes them: the short forms for the first 16.
    if colour < 8:
        return str((40 if background else 30) + colour)
    if colour < 16:
        return str((100 if background else 90) + colour - 8)
    return f"{48 if background else 38};5;{colour}"


def parse_hex(colour: str) -> tuple[int, int, int]:
    value = int(colour[1:], 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


# xterm's 6x6x6 cube levels; the grey ramp 232-255 runs 8, 18, ... 238.
_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)
# xterm's defaults for the 16 terminal colours: only an estimate, as terminal themes change them.
_XTERM_16 = (
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
)


def palette_rgb(index: int) -> tuple[int, int, int]:
    """The colour xterm shows for palette number ``index`` (16-255 are the same in nearly every
    terminal; 0-15 follow the terminal's theme, xterm's defaults here)."""
    if index < 16:
        return _XTERM_16[index]
    if index >= 232:
        grey = 8 + 10 * (index - 232)
        return grey, grey, grey
    cube = index - 16
    return _CUBE_LEVELS[cube // 36], _CUBE_LEVELS[cube // 6 % 6], _CUBE_LEVELS[cube % 6]


def nearest_index(rgb: tuple[int, int, int]) -> int:
    """The palette number (16-255) closest to ``rgb`` (squared distance, weighted for the eye)."""

    def distance(index: int) -> int:
        r, g, b = palette_rgb(index)
        return 2 * (r - rgb[0]) ** 2 + 4 * (g - rgb[1]) ** 2 + 3 * (b - rgb[2]) ** 2

    return min(range(16, 256), key=distance)


def colour_rgb(colour: Colour) -> tuple[int, int, int]:
    return parse_hex(colour) if isinstance(colour, str) else palette_rgb(colour)


# (name, letter) of every role, in Role's order: the tables below name roles in lower case.
_ROLE_NAMES = tuple((name.lower(), letter) for name, letter in vars(Role).items() if name.isupper())


def _table(base: Mapping[str, Style] | None = None, **styles: Style) -> Mapping[str, Style]:
    """Role name (as in ``Role``) -> style, every role present: unnamed ones as in ``base``,
    else plain."""
    table = {
        letter: styles.get(name) or (base[letter] if base is not None else Style())
        for name, letter in _ROLE_NAMES
    }
    return MappingProxyType(table)


_MONO = _table(
    title=Style(bold=True),
    header=Style(reverse=True),
    warn=Style(bold=True),
    crit=Style(bold=True),
    selected=Style(reverse=True),
    column=Style(reverse=True),
    key=Style(bold=True),
)

# Today's colours, exactly as before themes.
_DARK = Theme(
    "dark",
    rich=_table(
        dim=Style(245),
        border=Style(240),
        title=Style(75, bold=True),
        header=Style(252, 236),
        label=Style(244),
        ok=Style(71),
        warn=Style(179),
        crit=Style(167, bold=True),
        cpu=Style(80),
        memory=Style(176),
        rx=Style(114),
        tx=Style(209),
        selected=Style(reverse=True),
        column=Style(16, 110),
        key=Style(75, bold=True),
    ),
    ansi16=_table(
        dim=Style(8),
        border=Style(4),
        title=Style(6, bold=True),
        header=Style(reverse=True),
        label=Style(8),
        ok=Style(2),
        warn=Style(11),
        crit=Style(1, bold=True),
        cpu=Style(6),
        memory=Style(5),
        rx=Style(2),
        tx=Style(9),
        selected=Style(reverse=True),
        column=Style(0, 6),
        key=Style(bold=True),
    ),
    background="#000000",
)

# For light backgrounds: every text colour at least 4.5:1 against white (borders 3:1), no pale
# greys, no yellow. At 8 and 16 colours the terminal's theme decides the colours: green, yellow,
# cyan, white and the bright ones are pale on white in most (xterm's green is 2.2:1), so OK and
# the memory graph are the default foreground, received blue, warnings magenta (a colour no
# other role has), and the dims the default foreground.
_LIGHT = Theme(
    "light",
    rich=_table(
        dim=Style(242),
        border=Style(67),
        title=Style(25, bold=True),
        header=Style(235, 252),
        label=Style(239),
        ok=Style(28),
        warn=Style(130),
        crit=Style(160, bold=True),
        cpu=Style(24),
        memory=Style(90),
        rx=Style(22),
        tx=Style(124),
        selected=Style(reverse=True),
        column=Style(16, 153),
        key=Style(25, bold=True),
    ),
    # dark's, without its greys (8), green (2), cyan (6) and bright colours.
    ansi16=_table(
        _DARK.ansi16,
        dim=Style(),
        label=Style(),
        title=Style(4, bold=True),
        ok=Style(),
        warn=Style(5),
        cpu=Style(4),
        memory=Style(),
        rx=Style(4),
        tx=Style(1),
        column=Style(7, 4),
        key=Style(4, bold=True),
    ),
    background="#ffffff",
)

# For dark backgrounds, seen with poor eyesight or in glare: every text colour at least 7:1
# against black, no dim text (dims and labels are light greys), titles, keys and alerts bold.
_HIGH_CONTRAST = Theme(
    "high-contrast",
    rich=_table(
        dim=Style(252),
        border=Style(250),
        title=Style(51, bold=True),
        header=Style(16, 255, bold=True),
        label=Style(255),
        ok=Style(46),
        warn=Style(226, bold=True),
        crit=Style(203, bold=True),
        cpu=Style(87),
        memory=Style(213),
        rx=Style(120),
        tx=Style(215),
        selected=Style(bold=True, reverse=True),
        column=Style(16, 226, bold=True),
        key=Style(226, bold=True),
    ),
    ansi16=_table(
        dim=Style(7),
        border=Style(7),
        title=Style(14, bold=True),
        header=Style(bold=True, reverse=True),
        label=Style(15),
        ok=Style(10),
        warn=Style(11, bold=True),
        crit=Style(9, bold=True),
        cpu=Style(14),
        memory=Style(13),
        rx=Style(10),
        tx=Style(11),
        selected=Style(bold=True, reverse=True),
        column=Style(0, 11, bold=True),
        key=Style(11, bold=True),
    ),
    background="#000000",
    bright_as_bold=True,
)

# Safe for red-green colour blindness (dark background): the Okabe-Ito colours, exact at
# truecolor. OK is sky blue, WARN orange, CRIT vermillion and bold: told apart by lightness and
# weight as well as hue. Received is blue, sent orange.
_OKABE_ITO_SKY_BLUE = "#56b4e9"
_OKABE_ITO_ORANGE = "#e69f00"
_OKABE_ITO_VERMILLION = "#d55e00"
_OKABE_ITO_BLUISH_GREEN = "#009e73"
_OKABE_ITO_REDDISH_PURPLE = "#cc79a7"
_COLOUR_BLIND = Theme(
    "colour-blind",
    # dark's greys, header and selection; Okabe-Ito for everything that means something.
    rich=_table(
        _DARK.rich,
        title=Style(_OKABE_ITO_SKY_BLUE, bold=True),
        ok=Style(_OKABE_ITO_SKY_BLUE),
        warn=Style(_OKABE_ITO_ORANGE),
        crit=Style(_OKABE_ITO_VERMILLION, bold=True),
        cpu=Style(_OKABE_ITO_BLUISH_GREEN),
        memory=Style(_OKABE_ITO_REDDISH_PURPLE),
        rx=Style(_OKABE_ITO_SKY_BLUE),
        tx=Style(_OKABE_ITO_ORANGE),
        column=Style(16, _OKABE_ITO_SKY_BLUE),
        key=Style(_OKABE_ITO_SKY_BLUE, bold=True),
    ),
    # Bright cyan and yellow instead of green and red; red only for critical, and bold.
    ansi16=_table(
        _DARK.ansi16,
        title=Style(14, bold=True),
        ok=Style(14),
        cpu=Style(12),
        rx=Style(14),
        tx=Style(11),
        key=Style(14, bold=True),
    ),
    background="#000000",
)

# Bold and reverse only, at every depth: what NO_COLOR and --no-color give.
_MONO_THEME = Theme("mono", rich=_MONO, ansi16=_MONO, background=None)

THEMES: Mapping[str, Theme] = MappingProxyType(
    {theme.name: theme for theme in (_DARK, _LIGHT, _HIGH_CONTRAST, _COLOUR_BLIND, _MONO_THEME)}
)
