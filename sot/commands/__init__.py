"""The commands sot runs. ``sot`` with no subcommand is the dashboard (``dashboard.py``); each
subcommand is a module here that registers its own parser and runs on the same pipeline
(``sot.pipeline`` -> collect -> render). Commands import the pipeline; the pipeline never
imports a command. Nothing here imports psutil or blessed at module level, so ``sot --help``
stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sot.commands import info
from sot.log import DebugLog

if TYPE_CHECKING:  # the config file's bindings: sot line's start-up loads no key map
    from sot.keymap import Bindings


@dataclass(frozen=True, slots=True)
class Subcommand:
    """``sot NAME``: its one-line summary for ``sot --help``, what registers its options on its
    own parser, and what runs it (parsed arguments and the debug log in, exit status out)."""

    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, DebugLog], int]
    # Its --help's tail with the config file's key bindings in force, where it names keys.
    epilog: Callable[[Bindings], str] | None = None


# `sot info`, `disk`, `ps`, `bench`, `clean`, `fleet`, `line` and `config` register here as each
# arrives: one module per command, one entry per module.
def _disk() -> Subcommand:
    # Imported here: sot.commands.disk itself imports this module (for Subcommand).
    from sot.commands import disk

    return Subcommand("disk", disk.SUMMARY, disk.add_arguments, disk.run, disk.epilog)


def _ps() -> Subcommand:
    from sot.commands import ps

    return Subcommand("ps", ps.SUMMARY, ps.add_arguments, ps.run)


def _fleet() -> Subcommand:
    from sot.commands import fleet

    return Subcommand("fleet", fleet.SUMMARY, fleet.add_arguments, fleet.run)


def _bench() -> Subcommand:
    from sot.commands import bench

    return Subcommand("bench", bench.SUMMARY, bench.add_arguments, bench.run)


def _clean() -> Subcommand:
    from sot.commands import clean

    return Subcommand("clean", clean.SUMMARY, clean.add_arguments, clean.run)


def _line() -> Subcommand:
    # sot.line is outside this package: `sot line` starts without importing it (see sot.line).
    from sot import line

    return Subcommand("line", line.SUMMARY, line.add_arguments, line.run)


def _config() -> Subcommand:
    from sot.commands import config

    return Subcommand("config", config.SUMMARY, config.add_arguments, config.run)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("info", info.SUMMARY, info.add_arguments, info.run),
    _disk(),
    _ps(),
    _fleet(),
    _bench(),
    _clean(),
    _line(),
    _config(),
)
