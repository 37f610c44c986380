"""``sot ps``: processes, listening ports and development servers on one screen (the
dashboard's loop, panels and keys, arranged by ``sot.layout.SCREENS["ps"]``), or printed once
for scripts (``--once``, ``--format text|json``)."""

from __future__ import annotations

import argparse
import dataclasses

from sot.commands import dashboard
from sot.config import Config, parse_duration, parse_top
from sot.log import DebugLog

SUMMARY = "processes, listening ports and development servers (Tab moves between the panels)"
EPILOG = """\
The ports panel lists every listening TCP socket and bound UDP socket, IPv4 and IPv6 apart,
with the process that holds it ("-" where only root may see the owner; they are read every
few seconds). Dev servers groups processes by what they run (Node, Python, Ruby, Java, Go run,
Rust, PHP, databases, web servers, container engines), with their ports, CPU and memory.

keys: Tab moves the focus between processes, ports and dev servers; Up/Down and the sort keys
(p N on ports; c m N on dev servers; < > I) act on the focused panel; Enter on a port or a dev
server selects its process in the process panel. The process panel has every key of the
dashboard (see 'sot --help').

When stdout or stdin is not a terminal, sot ps prints its panels once as plain text."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard's options (interval, --once, --format, --top, look, read-only); ``sot ps``
    has no options of its own."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    dashboard.add_sampling_arguments(
        parser,
        "seconds between samples, 0.2 to 3600 (default 1); ports are read every 3 s",
        "sample twice, --interval apart, print the panels (or JSON) once and exit",
        "output of --once (or when not on a terminal): text (default) or json"
        " (schema_version, processes, ports, dev_servers)",
    )
    parser.add_argument(
        "--top",
        type=dashboard.checked(parse_top),
        metavar="N",
        help="with --once (or without a terminal): only the first N processes",
    )
    dashboard.add_process_arguments(parser)
    dashboard.add_look_arguments(parser)
    parser.add_argument(
        "--duration",
        type=dashboard.checked(parse_duration),
        metavar="SECONDS",
        help="run for this long (at most 366 days), then exit 0",
    )
    dashboard.add_read_only_argument(parser)


def config_from(args: argparse.Namespace, environ: dict[str, str]) -> Config:
    """The dashboard's configuration with the ps screen; the options sot ps does not take
    keep their defaults."""
    for name, default in (("net", None), ("disk", None), ("record", None), ("replay", None)):
        setattr(args, name, getattr(args, name, default))
    return dataclasses.replace(dashboard.config_from(args, environ, "ps"), screen="ps")


def run(args: argparse.Namespace, log: DebugLog) -> int:
    import os

    return dashboard.run(config_from(args, dict(os.environ)), log)
