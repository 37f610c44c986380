"""Acting on several processes: tagging (v, V, U), the signal keys on the tagged processes with
one question and counted results, and renice (] [ F7 F8) through the start-time guard."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest

from sot.actions import (
    NICE_MAX,
    OsProcessControl,
    PendingRenice,
    PendingSignal,
    ReniceTarget,
    renice,
    send_signals,
)
from sot.key_help import help_lines
from sot.keys import Action, Command, Mode, command_for
from sot.model import ProcessRow
from sot.reducer import Reaction, reduce
from sot.render.glyphs import UNICODE
from sot.render.status import render_status
from sot.signal_keys import READ_ONLY_MESSAGE
from sot.state import AppState, Context, batch_prompt, select
from sot.tag_keys import READ_ONLY_RENICE_MESSAGE
from sot.view import ProcessQuery, build_view, process_key
from tests.fakes import process, snapshot

START = 1_699_990_000.0


def family() -> list[ProcessRow]:
    """init(1) -> shell(10) -> make(11) -> cc(12), shell(10) -> vim(13); cron(20) apart."""
    parents = {1: 0, 10: 1, 11: 10, 12: 11, 13: 10, 20: 1}
    return [
        replace(process(pid, f"p{pid}", cpu=float(pid)), ppid=parent)
        for pid, parent in parents.items()
    ]


def ctx(state: AppState, rows: list[ProcessRow] | None = None, now_s: float = 100.0) -> Context:
    snap = snapshot(processes=family() if rows is None else rows)
    return Context(snap, build_view(snap.processes, state.query), 10, now_s=now_s)


def press(
    state: AppState, key: str, rows: list[ProcessRow] | None = None
) -> tuple[AppState, Reaction]:
    command = command_for(state.mode, key)
    assert command is not None, key
    return reduce(state, command, ctx(state, rows))


def selecting(pid: int, query: ProcessQuery | None = None) -> AppState:
    state = AppState(query=query or ProcessQuery(sort_key=None))
    context = ctx(state)
    index = context.view.index_of((pid, START))
    assert index is not None
    return select(state, context.view, index)


def test_v_tags_the_selected_process_and_moves_down_and_v_again_untags() -> None:
    state = selecting(10)  # unsorted: PID order 1 10 11 12 13 20
    state, _ = press(state, "v")
    assert state.tagged == {(10, START)}
    assert state.selected == (11, START)  # moved down, as htop's space does
    state, _ = press(state, "v")
    state, _ = press(state, "v")
    assert state.tagged == {(10, START), (11, START), (12, START)}
    state, _ = press(state, "k")
    state, _ = press(state, "v")  # on a tagged row: untags it
    assert state.tagged == {(10, START), (11, START)}


def test_v_on_the_last_row_tags_it_and_stays() -> None:
    state, _ = press(selecting(20), "v")
    assert state.tagged == {(20, START)} and state.selected == (20, START)


def test_V_tags_the_process_and_its_descendants_in_the_flat_view() -> None:
    state, _ = press(selecting(10), "V")
    assert {pid for pid, _ in state.tagged} == {10, 11, 12, 13}
    assert state.message == "tagged 10 (p10) and 3 descendants"
    assert state.selected == (10, START)  # V does not move
    again, _ = press(state, "V")
    assert again.tagged == state.tagged  # tags only; U untags


def test_V_tags_the_subtree_in_the_tree_view_too() -> None:
    state, _ = press(selecting(11, ProcessQuery(tree=True)), "V")
    assert {pid for pid, _ in state.tagged} == {11, 12}
    assert state.message == "tagged 11 (p11) and 1 descendant"


def test_V_tags_only_the_descendants_the_table_shows() -> None:
    # The filter "p1" shows p1 and p10 to p12; 13, renamed vim, is hidden: not tagged.
    state = selecting(10, ProcessQuery(sort_key=None, text="p1"))
    rows = [r for r in family() if r.pid != 13]
    rows = [*rows, replace(process(13, "vim", cpu=1.0), ppid=10)]  # not matched by "p1"
    command = command_for(state.mode, "V")
    assert command is not None
    state, _ = reduce(state, command, ctx(state, rows))
    assert {pid for pid, _ in state.tagged} == {10, 11, 12}  # grandchild through p11 included


def test_U_untags_all() -> None:
    state = replace(selecting(10), tagged=frozenset({(10, START), (11, START)}))
    state, _ = press(state, "U")
    assert state.tagged == frozenset() and state.message == "untagged 2"
    state, _ = press(state, "U")
    assert state.message == "no process is tagged"


def test_tags_of_exited_processes_are_dropped_when_the_view_changes() -> None:
    state = replace(selecting(10), tagged=frozenset({(10, START), (12, START), (20, START)}))
    alive = [r for r in family() if r.pid != 12]
    state, _ = reduce(state, Command(Action.VIEW_CHANGED), ctx(state, alive))
    assert state.tagged == {(10, START), (20, START)}


def test_a_filtered_out_tagged_process_keeps_its_tag() -> None:
    state = replace(selecting(10), tagged=frozenset({(20, START)}))
    state = replace(state, query=replace(state.query, text="p1"))
    state, _ = reduce(state, Command(Action.VIEW_CHANGED), ctx(state))
    assert state.tagged == {(20, START)}


def test_a_reused_pid_is_never_tagged() -> None:
    state = replace(selecting(10), tagged=frozenset({(12, START)}))
    reused = [r if r.pid != 12 else replace(r, start_time_epoch_s=START + 60) for r in family()]
    # Between refreshes: T would ask about the tagged processes still there, not the new 12.
    command = command_for(state.mode, "T")
    assert command is not None
    asked, _ = reduce(state, command, ctx(state, reused))
    assert asked.mode is Mode.NORMAL and asked.message == "the tagged processes have exited"
    state, _ = reduce(state, Command(Action.VIEW_CHANGED), ctx(state, reused))
    assert state.tagged == frozenset()


def test_a_process_with_no_known_start_time_is_not_tagged() -> None:
    rows = [replace(r, start_time_epoch_s=None) if r.pid == 10 else r for r in family()]
    state = AppState(query=ProcessQuery(sort_key=None))
    context = ctx(state, rows)
    state = select(state, context.view, 1)
    command = command_for(state.mode, "v")
    assert command is not None
    state, _ = reduce(state, command, context)
    assert state.tagged == frozenset()
    assert state.message is not None and "no known start time" in state.message


def tagged_three() -> AppState:
    keys = frozenset({(11, START), (12, START), (13, START)})
    return replace(selecting(20), tagged=keys)


def test_T_asks_once_about_every_tagged_process() -> None:
    state, _ = press(tagged_three(), "T")
    assert state.mode is Mode.CONFIRM and state.pending_signal is None
    assert [(p.pid, p.signum) for p in state.pending_batch] == [(11, 15), (12, 15), (13, 15)]
    assert batch_prompt(state.pending_batch) == "Send SIGTERM to 3 processes? [y/N]"
    status = render_status(state, 60, UNICODE)[0].text
    assert status.strip() == "Send SIGTERM to 3 processes? [y/N]"
    sent, reaction = press(state, "y")
    assert Reaction.SEND_SIGNAL in reaction and sent.mode is Mode.NORMAL
    assert len(sent.pending_batch) == 3  # for the loop; SIGNAL_SENT clears it
    done, _ = reduce(sent, Command(Action.SIGNAL_SENT, "SIGTERM: 3 sent"), ctx(sent))
    assert done.pending_batch == () and done.message == "SIGTERM: 3 sent"
    assert done.tagged == sent.tagged  # tags stay after sending, as in htop


def test_K_and_the_signal_menu_act_on_the_tagged_too_and_n_or_esc_cancel() -> None:
    state, _ = press(tagged_three(), "K")
    assert {p.signum for p in state.pending_batch} == {9}
    cancelled, reaction = press(state, "n")
    assert cancelled.pending_batch == () and cancelled.message == "cancelled"
    assert Reaction.SEND_SIGNAL not in reaction
    menu, _ = press(tagged_three(), "s")
    asked, _ = press(menu, "enter")
    assert len(asked.pending_batch) == 3 and asked.mode is Mode.CONFIRM
    closed, _ = press(asked, "escape")
    assert closed.pending_batch == () and closed.mode is Mode.NORMAL


def test_the_signal_menu_names_the_tagged_as_its_target() -> None:
    from sot.history import History
    from sot.render.frame import FrameInput, render_frame

    state, _ = press(tagged_three(), "s")
    frame = FrameInput(snapshot(processes=family()), History(), state, ctx(state).view, None)
    block = render_frame(frame, 100, 30, UNICODE)
    assert any("signal to 3 tagged" in line.text for line in block)


def test_one_tagged_process_is_asked_about_by_name_not_the_selection() -> None:
    state = replace(selecting(20), tagged=frozenset({(12, START)}))
    state, _ = press(state, "T")
    assert state.pending_batch == ()
    assert state.pending_signal == PendingSignal(12, START, "p12", 15)


def test_the_details_view_acts_on_its_own_process_even_with_tags() -> None:
    state = replace(tagged_three(), mode=Mode.DETAILS, details=(20, START))
    state, _ = press(state, "T")
    assert state.pending_signal is not None and state.pending_signal.pid == 20
    assert state.pending_batch == ()


def test_the_moved_selection_guard_does_not_hold_back_the_tagged() -> None:
    state = replace(tagged_three(), moved_at_s=99.5)  # ctx's now_s is 100.0
    state, _ = press(state, "T")
    assert state.mode is Mode.CONFIRM and len(state.pending_batch) == 3


def test_read_only_disables_signals_to_the_tagged_and_renice() -> None:
    state = replace(tagged_three(), read_only=True)
    assert press(state, "T")[0].message == READ_ONLY_MESSAGE
    for key in ("]", "[", "f7", "f8"):
        reniced, reaction = press(state, key)
        assert reniced.message == READ_ONLY_RENICE_MESSAGE and reniced.pending_renice is None
        assert Reaction.RENICE not in reaction
    keys = [line.keys for line in help_lines(read_only=True)]
    assert "] F7" not in keys and "[ F8" not in keys and "F7 F8 [ ]" not in keys
    assert "v" in keys and "U" in keys  # tagging itself changes nothing on the system
    writable = [line.keys for line in help_lines(read_only=False)]
    assert "] F7" in writable and "[ F8" in writable and "F7 F8 [ ]" in writable


def test_renice_keys_target_the_tagged_else_the_selection() -> None:
    state, reaction = press(tagged_three(), "[")
    assert Reaction.RENICE in reaction
    assert state.pending_renice == PendingRenice(
        tuple(ReniceTarget(pid, START, f"p{pid}") for pid in (11, 12, 13)), 1
    )
    state, _ = press(selecting(20), "f7")
    assert state.pending_renice == PendingRenice((ReniceTarget(20, START, "p20"),), -1)
    state, _ = press(selecting(20), "]")
    assert state.pending_renice is not None and state.pending_renice.step == -1
    state, _ = press(selecting(20), "f8")
    assert state.pending_renice is not None and state.pending_renice.step == 1
    done, _ = reduce(state, Command(Action.RENICED, "nice 1 for 20 (p20)"), ctx(state))
    assert done.pending_renice is None and done.message == "nice 1 for 20 (p20)"


def test_renice_in_the_details_view_targets_its_process() -> None:
    state = replace(tagged_three(), mode=Mode.DETAILS, details=(20, START))
    state, reaction = press(state, "[")
    assert Reaction.RENICE in reaction
    assert state.pending_renice == PendingRenice((ReniceTarget(20, START, "p20"),), 1)


# The actions, with fake system calls.

OWN_PID = 4000


@dataclass
class FakeSignals:
    start_times: dict[int, float]
    denied: frozenset[int] = frozenset()
    sent: list[tuple[int, int]] = field(default_factory=list)

    def start_time(self, pid: int) -> float | None:
        return self.start_times.get(pid)

    def open_handle(self, pid: int) -> int | None:
        return None

    def send(self, pid: int, handle: int | None, signum: int) -> None:
        if pid in self.denied:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        if pid not in self.start_times:
            raise ProcessLookupError(errno.ESRCH, "No such process")
        self.sent.append((pid, signum))

    def close(self, handle: int) -> None:
        pass


def batch(*pids: int, start: float = START) -> tuple[PendingSignal, ...]:
    return tuple(PendingSignal(pid, start, f"p{pid}", 15) for pid in pids)


def test_each_tagged_process_is_guarded_and_the_results_counted() -> None:
    control = FakeSignals({11: START, 12: START, 13: START + 5, 14: START}, denied=frozenset({14}))
    message = send_signals(batch(11, 12, 13, 14, 15, 1), control, OWN_PID)
    # 13's PID was reused (another start time), 15 exited, 1 is refused.
    assert message == "SIGTERM: 2 sent, 2 gone, 1 denied, 1 refused"
    assert control.sent == [(11, 15), (12, 15)]
    assert send_signals(batch(11, 12), control, OWN_PID) == "SIGTERM: 2 sent"


def test_one_process_in_a_batch_gets_the_single_message() -> None:
    control = FakeSignals({11: START})
    assert send_signals(batch(11), control, OWN_PID) == "sent SIGTERM to 11 (p11)"


@dataclass
class FakePriority:
    start_times: dict[int, float]
    nices: dict[int, int]
    root: bool = False  # False: lowering a nice value is denied
    others: frozenset[int] = frozenset()  # processes of another user: any change denied
    calls: list[tuple[int, int]] = field(default_factory=list)

    def start_time(self, pid: int) -> float | None:
        return self.start_times.get(pid)

    def nice(self, pid: int) -> int:
        if pid not in self.nices:
            raise ProcessLookupError(errno.ESRCH, "No such process")
        return self.nices[pid]

    def set_nice(self, pid: int, nice: int) -> None:
        if pid in self.others or (nice < self.nices[pid] and not self.root):
            raise PermissionError(errno.EACCES, "Permission denied")
        self.calls.append((pid, nice))
        self.nices[pid] = nice


def targets(*pids: int, start: float = START) -> tuple[ReniceTarget, ...]:
    return tuple(ReniceTarget(pid, start, f"p{pid}") for pid in pids)


def test_renice_moves_each_target_one_step_from_its_value_now() -> None:
    control = FakePriority({11: START, 12: START, 13: START}, {11: 4, 12: 4, 13: 4})
    assert renice(PendingRenice(targets(11, 12, 13), 1), control, 1000) == (
        "nice 5 for 3 processes"
    )
    assert renice(PendingRenice(targets(11), 1), control, 1000) == "nice 6 for 11 (p11)"
    assert control.nices == {11: 6, 12: 5, 13: 5}


def test_renice_counts_mixed_results() -> None:
    control = FakePriority(
        {11: START, 12: START, 13: START + 9, 14: START},
        {11: 0, 12: 0, 13: 0, 14: 19},
        others=frozenset({12}),
    )
    message = renice(PendingRenice(targets(11, 12, 13, 14, 15), 1), control, 1000)
    assert message == "nice: 1 done, 2 gone, 1 denied, 1 at the limit"
    assert control.calls == [(11, 1)]  # 13's PID was reused: its nice is left alone


def test_lowering_nice_as_a_user_says_it_needs_root_in_one_line() -> None:
    control = FakePriority({11: START, 12: START}, {11: 5, 12: 5})
    message = renice(PendingRenice(targets(11), -1), control, 1000)
    assert message == (
        "nice of 11 (p11): permission denied: lowering nice needs root (sot runs as uid 1000)"
    )
    message = renice(PendingRenice(targets(11, 12), -1), control, 1000)
    assert message == "nice: 2 denied: lowering nice needs root (sot runs as uid 1000)"
    assert "\n" not in message and control.calls == []


def test_lowering_nice_as_root_works() -> None:
    control = FakePriority({11: START}, {11: 5}, root=True)
    assert renice(PendingRenice(targets(11), -1), control, 0) == "nice 4 for 11 (p11)"
    control = FakePriority({11: START}, {11: -20}, root=True)
    assert renice(PendingRenice(targets(11), -1), control, 0) == "nice of 11 (p11) is already -20"


def test_renice_refuses_pid_0_which_would_be_sot_itself() -> None:
    control = FakePriority({0: START}, {0: 0})
    assert renice(PendingRenice(targets(0), 1), control, 1000) == "refusing to renice PID 0"
    assert control.calls == []


def test_a_tagged_row_is_marked_by_a_character_and_counted_in_the_title() -> None:
    from sot.render.glyphs import ASCII
    from sot.render.processes import TAG_MARKER, ProcessTable, render_processes

    rows = family()
    snap = snapshot(processes=rows)
    query = ProcessQuery(sort_key=None)
    view = build_view(snap.processes, query)
    tagged = frozenset({process_key(rows[1]), process_key(rows[2])})
    for glyphs in (UNICODE, ASCII):
        table = ProcessTable(view, snap.process_counts, query, 0, 0, None, tagged)
        block = render_processes(table, 90, 10, glyphs)
        assert "2 tagged" in block[0].text
        # The mark stands in the blank after the PID: "     10*root".
        marks = {line.text[1:8].strip(): line.text[8] for line in block[2:8]}
        assert marks == {
            "1": " ",
            "10": TAG_MARKER,
            "11": TAG_MARKER,
            "12": " ",
            "13": " ",
            "20": " ",
        }
        tagged_styles = block[3].styles[1:9]
        assert set(tagged_styles) == {"y"}  # PID and mark in the warning colour


def test_tagging_redraws_a_row_remembered_untagged() -> None:
    from sot.render.processes import ProcessTable, RowMemo, render_processes

    snap = snapshot(processes=family())
    query = ProcessQuery(sort_key=None)
    view = build_view(snap.processes, query)
    memo = RowMemo()
    plain = ProcessTable(view, snap.process_counts, query, None, 0, None)
    render_processes(plain, 90, 10, UNICODE, memo)
    marked = dataclasses.replace(plain, tagged=frozenset({process_key(snap.processes[0])}))
    block = render_processes(marked, 90, 10, UNICODE, memo)
    assert "1*" in block[2].text


# The real system calls, on children of this test only (never any other process).


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    children = [subprocess.Popen(["sleep", "1000"]) for _ in range(3)]
    try:
        yield children
    finally:
        for child in children:
            child.kill()
            child.wait()


def real_control() -> OsProcessControl:
    from sot.collect.system import system_source

    return OsProcessControl(system_source().process_start_time)


def test_real_signals_reach_every_tagged_child(sleepers: list[subprocess.Popen[bytes]]) -> None:
    control = real_control()
    pending = tuple(
        PendingSignal(c.pid, control.start_time(c.pid), "sleep", signal.SIGTERM) for c in sleepers
    )
    assert send_signals(pending, control, os.getpid()) == "SIGTERM: 3 sent"
    assert [child.wait(timeout=10) for child in sleepers] == [-signal.SIGTERM] * 3
    # Gone now: nothing is sent, and the count says so.
    assert send_signals(pending, control, os.getpid()) == "SIGTERM: 3 gone"


def test_real_renice_of_a_child(sleepers: list[subprocess.Popen[bytes]]) -> None:
    control = real_control()
    child = sleepers[0]
    started = control.start_time(child.pid)
    assert started is not None
    target = ReniceTarget(child.pid, started, "sleep")
    before = os.getpriority(os.PRIO_PROCESS, child.pid)
    if before >= NICE_MAX:
        pytest.skip(f"the test runs at nice {before}: no step lower is possible")
    message = renice(PendingRenice((target,), 1), control, os.geteuid())
    assert message == f"nice {before + 1} for {child.pid} (sleep)"
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == before + 1
    message = renice(PendingRenice((target,), -1), control, os.geteuid())
    if os.geteuid() == 0:
        assert message == f"nice {before} for {child.pid} (sleep)"
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == before
    else:  # unless RLIMIT_NICE allows it, only root may lower a nice value
        assert message.endswith(f"lowering nice needs root (sot runs as uid {os.geteuid()})")
    # A PID taken by another process (another start time) is left alone.
    reused = ReniceTarget(child.pid, started - 100.0, "sleep")
    after = os.getpriority(os.PRIO_PROCESS, child.pid)
    message = renice(PendingRenice((reused,), 1), control, os.geteuid())
    assert message == f"nice not changed: PID {child.pid} now belongs to another process"
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == after
