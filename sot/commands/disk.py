"""``sot disk``: the disks of /sys/block as a tree (partitions, filesystems, holders), with each
disk's iostat figures and the selected disk's history graphs; ``--once`` prints the tree or
JSON for scripts. The dashboard's loop, collector and renderers with the "disk" screen."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from sot import __version__
from sot.commands import dashboard
from sot.config import CannotRun, Config, OutputFormat
from sot.key_help import keys_text
from sot.keymap import Bindings, build_keymap
from sot.log import DebugLog

SUMMARY = "disks, partitions and live I/O (like lsblk plus iostat -x)"
KEYS = "keys: Up/Down select a disk, Enter expands or collapses its partitions, ? help, q quits."
KEYS_TEMPLATE = (
    "keys: {disk-up}/{disk-down} select a disk, {disk-toggle} expands or collapses its"
    " partitions, {help} help, {quit} quits."
)
NOTES = (
    "When stdout or stdin is not a terminal, sot disk prints the tree once (as with --once).\n"
    "await and util are computed from /proc/diskstats as iostat -x does."
)
EPILOG = f"{KEYS}\n{NOTES}"


def epilog(bindings: Bindings = ()) -> str:
    """``sot disk --help``'s tail: its keys in force (the config file's ``bindings``)."""
    return f"{keys_text(build_keymap(bindings), KEYS, KEYS_TEMPLATE)}\n{NOTES}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    dashboard.add_sampling_arguments(
        parser,
        "seconds between samples, 0.2 to 3600 (default 1); --once measures rates over it",
        "sample twice, --interval apart, print every disk expanded and exit",
        "output of --once (or when not on a terminal): text (default) or json",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also list loop, zram and ram devices (hidden by default)",
    )
    dashboard.add_look_arguments(parser)


def config_from(args: argparse.Namespace, environ: Mapping[str, str]) -> Config:
    config = Config(
        once=args.once,
        output_format=OutputFormat(args.format),
        no_color=args.no_color or "NO_COLOR" in environ,
        ascii_only=args.ascii,
        unicode=args.unicode,
        log_path=args.log,
        read_only=True,  # the disk screen sends no signals
        screen="disk",
        show_all_devices=args.all,
    )
    return dashboard.with_settings(config, args, environ, "disk")


def run(args: argparse.Namespace, log: DebugLog) -> int:
    import os

    config = config_from(args, os.environ)
    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    log.write(f"sot {__version__} disk starting: {config}")
    from sot.oneshot_disk import print_disks_once

    names = ("the disks once", "the disk screen")
    return dashboard.run_screen(config, log, print_disks_once, names)
