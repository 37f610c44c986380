"""The one loop: sample on a fixed schedule, render, present, wait for keys and signals.

This is the only module that holds the collector, the state, the renderer and the screen at once.
Nothing imports it but ``sot.cli``, lazily, after the arguments are parsed.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace

from sot import __version__
from sot.actions import OsProcessControl, ProcessControl, send_signal
from sot.collect.collector import Collector
from sot.collect.records import SystemSource
from sot.collect.system import system_source
from sot.config import CannotRun, Config, ConfigError, OutputFormat
from sot.encoding import choose_glyphs
from sot.history import History
from sot.keys import Mode, next_command
from sot.layout import clamp_size
from sot.log import DebugLog
from sot.model import ProcessDetails, Snapshot
from sot.render.frame import FrameInput, FrameMemo, process_page_rows, render_frame
from sot.render.glyphs import Glyphs
from sot.safe_files import FileRefused, write_whole_file
from sot.safe_text import report
from sot.screen import Screen
from sot.state import AppState, Context, Effect, follow_selection, keep_visible, reduce
from sot.terminal import (
    EXIT_SIGNALS,
    EventSource,
    ExitSignal,
    NotFullScreen,
    OpenedTerminal,
    Session,
    TerminalGone,
    open_terminal,
)
from sot.view import ProcessView, build_view

# The first rates (CPU %, network, disk) need two samples; take the second one soon after start
# rather than a whole interval later.
FIRST_FOLLOW_UP_S = 0.5
MESSAGE_SECONDS = 3.0
DEFAULT_TEXT_SIZE = (120, 40)
HANGUP_EXIT_CODE = 128 + signal.SIGHUP


def _check_choices(config: Config, snapshot: Snapshot) -> None:
    """-N and -D must name something that exists; say what does."""
    if config.interface is not None:
        names = [i.name for i in snapshot.interfaces]
        if config.interface not in names:
            raise ConfigError(
                f"unknown network interface {config.interface!r}; choose one of: "
                + (", ".join(names) or "(none found)")
            )
    if config.mount_point is not None:
        mounts = [d.mount_point for d in snapshot.disks]
        if config.mount_point not in mounts:
            raise ConfigError(
                f"unknown mount point {config.mount_point!r}; choose one of: "
                + (", ".join(mounts) or "(no local filesystems found)")
            )


def _text_size() -> tuple[int, int]:
    """The size of a plain-text frame: COLUMNS and LINES (cron and ``| cat`` set them), clamped,
    as every size from outside is."""

    def from_env(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, "")))
        except ValueError:  # not a number, or more digits than int() takes
            return default

    width = from_env("COLUMNS", DEFAULT_TEXT_SIZE[0])
    height = from_env("LINES", DEFAULT_TEXT_SIZE[1])
    return clamp_size(width, height)


def _initial_state(config: Config) -> AppState:
    return AppState(
        interval_s=config.interval_s,
        interface=config.interface,
        mount_point=config.mount_point,
        read_only=config.read_only,
    )


def _stdout_encoding() -> str:
    return getattr(sys.stdout, "encoding", None) or "utf-8"


def _styled_palette(config: Config) -> tuple[dict[str, str], str] | None:
    """Colours for ``--once`` on a terminal, or None where the terminal has none to offer."""
    try:
        opened = open_terminal(sys.stdout.fileno(), config.no_color, dict(os.environ))
    except NotFullScreen:
        return None
    if not opened.colors:
        return None
    return dict(opened.sequences.styles), opened.sequences.reset


def run_once(
    config: Config, collector: Collector, first: Snapshot, glyphs: Glyphs, styled: bool
) -> int:
    """Print one frame (or the JSON snapshot) taken ``--interval`` after the first sample."""
    from sot.export import frame_to_styled_text, frame_to_text, snapshot_to_json

    time.sleep(config.interval_s)
    snapshot = collector.sample(time.monotonic(), time.time())
    if config.output_format is OutputFormat.JSON:
        output = snapshot_to_json(snapshot)
    else:
        history = History().push(first).push(snapshot)
        width, height = _text_size()
        if sys.stdout.isatty():
            size = os.get_terminal_size(sys.stdout.fileno())
            # Keep the prompt's line.
            width, height = clamp_size(size.columns, max(1, size.lines - 1))
        state = _initial_state(config)
        view = build_view(snapshot.processes, state.query, glyphs.ascii_only)
        frame = render_frame(FrameInput(snapshot, history, state, view), width, height, glyphs)
        palette = _styled_palette(config) if styled else None
        output = frame_to_text(frame) if palette is None else frame_to_styled_text(frame, *palette)
    try:
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader left (sot | head): not worth a message
    except OSError as err:
        raise CannotRun(f"cannot write to stdout: {err.strerror or err}") from err
    return 0


@dataclass
class Dashboard:
    """The full-screen loop's working parts; ``run`` returns the exit code."""

    config: Config
    collector: Collector
    control: ProcessControl
    opened: OpenedTerminal
    session: Session
    events: EventSource
    glyphs: Glyphs
    log: DebugLog
    snapshot: Snapshot
    history: History
    state: AppState
    view: ProcessView = field(init=False)
    details: ProcessDetails | None = None
    page_rows: int = 0
    frame_memo: FrameMemo = field(default_factory=FrameMemo)

    def __post_init__(self) -> None:
        self._refresh_view()

    def _refresh_view(self) -> None:
        """Rebuild the process view from the snapshot in hand (no rescan) and keep the selection
        on its process and in sight."""
        self.view = build_view(self.snapshot.processes, self.state.query, self.glyphs.ascii_only)
        self.state = follow_selection(self.state, self.view, self.snapshot)
        self.state = keep_visible(self.state, len(self.view.rows), self.page_rows)

    def _sample(self, now: float) -> None:
        self.snapshot = self.collector.sample(now, time.time())
        self.history = self.history.push(self.snapshot)
        if self.state.mode is Mode.DETAILS and self.state.details is not None:
            self.details = self.collector.process_details(self.state.details, now)
        self._refresh_view()

    def _apply(self, effect: Effect | None, screen: Screen) -> bool:
        """Carry out what a key asked for; False means quit."""
        if effect is Effect.QUIT:
            return False
        if effect is Effect.REPAINT:
            screen.invalidate()
        elif effect is Effect.OPEN_DETAILS and self.state.details is not None:
            self.details = self.collector.process_details(self.state.details, time.monotonic())
        elif effect is Effect.SEND_SIGNAL and self.state.pending_signal is not None:
            message = send_signal(self.state.pending_signal, self.control, os.getpid())
            self.log.write(message)
            self.state = replace(self.state, pending_signal=None, message=message)
        return True

    def run(self) -> int:
        screen = Screen(self.opened.sequences, self.session.write)
        last_sample = time.monotonic()
        next_sample = last_sample + min(self.state.interval_s, FIRST_FOLLOW_UP_S)
        message_expires = 0.0
        stop_at = None if self.config.duration_s is None else last_sample + self.config.duration_s
        dirty = True
        frozen = False
        while True:
            if dirty:
                width, height = clamp_size(*self.session.size())
                page_rows = process_page_rows(width, height)
                if page_rows != self.page_rows:
                    self.page_rows = page_rows
                    self.state = keep_visible(self.state, len(self.view.rows), page_rows)
                data = FrameInput(self.snapshot, self.history, self.state, self.view, self.details)
                screen.present(render_frame(data, width, height, self.glyphs, self.frame_memo))
                dirty = False
                if not frozen:
                    # Modules, terminfo tables and caches live as long as sot does: taken out of
                    # the collector's sight, they stop being re-scanned by every collection
                    # (about 0.3 ms of CPU per tick, measured with gc.callbacks).
                    gc.freeze()
                    frozen = True
            now = time.monotonic()
            timeout = None if self.state.paused else max(0.0, next_sample - now)
            if self.state.message:
                remaining = max(0.0, message_expires - now)
                timeout = remaining if timeout is None else min(timeout, remaining)
            if stop_at is not None:
                left = max(0.0, stop_at - now)
                timeout = left if timeout is None else min(timeout, left)
            events = self.events.wait(timeout)
            if events.hangup:
                self.log.write("terminal hung up; exiting")
                return HANGUP_EXIT_CODE
            for signum in events.signals:
                if signum in EXIT_SIGNALS:
                    self.log.write(f"received signal {signum}; exiting")
                    return 128 + signum
                if signum == signal.SIGTSTP:
                    self._suspend()
                if signum in (signal.SIGWINCH, signal.SIGCONT, signal.SIGTSTP):
                    screen.invalidate()
                    dirty = True
            position = 0
            while position < len(events.keys):
                command, position = next_command(self.state.mode, events.keys, position)
                if command is None:
                    continue
                previous = self.state
                context = Context(self.snapshot, self.view, self.page_rows)
                self.state, effect = reduce(self.state, command, context)
                if not self._apply(effect, screen):
                    return 0
                if self.state.query != previous.query:
                    self._refresh_view()
                if self.state.interval_s != previous.interval_s:
                    next_sample = last_sample + self.state.interval_s
                if previous.paused and not self.state.paused:
                    next_sample = time.monotonic()
                if self.state.message and self.state.message != previous.message:
                    message_expires = time.monotonic() + MESSAGE_SECONDS
                if self.state.mode is not Mode.DETAILS:
                    self.details = None
                dirty = True
            now = time.monotonic()
            if stop_at is not None and now >= stop_at:
                self.log.write("--duration reached; exiting")
                return 0
            if self.state.message and now >= message_expires:
                self.state = replace(self.state, message=None)
                dirty = True
            if not self.state.paused and now >= next_sample:
                self._sample(now)
                last_sample = now
                # A fixed schedule: no drift, and no burst of catch-up samples after a stall.
                next_sample += self.state.interval_s
                if next_sample <= now:
                    next_sample = now + self.state.interval_s
                dirty = True

    def _suspend(self) -> None:
        """Ctrl-Z: give the terminal back, stop, and take it again when continued in the
        foreground (``bg`` leaves sot stopped rather than fighting the shell for the tty)."""
        self.session.leave()
        with self.events.default_stop():
            os.kill(os.getpid(), signal.SIGTSTP)
        while not self.session.is_foreground():
            os.kill(os.getpid(), signal.SIGSTOP)
        self.session.enter()


def _source(config: Config) -> SystemSource:
    if not config.replay_path:
        return system_source()
    # Imported here: the JSON machinery is not needed on the dashboard's start-up path.
    from sot.collect.replay import RecordingError, ReplaySource

    try:
        return ReplaySource.from_file(config.replay_path)
    except RecordingError as err:
        raise ConfigError(f"--replay: {err}") from err


def _record(path: str) -> int:
    import json

    from sot.collect.replay import record

    document = record(system_source())
    data = (json.dumps(document, indent=1) + "\n").encode("utf-8")
    try:
        write_whole_file(path, data)
    except FileRefused as err:
        raise CannotRun(f"--record: cannot write the recording to {err}") from err
    report(f"recorded {len(document['processes'])} processes to {path}")
    return 0


def run(config: Config, log: DebugLog) -> int:
    """Start sot: the dashboard on a terminal, one frame otherwise. Raises ConfigError for
    options that name things this machine does not have."""
    if sys.stdout is None:
        raise CannotRun("stdout is closed: there is nowhere to show anything")
    log.write(f"sot {__version__} starting: {config}")
    if config.record_path is not None:
        return _record(config.record_path)
    source = _source(config)
    collector = Collector(source)
    first = collector.sample(time.monotonic(), time.time())
    _check_choices(config, first)
    glyphs = choose_glyphs(
        os.environ,
        _stdout_encoding(),
        force_ascii=config.ascii_only,
        force_unicode=config.unicode,
    )
    interactive = sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    if config.once or not interactive:
        if not config.once:
            log.write("stdin or stdout is not a terminal: printing one frame")
        return run_once(
            config,
            collector,
            first,
            glyphs,
            styled=interactive and config.output_format is OutputFormat.TEXT,
        )
    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    try:
        opened = open_terminal(out_fd, config.no_color, dict(os.environ))
    except NotFullScreen as reason:
        report(f"{reason}: printing one frame instead of the dashboard")
        return run_once(config, collector, first, glyphs, styled=False)
    for note in opened.notes:
        log.write(note)
    log.write(f"terminal kind={opened.kind} colors={opened.colors} ascii={glyphs.ascii_only}")
    with EventSource(in_fd) as events:
        session = Session(opened, in_fd, out_fd, _stdout_encoding(), interrupt=events)
        try:
            session.enter()
            dashboard = Dashboard(
                config=config,
                collector=collector,
                control=OsProcessControl(source.process_start_time),
                opened=opened,
                session=session,
                events=events,
                glyphs=glyphs,
                log=log,
                snapshot=first,
                history=History().push(first),
                state=_initial_state(config),
            )
            return dashboard.run()
        except TerminalGone as gone:
            log.write(f"terminal gone: {gone}")
            return HANGUP_EXIT_CODE
        except ExitSignal as received:
            log.write(f"received signal {received.signum} while output was blocked; exiting")
            return 128 + received.signum
        finally:
            session.leave()
