"""``sot bench [PATH]``: a disk benchmark (sequential and random reads and writes, O_DIRECT,
queue depth 1) in a private temporary directory under PATH, removed on every way out; a
results table, a live progress line on a terminal, and ``--output`` JSON for scripts.

The parts live in ``sot.diskbench``; this module is the order of things and the safety net:
options, where to write (PATH, or the picker on a terminal), the free-space rule, the
confirmation, the signal handlers that only set a flag, and the ``finally`` that removes the
workspace whatever happened.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from sot import __version__
from sot.commands.dashboard import add_theme_argument, checked, with_settings
from sot.config import Config, ConfigError
from sot.diskbench.plan import (
    ALL_TESTS,
    DEFAULT_DURATION_S,
    DEFAULT_SIZE_BYTES,
    BenchPlan,
    format_size,
    free_space_problem,
    parse_bench_duration,
    parse_size,
    parse_tests,
)
from sot.log import DebugLog
from sot.safe_text import report

if TYPE_CHECKING:  # the I/O modules: not on the --help path
    from sot.collect.records import BlockMount
    from sot.diskbench.picker import Picked
    from sot.diskbench.report import RunInfo
    from sot.diskbench.runner import BenchResult, Progress
    from sot.diskbench.target import Choice, Target

SUMMARY = "disk benchmark: sequential and random reads and writes that bypass the page cache"
EPILOG = """\
Tests, in this order: seq-write and seq-read (1 MiB blocks), rand-read and rand-write
(4 KiB blocks), one I/O at a time (queue depth 1). Each runs for --duration seconds, going
round the --size test file as often as it takes. Reads and writes use O_DIRECT where the
filesystem takes it; writes end with fdatasync (timed). On tmpfs (or an overlay writing to
one) the figures are RAM speeds, and the results say so; on zfs and fuse, O_DIRECT reads may
still come from the filesystem's own cache, and the results say that too.

Safety: the file is written in a new private directory (mkdtemp) under PATH, created with
O_CREAT|O_EXCL, and removed with its directory on every way out (end, error, Ctrl-C, SIGTERM,
SIGHUP). A run that would leave less than 10 % or 1 GiB free is refused before writing.

Without PATH on a terminal, a picker lists the writable filesystems; without a terminal PATH
is required. With stdin a terminal sot bench asks before writing (unless --yes); otherwise
(cron) there is nobody to ask and it runs. The progress line goes to stderr when a terminal.
Exit status: 0 done, 1 stopped (disk full, I/O error) or cancelled, 2 bad options or refused,
128+N ended by signal N. Compare with fio: make bench-fio (benchmarks/bench_vs_fio.py)."""
CANCELLED_EXIT_CODE = 1
STOPPED_EXIT_CODE = 1
REFUSED_EXIT_CODE = 2
BENCH_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PROGRESS_REDRAW_S = 0.1
STDOUT_OUTPUT = "-"  # --output -: the JSON on stdout, the table on stderr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="a directory on the disk to test (without it: a picker on a terminal)",
    )
    valued: tuple[tuple[str, Callable[[str], object], object, str, str], ...] = (
        (
            "--duration",
            parse_bench_duration,
            DEFAULT_DURATION_S,
            "SECONDS",
            f"how long each test runs, at most 3600 (default {DEFAULT_DURATION_S:g})",
        ),
        (
            "--size",
            parse_size,
            DEFAULT_SIZE_BYTES,
            "SIZE",
            f"test file size, e.g. 64M or 1G, binary units (default {DEFAULT_SIZE_BYTES >> 20}M)",
        ),
        (
            "--tests",
            parse_tests,
            ALL_TESTS,
            "LIST",
            "comma-separated, from seq-read,seq-write,rand-read,rand-write (default: all)",
        ),
    )
    for flag, parse, default, metavar, text in valued:
        parser.add_argument(flag, type=checked(parse), default=default, metavar=metavar, help=text)
    parser.add_argument(
        "--output",
        metavar="FILE.json",
        help="also write the results as JSON to FILE.json, a new or regular file"
        " (-: the JSON to stdout, the table to stderr)",
    )
    parser.add_argument(
        "-y", "--yes", action="store_true", help="do not ask before writing the test file"
    )
    parser.add_argument(
        "--ascii", action="store_true", help="draw the progress bar with ASCII characters only"
    )
    parser.add_argument(
        "--no-color", action="store_true", help="no colours in the picker (also NO_COLOR)"
    )
    add_theme_argument(parser)


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # closed
        return False


# The picker: the choices, the test file's size, no colour, the theme.
Picker = Callable[[Sequence["Choice"], int, bool, str], "Picked"]


def look_from(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[bool, str]:
    """The picker's look: no colour (--no-color, NO_COLOR), and the theme from --theme, over
    SOT_THEME, over the config file's ``theme`` (the keys "bench" takes), as the other screens
    have it."""
    config = Config(no_color=args.no_color or "NO_COLOR" in environ, log_path=args.log)
    config = with_settings(config, args, environ, "bench")
    return config.no_color, config.theme


def run(args: argparse.Namespace, log: DebugLog, picker: Picker | None = None) -> int:
    """``picker``: the full-screen picker (``sot.diskbench.picker.pick``) unless a test passes
    its own."""
    from sot.collect.block_devices import BlockDeviceReader

    plan = BenchPlan(args.tests, args.size, args.duration)
    no_color, theme = look_from(args, os.environ)
    log.write(f"sot {__version__} bench starting: {plan}, theme {theme}")
    _check_output_path(args.output)
    # The picker draws on stdout and reads keys from stdin; the question and the progress line
    # go to stderr, as rm -i and dd do, so 'sot bench /srv > results.txt' still asks and shows.
    someone_here = _is_terminal(sys.stdin)
    mounts = BlockDeviceReader().block_mounts()
    directory = args.path
    if directory is None:
        if not (someone_here and _is_terminal(sys.stdout)):
            raise ConfigError(
                "sot bench needs PATH when not on a terminal: the directory to test in,"
                " e.g. 'sot bench /mnt/data'"
            )
        directory, code = _pick(mounts, plan, no_color, theme, picker)
        if directory is None:
            if code == 0:
                report("bench: cancelled, nothing was written")
                return CANCELLED_EXIT_CODE
            return code
    target = _target(directory, mounts, plan)
    if someone_here and not args.yes and not _confirm(target, plan, sys.stdin, sys.stderr):
        report("bench: cancelled, nothing was written")
        return CANCELLED_EXIT_CODE
    progress = sys.stderr if _is_terminal(sys.stderr) else None
    ascii_only = args.ascii or progress is None or not _can_draw_blocks(progress)
    return run_bench(target, plan, args.output, log, progress, ascii_only)


def _check_output_path(output: str | None) -> None:
    """A --output that cannot be written is a usage error now, not after minutes of I/O."""
    if output is None or output == STDOUT_OUTPUT:
        return
    parent = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(parent):
        raise ConfigError(f"--output: {parent} is not a directory")
    problem = _output_problem(output)
    if problem is not None:
        raise ConfigError(f"--output: {problem}")


def _output_problem(output: str) -> str | None:
    """Why ``output`` is no file to write results to: only a new or a regular file is. The
    JSON is renamed over the path, which would replace a link such as /dev/stdout (as root,
    the system's own) or a device; a link is refused, never followed either."""
    from sot.safe_files import FileRefused, not_regular

    try:
        kind = not_regular(output)
    except FileRefused as err:
        return str(err)
    if kind is None:
        return None
    return f"{output} is {kind}; sot bench writes only a regular file (--output - for stdout)"


def _pick(
    mounts: Sequence[BlockMount],
    plan: BenchPlan,
    no_color: bool,
    theme: str,
    picker: Picker | None,
) -> tuple[str | None, int]:
    from sot.diskbench.picker import pick
    from sot.diskbench.target import choices
    from sot.terminal import NotFullScreen

    try:
        picked = (picker or pick)(choices(os.getcwd(), mounts), plan.size_bytes, no_color, theme)
    except NotFullScreen as reason:
        raise ConfigError(f"{reason}: no picker on this terminal; give PATH") from None
    return (None if picked.choice is None else picked.choice.directory), picked.code


def _target(directory: str, mounts: Sequence[BlockMount], plan: BenchPlan) -> Target:
    """Where to write, checked: a writable directory with room to spare; else ConfigError."""
    from sot.diskbench.target import describe

    if not os.path.isdir(directory):
        raise ConfigError(f"{directory}: not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"{directory}: not writable by this user")
    try:
        target = describe(directory, mounts)
    except OSError as err:
        raise ConfigError(f"{directory}: {err.strerror}") from None
    if target.space.read_only:
        raise ConfigError(f"{target.directory}: the filesystem is read-only")
    problem = free_space_problem(plan.size_bytes, target.space.total_bytes, target.space.free_bytes)
    if problem is not None:
        raise ConfigError(f"{target.directory}: {problem}")
    return target


def _confirm(target: Target, plan: BenchPlan, stdin: TextIO, stdout: TextIO) -> bool:
    """Ask before writing: y or yes goes on; anything else, or end of input, does not."""
    from sot.safe_text import sanitize

    stdout.write(
        f"sot bench will write a {format_size(plan.size_bytes)} test file in a new temporary"
        f" directory under {sanitize(target.directory)} and remove it afterwards."
        " Go on? [y/N] "
    )
    stdout.flush()
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _can_draw_blocks(stream: TextIO) -> bool:
    try:
        "\u2588\u2591".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class ProgressLine:
    """The live line on a terminal (stderr), redrawn in place with a carriage return; no
    terminal mode is changed, so there is nothing to restore. Silent without a terminal, and
    from the first write that fails (a hung-up terminal)."""

    def __init__(self, stream: TextIO | None, ascii_only: bool, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._ascii = ascii_only
        self._clock = clock
        self._started = clock()
        self._drawn = 0.0
        self._width = 0

    def show(self, progress: Progress) -> None:
        from sot.diskbench.report import progress_line

        now = self._clock()
        if self._stream is None or (
            now - self._drawn < PROGRESS_REDRAW_S and progress.fraction < 1
        ):
            return
        self._drawn = now
        try:
            width = os.get_terminal_size(self._stream.fileno()).columns
            line = progress_line(progress, now - self._started, width, self._ascii)
            self._stream.write("\r" + line.ljust(min(self._width, width - 1)))
            self._stream.flush()
            self._width = len(line)
        except (OSError, ValueError):
            self._gone()

    def clear(self) -> None:
        if self._stream is None or not self._width:
            return
        try:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
        except (OSError, ValueError):
            self._gone()
        self._width = 0

    def _gone(self) -> None:
        """The terminal went away (hang-up): what the stream still buffers would fail again
        at exit, and Python would then exit 120 instead of 129; send it to /dev/null."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def run_bench(
    target: Target,
    plan: BenchPlan,
    output: str | None,
    log: DebugLog,
    progress: TextIO | None,
    ascii_only: bool = True,
) -> int:
    """Run the plan in a workspace under ``target``, print the table (and write the JSON);
    the exit status. The workspace is removed before this returns, whatever happened."""
    import time
    from datetime import datetime, timezone

    from sot.diskbench.report import RunInfo
    from sot.diskbench.runner import (
        Bench,
        BenchInterrupted,
        BenchStopped,
        StopFlag,
        Workspace,
    )

    stop = StopFlag()
    previous = {}
    for signum in BENCH_SIGNALS:
        # Started under nohup (SIGHUP ignored): it stays ignored, as the user asked.
        if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
            continue
        previous[signum] = signal.signal(signum, stop.handler)
    line = ProgressLine(progress, ascii_only, time.monotonic)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results: list[BenchResult] = []
    info: RunInfo | None = None
    error: str | None = None
    code = 0
    workspace: Workspace | None = None
    try:
        workspace = Workspace(target.directory)
        log.write(f"bench: workspace {workspace.directory}")
        workspace.create_file()
        info = RunInfo(target, plan, workspace.direct_io, started_at)
        bench = Bench(workspace, plan, line.show, stop)
        try:
            for result in bench.results():
                results.append(result)
            stop.check()  # a signal during the last test's final fdatasync still counts
        finally:
            bench.close()
    except BenchInterrupted as interrupted:
        code = 128 + interrupted.signum
        error = f"interrupted by signal {interrupted.signum}"
    except BenchStopped as stopped:
        code, error = STOPPED_EXIT_CODE, str(stopped)
    except OSError as err:  # creating the workspace or the file
        code = STOPPED_EXIT_CODE
        error = f"cannot create the test file under {target.directory}: {err.strerror or err}"
    finally:
        line.clear()
        left = workspace.remove() if workspace is not None else None
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if left is not None:
        report(f"bench: could not remove {left}")
        code = code or STOPPED_EXIT_CODE
    if error is not None:
        log.write(f"bench: {error}")
        report(f"bench: {error}; the test directory was removed")
    return _finish(info, results, error, code, output)


def _finish(
    info: RunInfo | None,
    results: list[BenchResult],
    error: str | None,
    code: int,
    output: str | None,
) -> int:
    """Print the table and write the JSON of what was measured; a signal's run prints nothing
    more (its terminal may be gone)."""
    import json

    from sot.diskbench.report import bench_json, render_table
    from sot.safe_files import FileRefused, write_whole_file

    if info is None or code > 128:
        return code
    table = sys.stderr if output == STDOUT_OUTPUT else sys.stdout
    if results:
        try:
            table.write(render_table(info, results))
            table.flush()
        except OSError:
            pass
    if output is None:
        return code
    text = json.dumps(bench_json(info, results, error), indent=2) + "\n"
    if output == STDOUT_OUTPUT:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as err:
            report(f"bench: cannot write the JSON to stdout: {err.strerror or err}")
            return code or STOPPED_EXIT_CODE
        return code
    problem = _output_problem(output)  # again: it may have been replaced during the run
    if problem is not None:
        report(f"bench: cannot write --output {problem}")
        return code or REFUSED_EXIT_CODE
    try:
        write_whole_file(output, text.encode())
    except FileRefused as err:
        report(f"bench: cannot write --output {err}")
        return code or STOPPED_EXIT_CODE
    return code
