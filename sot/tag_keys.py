"""Acting on several processes: the tag keys (v, V, U) and the renice keys (] F7, [ F8), for
the reducer's table. Pure: the renice itself is ``sot.actions.renice``, carried out by the loop.

Tags are process keys (pid, start time), so a PID reused by a new process is not tagged; tags of
processes that exited are dropped at the next view change (``prune_tags``). The signal keys act
on the tagged processes when there are any (``sot.signal_keys``); tags stay after a signal is
sent, as in htop, so a SIGTERM that was ignored can be followed by a SIGKILL to the same set.
"""

from __future__ import annotations

from dataclasses import replace

from sot.actions import PendingRenice, ReniceTarget
from sot.keys import Action, Command
from sot.model import ProcessKey, ProcessRow, Snapshot
from sot.signal_keys import read_only_message, target, targets_tags
from sot.state import AppState, Context, current_index, keep_visible, select, tagged_rows
from sot.view import process_key

READ_ONLY_RENICE_MESSAGE = "read-only: renice is disabled (--read-only or SOT_READ_ONLY=1)"


def _selected_row(state: AppState, context: Context) -> ProcessRow | None:
    if state.selected is None or not context.view.rows:
        return None
    return context.view.rows[current_index(state, context.view)].process


def _unknown_start(row: ProcessRow) -> str:
    return f"PID {row.pid} has no known start time: not tagged (its PID could be reused)"


def tag(state: AppState, _: Command, context: Context) -> AppState:
    """v: tag or untag the selected process, and move the selection down (htop's space)."""
    row = _selected_row(state, context)
    if row is None:
        return replace(state, message="no process selected")
    if row.start_time_epoch_s is None:
        return replace(state, message=_unknown_start(row))
    key = process_key(row)
    tagged = state.tagged - {key} if key in state.tagged else state.tagged | {key}
    moved = select(state, context.view, current_index(state, context.view) + 1)
    return keep_visible(replace(moved, tagged=tagged), len(context.view.rows), context.page_rows)


def descendants(pid: int, processes: tuple[ProcessRow, ...]) -> set[int]:
    """The PIDs below ``pid`` in the parent links of ``processes`` (a cycle ends the walk)."""
    children: dict[int, list[int]] = {}
    for process in processes:
        if process.ppid is not None and process.ppid != process.pid:
            children.setdefault(process.ppid, []).append(process.pid)
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found and child != pid:
                found.add(child)
                stack.append(child)
    return found


def tag_tree(state: AppState, _: Command, context: Context) -> AppState:
    """V: tag the selected process and its descendants that the table shows (htop's c), in
    the flat view as in the tree. Tags only: pressed again, nothing is untagged (U does)."""
    row = _selected_row(state, context)
    if row is None or context.snapshot is None:
        return replace(state, message="no process selected")
    if row.start_time_epoch_s is None:
        return replace(state, message=_unknown_start(row))
    below = descendants(row.pid, context.snapshot.processes)
    keys = {
        process_key(r.process)
        for r in context.view.rows
        if r.process.pid in below and r.process.start_time_epoch_s is not None
    }
    count = len(keys)
    noun = "descendant" if count == 1 else "descendants"
    return replace(
        state,
        tagged=state.tagged | keys | {process_key(row)},
        message=f"tagged {row.pid} ({row.name}) and {count} {noun}",
    )


def untag_all(state: AppState, _: Command, __: Context) -> AppState:
    """U: untag every process."""
    if not state.tagged:
        return replace(state, message="no process is tagged")
    return replace(state, tagged=frozenset(), message=f"untagged {len(state.tagged)}")


def prune_tags(state: AppState, snapshot: Snapshot) -> AppState:
    """Drop the tags of processes that exited; a filter hiding a tagged one keeps its tag."""
    if not state.tagged:
        return state
    alive: set[ProcessKey] = {process_key(p) for p in snapshot.processes}
    kept = state.tagged & alive
    return state if kept == state.tagged else replace(state, tagged=kept)


def renice_key(state: AppState, command: Command, context: Context) -> AppState:
    """] F7 (nice - 1) and [ F8 (nice + 1): the tagged processes, else the selected one (or
    the one the details view shows). No question asked, as in htop; the loop renices
    ``pending_renice`` and the status line says how it went."""
    if state.read_only:
        return replace(state, message=read_only_message(state, "renice is disabled"))
    if targets_tags(state):
        rows = tagged_rows(state, context.snapshot)
    else:
        found = target(state, context)
        rows = (found,) if found is not None else ()
    if not rows:
        return replace(state, message="no process selected")
    step = -1 if command.action is Action.NICE_HIGHER_PRIORITY else 1
    targets = tuple(ReniceTarget(r.pid, r.start_time_epoch_s, r.name) for r in rows)
    return replace(state, pending_renice=PendingRenice(targets, step))


def reniced(state: AppState, command: Command, _: Context) -> AppState:
    return replace(state, pending_renice=None, message=command.text)
