"""What keys do on a screen with several panels (``sot ps``): Tab moves the focus; Up/Down,
the sort keys and Enter act on the focused panel. The process table keeps its own handlers
(``sot.reducer``); ``route`` takes the commands meant for the other panels. Pure."""

from __future__ import annotations

from dataclasses import replace

from sot.key_help import NO_KEY, said_key
from sot.keys import Action, Command, Mode
from sot.layout import compute_layout, screen_panels
from sot.model import ListeningPort
from sot.ports_view import (
    DEV_SORT_KEYS,
    PORT_SORT_KEYS,
    DevColumn,
    PortColumn,
    sorted_groups,
    sorted_ports,
)
from sot.sorting import SortKey
from sot.state import AppState, Context, absent_panels, keep_visible
from sot.view import process_key

PROCESSES = "processes"
PORTS = "ports"
DEV_SERVERS = "devservers"
PAGE_STEP = 10  # PgUp/PgDn in the small panels: they keep no page size of their own
ONE_PANEL_MESSAGE = "one panel shown: nothing else to focus"


def dashboard_focus_order(state: AppState, context: Context) -> tuple[str, ...]:
    """The dashboard's panels Tab visits: those shown, and, while nothing is zoomed, only those
    the current size places (at 80x24 the meters stand in for cpu, memory, disks and network,
    which are no panels there). Zoomed, any panel can take the screen."""
    hidden = state.hidden_panels | absent_panels(context.snapshot)
    order = tuple(p for p in screen_panels("dashboard") if p not in hidden)
    width, height = context.size
    if state.zoomed is not None or width <= 0 or height <= 0:
        return order
    placed = {name for name, _ in compute_layout(width, height, True, "dashboard", hidden).places}
    return tuple(p for p in order if p in placed)


def next_panel(state: AppState, _: Command, context: Context) -> AppState:
    """Tab: the next panel of the screen's focus order (the dashboard's: its panels shown);
    a zoomed screen zooms the next one."""
    order = state.focus_order
    dashboard = not order and state.screen == "dashboard"
    if dashboard:
        order = dashboard_focus_order(state, context)
    if len(order) < 2:
        return replace(state, message=ONE_PANEL_MESSAGE)
    index = order.index(state.focus) if state.focus in order else -1
    focus = order[(index + 1) % len(order)]
    if state.zoomed is not None:  # zoomed: Tab zooms the next panel, and says so
        return replace(state, focus=focus, zoomed=focus, message=zoom_message(state, focus))
    if not dashboard:
        return replace(state, focus=focus)
    zoom_key = said_key(state.keymap, "zoom")
    note = f" ({zoom_key} zooms it)" if zoom_key != NO_KEY else ""
    return replace(state, focus=focus, message=f"focus: {focus}{note}")


def zoom_message(state: AppState, panel: str) -> str:
    """ "cpu zoomed (z or Esc returns)", with the keys in force."""
    keys = dict.fromkeys((said_key(state.keymap, "zoom"), said_key(state.keymap, "close")))
    returns = " or ".join(key for key in keys if key != NO_KEY) or "Ctrl-C"
    return f"{panel} zoomed ({returns} returns)"


def _ports(state: AppState, context: Context) -> tuple[ListeningPort, ...]:
    snapshot = context.snapshot
    return sorted_ports(
        snapshot.ports if snapshot else None, state.port_sort, state.port_descending
    )


def _count(state: AppState, context: Context) -> int:
    if state.focus == PORTS:
        return len(_ports(state, context))
    snapshot = context.snapshot
    return len(snapshot.dev_servers or ()) if snapshot else 0


def _move(state: AppState, action: Action, context: Context) -> AppState:
    current = state.port_index if state.focus == PORTS else state.dev_index
    last = max(0, _count(state, context) - 1)
    target = {
        Action.UP: current - 1,
        Action.DOWN: current + 1,
        Action.PAGE_UP: current - PAGE_STEP,
        Action.PAGE_DOWN: current + PAGE_STEP,
        Action.FIRST: 0,
        Action.LAST: last,
    }[action]
    index = max(0, min(target, last))
    if state.focus == PORTS:
        return replace(state, port_index=index)
    return replace(state, dev_index=index)


def _cycle(columns: list[PortColumn] | list[DevColumn], current: object, step: int) -> object:
    return columns[(columns.index(current) + step) % len(columns)]  # type: ignore[arg-type]


def _sort(state: AppState, command: Command) -> AppState:
    """The table's sort keys on the focused panel: a column it has (p N on ports; c m N on
    dev servers), < > for the neighbouring column, I inverts; again on the same column flips."""
    ports = state.focus == PORTS
    column: object = state.port_sort if ports else state.dev_sort
    descending = state.port_descending if ports else state.dev_descending
    action = command.action
    if action is Action.INVERT_SORT:
        descending = not descending
    elif action in (Action.SORT_LEFT, Action.SORT_RIGHT):
        columns = list(PortColumn) if ports else list(DevColumn)
        column = _cycle(columns, column, -1 if action is Action.SORT_LEFT else 1)
    else:
        key = command.sort_key or SortKey.PID
        chosen = PORT_SORT_KEYS.get(key) if ports else DEV_SORT_KEYS.get(key)
        if chosen is None:
            return replace(state, message=f"{key.value}: not a column of this panel")
        flip = chosen == column and action is Action.SORT_BY
        descending = (not descending) if flip else not ports  # amounts biggest first
        column = chosen
    if ports:
        assert isinstance(column, PortColumn)
        return replace(state, port_sort=column, port_descending=descending, port_index=0)
    assert isinstance(column, DevColumn)
    return replace(state, dev_sort=column, dev_descending=descending, dev_index=0)


def select_pid(state: AppState, pid: int | None, context: Context) -> AppState:
    """Focus the process table on ``pid``: select it, clearing a filter (text or user) that
    hides it; the view is rebuilt for the new query and the selection followed there."""
    snapshot = context.snapshot
    if pid is None:
        return replace(state, message="owner not visible: run as root to see every owner")
    found = next((p for p in snapshot.processes if p.pid == pid), None) if snapshot else None
    if found is None:
        return replace(state, message=f"process {pid} is not in the table (exited?)")
    key = process_key(found)
    state = replace(state, focus=PROCESSES, selected=key, selected_name=found.name, moved_at_s=None)
    index = context.view.index_of(key)
    if index is None:  # hidden by the filter or the user choice: clear them
        query = replace(state.query, text="", user=None)
        return replace(state, query=query, message=f"filter cleared to show {pid}")
    state = replace(state, selected_index=index)
    return keep_visible(state, len(context.view.rows), context.page_rows)


def _enter(state: AppState, context: Context) -> AppState:
    if state.focus == PORTS:
        ports = _ports(state, context)
        if not ports:
            return state
        return select_pid(state, ports[min(state.port_index, len(ports) - 1)].pid, context)
    snapshot = context.snapshot
    groups = sorted_groups(
        snapshot.dev_servers if snapshot else None, state.dev_sort, state.dev_descending
    )
    if not groups:
        return state
    return select_pid(state, groups[min(state.dev_index, len(groups) - 1)].pids[0], context)


_MOVES = frozenset(
    {Action.UP, Action.DOWN, Action.PAGE_UP, Action.PAGE_DOWN, Action.FIRST, Action.LAST}
)
_SORTS = frozenset(
    {Action.SORT_BY, Action.SORT_SET, Action.SORT_LEFT, Action.SORT_RIGHT, Action.INVERT_SORT}
)


def route(state: AppState, command: Command, context: Context) -> AppState | None:
    """The new state when ``command`` acts on a focused panel other than the process table;
    None: the process table's handlers take it."""
    if state.focus not in (PORTS, DEV_SERVERS) or state.mode is not Mode.NORMAL:
        return None  # the dashboard's focused panel takes no keys but z
    action = command.action
    if action in _MOVES:
        return _move(state, action, context)
    if action in _SORTS:
        return _sort(state, command)
    if action is Action.DETAILS:
        return _enter(state, context)
    return None
