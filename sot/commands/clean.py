"""``sot clean``: empty the caches of known tools and your old files in /tmp and /var/tmp,
after showing what would go (a table) and asking per target (y/n/a/q).

The targets, the planning, the deletion and the rendering live in ``sot.cleanup``; this module
is the command line, who the user is (SUDO_USER's home under sudo, not root's), the questions
on the terminal and the signals. Nothing here imports psutil or blessed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sot.config import CannotRun, ConfigError
from sot.log import DebugLog

if TYPE_CHECKING:
    import pwd

    from sot.cleanup.plan import Conditions, TargetPlan
    from sot.cleanup.runner import Answer, Run
    from sot.cleanup.targets import Roots, TargetSpec
    from sot.events import EventSource
    from sot.terminal import KeysWithoutEcho

SUMMARY = "empty tool caches and your old /tmp files, showing and asking first"
EPILOG = """\
Targets (Linux): pip, uv, npm, yarn, pnpm, cargo, go, thumbnails, browsers (cache folders
only, never a profile), apt (*.deb), dnf, yum (these three as root only), tmp and var-tmp
(your own files untouched for a day). On a terminal each target is asked about:
y = yes, n = no, a = this and all the rest, q = quit without deleting anything.
Without a terminal and without --yes, sot clean is a dry run.
Never followed or touched: symbolic links' targets, other filesystems, files open in any
process, the target directories themselves. README.md lists every rule."""
MAX_DAYS = 36500.0


def parse_days(text: str) -> float:
    """--older-than: days as a number, 0 (any age) to a century; nan and inf are no days."""
    try:
        days = float(text)
        valid = 0 <= days <= MAX_DAYS
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"--older-than takes days from 0 to {MAX_DAYS:g}, not {text!r}")
    return days


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sot.commands import dashboard

    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be deleted; delete nothing"
    )
    parser.add_argument(
        "--yes", action="store_true", help="delete every target found, without asking"
    )
    parser.add_argument(
        "--older-than",
        type=dashboard.checked(parse_days),
        metavar="DAYS",
        help="only files not modified for DAYS days (default: 1 for tmp and var-tmp, 0 for caches)",
    )
    parser.add_argument(
        "--only",
        metavar="NAME,...",
        help="only these targets (names as in the table)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        metavar="FORMAT",
        help="text (default) or json (no questions: a dry run unless --yes)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="also list every path that would be deleted (json: planned_paths)",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="clean under DIR as if it were / (a mounted system image); default /",
    )


@dataclass(frozen=True, slots=True)
class Person:
    """Whose files these are: under sudo the user who ran sudo, not root."""

    name: str
    uid: int
    home: str


def who_cleans(
    environ: Mapping[str, str],
    euid: int,
    by_name: Callable[[str], pwd.struct_passwd],
    by_uid: Callable[[int], pwd.struct_passwd],
) -> Person:
    """The user whose home and /tmp files are cleaned. As root with SUDO_USER set, that user
    (from the password database, so HOME, which sudo may keep, cannot point elsewhere)."""
    sudo_user = environ.get("SUDO_USER", "")
    try:
        if euid == 0 and sudo_user and sudo_user != "root":
            entry = by_name(sudo_user)
        else:
            entry = by_uid(euid)
    except KeyError:
        who = f"SUDO_USER={sudo_user}" if euid == 0 and sudo_user else f"user id {euid}"
        raise CannotRun(f"{who} has no entry in the password database: no home to clean") from None
    return Person(entry.pw_name, entry.pw_uid, entry.pw_dir)


def run(args: argparse.Namespace, log: DebugLog) -> int:
    import pwd
    import time

    from sot.cleanup.plan import Conditions
    from sot.cleanup.targets import system_roots, targets_for

    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    system = os.uname().sysname
    every_spec = targets_for(system)
    specs = every_spec
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        known = {spec.name for spec in every_spec}
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise ConfigError(
                f"--only: unknown target {', '.join(unknown) or '(none)'}; known: "
                + ", ".join(spec.name for spec in every_spec)
            )
        specs = tuple(spec for spec in every_spec if spec.name in names)
    euid = os.geteuid()
    person = who_cleans(os.environ, euid, pwd.getpwnam, pwd.getpwuid)
    prefix = os.path.abspath(args.root) if args.root else ""
    if prefix and not os.path.isdir(prefix):
        raise ConfigError(f"--root {args.root}: not a directory")
    roots = system_roots(prefix + person.home, system, prefix)
    interactive = args.format == "text" and _on_terminal()
    dry_run = args.dry_run or not (args.yes or interactive)
    if dry_run and not args.dry_run:
        from sot.safe_text import report

        why = "--format json asks nothing" if args.format == "json" else "no terminal to ask on"
        report(f"{why} and no --yes: a dry run, nothing is deleted")
    from sot.cleanup.open_files import mount_point_ids, open_file_ids

    conditions = Conditions(
        person.uid,
        time.time(),
        open_file_ids(),
        euid == 0,
        args.older_than,
        mount_point_ids(roots.all()),
    )
    log.write(f"sot clean: {person}, roots {roots}, dry run {dry_run}, targets {len(specs)}")
    return _clean(args, specs, every_spec, roots, conditions, person, dry_run, interactive)


def _on_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _out(lines: list[str]) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()


class _Signalled(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _clean(
    args: argparse.Namespace,
    specs: tuple[TargetSpec, ...],
    every_spec: tuple[TargetSpec, ...],
    roots: Roots,
    conditions: Conditions,
    person: Person,
    dry_run: bool,
    interactive: bool,
) -> int:
    from sot.cleanup.open_files import open_file_ids
    from sot.cleanup.report import render_list, render_paths, render_results, render_table
    from sot.cleanup.runner import run_clean
    from sot.events import EventSource
    from sot.terminal import KeysWithoutEcho

    width = _width()
    as_json = args.format == "json"

    def show(plans: tuple[TargetPlan, ...]) -> None:
        if not as_json:
            listed = render_list(plans) if args.list else []
            _out(render_table(plans, width) + render_paths(plans) + listed)

    in_fd = sys.stdin.fileno() if interactive else 0
    # One key answers (no Enter, no echo) for the whole run, so keys typed ahead are kept for
    # the next question rather than left in a line buffer; restored on every way out.
    keys = KeysWithoutEcho(in_fd) if interactive else None
    with EventSource(in_fd) as events, keys or contextlib.nullcontext():
        try:
            outcome = run_clean(
                specs,
                every_spec,
                roots,
                conditions,
                dry_run=dry_run,
                ask=_asker(events, keys) if keys is not None and not args.yes else None,
                should_stop=lambda: events.exit_signal() is not None,
                after_plan=show,
                in_use=open_file_ids,
            )
        except _Signalled as signalled:
            _out(["", "stopped: nothing deleted"])
            return 128 + signalled.signum
        signum = events.exit_signal()
    if not outcome.plans:  # stopped while scanning: nothing was planned, nothing deleted
        _out(["stopped while scanning: nothing deleted"])
    elif as_json:
        _print_json(outcome, dry_run, person, args.list)
    elif dry_run:
        _out(["dry run: nothing deleted"])
    elif outcome.quit:
        _out(["quit: nothing deleted"])
    else:
        _out(render_results(list(outcome.outcomes.values())))
    if outcome.stopped and signum is not None:
        if outcome.plans and not as_json:
            _out([f"stopped by signal {signum} part of the way; the rest is left"])
        return 128 + signum
    return 1 if any(o.error_count for o in outcome.outcomes.values()) else 0


def _print_json(outcome: Run, dry_run: bool, person: Person, listed: bool) -> None:
    import json

    from sot.cleanup.report import clean_document

    not_reached = frozenset(outcome.chosen) if outcome.stopped else frozenset()
    document = clean_document(
        outcome.plans, outcome.outcomes, dry_run, person.name, person.home, not_reached, listed
    )
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def _width() -> int:
    try:
        return max(40, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 100


def _asker(events: EventSource, keys: KeysWithoutEcho) -> Callable[[TargetPlan], Answer]:
    """The question for one target, answered by one key (y, n, a, q) on the terminal; keys
    typed ahead answer the next questions in turn. Ctrl-Z stops sot with the terminal as it
    was; back in the foreground, the question is asked again."""
    import signal

    from sot.cleanup.runner import Answer
    from sot.events import EXIT_SIGNALS
    from sot.render.units import human_bytes

    answers = {answer.value: answer for answer in Answer}
    typed: list[str] = []

    def ask(target: TargetPlan) -> Answer:
        question = (
            f"delete {target.spec.name}: {human_bytes(target.size_bytes)} in {target.files}"
            f" files? [y]es [n]o [a]ll [q]uit "
        )
        sys.stdout.write(question)
        sys.stdout.flush()
        while True:
            while typed:
                answer = answers.get(typed.pop(0).lower())
                if answer is not None:
                    _out([answer.value])
                    return answer
            events_now = events.wait(None)
            for signum in events_now.signals:
                if signum in EXIT_SIGNALS:
                    raise _Signalled(signum)
                if signum == signal.SIGTSTP:
                    _out([""])
                    with keys.paused(), events.default_stop():
                        os.kill(os.getpid(), signal.SIGTSTP)
                        # Continued with bg: stay stopped rather than fight the shell for
                        # the terminal (as the dashboard does).
                        while not keys.is_foreground():
                            os.kill(os.getpid(), signal.SIGSTOP)
                    sys.stdout.write(question)
                    sys.stdout.flush()
            typed.extend(events_now.keys)
            if events_now.hangup and not typed:
                raise _Signalled(signal.SIGHUP)

    return ask
