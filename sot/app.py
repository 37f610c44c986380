"""The one full-screen loop: sample on a fixed schedule, render, present, wait for keys and
signals, and carry out what each key's reduction asks for.

This is the only module that holds the collector, the state, the renderer and the screen at once.
One-shot output lives in ``sot.oneshot``; commands (``sot.commands``) start either.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from dataclasses import dataclass, field

from sot.actions import OsProcessControl, SystemControl, renice, send_signal, send_signals
from sot.collect.collector import Collector
from sot.config import Config
from sot.events import EXIT_SIGNALS, EventSource, suspend
from sot.history import HISTORY_LENGTH, History
from sot.keys import Action, Command, next_command
from sot.layout import clamp_size, screen_readings
from sot.log import DebugLog
from sot.model import ProcessDetails, Snapshot
from sot.pipeline import Feed, Pipeline, initial_state, stdout_encoding
from sot.reducer import Reaction, reduce
from sot.render.details import details_extent, details_place
from sot.render.frame import (
    FrameInput,
    FrameMemo,
    help_page_rows,
    process_page_rows,
    render_frame,
)
from sot.render.glyphs import Glyphs
from sot.render.panels import hidden_panels
from sot.schedule import Schedule
from sot.screen import Screen
from sot.state import AppState, Context
from sot.terminal import (
    ExitSignal,
    OpenedTerminal,
    Session,
    TerminalGone,
    open_terminal,
)
from sot.view import ProcessView, build_view

HANGUP_EXIT_CODE = 128 + signal.SIGHUP
# While a remote host's past is being fetched (a few queries, each at most 2 s), the loop looks
# for it this often, so the graphs fill as soon as it comes, whatever the interval.
PAST_POLL_S = 0.1


class Quit(Exception):
    """The loop is done; ``code`` is sot's exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Dashboard:
    """The full-screen loop's working parts; ``run`` returns the exit code."""

    config: Config
    collector: Collector
    control: SystemControl
    opened: OpenedTerminal
    session: Session
    events: EventSource
    glyphs: Glyphs
    log: DebugLog
    snapshot: Snapshot
    history: History
    state: AppState
    screen: Screen = field(init=False)
    schedule: Schedule = field(init=False)
    view: ProcessView = field(init=False)
    details: ProcessDetails | None = None
    page_rows: int = 0
    help_rows: int = 0
    details_extent: tuple[int, int] = (0, 0)  # the details view's rows: shown, in all
    size: tuple[int, int] = (0, 0)  # the terminal's size at the last frame
    frame_memo: FrameMemo = field(default_factory=FrameMemo)
    feed: Feed | None = None  # another host's worker: told the interval, asked for the past
    past_pending: bool = False  # the feed's past is being fetched: the graphs take it once
    # The feed's last error as logged: the status line says it short (no URL), the log whole.
    logged_error: str | None = None

    def __post_init__(self) -> None:
        self.screen = Screen(self.opened.sequences, self.session.write)
        self.schedule = Schedule.starting(
            time.monotonic(), self.state.interval_s, self.config.duration_s
        )
        self.view = self._built_view()
        self.dispatch(Command(Action.VIEW_CHANGED))

    def _built_view(self) -> ProcessView:
        return build_view(self.snapshot.processes, self.state.query, self.glyphs.ascii_only)

    def dispatch(self, command: Command) -> None:
        """Reduce ``command`` and carry out the reaction; raises Quit to end the loop."""
        # The clock comes in with the command, so that reduce stays pure.
        rows, total = self.details_extent
        context = Context(
            self.snapshot,
            self.view,
            self.page_rows,
            help_rows=self.help_rows,
            now_s=time.monotonic(),
            details_rows=rows,
            details_total=total,
            size=self.size,
        )
        self.state, reaction = reduce(self.state, command, context)
        self._carry_out(reaction)

    def _carry_out(self, reaction: Reaction) -> None:
        now = time.monotonic()
        if Reaction.QUIT in reaction:
            raise Quit(0)
        if Reaction.REPAINT in reaction:
            self.screen.invalidate()
        if Reaction.CLOSE_DETAILS in reaction:
            self.details = None
        if Reaction.OPEN_DETAILS in reaction and self.state.details is not None:
            self.details = self.collector.process_details(self.state.details, now)
        if Reaction.RESCHEDULE in reaction:
            self.schedule = self.schedule.rescheduled(self.state.interval_s)
            if self.feed is not None:  # the worker fetches on the new interval too
                self.feed.set_interval(self.state.interval_s)
        if Reaction.SAMPLE_NOW in reaction:
            self.schedule = self.schedule.sample_now(now)
        if Reaction.SHOW_MESSAGE in reaction:
            self.schedule = self.schedule.message_shown(now)
        if Reaction.REBUILD_VIEW in reaction:
            self.view = self._built_view()
            self.dispatch(Command(Action.VIEW_CHANGED))
        if Reaction.SEND_SIGNAL in reaction and self.state.pending_signal is not None:
            outcome = send_signal(self.state.pending_signal, self.control, os.getpid())
            self.log.write(outcome)
            self.dispatch(Command(Action.SIGNAL_SENT, text=outcome))
        if Reaction.SEND_SIGNAL in reaction and self.state.pending_batch:
            outcome = send_signals(self.state.pending_batch, self.control, os.getpid())
            self.log.write(outcome)
            self.dispatch(Command(Action.SIGNAL_SENT, text=outcome))
        if Reaction.RENICE in reaction and self.state.pending_renice is not None:
            outcome = renice(self.state.pending_renice, self.control, os.geteuid())
            self.log.write(outcome)
            if self.state.details is not None:  # the details view shows the new nice at once
                self.details = self.collector.process_details(self.state.details, now)
            self.dispatch(Command(Action.RENICED, text=outcome))

    def _sample(self, now: float) -> None:
        self.snapshot = self.collector.sample(now, time.time(), screen_readings(self.config.screen))
        self.history = self.history.push(self.snapshot)
        if self.state.details is not None:
            self.details = self.collector.process_details(self.state.details, now)
        self.schedule = self.schedule.sampled(now, self.state.interval_s)
        if self.feed is not None and self.feed.last_error() != self.logged_error:
            self.logged_error = self.feed.last_error()
            self.log.write(f"source: {self.logged_error or 'fetching again'}")
        self.view = self._built_view()
        self.dispatch(Command(Action.VIEW_CHANGED))

    def _draw(self) -> None:
        width, height = clamp_size(*self.session.size())
        self.size = (width, height)
        state = self.state
        hidden = state.hidden_panels | hidden_panels(self.snapshot)
        page_rows = process_page_rows(width, height, True, self.config.screen, hidden, state.zoomed)
        help_rows = help_page_rows(height)
        if (page_rows, help_rows) != (self.page_rows, self.help_rows):
            self.page_rows, self.help_rows = page_rows, help_rows
            self.dispatch(Command(Action.RESIZED))
        if self.state.details is not None:
            place = details_place(width, height, hidden, state.zoomed)
            self.details_extent = details_extent(
                self.details, self.snapshot.wall_epoch_s, place.width, place.height, self.glyphs
            )
        data = FrameInput(
            self.snapshot,
            self.history,
            self.state,
            self.view,
            self.details,
            screen=self.config.screen,
        )
        self.screen.present(render_frame(data, width, height, self.glyphs, self.frame_memo))

    def _take_signals(self, signals: tuple[int, ...]) -> bool:
        """Handle the signals that arrived; True when the screen must be drawn again."""
        redraw = False
        for signum in signals:
            if signum in EXIT_SIGNALS:
                self.log.write(f"received signal {signum}; exiting")
                raise Quit(128 + signum)
            if signum == signal.SIGTSTP:
                self._suspend()
            if signum in (signal.SIGWINCH, signal.SIGCONT, signal.SIGTSTP):
                self.screen.invalidate()
                redraw = True
        return redraw

    def _take_keys(self, keys: tuple[str, ...]) -> bool:
        position, taken = 0, False
        while position < len(keys):
            command, position = next_command(self.state.mode, keys, position, self.state.keymap)
            if command is not None:
                self.dispatch(command)
                taken = True
        return taken

    def _tick(self, dirty: bool) -> bool:
        """One turn of the loop: draw if needed, wait, react; True when a redraw is due."""
        if dirty:
            self._draw()
        wait_s = self.schedule.wait_s(time.monotonic(), self.state.paused)
        if self.past_pending:
            wait_s = PAST_POLL_S if wait_s is None else min(wait_s, PAST_POLL_S)
        events = self.events.wait(wait_s)
        if events.hangup:
            self.log.write("terminal hung up; exiting")
            raise Quit(HANGUP_EXIT_CODE)
        dirty = self._take_signals(events.signals)
        dirty = self._take_keys(events.keys) or dirty
        dirty = self._take_past() or dirty
        now = time.monotonic()
        if self.schedule.finished(now):
            self.log.write("--duration reached; exiting")
            raise Quit(0)
        if self.schedule.message_expired(now):
            self.schedule = self.schedule.message_dropped()
            self.dispatch(Command(Action.MESSAGE_EXPIRED))
            dirty = True
        if self.schedule.sample_due(now, self.state.paused):
            self._sample(now)
            dirty = True
        return dirty

    def _take_past(self) -> bool:
        """Put the remote host's past in front of the graphs once the worker has it (the
        first frames come before it: the past never delays the first frame); True when the
        graphs changed."""
        if not self.past_pending or self.feed is None:
            return False
        past = self.feed.past()
        if past is None:
            return False
        self.past_pending = False
        if not past:
            return False
        self.history = self.history.after(History.of(past))
        return True

    def run(self) -> int:
        try:
            self._draw()
            # Modules, terminfo tables and caches live as long as sot does: taken out of the
            # collector's sight, they stop being re-scanned by every collection (about 0.3 ms
            # of CPU per tick, measured with gc.callbacks).
            gc.freeze()
            dirty = False
            while True:
                dirty = self._tick(dirty)
        except Quit as done:
            return done.code

    def _suspend(self) -> None:
        suspend(self.session, self.events)


def run_dashboard(config: Config, pipeline: Pipeline, log: DebugLog) -> int:
    """The full-screen dashboard on this process's terminal; raises NotFullScreen (before
    touching the terminal) where it cannot be drawn."""
    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    opened = open_terminal(out_fd, config.no_color, dict(os.environ), config.theme)
    for note in opened.notes:
        log.write(note)
    log.write(
        f"terminal kind={opened.kind} colors={opened.colors} theme={config.theme}"
        f" ascii={pipeline.glyphs.ascii_only}"
    )
    with EventSource(in_fd) as events:
        session = Session(opened, in_fd, out_fd, stdout_encoding(), interrupt=events)
        feed = pipeline.feed
        try:
            session.enter()
            if feed is not None:  # closed by the command (Pipeline.close), on every way out
                feed.start(HISTORY_LENGTH, screen_readings(config.screen))
            dashboard = Dashboard(
                config=config,
                collector=pipeline.collector,
                control=OsProcessControl(pipeline.source.process_start_time),
                opened=opened,
                session=session,
                events=events,
                glyphs=pipeline.glyphs,
                log=log,
                snapshot=pipeline.first,
                history=History().push(pipeline.first),
                state=initial_state(config),
                feed=feed,
                past_pending=feed is not None,
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
