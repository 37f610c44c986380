"""Can the user's terminal show Unicode glyphs? Decided from the environment, not guessed."""

from __future__ import annotations

import codecs
from collections.abc import Mapping

from sot.render.glyphs import ASCII, UNICODE, Glyphs

# Terminals whose fonts lack braille and most box-drawing: the Linux console and real VT100s.
ASCII_TERMINALS = frozenset({"linux", "vt100", "vt102", "vt220", "dumb", "ansi", "cons25"})
_C_LOCALES = frozenset({"", "C", "POSIX"})


def _names_utf8(value: str) -> bool:
    lowered = value.lower()
    return "utf-8" in lowered or "utf8" in lowered


def user_locale_is_utf8(environ: Mapping[str, str]) -> bool:
    """Whether the locale the user chose names UTF-8.

    Python coerces a C locale by setting ``LC_CTYPE=C.UTF-8`` (PEP 538) before any of our code runs;
    that says nothing about the terminal, so a ``C.UTF-8`` LC_CTYPE next to a C/POSIX (or unset)
    LANG and no LC_ALL is taken as Python's doing, not the user's.
    """
    lc_all = environ.get("LC_ALL", "")
    if lc_all:
        return _names_utf8(lc_all)
    lc_ctype = environ.get("LC_CTYPE", "")
    lang = environ.get("LANG", "")
    coerced = lc_ctype in ("C.UTF-8", "C.utf8") and lang in _C_LOCALES
    if lc_ctype and not coerced:
        return _names_utf8(lc_ctype)
    return _names_utf8(lang)


def encoding_is_utf8(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def choose_glyphs(
    environ: Mapping[str, str],
    stream_encoding: str | None,
    force_ascii: bool = False,
    force_unicode: bool = False,
) -> Glyphs:
    """Unicode only when the user's locale names UTF-8, the output stream encodes UTF-8 and the
    terminal is not one known to lack the glyphs; ``--ascii``/``--unicode`` override."""
    if force_ascii:
        return ASCII
    if force_unicode:
        return UNICODE
    term = environ.get("TERM", "")
    if (
        user_locale_is_utf8(environ)
        and encoding_is_utf8(stream_encoding)
        and term not in ASCII_TERMINALS
    ):
        return UNICODE
    return ASCII
