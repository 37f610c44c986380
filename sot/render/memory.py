"""Memory panel: used/available/cached, swap with its in/out rates, and used-% history."""

from __future__ import annotations

from sot.history import History
from sot.model import CgroupSample, MemorySample
from sot.render.box import open_box
from sot.render.cells import Block, Role
from sot.render.glyphs import Glyphs
from sot.render.graph import graph_rows
from sot.render.meters import bar, level_role
from sot.render.text import Field, field, put_fields
from sot.render.units import human_bytes, human_rate, percent


def _meter(label: str, value: float | None, detail: str, width: int, glyphs: Glyphs) -> list[Field]:
    """A labelled bar with its percentage, then the amounts (dropped whole when too narrow)."""
    number = f" {percent(value):>6} "
    bar_width = max(3, min(40, width - len(label) - len(number) - len(detail)))
    return [
        field(
            (label, Role.LABEL),
            (bar(value, bar_width, glyphs), level_role(value, 70.0, 90.0)),
            (number, Role.VALUE),
        ),
        field((detail, Role.DIM), rank=1),
    ]


def limit_percent(cgroup: CgroupSample) -> float | None:
    """The cgroup's memory usage as a share of its limit."""
    usage, limit = cgroup.memory_usage_bytes, cgroup.memory_limit_bytes
    if usage is None or not limit:
        return None
    return min(100.0, 100.0 * usage / limit)


def render_memory(
    memory: MemorySample,
    history: History,
    width: int,
    height: int,
    glyphs: Glyphs,
    cgroup: CgroupSample | None = None,
) -> Block:
    """``cgroup``: sot's own cgroup; its line (usage against its limit, beside the host's
    "used") is shown where it has a memory limit."""
    canvas, inner = open_box(
        width, height, "memory", glyphs, f"total {human_bytes(memory.total_bytes)}"
    )
    if inner is None:
        return canvas.block()
    used = f"{human_bytes(memory.used_bytes)}/{human_bytes(memory.total_bytes)}"
    if memory.swap_total_bytes == 0:
        swap_line = [field(("swap  ", Role.LABEL), ("none configured", Role.DIM))]
    else:
        swap_detail = (
            f"{human_bytes(memory.swap_used_bytes)}/{human_bytes(memory.swap_total_bytes)}"
        )
        swap_line = _meter("swap  ", memory.swap_percent, swap_detail, inner.width, glyphs)
        swap_line += [
            field((f"  in {human_rate(memory.swap_in_bytes_per_s)}", Role.DIM), rank=2),
            field((f" out {human_rate(memory.swap_out_bytes_per_s)}", Role.DIM), rank=2),
        ]
    amounts = [
        ("avail ", memory.available_bytes, 0),
        ("cache ", memory.cached_bytes, 1),
        ("buf ", memory.buffers_bytes, 3),
        ("free ", memory.free_bytes, 2),
    ]
    lines: list[list[Field]] = [_meter("used  ", memory.percent, used, inner.width, glyphs)]
    if cgroup is not None and cgroup.memory_limit_bytes is not None:
        # "limit": the share of the cgroup's limit in use, where "used" is the host's RAM.
        limit = (
            f"{human_bytes(cgroup.memory_usage_bytes)}/"
            f"{human_bytes(cgroup.memory_limit_bytes)} cgroup"
        )
        lines.append(_meter("limit ", limit_percent(cgroup), limit, inner.width, glyphs))
    lines += [
        swap_line,
        [
            field((label, Role.LABEL), (f"{human_bytes(amount):<7}", Role.VALUE), rank=rank)
            for label, amount, rank in amounts
        ],
    ]
    shown = lines[: inner.height]
    for offset, fields in enumerate(shown):
        put_fields(canvas, inner.y + offset, inner.x, inner.width, fields, glyphs)
    graph_height = inner.height - len(shown)
    if graph_height > 0:
        top = inner.y + len(shown)
        rows = graph_rows(history.memory_used_percent, inner.width, graph_height, 100.0, glyphs)
        for offset, text in enumerate(rows):
            canvas.put(top + offset, inner.x, text, Role.MEMORY)
        if inner.width >= 10:
            canvas.put(top, inner.x, "100%", Role.DIM)  # the scale, not a reading
    return canvas.block()
