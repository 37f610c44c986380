"""The disk screen's key handlers (``sot disk``): select a disk, expand or collapse it. They
join ``sot.reducer.HANDLERS``, and like every handler return the next state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sot.disk_view import selected_disk_index, shown_disks
from sot.keys import Action, Command
from sot.state import AppState, Context


def _step(state: AppState, command: Command, context: Context) -> AppState:
    if context.snapshot is None:
        return state
    disks = shown_disks(state, context.snapshot)
    index = selected_disk_index(state, disks)
    if index is None:
        return state
    step = -1 if command.action is Action.DISK_UP else 1
    chosen = max(0, min(len(disks) - 1, index + step))
    return replace(state, disk_selected=disks[chosen].name)


def _toggle(state: AppState, _: Command, context: Context) -> AppState:
    if context.snapshot is None:
        return state
    disks = shown_disks(state, context.snapshot)
    index = selected_disk_index(state, disks)
    if index is None:
        return replace(state, message="no disks to expand")
    name = disks[index].name
    expanded = state.disk_expanded ^ {name}
    return replace(state, disk_selected=name, disk_expanded=expanded)


HANDLERS: dict[Action, Callable[[AppState, Command, Context], AppState]] = {
    Action.DISK_UP: _step,
    Action.DISK_DOWN: _step,
    Action.DISK_TOGGLE: _toggle,
}
