"""How each command changes the state: a table from action to handler, each returning the new
state and the ``Reaction`` flags the loop must carry out (as htop's actions return reaction
flags). Pure: the state, one command and the data on screen (and the loop's clock) in; nothing
read, nothing sent. The search's handlers are in ``sot.search``, the signal keys' in
``sot.signal_keys``, the tag and renice keys' in ``sot.tag_keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import Flag, auto

from sot import disk_keys, panel_focus, search, signal_keys, tag_keys
from sot.actions import SIGNAL_CHOICES
from sot.config import MAX_INTERVAL_S, MIN_INTERVAL_S
from sot.key_help import NO_KEY, help_lines, said_key
from sot.keys import Action, Command, Mode
from sot.layout import screen_panels
from sot.prompt import MAX_PROMPT_CHARS, edit_text, full_message
from sot.sorting import SORT_ORDER, SortKey
from sot.state import (
    AppState,
    Context,
    absent_panels,
    back_mode,
    current_index,
    follow_selection,
    keep_visible,
    select,
    selected_interface,
    selected_mount,
    user_choices,
)

INTERVAL_STEPS_S = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
# First press of a sort shortcut: biggest first for amounts, A-Z / lowest first for names and IDs.
DESCENDING_FIRST = frozenset(
    {
        SortKey.CPU,
        SortKey.MEMORY,
        SortKey.TIME,
        SortKey.THREADS,
        SortKey.START,
        SortKey.READ,
        SortKey.WRITE,
    }
)
MAX_FILTER_CHARS = MAX_PROMPT_CHARS
FILTER_FULL_MESSAGE = full_message("filter")
HELP_HINT_MESSAGE = "press ? for help"  # with the default keys: help_hint() says the key in force
THREADS_MESSAGE = "the table lists processes, not threads: none to hide"
# What acts on the selected process itself. A process-exporter group (another host's processes
# of one name, through Prometheus) has no PID: these are refused on it with one line, before any
# handler runs, so nothing is signalled, reniced, tagged or read here for it.
PID_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.DETAILS,
        Action.KILL,
        Action.TERMINATE,
        Action.SIGNAL_MENU,
        Action.TAG,
        Action.TAG_TREE,
        Action.NICE_HIGHER_PRIORITY,
        Action.NICE_LOWER_PRIORITY,
    }
)
GROUP_MESSAGE = (
    "a process-exporter group is not a process: no PID to signal, renice, tag or show details of"
)


class Reaction(Flag):
    """What the loop must do after a command, besides drawing the next frame (as htop's
    actions return reaction flags): the loop carries these out and compares nothing itself."""

    NONE = 0
    QUIT = auto()
    REPAINT = auto()  # send the whole screen again (Ctrl-L)
    REBUILD_VIEW = auto()  # the filter, sort or tree changed: rebuild the process view
    RESCHEDULE = auto()  # the interval changed: the next sample moves
    SAMPLE_NOW = auto()  # sampling resumed
    SHOW_MESSAGE = auto()  # a new message: it expires a few seconds from now
    OPEN_DETAILS = auto()  # read the details of state.details
    CLOSE_DETAILS = auto()  # forget the details read
    SEND_SIGNAL = auto()  # send state.pending_signal, or state.pending_batch
    RENICE = auto()  # renice state.pending_renice


def _next_interval(current: float, slower: bool) -> float:
    if slower:
        return next((s for s in INTERVAL_STEPS_S if s > current + 1e-9), MAX_INTERVAL_S)
    return next((s for s in reversed(INTERVAL_STEPS_S) if s < current - 1e-9), MIN_INTERVAL_S)


def _interval_words(seconds: float) -> str:
    """0.2 s, 1 h: as a person says it."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


def _cycle(choices: Sequence[str], current: str | None) -> str | None:
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]


def _sort_by(state: AppState, key: SortKey, flip: bool = True) -> AppState:
    """Sort by ``key``: its usual direction the first time; ``flip``: pressed again, the other."""
    query = state.query
    if query.sort_key is key and flip:
        query = replace(query, descending=not query.descending)
    else:
        query = replace(query, sort_key=key, descending=key in DESCENDING_FIRST)
    return replace(state, query=query, order_cursor=key)


def _cycle_order(state: AppState) -> AppState:
    """Enter in order-by mode: descending, then ascending, then off, for the highlighted column."""
    query, key = state.query, state.order_cursor
    if query.sort_key is not key:
        query = replace(query, sort_key=key, descending=True)
    elif query.descending:
        query = replace(query, descending=False)
    else:
        query = replace(query, sort_key=None, descending=False)
    return replace(state, query=query)


def _edit_filter(state: AppState, action: Action, argument: str) -> AppState:
    edited = edit_text(state.query.text, state.filter_cursor, action, argument)
    if edited.full:
        state = replace(state, message=FILTER_FULL_MESSAGE)
    query = replace(state.query, text=edited.text)
    return replace(state, query=query, filter_cursor=edited.cursor)


_MOVE_ACTIONS = (
    Action.UP,
    Action.DOWN,
    Action.PAGE_UP,
    Action.PAGE_DOWN,
    Action.FIRST,
    Action.LAST,
)
_TEXT_ACTIONS = frozenset(
    {
        Action.TEXT_INSERT,
        Action.TEXT_BACKSPACE,
        Action.TEXT_DELETE_WORD,
        Action.TEXT_CLEAR,
        Action.TEXT_LEFT,
        Action.TEXT_RIGHT,
        Action.TEXT_HOME,
        Action.TEXT_END,
    }
)


def _menu_length(state: AppState, context: Context) -> int:
    if state.mode is Mode.USER_MENU:
        return len(user_choices(context.snapshot))
    return len(SIGNAL_CHOICES)


def _accept_menu(state: AppState, context: Context) -> AppState:
    if state.mode is Mode.USER_MENU:
        choices = user_choices(context.snapshot)
        user = choices[min(state.menu_index, len(choices) - 1)]
        query = replace(state.query, user=user)
        return replace(state, mode=Mode.NORMAL, query=query, message=f"user: {user or 'all'}")
    return signal_keys.accept_signal_menu(state, context)


def _targets(index: int, page: int, last: int) -> dict[Action, int]:
    return {
        Action.UP: index - 1,
        Action.DOWN: index + 1,
        Action.PAGE_UP: index - page,
        Action.PAGE_DOWN: index + page,
        Action.FIRST: 0,
        Action.LAST: last,
    }


def _help_top_limit(state: AppState, context: Context) -> int:
    lines = help_lines(state.read_only, state.home_mode, state.keymap)
    return max(0, len(lines) - max(1, context.help_rows))


def _move(state: AppState, context: Context, action: Action) -> AppState:
    if state.mode is Mode.HELP:  # the same keys scroll the help
        limit = _help_top_limit(state, context)
        top = _targets(state.help_top, max(1, context.help_rows), limit)[action]
        return replace(state, help_top=max(0, min(top, limit)))
    if context.page_rows <= 0 and action in (Action.PAGE_UP, Action.PAGE_DOWN):
        return state  # the table is not on screen: no page to move by
    index = current_index(state, context.view)
    targets = _targets(index, max(1, context.page_rows), len(context.view.rows) - 1)
    return keep_visible(
        select(state, context.view, targets[action]), len(context.view.rows), context.page_rows
    )


Handler = Callable[[AppState, Command, Context], AppState | tuple[AppState, Reaction]]


def _scroll_details(state: AppState, command: Command, context: Context) -> AppState:
    """Move the details view's window; it stops with its last row at the bottom."""
    page = max(1, context.details_rows)
    last = max(0, context.details_total - context.details_rows)
    targets = {
        Action.SCROLL_UP: state.details_top - 1,
        Action.SCROLL_DOWN: state.details_top + 1,
        Action.SCROLL_PAGE_UP: state.details_top - page,
        Action.SCROLL_PAGE_DOWN: state.details_top + page,
        Action.SCROLL_TOP: 0,
        Action.SCROLL_BOTTOM: last,
    }
    return replace(state, details_top=max(0, min(targets[command.action], last)))


def _confirm_yes(state: AppState, _: Command, __: Context) -> tuple[AppState, Reaction]:
    return replace(state, mode=back_mode(state)), Reaction.SEND_SIGNAL


def _confirm_no(state: AppState, _: Command, __: Context) -> AppState:
    return replace(
        state, mode=back_mode(state), pending_signal=None, pending_batch=(), message="cancelled"
    )


def _open_details(
    state: AppState, command: Command, context: Context
) -> AppState | tuple[AppState, Reaction]:
    if state.mode is Mode.DETAILS:  # the key that opened the details closes them
        return _close(state, command, context)
    if state.selected is None or not context.view.rows:
        return replace(state, message="no process selected")
    opened = replace(state, mode=Mode.DETAILS, details=state.selected, details_top=0)
    return opened, Reaction.OPEN_DETAILS


def _signal_menu(state: AppState, command: Command, context: Context) -> AppState:
    if state.mode is Mode.SIGNAL_MENU:  # s again: closed
        return _close(state, command, context)
    return signal_keys.open_signal_menu(state, command, context)


def _menu_step(state: AppState, command: Command, context: Context) -> AppState:
    step = -1 if command.action is Action.MENU_UP else 1
    index = (state.menu_index + step) % max(1, _menu_length(state, context))
    return replace(state, menu_index=index, signal_digits="")


def _accept(state: AppState, _: Command, context: Context) -> AppState:
    if state.mode is Mode.FILTER:
        return replace(state, mode=Mode.NORMAL)
    if state.mode is Mode.SEARCH:
        return search.accept_search(state)
    return _accept_menu(state, context)


def _toggle_help(state: AppState, _: Command, __: Context) -> AppState:
    if state.mode is Mode.HELP:
        return replace(state, mode=back_mode(state))
    return replace(state, mode=Mode.HELP, help_top=0)


def _close(state: AppState, _: Command, __: Context) -> AppState:
    if state.mode is Mode.NORMAL:
        if state.zoomed is not None:  # the screen first, then what it shows
            return replace(state, zoomed=None, message=None)
        if state.search:  # the newer, lighter choice goes first
            return replace(state, search="", search_cursor=0, message="search cleared")
        return replace(state, query=replace(state.query, text=""), message=None)
    if state.mode is Mode.DETAILS:
        return replace(state, mode=Mode.NORMAL, details=None)
    if state.mode in (Mode.SIGNAL_MENU, Mode.CONFIRM):
        return replace(
            state, mode=back_mode(state), pending_signal=None, pending_batch=(), signal_digits=""
        )
    return replace(state, mode=back_mode(state))


def _cancel(state: AppState, _: Command, __: Context) -> AppState:
    if state.mode is Mode.SEARCH:
        return search.cancel_search(state)
    return replace(state, mode=Mode.NORMAL, query=replace(state.query, text=""), filter_cursor=0)


def _toggle_pause(state: AppState, _: Command, __: Context) -> AppState:
    # While paused the status line says PAUSED itself; resuming is worth a short note.
    paused = not state.paused
    return replace(state, paused=paused, message=None if paused else "resumed")


def _change_interval(state: AppState, command: Command, _: Context) -> AppState:
    slower = command.action is Action.SLOWER
    interval = _next_interval(state.interval_s, slower)
    if abs(interval - state.interval_s) < 1e-9:
        limit = "longest" if slower else "shortest"
        return replace(
            state, message=f"already at the {limit} interval ({_interval_words(interval)})"
        )
    return replace(state, interval_s=interval, message=f"interval {interval:g}s")


def _order_mode(state: AppState, command: Command, context: Context) -> AppState:
    if state.mode is Mode.ORDER:  # o again: done
        return _close(state, command, context)
    return replace(state, mode=Mode.ORDER, order_cursor=state.query.sort_key or SortKey.CPU)


def _order_step(state: AppState, command: Command, _: Context) -> AppState:
    step = -1 if command.action is Action.ORDER_LEFT else 1
    index = (SORT_ORDER.index(state.order_cursor) + step) % len(SORT_ORDER)
    return replace(state, order_cursor=SORT_ORDER[index])


def _sort_command(state: AppState, command: Command, _: Context) -> AppState:
    if command.sort_key is None:
        return state
    return _sort_by(state, command.sort_key, flip=command.action is Action.SORT_BY)


def _sort_neighbour(state: AppState, command: Command, _: Context) -> AppState:
    """< and >: sort by the column left or right of the current one (wrapping around)."""
    step = -1 if command.action is Action.SORT_LEFT else 1
    current = SORT_ORDER.index(state.query.sort_key or SortKey.CPU)
    return _sort_by(state, SORT_ORDER[(current + step) % len(SORT_ORDER)], flip=False)


def _invert_sort(state: AppState, _: Command, __: Context) -> AppState:
    # Unsorted is PID order, lowest first: inverted, highest first.
    query = state.query
    if query.sort_key is None:
        return replace(state, query=replace(query, sort_key=SortKey.PID, descending=True))
    return replace(state, query=replace(query, descending=not query.descending))


def _hide_threads(state: AppState, _: Command, __: Context) -> AppState:
    # htop's H hides threads; sot's table has one row per process, so say so rather than
    # do nothing silently.
    return replace(state, message=THREADS_MESSAGE)


def _toggle_kernel_threads(state: AppState, _: Command, __: Context) -> AppState:
    shown = not state.query.kernel_threads
    message = "kernel threads shown" if shown else "kernel threads hidden"
    return replace(state, query=replace(state.query, kernel_threads=shown), message=message)


def _unknown_key(state: AppState, _: Command, __: Context) -> AppState:
    if state.help_hinted:
        return state  # said once: a stray key should not keep covering the status line
    return replace(state, message=help_hint(state), help_hinted=True)


def help_hint(state: AppState) -> str:
    """ "press ? for help", with the help's key in force (``sot --help`` where it has none)."""
    key = said_key(state.keymap, "help")
    return "unknown key: sot --help lists them" if key == NO_KEY else f"press {key} for help"


def _start_filter(state: AppState, _: Command, __: Context) -> AppState:
    return replace(state, mode=Mode.FILTER, filter_cursor=len(state.query.text))


def _user_menu(state: AppState, command: Command, context: Context) -> AppState:
    if state.mode is Mode.USER_MENU:  # u again: closed
        return _close(state, command, context)
    choices = user_choices(context.snapshot)
    index = choices.index(state.query.user) if state.query.user in choices else 0
    return replace(state, mode=Mode.USER_MENU, menu_index=index)


def _toggle_command(state: AppState, _: Command, __: Context) -> AppState:
    command_line = not state.query.command_line
    message = "showing command lines" if command_line else "showing names"
    return replace(state, query=replace(state.query, command_line=command_line), message=message)


def _toggle_tree(state: AppState, _: Command, __: Context) -> AppState:
    tree = not state.query.tree
    message = "tree view" if tree else "list view"
    return replace(state, query=replace(state.query, tree=tree), message=message)


def _next_interface(state: AppState, _: Command, context: Context) -> AppState:
    snapshot = context.snapshot
    if snapshot is None:
        return state
    chosen = _cycle([i.name for i in snapshot.interfaces], selected_interface(state, snapshot))
    return replace(state, interface=chosen, message=f"network: {chosen}")


def _next_disk(state: AppState, _: Command, context: Context) -> AppState:
    snapshot = context.snapshot
    if snapshot is None:
        return state
    chosen = _cycle([d.mount_point for d in snapshot.disks], selected_mount(state, snapshot))
    return replace(state, mount_point=chosen, message=f"disk: {chosen}")


def _signal_sent(state: AppState, command: Command, _: Context) -> AppState:
    return replace(state, pending_signal=None, pending_batch=(), message=command.text)


def _renice(state: AppState, command: Command, context: Context) -> tuple[AppState, Reaction]:
    new = tag_keys.renice_key(state, command, context)
    return new, Reaction.RENICE if new.pending_renice is not None else Reaction.NONE


def _first_key(state: AppState, name: str) -> str:
    return said_key(state.keymap, name)


def _toggle_panel(state: AppState, command: Command, context: Context) -> AppState:
    """A number key: hide the panel, or show it again (the dashboard's panels only). The focus
    leaves a panel that goes. A panel with nothing to show (no GPUs) stays as it is."""
    panel = command.text
    if state.screen != "dashboard":
        return replace(state, message="number keys show and hide the dashboard's panels")
    if panel in absent_panels(context.snapshot):
        return replace(state, message=f"no {panel} panel: no GPUs to show")
    key = _first_key(state, f"toggle-panel-{panel}")
    if panel in state.hidden_panels:
        return replace(state, hidden_panels=state.hidden_panels - {panel}, message=f"{panel} shown")
    hidden = state.hidden_panels | {panel}
    # The focus and the zoom leave a panel that goes: to the first panel still shown.
    zoomed = None if state.zoomed == panel else state.zoomed
    after = replace(state, hidden_panels=hidden, zoomed=zoomed)
    shown = panel_focus.dashboard_focus_order(after, context)
    focus = state.focus if state.focus not in hidden else next(iter(shown), "processes")
    return replace(
        state,
        hidden_panels=hidden,
        focus=focus,
        zoomed=zoomed,
        message=f"{panel} hidden ({key} shows it)",
    )


def _zoom(state: AppState, _: Command, __: Context) -> AppState:
    """z: the focused panel takes every row between the header and the status line; again,
    the screen comes back."""
    if state.zoomed is not None:
        return replace(state, zoomed=None, message=None)
    panels = screen_panels(state.screen)
    if not panels:
        return state
    panel = state.focus if state.focus in panels else panels[0]
    return replace(
        state,
        zoomed=panel,
        message=panel_focus.zoom_message(state, panel),
    )


def _message_expired(state: AppState, _: Command, __: Context) -> AppState:
    return replace(state, message=None)


def _view_changed(state: AppState, _: Command, context: Context) -> AppState:
    if context.snapshot is not None:
        state = follow_selection(state, context.view, context.snapshot, context.now_s)
        state = tag_keys.prune_tags(state, context.snapshot)
    return keep_visible(state, len(context.view.rows), context.page_rows)


def _resized(state: AppState, _: Command, context: Context) -> AppState:
    state = replace(state, help_top=min(state.help_top, _help_top_limit(state, context)))
    return keep_visible(state, len(context.view.rows), context.page_rows)


def _move_command(state: AppState, command: Command, context: Context) -> AppState:
    return _move(state, context, command.action)


def _edit_command(state: AppState, command: Command, context: Context) -> AppState:
    if state.mode is Mode.SEARCH:
        return search.edit_search(state, command, context)
    if state.mode is Mode.SIGNAL_MENU:
        return signal_keys.type_signal_number(state, command)
    return _edit_filter(state, command.action, command.text)


def _reacting(reaction: Reaction) -> Handler:
    return lambda state, _, __: (state, reaction)


HANDLERS: dict[Action, Handler] = {
    Action.QUIT: _reacting(Reaction.QUIT),
    Action.REPAINT: _reacting(Reaction.REPAINT),
    **dict.fromkeys(_MOVE_ACTIONS, _move_command),
    **dict.fromkeys(_TEXT_ACTIONS, _edit_command),
    Action.CONFIRM_YES: _confirm_yes,
    Action.CONFIRM_NO: _confirm_no,
    Action.DETAILS: _open_details,
    Action.KILL: signal_keys.signal_key,
    Action.TERMINATE: signal_keys.signal_key,
    Action.SIGNAL_MENU: _signal_menu,
    Action.TAG: tag_keys.tag,
    Action.TAG_TREE: tag_keys.tag_tree,
    Action.UNTAG_ALL: tag_keys.untag_all,
    Action.NICE_HIGHER_PRIORITY: _renice,
    Action.NICE_LOWER_PRIORITY: _renice,
    Action.RENICED: tag_keys.reniced,
    Action.MENU_UP: _menu_step,
    Action.MENU_DOWN: _menu_step,
    Action.ACCEPT: _accept,
    Action.HELP: _toggle_help,
    **dict.fromkeys(
        (Action.CLOSE, Action.CLOSE_HELP, Action.CLOSE_MENU, Action.CLOSE_DETAILS), _close
    ),
    Action.CANCEL: _cancel,
    Action.TOGGLE_PAUSE: _toggle_pause,
    Action.SLOWER: _change_interval,
    Action.FASTER: _change_interval,
    Action.ORDER_MODE: _order_mode,
    Action.ORDER_LEFT: _order_step,
    Action.ORDER_RIGHT: _order_step,
    Action.ORDER_CYCLE: lambda state, _, __: _cycle_order(state),
    Action.SORT_BY: _sort_command,
    Action.SORT_SET: _sort_command,
    Action.SORT_LEFT: _sort_neighbour,
    Action.SORT_RIGHT: _sort_neighbour,
    Action.INVERT_SORT: _invert_sort,
    Action.HIDE_THREADS: _hide_threads,
    Action.TOGGLE_KERNEL_THREADS: _toggle_kernel_threads,
    Action.FILTER: _start_filter,
    Action.SEARCH: search.start_search,
    Action.SEARCH_NEXT: search.search_step,
    Action.SEARCH_PREVIOUS: search.search_step,
    Action.USER_MENU: _user_menu,
    Action.TOGGLE_COMMAND: _toggle_command,
    Action.TOGGLE_TREE: _toggle_tree,
    Action.NEXT_INTERFACE: _next_interface,
    Action.NEXT_DISK: _next_disk,
    Action.UNKNOWN_KEY: _unknown_key,
    **disk_keys.HANDLERS,
    Action.SIGNAL_SENT: _signal_sent,
    Action.MESSAGE_EXPIRED: _message_expired,
    Action.VIEW_CHANGED: _view_changed,
    Action.RESIZED: _resized,
    Action.NEXT_PANEL: panel_focus.next_panel,
    Action.TOGGLE_PANEL: _toggle_panel,
    Action.ZOOM: _zoom,
    **dict.fromkeys(
        (
            Action.SCROLL_UP,
            Action.SCROLL_DOWN,
            Action.SCROLL_PAGE_UP,
            Action.SCROLL_PAGE_DOWN,
            Action.SCROLL_TOP,
            Action.SCROLL_BOTTOM,
        ),
        _scroll_details,
    ),
}


def _consequences(before: AppState, after: AppState) -> Reaction:
    """What any change of these fields asks of the loop, whichever command made it."""
    reaction = Reaction.NONE
    if after.query is not before.query:
        reaction |= Reaction.REBUILD_VIEW
    if after.interval_s != before.interval_s:
        reaction |= Reaction.RESCHEDULE
    if before.paused and not after.paused:
        reaction |= Reaction.SAMPLE_NOW
    if after.message and after.message != before.message:
        reaction |= Reaction.SHOW_MESSAGE
    if before.details is not None and after.details is None:
        reaction |= Reaction.CLOSE_DETAILS
    return reaction


def _refused_on_group(state: AppState, command: Command, context: Context) -> AppState | None:
    """The state saying why, where ``command`` would act on a selected process-exporter group."""
    if command.action not in PID_ACTIONS or state.mode is not Mode.NORMAL:
        return None
    index = context.view.index_of(state.selected)
    if index is None or context.view.rows[index].process.group_processes is None:
        return None
    return replace(state, message=GROUP_MESSAGE)


def reduce(state: AppState, command: Command, context: Context) -> tuple[AppState, Reaction]:
    """The state after ``command``, and what the loop must do about it."""
    # On a screen of several panels (sot ps), the focused one takes its keys first.
    routed = panel_focus.route(state, command, context)
    if routed is None:
        routed = _refused_on_group(state, command, context)
    result = routed if routed is not None else HANDLERS[command.action](state, command, context)
    new, reaction = result if isinstance(result, tuple) else (result, Reaction.NONE)
    return new, reaction | _consequences(state, new)
