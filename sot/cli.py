"""Command line: parse and validate options, then hand over to the command they name.

Nothing heavy is imported here: ``sot --help`` and usage errors never load psutil or blessed.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import NoReturn

from sot import INTERRUPTED_EXIT_CODE, __version__
from sot.commands import SUBCOMMANDS, Subcommand, dashboard
from sot.config import CannotRun, Config, ConfigError
from sot.keymap import Bindings
from sot.log import DebugLog
from sot.safe_text import report

USAGE_EXIT_CODE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One sanitized line naming the problem and where to look, exit 2 (no usage dump)."""
        report(f"{message} (see 'sot --help')")
        raise SystemExit(USAGE_EXIT_CODE)


def build_parser(
    subcommands: Sequence[Subcommand] = SUBCOMMANDS, bindings: Bindings = ()
) -> argparse.ArgumentParser:
    """``sot``'s parser: the dashboard's options at the top, and one sub-parser per subcommand,
    each registering its own options. ``bindings``: the config file's keys, for the help."""
    parser = _Parser(
        prog="sot",
        description="sot, the System Observation Tool: a lightweight full-screen system monitor.",
        epilog=dashboard.epilog(bindings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dashboard.add_arguments(parser)
    dashboard.add_config_file_arguments(parser)
    parser.add_argument("--log", metavar="FILE", help="append a debug log to FILE")
    parser.add_argument("-V", "--version", action="version", version=f"sot {__version__}")
    if subcommands:
        chooser = parser.add_subparsers(dest="command", title="commands (default: the dashboard)")
        for command in subcommands:
            sub = chooser.add_parser(
                command.name, help=command.summary, description=command.summary
            )
            command.add_arguments(sub)
            if command.epilog is not None and bindings:
                sub.epilog = command.epilog(bindings)
    return parser


def parse_config(argv: Sequence[str] | None, environ: Mapping[str, str]) -> Config:
    """The dashboard's configuration from its command line (tests and callers without one)."""
    return dashboard.config_from(build_parser().parse_args(argv), environ)


def _run(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    log: DebugLog,
    subcommands: Sequence[Subcommand],
) -> int:
    chosen = next((c for c in subcommands if c.name == getattr(args, "command", None)), None)
    keep_openssl_out()
    if chosen is not None:
        return chosen.run(args, log)
    return dashboard.run(dashboard.config_from(args, environ), log)


def main(argv: Sequence[str] | None = None, subcommands: Sequence[Subcommand] = SUBCOMMANDS) -> int:
    """Run sot; the exit code. Everything it prints goes through ``report``: one sanitized line."""
    import os

    from sot.safe_files import FileRefused

    log = DebugLog(None)
    log_path: str | None = None
    try:
        arguments = sys.argv[1:] if argv is None else list(argv)
        bindings = _help_bindings(arguments, subcommands)
        args = build_parser(subcommands, bindings).parse_args(arguments)
        log_path = args.log
        try:
            log = DebugLog.open(log_path)
        except FileRefused as err:
            report(f"cannot open log file {err}")
            return USAGE_EXIT_CODE
        return _run(args, os.environ, log, subcommands)
    except (ConfigError, CannotRun) as err:
        log.write(str(err))
        report(str(err))
        return USAGE_EXIT_CODE
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT_CODE
    except BrokenPipeError:
        # A reader that went away (sot --once | head) is not an error worth a message.
        _silence_stdout()
        return 0
    except Exception as err:  # the last line of defence: one line, traceback only in the log
        log.write_lines("unexpected error:\n" + traceback.format_exc())
        hint = f"details in {log_path}" if log.enabled else "run with --log FILE"
        report(f"unexpected error: {type(err).__name__}: {err} ({hint})")
        return 1
    finally:
        log.close()


def _help_bindings(argv: Sequence[str], subcommands: Sequence[Subcommand]) -> Bindings:
    """The help shows the keys in force, so for ``sot --help`` the file is read before the
    parser is built; everything else reads it once the options are parsed (and only where it
    applies: the file's modules stay off other commands' start-up, and off --help's when there
    is no file). A subcommand's help that lists no keys reads no file."""
    if not any(arg == "-h" or arg.startswith("--h") for arg in argv):
        return ()  # cheaply: no -h, --help (or an abbreviation of it)
    import os

    from sot.config_path import asks_for_help, help_of_a_subcommand, help_reads_a_file

    # The subcommands whose help lists no keys (none with an epilog of the keys in force).
    names = frozenset(c.name for c in subcommands if getattr(c, "epilog", None) is None)
    if (
        not asks_for_help(argv)
        or help_of_a_subcommand(argv, names)
        or not help_reads_a_file(argv, os.environ)
    ):
        return ()
    from sot.config_file import help_bindings

    return help_bindings(argv, os.environ, report)


def keep_openssl_out() -> None:
    """Stop OpenSSL's libcrypto from being loaded: 3.7 MiB of resident memory, for nothing.

    blessed imports wcwidth, whose textwrap imports secrets -> hmac -> _hashlib (OpenSSL), and
    sot computes no hashes. Without _hashlib, hashlib and hmac use Python's own implementations,
    so this is only done where those exist: some distributions build Python without them and
    rely on OpenSSL alone.
    """
    if "_hashlib" in sys.modules:
        return
    from importlib.machinery import PathFinder  # loaded at start-up; importlib.util costs 6 ms

    def present(name: str) -> bool:
        return name in sys.builtin_module_names or PathFinder.find_spec(name) is not None

    sha2 = ("_sha2",) if sys.version_info >= (3, 12) else ("_sha256", "_sha512")
    if all(present(name) for name in ("_md5", "_sha1", "_sha3", "_blake2", *sha2)):
        sys.modules["_hashlib"] = None  # type: ignore[assignment]  # import now raises


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
