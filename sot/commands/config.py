"""``sot config``: the settings in force, as TOML, each with where it came from (default, the
config file and its line, an environment variable, an option); ``--write`` puts a commented
default file where sot looks for one. Nothing else in sot ever writes the file."""

from __future__ import annotations

import argparse
import os
import sys

from sot.commands import dashboard
from sot.config import parse_interval
from sot.log import DebugLog

SUMMARY = "print the settings in force and where each comes from; --write a default config file"
EPILOG = """\
The settings rank: default < config file < environment (SOT_THEME, SOT_READ_ONLY; NO_COLOR
for colour) < command-line option. The file is $XDG_CONFIG_HOME/sot/config.toml, else
~/.config/sot/config.toml; --config FILE reads another, --no-config none. Options given here
(sot config --theme light) show how they would rank. sot config --write writes a commented
default file there (never over an existing one without --force, never through a link);
sot config --write - prints it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    # Not given here: as given before 'config' (sot --theme light config), else unset.
    parser.argument_default = argparse.SUPPRESS
    dashboard.add_config_file_arguments(parser, argparse.SUPPRESS)
    parser.add_argument(
        "--write",
        nargs="?",
        const="",
        metavar="-",
        help="write a commented default config file to the file sot reads (or --config FILE);"
        " '-' prints it instead",
    )
    parser.add_argument(
        "--force", action="store_true", default=False, help="with --write: replace a file there"
    )
    parser.add_argument(
        "-i",
        "--interval",
        type=dashboard.checked(parse_interval),
        metavar="SECONDS",
        help="as sot -i",
    )
    dashboard.add_theme_argument(parser)
    parser.add_argument("-N", "--net", metavar="IFACE", help="as sot --net")
    parser.add_argument("-D", "--disk", metavar="MOUNTPOINT", help="as sot --disk")
    dashboard.add_process_arguments(parser)
    dashboard.add_read_only_argument(parser)


def run(args: argparse.Namespace, log: DebugLog) -> int:
    from sot.commands.config_run import run_config

    return run_config(args, os.environ, sys.stdout)
