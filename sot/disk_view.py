"""Which disks the disk screen lists, and which one is selected: pure readings of the state
and the snapshot that the disk screen's keys and its renderers share."""

from __future__ import annotations

from sot.model import BlockDiskSample, Snapshot
from sot.state import AppState


def shown_disks(state: AppState, snapshot: Snapshot) -> tuple[BlockDiskSample, ...]:
    """The disks in /sys/block order; loop, zram and ram devices only with --all."""
    return tuple(d for d in snapshot.block_devices if state.disk_show_all or not d.hidden)


def selected_disk_index(state: AppState, disks: tuple[BlockDiskSample, ...]) -> int | None:
    """The selected disk's place in ``disks``: the chosen name, else the first (None: no disks).
    A disk that went away hands the selection to the first, never to a stale index."""
    if not disks:
        return None
    names = [disk.name for disk in disks]
    return names.index(state.disk_selected) if state.disk_selected in names else 0
