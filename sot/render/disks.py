"""Disks panel: a usage bar per real filesystem, then the selected one's read/write history."""

from __future__ import annotations

from collections.abc import Sequence

from sot.history import History
from sot.model import DiskUsage, IoRate
from sot.render.box import open_box
from sot.render.cells import Block, Role, display_width, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.meters import bar, level_role
from sot.render.rates import draw_rate_pair
from sot.render.text import Field, field, put_fields
from sot.render.units import human_bytes, human_rate, milliseconds, percent

MIN_BAR_WITH_LATENCY = 8  # the bar keeps at least this many cells when await and util join it


def _latency_field(io: IoRate) -> Field:
    """iostat -x's await and %util of the device behind the filesystem, fixed width so the
    rows line up and nothing shifts from tick to tick."""
    return field(
        ("  await ", Role.DIM),
        (f"{milliseconds(io.await_ms):<6}", Role.VALUE),
        (" util ", Role.DIM),
        (f"{percent(io.util_percent, 0):>4}", level_role(io.util_percent)),
        rank=2,
    )


LATENCY_WIDTH = len("  await 12.3ms util 100%")


def _usage_line(disk: DiskUsage, label_width: int, width: int, glyphs: Glyphs) -> list[Field]:
    """Mount point, usage bar and percentage; the amounts, then the device's await and util,
    when there is room for them whole (the latency goes first when narrow)."""
    mount = pad(
        sanitize(disk.mount_point, glyphs.ascii_only), label_width, ellipsis=glyphs.ellipsis
    )
    share = f" {percent(disk.percent, 0):>4}"
    amounts = f" {human_bytes(disk.used_bytes):>6}/{human_bytes(disk.total_bytes):<6}"
    room = width - label_width - 1 - len(share)
    bar_width = max(3, room - len(amounts) if room - len(amounts) >= 3 else room)
    with_latency = room - len(amounts) - LATENCY_WIDTH >= MIN_BAR_WITH_LATENCY
    if with_latency:
        bar_width -= LATENCY_WIDTH
    fields = [
        field(
            (mount + " ", Role.LABEL),
            (bar(disk.percent, bar_width, glyphs), level_role(disk.percent, 80.0, 95.0)),
            (share, Role.VALUE),
        ),
        field((amounts, Role.VALUE), rank=1),
    ]
    if with_latency:
        fields.append(_latency_field(disk.io))
    return fields


def render_disks(
    disks: Sequence[DiskUsage],
    total_io: IoRate,
    selected: str | None,
    history: History,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    note = f"r {human_rate(total_io.read_bytes_per_s)} w {human_rate(total_io.write_bytes_per_s)}"
    canvas, inner = open_box(width, height, "disks", glyphs, note)
    if inner is None:
        return canvas.block()
    if not disks:
        canvas.put(inner.y, inner.x, "no local filesystems found"[: inner.width], Role.DIM)
        return canvas.block()
    chosen = next((d for d in disks if d.mount_point == selected), None)
    # The list gets what the graph (a title line and at least a row per direction) leaves.
    with_graph = chosen is not None and inner.height >= 4
    list_rows = min(len(disks), inner.height - 3) if with_graph else inner.height
    label_width = min(
        max(display_width(sanitize(d.mount_point, glyphs.ascii_only)) for d in disks),
        max(6, inner.width // 4),
    )
    shown = list(disks[:list_rows])
    if len(disks) > list_rows:
        # Not all fit: keep the selected one in view, and say how many are hidden if room allows.
        shown = [chosen] if list_rows == 1 and chosen is not None else shown[: list_rows - 1]
    for offset, disk in enumerate(shown):
        usage = _usage_line(disk, label_width, inner.width, glyphs)
        put_fields(canvas, inner.y + offset, inner.x, inner.width, usage, glyphs)
        if disk.mount_point == selected:
            canvas.restyle(inner.y + offset, inner.x, label_width, Role.TITLE)
    if len(disks) > len(shown) and list_rows > 0:
        more = f"+{len(disks) - len(shown)} more"
        canvas.put(inner.y + len(shown), inner.x, more[: inner.width], Role.DIM)
    if chosen is None or not with_graph:
        return canvas.block()
    top = inner.y + list_rows
    put_fields(canvas, top, inner.x, inner.width, _graph_title(chosen, glyphs), glyphs)
    draw_rate_pair(
        canvas,
        top + 1,
        inner.x,
        inner.width,
        inner.bottom - top - 1,
        ("read", history.disk_read.get(chosen.mount_point, ()), Role.RX),
        ("write", history.disk_write.get(chosen.mount_point, ()), Role.TX),
        glyphs,
    )
    return canvas.block()


def _graph_title(disk: DiskUsage, glyphs: Glyphs) -> list[Field]:
    """The selected filesystem's line above its graphs: mount point, rates, device."""
    io = disk.io

    def ops(value: float | None) -> str:
        return f" {value:.0f} op/s" if value is not None else " - op/s"

    return [
        field((sanitize(disk.mount_point, glyphs.ascii_only), Role.TITLE), cuttable=True),
        field((f"  read {human_rate(io.read_bytes_per_s)}", Role.RX)),
        field((ops(io.read_ops_per_s), Role.DIM), rank=2),
        field((f"  write {human_rate(io.write_bytes_per_s)}", Role.TX)),
        field((ops(io.write_ops_per_s), Role.DIM), rank=2),
        field((f"  ({sanitize(disk.device, glyphs.ascii_only)})", Role.DIM), rank=3),
    ]
