"""What the user has chosen, as a frozen value changed only by ``reduce``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sot.config import MAX_INTERVAL_S, MIN_INTERVAL_S
from sot.keys import Action
from sot.model import Snapshot

INTERVAL_STEPS_S = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


@dataclass(frozen=True, slots=True)
class AppState:
    interval_s: float = 1.0
    paused: bool = False
    show_help: bool = False
    interface: str | None = None  # None: follow the default-route interface
    mount_point: str | None = None  # None: "/" if present, else the first filesystem
    message: str | None = None


def _next_interval(current: float, slower: bool) -> float:
    if slower:
        return next((s for s in INTERVAL_STEPS_S if s > current + 1e-9), MAX_INTERVAL_S)
    return next((s for s in reversed(INTERVAL_STEPS_S) if s < current - 1e-9), MIN_INTERVAL_S)


def _cycle(choices: Sequence[str], current: str | None) -> str | None:
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + 1) % len(choices)]


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


def reduce(state: AppState, action: Action, snapshot: Snapshot | None) -> AppState:
    """The state after ``action``. Quit and repaint are the loop's business, not state."""
    if action is Action.TOGGLE_HELP:
        return replace(state, show_help=not state.show_help)
    if action is Action.CLOSE:
        return replace(state, show_help=False, message=None)
    if action is Action.TOGGLE_PAUSE:
        # While paused the status line says PAUSED itself; resuming is worth a short note.
        paused = not state.paused
        return replace(state, paused=paused, message=None if paused else "resumed")
    if action in (Action.SLOWER, Action.FASTER):
        interval = _next_interval(state.interval_s, action is Action.SLOWER)
        return replace(state, interval_s=interval, message=f"interval {interval:g}s")
    if snapshot is not None and action is Action.NEXT_INTERFACE:
        names = [i.name for i in snapshot.interfaces]
        chosen = _cycle(names, selected_interface(state, snapshot))
        return replace(state, interface=chosen, message=f"network: {chosen}")
    if snapshot is not None and action is Action.NEXT_DISK:
        mounts = [d.mount_point for d in snapshot.disks]
        chosen = _cycle(mounts, selected_mount(state, snapshot))
        return replace(state, mount_point=chosen, message=f"disk: {chosen}")
    return state
