"""The fleet's full-screen loop (``sot fleet``): redraw on a schedule and on keys, read the
rows the fetching thread left (``FleetSource.snapshot``), never the network itself.

It returns rather than runs the dashboard when Enter asks for an instance: the dashboard's
loop (``sot.app``) takes the terminal, its signals and its keys whole, and the command
(``sot.commands.fleet``) comes back here with the same state when it ends.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, replace

from sot.collect.fleet_source import FleetSource
from sot.config import Config
from sot.events import EXIT_SIGNALS, EventSource, suspend
from sot.fleet_model import FleetSnapshot
from sot.fleet_view import FleetState, fleet_command, reduce_fleet, settled, visible_rows
from sot.keymap import build_keymap
from sot.keys import DEFAULT_KEYMAP, Command, KeyMap, Mode, next_command
from sot.layout import clamp_size
from sot.log import DebugLog
from sot.render.fleet import page_rows, render_fleet
from sot.render.glyphs import Glyphs
from sot.screen import Screen
from sot.terminal import ExitSignal, OpenedTerminal, Session, TerminalGone, open_terminal

HANGUP_EXIT_CODE = 128 + signal.SIGHUP
# How often the loop looks for rows the worker fetched: a look is one comparison, and a new
# fetch shows within this rather than up to a whole interval late.
LOOK_S = 0.2


@dataclass(frozen=True, slots=True)
class FleetExit:
    """How the fleet screen ended: an exit status, or an instance whose dashboard to open
    (with the state to come back to)."""

    state: FleetState
    code: int = 0
    open_instance: str | None = None
    open_job: str | None = None  # the row's job: the dashboard reads that job's series


class _Done(Exception):
    def __init__(self, outcome: FleetExit) -> None:
        super().__init__(outcome.code)
        self.outcome = outcome


@dataclass
class FleetLoop:
    source: FleetSource
    session: Session
    events: EventSource
    screen: Screen
    glyphs: Glyphs
    log: DebugLog
    state: FleetState
    interval_s: float
    deadline_s: float | None  # monotonic time --duration ends at; None: never
    snapshot: FleetSnapshot | None = None
    fetches: int = -1  # the source's fetch count the snapshot is from
    page: int = 0
    help_rows: int = 0
    refreshed_s: float = 0.0
    keymap: KeyMap = DEFAULT_KEYMAP  # the keys in force (the config file's [keys])

    def _refresh(self, now: float) -> None:
        self.snapshot = self.source.snapshot()
        self.fetches = self.source.fetches
        self.refreshed_s = now
        self.state = settled(self.state, self.snapshot.rows, self.page)

    def _draw(self) -> None:
        assert self.snapshot is not None
        width, height = clamp_size(*self.session.size())
        if page_rows(height) != self.page:
            self.page, self.help_rows = page_rows(height), max(1, height - 2)
            self.state = settled(self.state, self.snapshot.rows, self.page)
        shown = visible_rows(self.snapshot.rows, self.state)
        block = render_fleet(self.snapshot, shown, self.state, width, height, self.glyphs)
        self.screen.present(block)

    def _take_keys(self, keys: tuple[str, ...]) -> bool:
        assert self.snapshot is not None
        position = 0
        while position < len(keys):
            command: Command | None
            if self.state.mode is Mode.FILTER:
                # A paste into the filter is one insertion: filtered and drawn once.
                command, position = next_command(Mode.FILTER, keys, position, self.keymap)
            else:
                command = fleet_command(self.state.mode, keys[position], self.keymap)
                position += 1
            if command is None:
                continue
            outcome = reduce_fleet(
                self.state, command, self.snapshot.rows, self.page, self.help_rows
            )
            self.state = outcome.state
            if outcome.quit:
                raise _Done(FleetExit(self.state))
            if outcome.open_instance is not None:
                raise _Done(
                    FleetExit(
                        self.state,
                        open_instance=outcome.open_instance,
                        open_job=outcome.open_job,
                    )
                )
            if outcome.repaint:
                self.screen.invalidate()
        return bool(keys)

    def _take_signals(self, signals: tuple[int, ...]) -> bool:
        redraw = False
        for signum in signals:
            if signum in EXIT_SIGNALS:
                self.log.write(f"received signal {signum}; exiting")
                raise _Done(FleetExit(self.state, 128 + signum))
            if signum == signal.SIGTSTP:
                suspend(self.session, self.events)
            if signum in (signal.SIGWINCH, signal.SIGCONT, signal.SIGTSTP):
                self.screen.invalidate()
                redraw = True
        return redraw

    def run(self) -> FleetExit:
        try:
            self._refresh(time.monotonic())
            self._draw()
            while True:
                events = self.events.wait(LOOK_S)
                if events.hangup:
                    self.log.write("terminal hung up; exiting")
                    return FleetExit(self.state, HANGUP_EXIT_CODE)
                dirty = self._take_signals(events.signals)
                dirty = self._take_keys(events.keys) or dirty
                now = time.monotonic()
                if self.deadline_s is not None and now >= self.deadline_s:
                    self.log.write("--duration reached; exiting")
                    return FleetExit(self.state)
                # New rows from the worker, or an interval gone by (the rows may have gone
                # stale: their figures then turn "-").
                if self.source.fetches != self.fetches or now - self.refreshed_s >= self.interval_s:
                    self._refresh(now)
                    dirty = True
                if dirty:
                    self._draw()
        except _Done as done:
            return done.outcome


def run_fleet_screen(
    config: Config,
    source: FleetSource,
    glyphs: Glyphs,
    log: DebugLog,
    state: FleetState,
    deadline_s: float | None,
    encoding: str,
) -> FleetExit:
    """The fleet on this process's terminal until q, a signal, or Enter on an instance; raises
    NotFullScreen (before touching the terminal) where it cannot be drawn."""
    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    opened: OpenedTerminal = open_terminal(out_fd, config.no_color, dict(os.environ), config.theme)
    keymap = build_keymap(config.key_bindings)
    state = replace(state, keymap=keymap)
    with EventSource(in_fd) as events:
        session = Session(opened, in_fd, out_fd, encoding, interrupt=events)
        try:
            session.enter()
            loop = FleetLoop(
                source,
                session,
                events,
                Screen(opened.sequences, session.write),
                glyphs,
                log,
                state,
                config.interval_s,
                deadline_s,
                keymap=keymap,
            )
            return loop.run()
        except TerminalGone as gone:
            log.write(f"terminal gone: {gone}")
            return FleetExit(state, HANGUP_EXIT_CODE)
        except ExitSignal as received:
            log.write(f"received signal {received.signum} while output was blocked; exiting")
            return FleetExit(state, 128 + received.signum)
        finally:
            session.leave()
