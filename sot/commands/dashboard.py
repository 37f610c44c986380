"""``sot`` itself: the full-screen dashboard on a terminal, one plain frame (or JSON) otherwise,
or a recording of this machine with ``--record``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from sot import __version__
from sot.config import (
    ONE_SHOT_FORMATS,
    STREAM_FORMATS,
    CannotRun,
    Config,
    ConfigError,
    OutputFormat,
    check_prometheus_options,
    check_stream_options,
    parse_count,
    parse_duration,
    parse_interval,
    parse_top,
)
from sot.key_help import key_reference
from sot.keymap import Bindings, build_keymap
from sot.log import DebugLog
from sot.safe_text import report
from sot.themes import DEFAULT_THEME, THEME_NAMES

if TYPE_CHECKING:  # the pipeline imports psutil: not on the --help path
    from sot.pipeline import Pipeline

# Prints a screen once, for scripts: (configuration, pipeline, with colour) -> exit status.
OneShot = Callable[[Config, "Pipeline", bool], int]

NOT_A_TERMINAL_NOTE = "When stdout or stdin is not a terminal, sot prints one plain-text frame."


Parsed = TypeVar("Parsed")


def checked(parse: Callable[[str], Parsed]) -> Callable[[str], Parsed]:
    """An argparse type from a config parser: its ConfigError becomes argparse's usage error."""

    def convert(text: str) -> Parsed:
        try:
            return parse(text)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return convert


def epilog(bindings: Bindings = ()) -> str:
    """``sot --help``'s tail: the keys in force (the config file's ``bindings``, checked by
    sot.keymap.parse_bindings, over the defaults)."""
    return f"keys:\n{key_reference(build_keymap(bindings))}\n\n{NOT_A_TERMINAL_NOTE}\n"


def add_sampling_arguments(
    parser: argparse.ArgumentParser,
    interval_help: str,
    once_help: str,
    format_help: str,
    formats: Sequence[OutputFormat] = ONE_SHOT_FORMATS,
) -> None:
    """-i, --once and --format, as every command with a screen and a one-shot form takes them
    (``formats``: the ones it can print; only ``sot`` itself streams)."""
    parser.add_argument(
        "-i",
        "--interval",
        type=checked(parse_interval),
        metavar="SECONDS",
        help=interval_help,  # None when not given: the config file's, else 1 s
    )
    parser.add_argument("--once", action="store_true", help=once_help)
    parser.add_argument(
        "--format",
        choices=[f.value for f in formats],
        default=OutputFormat.TEXT.value,
        metavar="FORMAT",
        help=format_help,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_sampling_arguments(
        parser,
        "seconds between samples, 0.2 to 3600 (default 1)",
        "sample twice, --interval apart, print one frame and exit",
        "output of --once (or when not on a terminal): text (default) or json; ndjson or csv:"
        " a stream for scripts, one record per interval (see --count, --duration)",
        (*ONE_SHOT_FORMATS, *STREAM_FORMATS),
    )
    parser.add_argument(
        "--count",
        type=checked(parse_count),
        metavar="N",
        help="with --format ndjson or csv: print N records, then exit 0",
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
        "--top",
        type=checked(parse_top),
        metavar="N",
        help="with --once (or without a terminal): only the first N processes, in text and JSON",
    )
    add_process_arguments(parser)
    add_look_arguments(parser)
    parser.add_argument(
        "--duration",
        type=checked(parse_duration),
        metavar="SECONDS",
        help="run the dashboard (or a stream) for this long (at most 366 days), then exit 0",
    )
    add_read_only_argument(parser)
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="write this machine's readings (or the --prometheus host's) to FILE (JSON) and exit;"
        " attach it to bug reports",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="show a recording made with --record instead of this machine",
    )
    add_prometheus_arguments(parser)


def add_prometheus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        help="show a host that Prometheus scrapes with node_exporter instead of this machine"
        " (with --instance); a bearer token comes from SOT_PROMETHEUS_TOKEN; for Basic auth the"
        " user goes in the URL (http://USER@host:9090), the password in SOT_PROMETHEUS_PASSWORD"
        " (a password in the URL is refused: ps shows it)",
    )
    parser.add_argument(
        "--instance", metavar="NAME", help="with --prometheus: the instance label of the host"
    )
    parser.add_argument(
        "--job",
        metavar="NAME",
        help="with --prometheus: only this job's series of the instance (where several jobs"
        " scrape one instance label)",
    )
    parser.add_argument(
        "--prometheus-ca",
        metavar="FILE",
        help="with an https:// --prometheus URL: trust this CA file instead of the system's",
    )
    add_secret_file_arguments(parser)


def add_secret_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prometheus-token-file",
        metavar="FILE",
        help="read the bearer token from FILE (never give a token on the command line)",
    )
    parser.add_argument(
        "--prometheus-password-file",
        metavar="FILE",
        help="read the Basic auth password of the URL's user from FILE (one line) instead of"
        " SOT_PROMETHEUS_PASSWORD",
    )


def add_read_only_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--read-only",
        action="store_const",
        const=True,  # None when not given: SOT_READ_ONLY, then the config file decide
        help="never act on processes: T, K, s, F9 and renice are disabled (also SOT_READ_ONLY=1)",
    )


def add_process_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kernel-threads",
        action=argparse.BooleanOptionalAction,
        help="list kernel threads in the process table (hidden by default; the x key toggles"
        " them; JSON lists every process either way, with is_kernel_thread); --no-kernel-threads"
        " overrides the config file's kernel_threads = true",
    )


def add_config_file_arguments(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--config FILE and --no-config (``default``: argparse.SUPPRESS where a subcommand takes
    them again, so that its defaults do not undo the ones given before it)."""
    parser.add_argument(
        "--config",
        dest="config_path",
        metavar="FILE",
        default=default,
        help="read settings from FILE instead of $XDG_CONFIG_HOME/sot/config.toml"
        " (~/.config/sot/config.toml); see 'sot config'",
    )
    parser.add_argument(
        "--no-config",
        action="store_true",
        default=default if default is not None else False,
        help="ignore the config file",
    )


def add_theme_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--theme",
        choices=THEME_NAMES,
        metavar="NAME",
        help=f"colours: {', '.join(THEME_NAMES)} (default {DEFAULT_THEME}; also SOT_THEME and"
        " the config file; --no-color and NO_COLOR still win)",
    )


def add_look_arguments(parser: argparse.ArgumentParser) -> None:
    add_theme_argument(parser)
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


def with_settings(
    config: Config, args: argparse.Namespace, environ: Mapping[str, str], command: str
) -> Config:
    """``config`` with the settings ``command`` takes from the config file, the environment
    and its options, in that order of strength."""
    # Imported here: the file's modules are not on the path of commands that do not read it.
    from sot.config_file import apply, settings_for

    return apply(config, settings_for(args, environ, command, report))


def config_from(
    args: argparse.Namespace, environ: Mapping[str, str], command: str = "dashboard"
) -> Config:
    """The options, over the environment, over the config file, over the defaults."""
    config = Config(
        once=args.once,
        output_format=OutputFormat(args.format),
        no_color=args.no_color or "NO_COLOR" in environ,
        ascii_only=args.ascii,
        unicode=args.unicode,
        duration_s=args.duration,
        record_path=args.record,
        replay_path=args.replay,
        log_path=args.log,
        top=args.top,
        count=getattr(args, "count", None),
        prometheus_url=getattr(args, "prometheus", None),
        prometheus_instance=getattr(args, "instance", None),
        prometheus_job=getattr(args, "job", None),
        prometheus_ca_path=getattr(args, "prometheus_ca", None),
        prometheus_token_file=getattr(args, "prometheus_token_file", None),
        prometheus_password_file=getattr(args, "prometheus_password_file", None),
    )
    config = with_settings(config, args, environ, command)
    check_prometheus_options(config)
    check_stream_options(config)
    return config


def run(config: Config, log: DebugLog) -> int:
    """The dashboard where there is a terminal for it, one frame otherwise. Raises ConfigError
    for options that name things this machine does not have."""
    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    log.write(f"sot {__version__} starting: {config}")
    if config.record_path is not None:
        from sot.oneshot import record

        return record(config)
    if config.output_format in STREAM_FORMATS:
        # A stream is for scripts, on a terminal or not: never the full-screen view.
        from sot.stream import run_stream

        return run_stream(config)
    from sot.oneshot import print_once

    return run_screen(config, log, print_once, ("one frame", "the dashboard"))


def run_screen(config: Config, log: DebugLog, print_once: OneShot, names: tuple[str, str]) -> int:
    """A full-screen view on the terminal; ``print_once`` where there is no terminal for it
    (``--once``, a pipe, cron, a terminal that cannot be drawn on). ``names`` (what is printed
    once, the view) word the one line that says so."""
    once_name, view_name = names
    from sot.pipeline import start_pipeline

    pipeline = start_pipeline(config)
    config = pipeline.config or config  # a net or disk from the file this machine lacks: dropped
    try:
        interactive = sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
        if config.once or not interactive:
            if not config.once:
                log.write(f"stdin or stdout is not a terminal: printing {once_name}")
            styled = interactive and config.output_format is OutputFormat.TEXT
            return print_once(config, pipeline, styled)
        from sot.app import run_dashboard
        from sot.terminal import NotFullScreen

        try:
            return run_dashboard(config, pipeline, log)
        except NotFullScreen as reason:
            report(f"{reason}: printing {once_name} instead of {view_name}")
            return print_once(config, pipeline, False)
    finally:
        pipeline.close()  # another host's worker thread: stopped and joined, whatever the exit
        if pipeline.feed is not None:
            log.write(f"worker thread {'still running' if pipeline.feed.running else 'stopped'}")
