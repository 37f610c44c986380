"""The disk screen's panels: the disks as a tree (partitions, filesystems, holders, as lsblk
shows them) and the selected disk's history graphs and iostat figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sot.history import History
from sot.model import BlockDiskSample, BlockPartitionSample
from sot.render.box import open_box
from sot.render.cells import Block, Canvas, Role, sanitize
from sot.render.glyphs import Glyphs
from sot.render.graph import graph_rows, visible_samples
from sot.render.meters import bar, level_role
from sot.render.rates import draw_rate_pair
from sot.render.text import Field, field, put_fields
from sot.render.units import human_bytes, human_rate, percent


@dataclass(frozen=True, slots=True)
class TreeRow:
    fields: tuple[Field, ...]
    disk_index: int  # which disk the row belongs to: the selected one's rows are highlighted
    is_disk: bool


def _kind(disk: BlockDiskSample) -> str:
    if disk.rotational is None:
        return "-"
    return "HDD" if disk.rotational else "SSD"


def _disk_fields(disk: BlockDiskSample, expanded: bool, glyphs: Glyphs) -> tuple[Field, ...]:
    has_children = bool(disk.partitions or disk.filesystem or disk.slaves or disk.holders)
    closed, opened = ("+", "-") if glyphs.ascii_only else ("▸", "▾")
    marker = (opened if expanded else closed) if has_children else " "
    rates = f" r {human_rate(disk.read_bytes_per_s)} w {human_rate(disk.write_bytes_per_s)}"
    return (
        field((f"{marker} {sanitize(disk.name, glyphs.ascii_only):<8}", Role.TITLE)),
        field((f" {human_bytes(disk.size_bytes):>6}", Role.VALUE)),
        field((f" {_kind(disk)}", Role.DIM), rank=3),
        field((f" util {percent(disk.util_percent, 0):>4}", Role.VALUE), rank=1),
        field((rates, Role.VALUE), rank=2),
        field(
            (f"  {sanitize(disk.model or '', glyphs.ascii_only)}", Role.DIM), rank=4, cuttable=True
        ),
    )


def _filesystem_fields(
    part: BlockPartitionSample, branch: str, glyphs: Glyphs, width: int
) -> tuple[Field, ...]:
    used, total = part.used_bytes, part.total_bytes
    share = 100.0 * used / total if used is not None and total else None
    mounts = ",".join(part.mount_points) or "-"
    holders = f" > {','.join(part.holders)}" if part.holders else ""
    label = f"{branch}{part.name}"
    bar_width = max(3, min(12, width // 6))
    return (
        field((sanitize(label, glyphs.ascii_only), Role.LABEL)),
        field((f" {human_bytes(part.size_bytes):>6}", Role.VALUE), rank=2),
        field((f" {part.fstype or '-'}", Role.DIM), rank=3),
        field((f" {sanitize(mounts, glyphs.ascii_only)}", Role.NORMAL), cuttable=True, rank=4),
        field((f" {bar(share, bar_width, glyphs)}", level_role(share, 80.0, 95.0)), rank=5),
        field((f" {human_bytes(used)}/{human_bytes(total)}", Role.VALUE), rank=6),
        field((sanitize(holders, glyphs.ascii_only), Role.DIM), rank=1),
    )


def tree_rows(
    disks: Sequence[BlockDiskSample], expanded: frozenset[str], glyphs: Glyphs, width: int
) -> list[TreeRow]:
    """Each disk's row, then (when expanded) its partitions, a filesystem on the whole disk,
    and what it is built on (md and dm slaves)."""
    middle, last = ("|-", "`-") if glyphs.ascii_only else ("├─", "└─")
    rows: list[TreeRow] = []
    for index, disk in enumerate(disks):
        is_open = disk.name in expanded
        rows.append(TreeRow(_disk_fields(disk, is_open, glyphs), index, True))
        if not is_open:
            continue
        children: list[tuple[Field, ...] | BlockPartitionSample] = list(disk.partitions)
        if disk.filesystem is not None:
            children.append(disk.filesystem)
        if disk.slaves:
            children.append((field((f"on {', '.join(disk.slaves)}", Role.DIM), cuttable=True),))
        if disk.holders:
            children.append((field((f"holds {', '.join(disk.holders)}", Role.DIM), cuttable=True),))
        for number, child in enumerate(children):
            branch = "  " + (last if number == len(children) - 1 else middle)
            if isinstance(child, BlockPartitionSample):
                fields = _filesystem_fields(child, branch, glyphs, width)
            else:
                fields = (field((branch, Role.DIM)), *child)
            rows.append(TreeRow(fields, index, False))
    return rows


def render_disk_tree(
    disks: Sequence[BlockDiskSample],
    selected: int | None,
    expanded: frozenset[str],
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    canvas, inner = open_box(width, height, "disks", glyphs, f"{len(disks)} shown")
    if inner is None:
        return canvas.block()
    if not disks:
        canvas.put(inner.y, inner.x, "no disks found"[: inner.width], Role.DIM)
        return canvas.block()
    rows = tree_rows(disks, expanded, glyphs, inner.width)
    first = next((i for i, row in enumerate(rows) if row.disk_index == selected), 0)
    top = max(0, first - inner.height + 1)  # scroll so the selected disk's row is on screen
    for offset, row in enumerate(rows[top : top + inner.height]):
        y = inner.y + offset
        put_fields(canvas, y, inner.x, inner.width, list(row.fields), glyphs)
        if row.is_disk and row.disk_index == selected:
            canvas.restyle(y, inner.x, inner.width, Role.SELECTED)
    return canvas.block()


def _figures(disk: BlockDiskSample) -> list[Field]:
    def per_s(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}/s"

    wait = "-" if disk.await_ms is None else f"{disk.await_ms:.2f} ms"
    return [
        field((f"{disk.name} ", Role.TITLE), cuttable=True),
        field((f"util {percent(disk.util_percent, 0)}", level_role(disk.util_percent))),
        field((f"  await {wait}", Role.VALUE)),
        field((f"  r {per_s(disk.read_iops)}", Role.RX), rank=1),
        field((f"  w {per_s(disk.write_iops)}", Role.TX), rank=1),
    ]


def render_disk_graphs(
    disk: BlockDiskSample | None, history: History, width: int, height: int, glyphs: Glyphs
) -> Block:
    """The selected disk: a line of iostat figures, read and write graphs, a util% graph."""
    title = "disk" if disk is None else f"disk {sanitize(disk.name, glyphs.ascii_only)}"
    canvas, inner = open_box(width, height, title, glyphs)
    if inner is None:
        return canvas.block()
    if disk is None:
        canvas.put(inner.y, inner.x, "no disk selected"[: inner.width], Role.DIM)
        return canvas.block()
    put_fields(canvas, inner.y, inner.x, inner.width, _figures(disk), glyphs)
    rest = inner.height - 1
    util_rows = rest // 3 if rest >= 3 else 0
    pair_rows = rest - util_rows
    draw_rate_pair(
        canvas,
        inner.y + 1,
        inner.x,
        inner.width,
        pair_rows,
        ("read", history.block_read.get(disk.name, ()), Role.RX),
        ("write", history.block_write.get(disk.name, ()), Role.TX),
        glyphs,
    )
    if util_rows:
        _draw_util(
            canvas, inner.bottom - util_rows, inner.x, inner.width, util_rows, history, disk, glyphs
        )
    return canvas.block()


def _draw_util(
    canvas: Canvas,
    top: int,
    left: int,
    width: int,
    rows: int,
    history: History,
    disk: BlockDiskSample,
    glyphs: Glyphs,
) -> None:
    series = history.block_util.get(disk.name, ())[-visible_samples(width, glyphs) :]
    for offset, text in enumerate(graph_rows(series, width, rows, 100.0, glyphs)):
        canvas.put(top + offset, left, text, Role.CPU)
    put_fields(canvas, top, left, width, [field(("util %", Role.DIM))], glyphs)
