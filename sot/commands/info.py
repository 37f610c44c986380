"""``sot info``: this machine's facts beside its OS's logo, printed once (like neofetch, but read
from the files servers and containers have, in a few tens of milliseconds).

Nothing here waits: no subprocess, no network, no blessed (its import alone would cost 30 ms
and more). Colours are the eight ANSI ones every colour terminal has, written directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from sot import __version__
from sot.config import CannotRun
from sot.facts import SystemFacts, facts_document
from sot.log import DebugLog
from sot.render.logos import LOGO_NAMES, Logo

SUMMARY = "print this machine's facts beside its OS logo, then exit"
EPILOG = (
    "Facts are read directly from os-release, /proc, /sys and the package databases; each is "
    "shown only when known. On a terminal the output has a few colours; otherwise (a pipe, a "
    "file) it is plain text. --format json prints one flat object (unknown facts are null); its "
    "keys are listed in README.md."
)
RESET = "\x1b[0m"
# Terminals that cannot show colour: TERM says so, whatever the other settings.
COLOURLESS_TERMS = frozenset({"", "dumb"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        metavar="FORMAT",
        help="text (default): logo and facts; json: one flat object for scripts",
    )
    parser.add_argument("--no-logo", action="store_true", help="print the facts only")
    parser.add_argument(
        "--logo",
        choices=LOGO_NAMES,
        metavar="NAME",
        help=f"show this logo instead of the detected OS's: {', '.join(LOGO_NAMES)}",
    )
    parser.add_argument(
        "--no-color",
        action="store_true",
        help="no colours (also when NO_COLOR is set to any value)",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        help="ASCII characters only (the logos are ASCII already; this covers rules and text)",
    )


def run(args: argparse.Namespace, log: DebugLog) -> int:
    from sot.collect.facts import read_facts

    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    facts = read_facts()
    log.write(f"sot info: {facts}")
    output = _json(facts) if args.format == "json" else _text(args, facts, os.environ)
    try:
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader left (sot info | head): not worth a message
    except OSError as err:
        raise CannotRun(f"cannot write to stdout: {err.strerror or err}") from err
    return 0


def _json(facts: SystemFacts) -> str:
    import json

    return json.dumps(facts_document(facts, __version__), indent=2, ensure_ascii=True) + "\n"


def _text(args: argparse.Namespace, facts: SystemFacts, environ: Mapping[str, str]) -> str:
    from sot.encoding import choose_glyphs
    from sot.render.info import plain_text, render_info, styled_text
    from sot.render.logos import choose_logo, logo_named

    logo = logo_named(args.logo) if args.logo else choose_logo(facts.os_id, facts.os_id_like)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    glyphs = choose_glyphs(environ, encoding, force_ascii=args.ascii)
    on_terminal = sys.stdout.isatty()
    width = _width(on_terminal, environ)
    lines = render_info(facts, None if args.no_logo else logo, width, glyphs.ascii_only)
    coloured = (
        on_terminal
        and not args.no_color
        and "NO_COLOR" not in environ
        and environ.get("TERM", "") not in COLOURLESS_TERMS
    )
    if not coloured or logo is None:
        return plain_text(lines)
    return styled_text(lines, palette(logo), RESET)


def _width(on_terminal: bool, environ: Mapping[str, str]) -> int | None:
    """The terminal's width; COLUMNS where there is no terminal; else no limit (a file gets
    every fact whole)."""
    if on_terminal:
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns or None
        except (OSError, ValueError):
            pass
    try:
        columns = int(environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return columns if columns > 0 else None


def palette(logo: Logo) -> dict[str, str]:
    """SGR sequences per role: the logo in its colour, labels and title in its accent, bold."""
    from sot.render.info import InfoRole

    def bold(colour: int) -> str:
        return f"\x1b[0;1;{30 + colour}m" if colour else "\x1b[0;1m"

    return {
        InfoRole.PLAIN: RESET,
        InfoRole.LOGO: bold(logo.colour),
        InfoRole.TITLE: bold(logo.accent),
        InfoRole.LABEL: bold(logo.accent),
        InfoRole.RULE: RESET,
    }
