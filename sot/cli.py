"""Command line: parse and validate options, then hand over to the app.

Nothing heavy is imported here: ``sot --help`` and usage errors never load psutil or blessed.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from sot import INTERRUPTED_EXIT_CODE, __version__
from sot.config import (
    CannotRun,
    Config,
    ConfigError,
    OutputFormat,
    parse_duration,
    parse_interval,
)
from sot.safe_text import report

USAGE_EXIT_CODE = 2
KEYS_EPILOG = """\
keys:
  q, Ctrl-C   quit                     ?, h       help overlay (Esc closes)
  Up Down j k move the selection       PgUp PgDn  Home End
  o           order-by mode            c m p N e  sort by CPU, memory, PID, name, time
  /           filter                   u          one user's processes
  a           name or command line     t          tree view
  Enter       process details          T K s      SIGTERM, SIGKILL, choose a signal
  space       pause/resume sampling    + -        sample less / more often
  n d         next interface / disk    Ctrl-L     repaint the screen

When stdout or stdin is not a terminal, sot prints one plain-text frame and exits.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line naming the problem and where to look, exit 2 (no usage dump)."""
        report(f"{message} (see 'sot --help')")
        raise SystemExit(USAGE_EXIT_CODE)


def _checked(parse: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type from a config parser: its ConfigError becomes argparse's usage error."""

    def convert(text: str) -> float:
        try:
            return parse(text)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sot",
        description="sot, the System Observation Tool: a lightweight full-screen system monitor.",
        epilog=KEYS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-i",
        "--interval",
        type=_checked(parse_interval),
        default=1.0,
        metavar="SECONDS",
        help="seconds between samples, 0.2 to 3600 (default 1)",
    )
    parser.add_argument(
        "-N",
        "--net",
        metavar="IFACE",
        help="network interface to graph (default: the one carrying the default route)",
    )
    parser.add_argument(
        "-D", "--disk", metavar="MOUNTPOINT", help="filesystem whose I/O to graph (default: /)"
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="sample twice, --interval apart, print one frame and exit",
    )
    parser.add_argument(
        "--format",
        choices=[f.value for f in OutputFormat],
        default=OutputFormat.TEXT.value,
        help="output of --once (or when not on a terminal): text (default) or json",
    )
    parser.add_argument(
        "--no-color",
        action="store_true",
        help="monochrome output (also when NO_COLOR is set to any value)",
    )
    glyphs = parser.add_mutually_exclusive_group()
    glyphs.add_argument("--ascii", action="store_true", help="draw with ASCII characters only")
    glyphs.add_argument(
        "--unicode",
        action="store_true",
        help="draw with Unicode (braille, blocks) even when the locale does not say UTF-8",
    )
    parser.add_argument(
        "--duration",
        type=_checked(parse_duration),
        metavar="SECONDS",
        help="run the dashboard for this long, then exit 0 (for panes started on a schedule)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="never send signals: T, K and s are disabled (also SOT_READ_ONLY=1)",
    )
    parser.add_argument("--log", metavar="FILE", help="append a debug log to FILE")
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="write this machine's readings to FILE (JSON) and exit; attach it to bug reports",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="show a recording made with --record instead of this machine",
    )
    parser.add_argument("-V", "--version", action="version", version=f"sot {__version__}")
    return parser


def parse_config(argv: Sequence[str] | None, environ: dict[str, str]) -> Config:
    args = build_parser().parse_args(argv)
    return Config(
        interval_s=args.interval,
        interface=args.net,
        mount_point=args.disk,
        once=args.once,
        output_format=OutputFormat(args.format),
        no_color=args.no_color or "NO_COLOR" in environ,
        ascii_only=args.ascii,
        unicode=args.unicode,
        duration_s=args.duration,
        record_path=args.record,
        replay_path=args.replay,
        log_path=args.log,
        read_only=args.read_only or environ.get("SOT_READ_ONLY", "") not in ("", "0"),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run sot; the exit code. Everything it prints goes through ``report``: one sanitized line."""
    import os

    from sot.log import DebugLog
    from sot.safe_files import FileRefused

    log = DebugLog(None)
    log_path: str | None = None
    try:
        config = parse_config(argv, dict(os.environ))
        log_path = config.log_path
        try:
            log = DebugLog.open(config.log_path)
        except FileRefused as err:
            report(f"cannot open log file {err}")
            return USAGE_EXIT_CODE
        keep_openssl_out()
        from sot import app

        return app.run(config, log)
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
