"""Where the config file is, and whether ``sot --help`` needs it: standard library only, so
that ``sot --help`` without a file imports none of the config file's modules."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

NO_CONFIG_OPTION = "--no-config"
CONFIG_OPTION = "--config"


def default_path(environ: Mapping[str, str]) -> str | None:
    """``$XDG_CONFIG_HOME/sot/config.toml``, else ``$HOME/.config/sot/config.toml``; None when
    neither says where (XDG: a relative XDG_CONFIG_HOME is ignored)."""
    base = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        home = environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".config")
    return os.path.join(base, "sot", "config.toml")


def present(path: str) -> bool:
    """Whether something is at ``path`` (a link, even a dangling one, is something). Only
    "no such file" and "not a directory" mean nothing is there: any other error (permission
    denied on the directory) is raised, for the caller to report."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def asks_for_help(argv: Sequence[str]) -> bool:
    for arg in argv:
        if arg == "--":
            return False
        if arg == "-h" or (len(arg) > 3 and "--help".startswith(arg)):
            return True
    return False


def prescan(argv: Sequence[str]) -> tuple[str | None, bool]:
    """``--config FILE`` (or ``--config=FILE``) and ``--no-config`` from argv, before argparse
    (which then checks where they stand)."""
    config_path: str | None = None
    no_config = False
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == NO_CONFIG_OPTION:
            no_config = True
        elif arg == CONFIG_OPTION and index + 1 < len(argv):
            config_path = argv[index + 1]
        elif arg.startswith(CONFIG_OPTION + "="):
            config_path = arg.split("=", 1)[1]
    return config_path, no_config


def help_reads_a_file(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether ``sot --help`` has a file to read for its keys: --config FILE, or a default
    file that is there (or cannot be looked at: the loader says why)."""
    config_path, no_config = prescan(argv)
    if config_path is not None:
        return True
    if no_config:
        return False
    path = default_path(environ)
    try:
        return path is not None and present(path)
    except OSError:
        return True


def help_of_a_subcommand(argv: Sequence[str], names: frozenset[str]) -> bool:
    """Whether the help asked for is a subcommand's (``sot ps --help``): only ``sot --help``
    lists the keys, so only it reads the file."""
    for arg in argv:
        if arg == "-h" or arg.startswith("--h"):
            return False
        if arg in names:
            return True
    return False
