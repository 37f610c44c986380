"""What the user has chosen, as a frozen value changed only by ``sot.reducer.reduce``, and the
pure readings of it that the renderers and the reducer share (selection, chosen disk and
interface, the user menu)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sot.actions import PendingSignal, signal_name
from sot.keys import Mode
from sot.model import ProcessKey, Snapshot
from sot.sorting import SortKey
from sot.view import ProcessQuery, ProcessView, process_key


@dataclass(frozen=True, slots=True)
class AppState:
    interval_s: float = 1.0
    paused: bool = False
    interface: str | None = None  # None: follow the default-route interface
    mount_point: str | None = None  # None: "/" if present, else the first filesystem
    message: str | None = None
    mode: Mode = Mode.NORMAL
    query: ProcessQuery = field(default_factory=ProcessQuery)
    read_only: bool = False
    selected: ProcessKey | None = None
    selected_name: str = ""
    selected_index: int = 0  # where the selection was: its neighbour takes over if it exits
    scroll_top: int = 0
    order_cursor: SortKey = SortKey.CPU
    filter_cursor: int = 0
    menu_index: int = 0
    pending_signal: PendingSignal | None = None
    details: ProcessKey | None = None
    details_top: int = 0  # the first row of the details view shown (it scrolls)


@dataclass(frozen=True, slots=True)
class Context:
    """The data on screen when a key was pressed."""

    snapshot: Snapshot | None
    view: ProcessView
    page_rows: int
    # The details view's rows: how many are shown at once, and how many there are.
    details_rows: int = 0
    details_total: int = 0


def selected_interface(state: AppState, snapshot: Snapshot) -> str | None:
    names = [i.name for i in snapshot.interfaces]
    if state.interface in names:
        return state.interface
    return snapshot.default_interface


def selected_mount(state: AppState, snapshot: Snapshot) -> str | None:
    mounts = [d.mount_point for d in snapshot.disks]
    if state.mount_point in mounts:
        return state.mount_point
    if "/" in mounts:
        return "/"
    return mounts[0] if mounts else None


def user_choices(snapshot: Snapshot | None) -> tuple[str | None, ...]:
    """The `u` menu: all users first, then every user that owns a process."""
    users = {p.user for p in snapshot.processes if p.user is not None} if snapshot else set()
    return (None, *sorted(users))


def select(state: AppState, view: ProcessView, index: int) -> AppState:
    if not view.rows:
        return replace(state, selected_index=0)
    index = max(0, min(index, len(view.rows) - 1))
    row = view.rows[index].process
    return replace(state, selected=process_key(row), selected_name=row.name, selected_index=index)


def current_index(state: AppState, view: ProcessView) -> int:
    found = view.index_of(state.selected)
    return found if found is not None else min(state.selected_index, max(0, len(view.rows) - 1))


def follow_selection(state: AppState, view: ProcessView, snapshot: Snapshot) -> AppState:
    """Keep the selection on the same process (pid and start time) across refreshes, re-sorts
    and filtering; when that process has exited, move to its neighbour and say so."""
    found = view.index_of(state.selected)
    if found is not None:
        return replace(state, selected_index=found)
    if not view.rows:
        return state
    moved = select(state, view, state.selected_index)
    if state.selected is None:
        return moved
    alive = any(process_key(p) == state.selected for p in snapshot.processes)
    if alive:
        return moved  # filtered out, not gone
    pid = state.selected[0]
    return replace(
        moved,
        message=f"process {pid} ({state.selected_name}) exited; selected {moved.selected_name}",
    )


def keep_visible(state: AppState, row_count: int, page_rows: int) -> AppState:
    """Scroll just enough that the selected row is on screen."""
    page_rows = max(1, page_rows)
    top = state.scroll_top
    if state.selected_index < top:
        top = state.selected_index
    elif state.selected_index >= top + page_rows:
        top = state.selected_index - page_rows + 1
    top = max(0, min(top, max(0, row_count - page_rows)))
    return state if top == state.scroll_top else replace(state, scroll_top=top)


def confirm_prompt(pending: PendingSignal) -> str:
    return f"Send {signal_name(pending.signum)} to {pending.pid} {pending.name}? [y/N]"
