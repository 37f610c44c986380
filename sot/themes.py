"""The colour themes sot knows, by name: what ``--theme``, ``SOT_THEME`` and the config file's
``theme`` choose from. The palettes themselves (each theme at 8, 16, 256 colours and truecolor)
are built from these names where the terminal is opened."""

from __future__ import annotations

# dark: today's colours, for dark backgrounds; light: for light backgrounds (no pale greys);
# high-contrast: bright foregrounds and bold, no dim text; colour-blind: blue/orange instead of
# green/red (Okabe-Ito); mono: bold and reverse only, as under NO_COLOR.
THEME_NAMES: tuple[str, ...] = ("dark", "light", "high-contrast", "colour-blind", "mono")
DEFAULT_THEME = "dark"
