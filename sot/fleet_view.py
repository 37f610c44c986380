"""The fleet table's state and keys, pure: which rows show (the filter), in which order (the
sort column), which one is selected, and what each key does. The same keys as the process
table (``sot.keys``): moves, ``/`` and F4 filter, F6 and ``<`` ``>`` sort, ``I`` inverts, ``?``
help, ``q`` quits; Enter opens the selected instance's dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from sot.fleet_model import FleetRow
from sot.key_help import KeyHelp, in_force, keys_text
from sot.keys import (
    DEFAULT_KEYMAP,
    NORMAL_KEYS,
    Action,
    Command,
    KeyMap,
    Mode,
    action_name,
    command_for,
)
from sot.prompt import edit_text, full_message


class FleetColumn(Enum):
    """The table's columns, in the order shown and walked by ``<`` ``>`` and F6; the values
    are the titles."""

    INSTANCE = "INSTANCE"
    JOB = "JOB"
    UP = "UP"
    CPU = "CPU%"
    MEMORY = "MEM%"
    DISK = "DISK%"
    LOAD = "LOAD/C"
    RX = "RX/s"
    TX = "TX/s"
    UPTIME = "UPTIME"
    MOUNT = "FULLEST"
    HOST = "HOST"


FLEET_COLUMNS: tuple[FleetColumn, ...] = tuple(FleetColumn)
# Text columns sort A to Z; figures the biggest first, as in the process table.
_TEXT_COLUMNS = frozenset(
    {FleetColumn.INSTANCE, FleetColumn.JOB, FleetColumn.MOUNT, FleetColumn.HOST}
)


@dataclass(frozen=True, slots=True)
class FleetState:
    mode: Mode = Mode.NORMAL  # NORMAL, FILTER (typing), ORDER (choosing the column), HELP
    sort: FleetColumn = FleetColumn.INSTANCE
    descending: bool = False
    filter_text: str = ""
    filter_cursor: int = 0
    selected: tuple[str, str] | None = None  # (instance, job): kept across refreshes
    top: int = 0  # the first row shown
    help_top: int = 0
    message: str | None = None
    keymap: KeyMap = DEFAULT_KEYMAP  # the keys in force: the help and hints name them


# What the fleet does with the process table's keys (sot.keys.NORMAL_KEYS' names); the
# filter prompt and order mode use the process table's own tables (sot.keys.MODE_KEYS).
FLEET_KEYS: dict[str, Command] = {
    key: NORMAL_KEYS[key]
    for key in (
        *("q", "Q", "f10", "?", "h", "f1", "escape", "ctrl-l"),
        *("up", "k", "down", "j", "pgup", "pgdn", "home", "end"),
        *("/", "\\", "f4", "f6", "o", "<", ">", "I", "enter"),
    )
}
# htop's P and M, and sot's c, m, N: by CPU, by memory, by name (the instance).
_SORT_LETTERS = {
    "P": FleetColumn.CPU,
    "c": FleetColumn.CPU,
    "M": FleetColumn.MEMORY,
    "m": FleetColumn.MEMORY,
    "N": FleetColumn.INSTANCE,
}

# The fleet's help: the keys (the defaults, as shown), what they do, and the actions they are
# (sot.keys.action_name), to show the keys in force where one is rebound.
FLEET_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(("up", "down"), "Up/Down k/j", "select an instance"),
    KeyHelp(("page-up", "page-down", "first", "last"), "PgUp/PgDn Home/End", "page, first, last"),
    KeyHelp(
        ("details",),
        "Enter",
        "open the instance's dashboard (q there comes back)",
        rebound_text="open the instance's dashboard ({quit} there comes back)",
        text_actions=("quit",),
    ),
    KeyHelp(
        ("filter",),
        "/ \\ F4",
        "filter by instance, job or host name (Esc clears)",
        rebound_text="filter by instance, job or host name ({close} clears)",
        text_actions=("close",),
    ),
    KeyHelp(
        ("order",),
        "F6 o",
        "choose the sort column (Left/Right, Enter or Esc to close)",
        rebound_text=(
            "choose the sort column ({order-left}/{order-right}, {order-cycle} or {close-menu}"
            " to close)"
        ),
        text_actions=("order-left", "order-right", "order-cycle", "close-menu"),
    ),
    KeyHelp(("sort-left", "sort-right"), "< >", "sort by the column left or right"),
    KeyHelp(("invert-sort",), "I", "invert the sort order"),
    KeyHelp((), "P c / M m / N", "sort by CPU / memory / instance"),
    KeyHelp(("repaint",), "Ctrl-L", "repaint"),
    KeyHelp(("help",), "? h F1", "this help"),
    KeyHelp(("quit",), "q Q F10", "quit"),
)
HELP_LINES: tuple[tuple[str, str], ...] = tuple((k.keys, k.text) for k in FLEET_HELP)


def help_lines(keymap: KeyMap = DEFAULT_KEYMAP) -> tuple[tuple[str, str], ...]:
    """The fleet's help, (keys, what they do), with the keys in force."""
    if not keymap.rebound:
        return HELP_LINES
    return tuple((k.keys, k.text) for k in (in_force(entry, keymap) for entry in FLEET_HELP))


# The process table's actions the fleet takes (sot.keys.action_name): a rebound one moves here
# too.
FLEET_ACTIONS = frozenset(action_name(command) for command in FLEET_KEYS.values())


def fleet_command(mode: Mode, key: str, keymap: KeyMap = DEFAULT_KEYMAP) -> Command | None:
    """What ``key`` does in the fleet in ``mode``, with the keys in force; None: nothing."""
    if mode is Mode.NORMAL:
        table = FLEET_KEYS.get(key)
        if table is not None and action_name(table) not in keymap.rebound:
            return table
        rebound = keymap.table(Mode.NORMAL).get(key)
        if rebound is not None and action_name(rebound) in keymap.rebound & FLEET_ACTIONS:
            return rebound
        column = _SORT_LETTERS.get(key)
        if column is not None:
            return Command(Action.SORT_SET, text=column.value)
        return Command(Action.UNKNOWN_KEY, key)
    # The help, the process table's prompt and order mode, key for key.
    return command_for(mode, key, keymap)


def _matches(row: FleetRow, needle: str) -> bool:
    return (
        needle in row.instance.casefold()
        or needle in row.job.casefold()
        or (row.nodename is not None and needle in row.nodename.casefold())
    )


def sort_value(row: FleetRow, column: FleetColumn) -> float | str | None:
    if column is FleetColumn.INSTANCE:
        return row.instance
    if column is FleetColumn.JOB:
        return row.job
    if column is FleetColumn.HOST:
        return row.nodename
    if column is FleetColumn.MOUNT:
        return row.fullest_filesystem_mount
    if column is FleetColumn.UP:
        return None if row.up is None else float(row.up)
    figures = {
        FleetColumn.CPU: row.cpu_percent,
        FleetColumn.MEMORY: row.memory_used_percent,
        FleetColumn.DISK: row.fullest_filesystem_percent,
        FleetColumn.LOAD: row.load1_per_core,
        FleetColumn.RX: row.network_rx_bytes_per_s,
        FleetColumn.TX: row.network_tx_bytes_per_s,
        FleetColumn.UPTIME: row.uptime_s,
    }
    return figures[column]


def visible_rows(rows: Sequence[FleetRow], state: FleetState) -> tuple[FleetRow, ...]:
    """The rows the filter lets through, sorted by the column; unknown values last in either
    direction (a down host never tops "busiest"), ties by instance then job."""
    needle = state.filter_text.casefold()
    kept = [row for row in rows if _matches(row, needle)] if needle else list(rows)
    kept.sort(key=lambda row: row.key)
    known = [row for row in kept if sort_value(row, state.sort) is not None]
    unknown = [row for row in kept if sort_value(row, state.sort) is None]
    column = state.sort
    if column in _TEXT_COLUMNS:
        known.sort(
            key=lambda row: str(sort_value(row, column)).casefold(), reverse=state.descending
        )
    else:
        known.sort(key=lambda row: float(sort_value(row, column) or 0.0), reverse=state.descending)
    return (*known, *unknown)


def selected_index(state: FleetState, shown: Sequence[FleetRow]) -> int:
    """Where the selection is in ``shown`` (0 when it is gone or there is none)."""
    if state.selected is not None:
        for index, row in enumerate(shown):
            if row.key == state.selected:
                return index
    return 0


def _select(state: FleetState, shown: Sequence[FleetRow], index: int, page_rows: int) -> FleetState:
    if not shown:
        return replace(state, selected=None, top=0)
    index = max(0, min(len(shown) - 1, index))
    return keep_visible(replace(state, selected=shown[index].key), shown, page_rows)


def keep_visible(state: FleetState, shown: Sequence[FleetRow], page_rows: int) -> FleetState:
    """Scroll so the selected row is on the page (``page_rows`` rows tall)."""
    page_rows = max(1, page_rows)
    index = selected_index(state, shown)
    top = min(state.top, index)
    top = max(top, index - page_rows + 1)
    top = max(0, min(top, max(0, len(shown) - page_rows)))
    return state if top == state.top else replace(state, top=top)


def _sorted_by(state: FleetState, column: FleetColumn, flip: bool) -> FleetState:
    if column is state.sort and flip:
        return replace(state, descending=not state.descending)
    return replace(state, sort=column, descending=column not in _TEXT_COLUMNS)


@dataclass(frozen=True, slots=True)
class FleetOutcome:
    """A key's result: the next state, and what the loop must do beyond drawing it."""

    state: FleetState
    quit: bool = False
    open_instance: str | None = None  # Enter: this instance's dashboard
    open_job: str | None = None  # ... as that row's job scrapes it (None: no job label)
    repaint: bool = False


def reduce_fleet(
    state: FleetState,
    command: Command,
    rows: Sequence[FleetRow],
    page_rows: int,
    help_rows: int = 0,
) -> FleetOutcome:
    """``state`` after ``command``, with ``rows`` (every instance) on screen in ``page_rows``
    table rows (``help_rows``: the help's)."""
    action = command.action
    if state.message is not None and state.mode is Mode.NORMAL:
        state = replace(state, message=None)  # any key dismisses a message
    shown = visible_rows(rows, state)
    index = selected_index(state, shown)
    if action is Action.REPAINT:
        return FleetOutcome(state, repaint=True)
    if state.mode is Mode.HELP:
        return FleetOutcome(_help_key(state, action, help_rows))
    if state.mode is Mode.FILTER:
        return FleetOutcome(_filter_key(state, command, rows, shown, index, page_rows))
    if state.mode is Mode.ORDER:
        return FleetOutcome(_order_key(state, action))
    moves = {
        Action.UP: index - 1,
        Action.DOWN: index + 1,
        Action.PAGE_UP: index - max(1, page_rows),
        Action.PAGE_DOWN: index + max(1, page_rows),
        Action.FIRST: 0,
        Action.LAST: len(shown) - 1,
    }
    if action in moves:
        return FleetOutcome(_select(state, shown, moves[action], page_rows))
    if action is Action.QUIT:
        return FleetOutcome(state, quit=True)
    if action is Action.DETAILS:
        if not shown:
            return FleetOutcome(replace(state, message="no instance to open"))
        row = shown[index]
        return FleetOutcome(state, open_instance=row.instance, open_job=row.job or None)
    return FleetOutcome(_normal_key(state, command))


def _normal_key(state: FleetState, command: Command) -> FleetState:
    action = command.action
    position = FLEET_COLUMNS.index(state.sort)
    if action is Action.HELP:
        return replace(state, mode=Mode.HELP, help_top=0)
    if action is Action.FILTER:
        return replace(state, mode=Mode.FILTER, filter_cursor=len(state.filter_text))
    if action is Action.ORDER_MODE:
        return replace(state, mode=Mode.ORDER)
    if action is Action.SORT_LEFT:
        return _sorted_by(state, FLEET_COLUMNS[(position - 1) % len(FLEET_COLUMNS)], False)
    if action is Action.SORT_RIGHT:
        return _sorted_by(state, FLEET_COLUMNS[(position + 1) % len(FLEET_COLUMNS)], False)
    if action is Action.INVERT_SORT:
        return replace(state, descending=not state.descending)
    if action is Action.SORT_SET:
        return _sorted_by(state, FleetColumn(command.text), True)
    if action is Action.CLOSE:
        return replace(state, filter_text="", filter_cursor=0) if state.filter_text else state
    if action is Action.UNKNOWN_KEY:
        help_key = keys_text(state.keymap, "?", "{help}")
        return replace(
            state, message=f"{command.text!r} does nothing here: press {help_key} for help"
        )
    return state


def _help_key(state: FleetState, action: Action, help_rows: int) -> FleetState:
    if action in (Action.CLOSE_HELP, Action.HELP):  # the help's own keys close it
        return replace(state, mode=Mode.NORMAL)
    last = max(0, len(help_lines(state.keymap)) - max(1, help_rows))
    steps = {
        Action.UP: state.help_top - 1,
        Action.DOWN: state.help_top + 1,
        Action.PAGE_UP: state.help_top - max(1, help_rows),
        Action.PAGE_DOWN: state.help_top + max(1, help_rows),
        Action.FIRST: 0,
        Action.LAST: last,
    }
    if action in steps:
        return replace(state, help_top=max(0, min(last, steps[action])))
    return state


def _filter_key(
    state: FleetState,
    command: Command,
    rows: Sequence[FleetRow],
    shown: Sequence[FleetRow],
    index: int,
    page_rows: int,
) -> FleetState:
    action = command.action
    if action is Action.ACCEPT:
        return replace(state, mode=Mode.NORMAL)
    if action is Action.CANCEL:
        return replace(state, mode=Mode.NORMAL, filter_text="", filter_cursor=0, top=0)
    if action in (Action.UP, Action.DOWN):
        return _select(state, shown, index + (-1 if action is Action.UP else 1), page_rows)
    edited = edit_text(state.filter_text, state.filter_cursor, action, command.text)
    new = replace(state, filter_text=edited.text, filter_cursor=edited.cursor, top=0)
    if edited.full:
        new = replace(new, message=full_message("filter"))
    narrowed = visible_rows(rows, new)
    return _select(new, narrowed, selected_index(new, narrowed), page_rows)


def _order_key(state: FleetState, action: Action) -> FleetState:
    position = FLEET_COLUMNS.index(state.sort)
    if action is Action.ORDER_LEFT:
        return _sorted_by(state, FLEET_COLUMNS[(position - 1) % len(FLEET_COLUMNS)], False)
    if action is Action.ORDER_RIGHT:
        return _sorted_by(state, FLEET_COLUMNS[(position + 1) % len(FLEET_COLUMNS)], False)
    if action in (Action.ORDER_CYCLE, Action.CLOSE_MENU, Action.ORDER_MODE):
        return replace(state, mode=Mode.NORMAL)
    return state


def settled(state: FleetState, rows: Sequence[FleetRow], page_rows: int) -> FleetState:
    """After a refresh or a resize: the selection on an instance that is shown (the first when
    it went away), and on the page."""
    shown = visible_rows(rows, state)
    if not shown:
        return replace(state, selected=None, top=0)
    index = selected_index(state, shown)
    return keep_visible(replace(state, selected=shown[index].key), shown, page_rows)
