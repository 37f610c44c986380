"""``sot fleet --prometheus URL``: every instance Prometheus scrapes, one row each (up/down,
CPU, memory, fullest filesystem, load per core, network, uptime), sortable and filterable with
the process table's keys; Enter opens that instance's dashboard, and q there comes back.
``--once`` (or stdout not a terminal) prints the table or JSON once, for scripts."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from sot import __version__
from sot.commands import dashboard
from sot.config import CannotRun, Config, ConfigError, OutputFormat, parse_duration
from sot.log import DebugLog
from sot.safe_text import report

if TYPE_CHECKING:  # urllib, ssl and json: not on the --help path
    from sot.collect.fleet_source import FleetSource
    from sot.fleet_view import FleetState
    from sot.render.glyphs import Glyphs

SUMMARY = "every host a Prometheus server scrapes, one row each (with --prometheus URL)"
EPILOG = (
    "keys: Up/Down PgUp/PgDn Home/End select, Enter opens the instance's dashboard (q there\n"
    "comes back), / filters, F6 or < > choose the sort column, I inverts it, ? help, q quits.\n"
    "When stdout or stdin is not a terminal, sot fleet prints the table once (as with --once).\n"
    "Each refresh sends the same 9 queries to Prometheus, whatever the number of instances."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    dashboard.add_sampling_arguments(
        parser,
        "seconds between refreshes, 0.2 to 3600 (default 1)",
        "query Prometheus once, print the table (or JSON) and exit",
        "output of --once (or when not on a terminal): text (default) or json",
    )
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        required=True,
        help="the Prometheus server whose targets to list; a bearer token comes from"
        " SOT_PROMETHEUS_TOKEN or --prometheus-token-file; for Basic auth the user goes in the"
        " URL (http://USER@host:9090), the password in SOT_PROMETHEUS_PASSWORD or"
        " --prometheus-password-file (a password in the URL is refused: ps shows it)",
    )
    parser.add_argument(
        "--prometheus-ca",
        metavar="FILE",
        help="with an https:// URL: trust this CA file instead of the system's",
    )
    dashboard.add_secret_file_arguments(parser)
    parser.add_argument(
        "--duration",
        type=dashboard.checked(parse_duration),
        metavar="SECONDS",
        help="run the fleet screen for this long (at most 366 days), then exit 0",
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
        duration_s=args.duration,
        read_only=True,  # another host's processes: nothing here sends signals
        screen="fleet",
        prometheus_url=args.prometheus,
        prometheus_ca_path=args.prometheus_ca,
        prometheus_token_file=args.prometheus_token_file,
        prometheus_password_file=args.prometheus_password_file,
    )
    return dashboard.with_settings(config, args, environ, "fleet")


def open_fleet(config: Config) -> FleetSource:
    """The fleet source, once its first refresh answered; else ConfigError (one line, exit 2):
    a bad URL, an unreachable server, a bad token file or CA file."""
    from sot.collect.fleet_source import FleetSource
    from sot.pipeline import prometheus_client

    source = FleetSource(prometheus_client(config), interval_s=config.interval_s)
    source.fetch_once()
    if source.last_error is not None:
        raise ConfigError(f"--prometheus: {source.last_error}")
    return source


def run(args: argparse.Namespace, log: DebugLog) -> int:
    config = config_from(args, os.environ)
    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    log.write(f"sot {__version__} fleet starting: {config}")
    from sot.encoding import choose_glyphs
    from sot.oneshot_fleet import print_fleet_once
    from sot.pipeline import stdout_encoding

    source = open_fleet(config)
    glyphs = choose_glyphs(
        os.environ,
        stdout_encoding(),
        force_ascii=config.ascii_only,
        force_unicode=config.unicode,
    )
    interactive = sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    if config.once or not interactive:
        if not config.once:
            log.write("stdin or stdout is not a terminal: printing the fleet once")
        styled = interactive and config.output_format is OutputFormat.TEXT
        return print_fleet_once(config, source.snapshot(), glyphs, styled)
    from sot.terminal import NotFullScreen

    try:
        return _run_screens(config, source, glyphs, log)
    except NotFullScreen as reason:
        report(f"{reason}: printing the fleet once instead of the fleet screen")
        return print_fleet_once(config, source.snapshot(), glyphs, False)
    finally:
        source.close()


def _run_screens(config: Config, source: FleetSource, glyphs: Glyphs, log: DebugLog) -> int:
    """The fleet screen, and the dashboards Enter opens from it, until q in the fleet."""
    from sot.fleet_app import run_fleet_screen
    from sot.fleet_view import FleetState
    from sot.pipeline import stdout_encoding

    deadline_s = None if config.duration_s is None else time.monotonic() + config.duration_s
    source.start()
    state = FleetState()
    while True:
        ended = run_fleet_screen(config, source, glyphs, log, state, deadline_s, stdout_encoding())
        if ended.open_instance is None:
            return ended.code
        source.close()  # no fleet queries while the dashboard is on screen
        code, state = _dashboard(config, ended.open_instance, ended.open_job, ended.state, log)
        if code != 0:
            return code  # a signal or a hang-up in the dashboard ends sot, as it would there
        source.start(now=True)


def _dashboard(
    config: Config, instance: str, job: str | None, state: FleetState, log: DebugLog
) -> tuple[int, FleetState]:
    """The dashboard of ``instance`` as ``job`` scrapes it (same URL, CA and token; the row's
    job, as ``--job``); its q comes back here (0). What stops it from opening (Prometheus gone
    meanwhile) is the fleet's message, not an exit."""
    from sot.app import run_dashboard
    from sot.pipeline import start_pipeline
    from sot.terminal import NotFullScreen

    dashboard_config = Config(
        interval_s=config.interval_s,
        theme=config.theme,
        key_bindings=config.key_bindings,
        no_color=config.no_color,
        ascii_only=config.ascii_only,
        unicode=config.unicode,
        log_path=config.log_path,
        read_only=True,
        prometheus_url=config.prometheus_url,
        prometheus_instance=instance,
        prometheus_job=job,
        prometheus_ca_path=config.prometheus_ca_path,
        prometheus_token_file=config.prometheus_token_file,
        prometheus_password_file=config.prometheus_password_file,
    )
    log.write(f"fleet: opening the dashboard of {instance!r} (job {job!r})")
    try:
        pipeline = start_pipeline(dashboard_config)
    except ConfigError as err:
        return 0, replace(state, message=str(err))
    try:
        return run_dashboard(dashboard_config, pipeline, log), state
    except NotFullScreen as reason:
        return 0, replace(state, message=str(reason))
    finally:
        pipeline.close()  # its worker thread: stopped and joined before the fleet resumes
