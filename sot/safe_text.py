"""Text from outside made safe to show: on the screen, on stderr and in the log alike.

Names of processes, interfaces, mount points and users, paths, and anything read from a recording
can hold escape sequences that retitle a window or clear a screen. Every character that a terminal
would act on instead of printing is removed here, in one place, so the screen, error messages and
the debug log cannot disagree about what is safe. Standard library only: ``sot --help`` and usage
errors import this without loading anything heavy.
"""

from __future__ import annotations

import sys
import unicodedata

# Controls (C0, C1, DEL), format characters (bidirectional overrides and isolates reorder what
# follows them on terminals that implement bidi), surrogates, private use and unassigned.
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# An error line naming a 100,000-character path is still one line, but not a useful one.
MAX_MESSAGE_CHARS = 2000


def sanitize(text: str, ascii_only: bool = False) -> str:
    """Text safe to put on a terminal: no C0/C1 controls, ESC, DEL or format characters.

    Tabs and newlines become spaces (so columns stay put and a message stays one line); other
    controls are dropped. With ``ascii_only`` every non-ASCII character becomes ``?`` (one cell,
    like the glyph it replaces would have been on a non-UTF-8 terminal at best).
    """
    if text.isascii() and text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        if char in "\t\n\r\v\f":
            out.append(" ")
        elif char.isascii():
            if char.isprintable():
                out.append(char)
        elif unicodedata.category(char) in _STRIPPED_CATEGORIES:
            continue
        elif ascii_only:
            if unicodedata.combining(char) == 0:
                out.append("?")
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str) -> str:
    """``text`` sanitized and cut to a length a person reads: for stderr and the log."""
    clean = sanitize(text)
    if len(clean) > MAX_MESSAGE_CHARS:
        return clean[: MAX_MESSAGE_CHARS - 1] + "…"
    return clean


def report(message: str) -> None:
    """One ``sot: ...`` line on stderr. Every message sot prints goes through here."""
    stream = sys.stderr
    if stream is None:
        return  # started with stderr closed: there is nobody to tell
    try:
        stream.write(f"sot: {one_line(message)}\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # a closed or full stderr must not turn an orderly exit into a traceback
