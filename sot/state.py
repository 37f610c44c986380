"""What the user has chosen, as a frozen value changed only by ``sot.reducer.reduce``, and the
pure readings of it that the renderers and the reducer share (selection, chosen disk and
interface, the user menu)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sot.actions import PendingRenice, PendingSignal, signal_name
from sot.keys import DEFAULT_KEYMAP, KeyMap, Mode
from sot.model import ProcessKey, ProcessRow, Snapshot
from sot.ports_view import DevColumn, PortColumn
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
    read_only_by: str = ""  # what made it so ("--read-only", "read_only in config.toml line 9")
    selected: ProcessKey | None = None
    selected_name: str = ""
    selected_index: int = 0  # where the selection was: its neighbour takes over if it exits
    scroll_top: int = 0
    order_cursor: SortKey = SortKey.CPU
    filter_cursor: int = 0
    search: str = ""  # kept after Enter: F3 / Shift-F3 jump to its next / previous match
    search_cursor: int = 0
    menu_index: int = 0
    signal_digits: str = ""  # a signal number typed in the signal menu
    help_top: int = 0  # the first line the help overlay shows (it scrolls on short terminals)
    pending_signal: PendingSignal | None = None
    # The signal asked about for several tagged processes at once ("Send SIGTERM to 5
    # processes?"); while it is set, pending_signal is None.
    pending_batch: tuple[PendingSignal, ...] = ()
    pending_renice: PendingRenice | None = None  # a renice key's targets, for the loop
    # Tagged processes (v, V; U clears), by pid and start time so that a reused PID is never
    # tagged; T, K, s and the renice keys act on them when there are any.
    tagged: frozenset[ProcessKey] = frozenset()
    details: ProcessKey | None = None
    # When the selection last moved by itself (its process exited), in the loop's monotonic
    # seconds: for a few seconds a signal key names the new target instead of acting.
    moved_at_s: float | None = None
    help_hinted: bool = False  # "press ? for help" was said once: an unknown key says no more
    home_mode: Mode = Mode.NORMAL  # where closing the help returns: sot disk's screen is DISK
    disk_selected: str | None = None  # sot disk: the selected disk's name (None: the first)
    disk_expanded: frozenset[str] = frozenset()  # disks whose partitions are shown (Enter)
    disk_show_all: bool = False  # sot disk --all: loop, zram and ram devices too
    # Screens with more than one panel to act on (sot ps): the panels Tab moves between, the
    # one the keys act on, and each other panel's selection (an index in its sorted order)
    # and sort.
    focus_order: tuple[str, ...] = ()
    focus: str = "processes"
    port_index: int = 0
    port_sort: PortColumn = PortColumn.PORT
    port_descending: bool = False
    dev_index: int = 0
    dev_sort: DevColumn = DevColumn.PROCESSES
    dev_descending: bool = True
    details_top: int = 0  # the first row of the details view shown (it scrolls)
    # Panels the number keys hid (sot.layout.TOGGLEABLE_PANELS' names), and the panel zoomed to
    # the whole body (z): what sot.layout.compute_layout arranges the screen by.
    hidden_panels: frozenset[str] = frozenset()
    screen: str = "dashboard"  # which of sot.layout.SCREENS is shown
    zoomed: str | None = None
    # The keys in force: the defaults with the config file's [keys] bindings.
    keymap: KeyMap = DEFAULT_KEYMAP


@dataclass(frozen=True, slots=True)
class Context:
    """The data on screen when a key was pressed."""

    snapshot: Snapshot | None
    view: ProcessView
    page_rows: int
    help_rows: int = 0  # lines the help overlay shows at once
    now_s: float = 0.0  # the loop's monotonic clock when the command came
    # The details view's rows: how many are shown at once, and how many there are.
    details_rows: int = 0
    details_total: int = 0
    # The terminal's size at the last frame (0, 0: not known): Tab visits the panels placed.
    size: tuple[int, int] = (0, 0)


def absent_panels(snapshot: Snapshot | None) -> frozenset[str]:
    """The panels the snapshot has nothing for: the GPU panel on a machine without GPUs (one
    whose reader has something to say, an error or "reading", is shown)."""
    if snapshot is not None and (snapshot.gpus or snapshot.gpu_status is not None):
        return frozenset()
    return frozenset({"gpu"})


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


def tagged_rows(state: AppState, snapshot: Snapshot | None) -> tuple[ProcessRow, ...]:
    """The tagged processes the snapshot still has, by PID (shown or filtered out alike)."""
    if not state.tagged or snapshot is None:
        return ()
    return tuple(
        sorted(
            (p for p in snapshot.processes if process_key(p) in state.tagged),
            key=lambda p: p.pid,
        )
    )


def select(state: AppState, view: ProcessView, index: int) -> AppState:
    if not view.rows:
        return replace(state, selected_index=0)
    index = max(0, min(index, len(view.rows) - 1))
    row = view.rows[index].process
    return replace(
        state,
        selected=process_key(row),
        selected_name=row.name,
        selected_index=index,
        moved_at_s=None,
    )


def current_index(state: AppState, view: ProcessView) -> int:
    found = view.index_of(state.selected)
    return found if found is not None else min(state.selected_index, max(0, len(view.rows) - 1))


def follow_selection(
    state: AppState, view: ProcessView, snapshot: Snapshot, now_s: float | None = None
) -> AppState:
    """Keep the selection on the same process (pid and start time) across refreshes, re-sorts
    and filtering; when that process has exited, move to its neighbour, say so, and remember
    when (``now_s``) so that a signal key does not act on the new selection unseen."""
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
    pid, new_pid = state.selected[0], moved.selected[0] if moved.selected else "-"
    return replace(
        moved,
        message=f"process {pid} ({state.selected_name}) exited;"
        f" selected {new_pid} ({moved.selected_name})",
        moved_at_s=now_s,
    )


def keep_visible(state: AppState, row_count: int, page_rows: int) -> AppState:
    """Scroll just enough that the selected row is on screen; the table not on screen
    (``page_rows`` 0: hidden, or another panel zoomed), its scroll stays as it was."""
    if page_rows <= 0:
        return state
    top = state.scroll_top
    if state.selected_index < top:
        top = state.selected_index
    elif state.selected_index >= top + page_rows:
        top = state.selected_index - page_rows + 1
    top = max(0, min(top, max(0, row_count - page_rows)))
    return state if top == state.scroll_top else replace(state, scroll_top=top)


def back_mode(state: AppState) -> Mode:
    """Where a menu or prompt returns to: the details view it was opened from, if any."""
    return Mode.DETAILS if state.details is not None else state.home_mode


def confirm_prompt(pending: PendingSignal) -> str:
    return f"Send {signal_name(pending.signum)} to {pending.pid} {pending.name}? [y/N]"


def batch_prompt(batch: tuple[PendingSignal, ...]) -> str:
    """The question for several tagged processes: "Send SIGTERM to 5 processes? [y/N]"."""
    name = batch[0].signal_name if batch else "a signal"
    return f"Send {name} to {len(batch)} processes? [y/N]"
