"""What opening and closing the details view sends to a terminal: the real renderer and
``Screen.present`` into a pyte screen at 160x48, bytes counted."""

from __future__ import annotations

import dataclasses
import io

import blessed
import pyte

from sot.collect.collector import Collector
from sot.collect.records import Environment, OpenFiles
from sot.collect.replay import ReplaySource
from sot.history import History
from sot.keys import Action, Command
from sot.model import ProcessDetails, Snapshot
from sot.reducer import Reaction, reduce
from sot.render.details import details_place
from sot.render.frame import FrameInput, FrameMemo, process_page_rows, render_frame
from sot.render.glyphs import UNICODE
from sot.screen import Screen
from sot.state import AppState, Context
from sot.terminal import sequences_for
from sot.view import build_view
from tests.fakes import process, raw_details, readings, snapshot

WIDTH, HEIGHT = 160, 48


def busy() -> Snapshot:
    rows = [
        process(pid, f"worker-{pid}", cpu=float(pid % 7), cmdline=f"/usr/bin/worker --id {pid}")
        for pid in range(100, 140)
    ]
    return snapshot(processes=rows)


def details_for(pid: int) -> ProcessDetails:
    stored = dataclasses.replace(
        readings(),
        details={pid: raw_details(pid, f"worker-{pid}", create_time=1_699_990_000.0)},
        environments={pid: Environment((("HOME", "/root"), ("TOKEN", "x")), complete=True)},
        open_files={pid: OpenFiles(((0, "/dev/null"), (1, "pipe:[1]")), 2)},
    )
    details = Collector(ReplaySource(stored)).process_details((pid, 1_699_990_000.0), 1.0)
    assert details is not None
    return details


class Terminal:
    """The loop's drawing: frames rendered with one memo, sent by one Screen into pyte."""

    def __init__(self, snap: Snapshot) -> None:
        term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
        self.vt = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.Stream(self.vt)
        self.screen = Screen(sequences_for(term, 256), self._write)
        self.memo = FrameMemo()
        self.snap = snap
        self.history = History().push(snap)

    def _write(self, text: str) -> int:
        self.stream.feed(text)
        return len(text.encode())

    def draw(self, state: AppState, details: ProcessDetails | None) -> tuple[int, set[int]]:
        """Bytes sent for this frame, and the screen rows they touched."""
        view = build_view(self.snap.processes, state.query)
        frame = render_frame(
            FrameInput(self.snap, self.history, state, view, details),
            WIDTH,
            HEIGHT,
            UNICODE,
            self.memo,
        )
        self.vt.dirty.clear()
        sent = self.screen.present(frame)
        return sent, set(self.vt.dirty)

    def context(self, state: AppState) -> Context:
        view = build_view(self.snap.processes, state.query)
        return Context(self.snap, view, process_page_rows(WIDTH, HEIGHT))


def test_opening_and_closing_details_send_only_the_table_area() -> None:
    snap = busy()
    terminal = Terminal(snap)
    state = reduce(AppState(), Command(Action.VIEW_CHANGED), terminal.context(AppState()))[0]
    full, _ = terminal.draw(state, None)
    shown_before = list(terminal.vt.display)

    state, reaction = reduce(state, Command(Action.DETAILS), terminal.context(state))
    assert state.details is not None and Reaction.REPAINT not in reaction
    opened, open_rows = terminal.draw(state, details_for(state.details[0]))
    place = details_place(WIDTH, HEIGHT)
    assert "process" in terminal.vt.display[place.y]
    state, reaction = reduce(state, Command(Action.CLOSE), terminal.context(state))
    assert Reaction.REPAINT not in reaction  # no repaint: the diff restores what was covered
    closed, close_rows = terminal.draw(state, None)

    assert terminal.vt.display == shown_before  # exactly the table again
    # The meters above the table are neither erased nor redrawn; the status line changes hints.
    touched = range(place.y, place.y + place.height)
    assert open_rows - {HEIGHT - 1} <= set(touched)
    assert close_rows - {HEIGHT - 1} <= set(touched)
    # Measured when this test was written: first frame 9,790 bytes, open 1,495, close 4,077
    # (the table's rows again); before, the view covered the whole body and closing it redrew
    # every panel.
    assert opened < full // 4 and closed < full // 2, (full, opened, closed)
