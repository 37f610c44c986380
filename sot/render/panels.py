"""The panels as data: each one's name, renderer, minimum size and what it reads.

Adding a panel to the dashboard means a record and a reading in the collector, a renderer, one
entry in ``PANELS`` and one place in a band of ``sot.layout.TIERS``. ``render_frame`` only loops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sot.disk_view import selected_disk_index, shown_disks
from sot.history import History
from sot.keys import Mode
from sot.layout import GPU_SECOND_LINE, shown_lines
from sot.model import CgroupSample, ProcessDetails, Snapshot
from sot.ports_view import sorted_groups, sorted_ports
from sot.render.cells import Block, Line, Role
from sot.render.cpu import render_cpu
from sot.render.disk_tree import render_disk_graphs, render_disk_tree
from sot.render.disks import render_disks
from sot.render.glyphs import Glyphs
from sot.render.gpu import render_gpu
from sot.render.header import render_header
from sot.render.memory import render_memory
from sot.render.network import render_network
from sot.render.ports import (
    DEV_SERVERS_TITLE,
    PORTS_TITLE,
    focus_title,
    render_dev_servers,
    render_ports,
)
from sot.render.processes import TITLE as PROCESSES_TITLE
from sot.render.processes import ProcessTable, RowMemo, render_processes
from sot.render.status import render_status
from sot.render.summary import RATE_LINES, SUMMARY_LINES, render_summary
from sot.state import AppState, absent_panels, selected_interface, selected_mount
from sot.view import ProcessView


@dataclass(frozen=True, slots=True)
class FrameInput:
    snapshot: Snapshot
    history: History
    state: AppState
    view: ProcessView
    details: ProcessDetails | None = None
    interactive: bool = True  # False: one-shot output, no key hints
    screen: str = "dashboard"  # which tier table of sot.layout.SCREENS arranges the panels


@dataclass(slots=True)
class FrameMemo:
    """What the last frame drew, kept by the loop between frames: each panel's block with the
    inputs it was drawn from, and the process table's finished rows. A cache only: a frame is
    the same with or without it."""

    rows: RowMemo = field(default_factory=RowMemo)
    blocks: dict[str, tuple[tuple[object, ...], Block]] = field(default_factory=dict)


# A renderer draws its panel at a size; ``rows`` is the table's row memo (others ignore it).
Renderer = Callable[[FrameInput, int, int, Glyphs, RowMemo | None], Block]


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    render: Renderer
    # What the panel's output depends on besides its size and glyphs: the same readings (by
    # identity or equality) give the same block, so it is not drawn again.
    reads: Callable[[FrameInput], tuple[object, ...]]
    min_width: int = 1
    min_height: int = 1


def _cpu(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    quota = None if snapshot.cgroup is None else snapshot.cgroup.cpu_quota_cores
    return render_cpu(
        snapshot.cpu, data.history, width, height, glyphs, snapshot.host.cpu_model, quota
    )


def _memory(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    return render_memory(
        snapshot.memory, data.history, width, height, glyphs, memory_limit(snapshot)
    )


def memory_limit(snapshot: Snapshot) -> CgroupSample | None:
    """sot's cgroup where it has a memory limit (the memory panel shows it): None otherwise, so
    a cgroup's usage changing under no limit does not redraw the panel."""
    cgroup = snapshot.cgroup
    return cgroup if cgroup is not None and cgroup.memory_limit_bytes is not None else None


def hidden_panels(snapshot: Snapshot) -> frozenset[str]:
    """The panels the snapshot has nothing for (sot.state.absent_panels: the GPU panel on a
    machine without GPUs), and the GPU band's second row where the panel has one line (one GPU,
    or only its reader's message)."""
    absent = absent_panels(snapshot)
    if "gpu" in absent:
        return absent
    lines = len(snapshot.gpus) + (snapshot.gpu_status is not None)
    return absent | {GPU_SECOND_LINE} if lines == 1 else absent


def _gpu(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    return render_gpu(
        snapshot.gpus, snapshot.gpu_status, data.history.gpu_util, width, height, glyphs
    )


def _disks(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    selected = selected_mount(data.state, snapshot)
    return render_disks(
        snapshot.disks, snapshot.disk_total_io, selected, data.history, width, height, glyphs
    )


def _network(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    selected = selected_interface(data.state, data.snapshot)
    return render_network(data.snapshot.interfaces, selected, data.history, width, height, glyphs)


def _processes(
    data: FrameInput, width: int, height: int, glyphs: Glyphs, rows: RowMemo | None
) -> Block:
    state = data.state
    has_selection = state.selected is not None and bool(data.view.rows)
    table = ProcessTable(
        view=data.view,
        counts=data.snapshot.process_counts,
        query=state.query,
        selected_index=state.selected_index if has_selection else None,
        scroll_top=state.scroll_top,
        order_cursor=state.order_cursor if state.mode is Mode.ORDER else None,
        tagged=state.tagged,
        # A source gives groups or processes, never both: the first row says which.
        groups=bool(data.snapshot.processes)
        and data.snapshot.processes[0].group_processes is not None,
        note=data.snapshot.processes_note,
    )
    block = render_processes(table, width, height, glyphs, rows)
    return focus_title(block, PROCESSES_TITLE) if _focused(data, "processes") else block


def _focused(data: FrameInput, panel: str) -> bool:
    """Whether ``panel`` has the focus on a screen of several panels (sot ps; the dashboard's
    graph panels are highlighted by ``focus_highlight``)."""
    return bool(data.state.focus_order) and data.state.focus == panel


# The dashboard's panels Tab can focus, by the title their border shows.
FOCUS_TITLES = {
    "cpu": "cpu",
    "memory": "memory",
    "disks": "disks",
    "network": "net",
    "gpu": "gpu",
}


def focus_highlight(data: FrameInput, name: str, block: Block) -> Block:
    """``block`` with its title highlighted where ``name`` is the dashboard's focused panel
    (Tab; z zooms it). The table, focused by default, is not highlighted there."""
    state = data.state
    if state.focus != name or name not in FOCUS_TITLES or state.focus_order or not block:
        return block
    title = FOCUS_TITLES[name]
    if block[0].text.startswith(title):  # a band of lines (the GPU's), no box: its label
        top = block[0]
        styles = Role.SELECTED * len(title) + top.styles[len(title) :]
        return (Line(top.cells, styles), *block[1:])
    return focus_title(block, title)


def _ports(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    state = data.state
    ports = data.snapshot.ports
    shown = None if ports is None else sorted_ports(ports, state.port_sort, state.port_descending)
    focused = _focused(data, "ports")
    selected = min(state.port_index, len(shown) - 1) if focused and shown else None
    block = render_ports(shown, selected, width, height, glyphs)
    return focus_title(block, PORTS_TITLE) if focused else block


def _dev_servers(
    data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None
) -> Block:
    state = data.state
    groups = data.snapshot.dev_servers
    shown = None if groups is None else sorted_groups(groups, state.dev_sort, state.dev_descending)
    focused = _focused(data, "devservers")
    selected = min(state.dev_index, len(shown) - 1) if focused and shown else None
    block = render_dev_servers(shown, selected, width, height, glyphs)
    return focus_title(block, DEV_SERVERS_TITLE) if focused else block


def _reads_ports(data: FrameInput) -> tuple[object, ...]:
    state = data.state
    return (data.snapshot.ports, state.focus, state.port_index, state.port_sort,
            state.port_descending)  # fmt: skip


def _reads_dev_servers(data: FrameInput) -> tuple[object, ...]:
    state = data.state
    return (data.snapshot.dev_servers, state.focus, state.dev_index, state.dev_sort,
            state.dev_descending)  # fmt: skip


def _shown(
    band: str, lines: tuple[tuple[str, int], ...], data: FrameInput
) -> tuple[tuple[str, int], ...]:
    """A meter band's lines without those of the hidden panels (sot.layout.BAND_LINES)."""
    hidden = data.state.hidden_panels
    if not hidden:
        return lines
    shown = shown_lines(band, hidden)
    return tuple(line for line in lines if line[0] in shown)


def _summary(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    mount = selected_mount(data.state, snapshot)
    interface = selected_interface(data.state, snapshot)
    lines = _shown("summary", SUMMARY_LINES, data)
    return render_summary(snapshot, mount, interface, width, height, glyphs, lines)


def _rates(data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    mount = selected_mount(data.state, snapshot)
    interface = selected_interface(data.state, snapshot)
    lines = _shown("rates", RATE_LINES, data)
    return render_summary(snapshot, mount, interface, width, height, glyphs, lines)


def _reads_summary(data: FrameInput) -> tuple[object, ...]:
    snapshot = data.snapshot
    mount = selected_mount(data.state, snapshot)
    interface = selected_interface(data.state, snapshot)
    limit = memory_limit(snapshot)
    quota = None if snapshot.cgroup is None else snapshot.cgroup.cpu_quota_cores
    return (snapshot.cpu, snapshot.memory, snapshot.disks, snapshot.interfaces, mount, interface,
            limit, quota, data.state.hidden_panels)  # fmt: skip


def _header(data: FrameInput, width: int, _h: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    snapshot = data.snapshot
    return render_header(
        snapshot.host,
        snapshot.wall_epoch_s,
        width,
        glyphs,
        pressure=snapshot.pressure,
        cgroup=snapshot.cgroup,
        fans=snapshot.fans,
        battery=snapshot.battery,
    )


def _reads_header(data: FrameInput) -> tuple[object, ...]:
    snapshot = data.snapshot
    return (
        snapshot.host,
        snapshot.wall_epoch_s,
        snapshot.pressure,
        snapshot.cgroup,
        snapshot.fans,
        snapshot.battery,
    )


def _status(data: FrameInput, width: int, _h: int, glyphs: Glyphs, _: RowMemo | None) -> Block:
    return render_status(data.state, width, glyphs, data.snapshot.source_status)


def _reads_disks(data: FrameInput) -> tuple[object, ...]:
    snapshot, history = data.snapshot, data.history
    selected = selected_mount(data.state, snapshot)
    return (snapshot.disks, snapshot.disk_total_io, selected, history.disk_read, history.disk_write)


def _reads_network(data: FrameInput) -> tuple[object, ...]:
    selected = selected_interface(data.state, data.snapshot)
    return (data.snapshot.interfaces, selected, data.history.net_rx, data.history.net_tx)


def _disk_tree(
    data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None
) -> Block:
    disks = shown_disks(data.state, data.snapshot)
    selected = selected_disk_index(data.state, disks)
    return render_disk_tree(disks, selected, data.state.disk_expanded, width, height, glyphs)


def _disk_graphs(
    data: FrameInput, width: int, height: int, glyphs: Glyphs, _: RowMemo | None
) -> Block:
    disks = shown_disks(data.state, data.snapshot)
    selected = selected_disk_index(data.state, disks)
    disk = None if selected is None else disks[selected]
    return render_disk_graphs(disk, data.history, width, height, glyphs)


def _reads_disk_screen(data: FrameInput) -> tuple[object, ...]:
    state, history = data.state, data.history
    return (
        data.snapshot.block_devices,
        state.disk_selected,
        state.disk_expanded,
        state.disk_show_all,
        history.block_read,
        history.block_util,
    )


PANELS: Mapping[str, Panel] = {
    panel.name: panel
    for panel in (
        Panel("header", _header, _reads_header),
        Panel(
            "cpu",
            _cpu,
            lambda d: (
                d.snapshot.cpu,
                d.snapshot.host.cpu_model,
                d.history.cpu_total,
                None if d.snapshot.cgroup is None else d.snapshot.cgroup.cpu_quota_cores,
            ),
            min_width=20,
            min_height=3,
        ),
        Panel(
            "memory",
            _memory,
            lambda d: (d.snapshot.memory, d.history.memory_used_percent, memory_limit(d.snapshot)),
            min_width=20,
            min_height=3,
        ),
        Panel(
            "gpu",
            _gpu,
            lambda d: (d.snapshot.gpus, d.snapshot.gpu_status, d.history.gpu_util),
            min_width=20,
        ),
        Panel("disks", _disks, _reads_disks, min_width=20, min_height=3),
        Panel("network", _network, _reads_network, min_width=20, min_height=3),
        Panel(
            "processes",
            _processes,
            lambda d: (d.view, d.snapshot.process_counts, d.state, d.snapshot.processes_note),
            min_width=20,
            min_height=3,
        ),
        Panel("summary", _summary, _reads_summary, min_width=20),
        Panel("rates", _rates, _reads_summary, min_width=20),
        Panel("status", _status, lambda d: (d.state, d.snapshot.source_status)),
        Panel("disk_tree", _disk_tree, _reads_disk_screen, min_width=20, min_height=3),
        Panel("disk_graphs", _disk_graphs, _reads_disk_screen, min_width=20, min_height=3),
        Panel("ports", _ports, _reads_ports, min_width=20, min_height=3),
        Panel("devservers", _dev_servers, _reads_dev_servers, min_width=20, min_height=3),
    )
}


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    return len(old) == len(new) and all(a is b or a == b for a, b in zip(old, new, strict=True))


def render_panel(
    panel: Panel, data: FrameInput, width: int, height: int, glyphs: Glyphs, memo: FrameMemo | None
) -> Block:
    """The panel's block, from ``memo`` when nothing it reads has changed since it was drawn."""
    if memo is None:
        return panel.render(data, width, height, glyphs, None)
    key = (width, height, glyphs, *panel.reads(data))
    remembered = memo.blocks.get(panel.name)
    if remembered is not None and _same(remembered[0], key):
        return remembered[1]
    block = panel.render(data, width, height, glyphs, memo.rows)
    memo.blocks[panel.name] = (key, block)
    return block
