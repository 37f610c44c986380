"""The details view of one process, and the small menus (user, signal) drawn over the table."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sot.model import ProcessDetails
from sot.render.box import open_box
from sot.render.cells import Block, Role, clusters, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.units import UNKNOWN, cpu_time, duration, human_bytes, human_rate, percent

LABEL_WIDTH = 13


def wrap(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` cells (by display width, not characters)."""
    if width <= 0:
        return []
    lines: list[str] = []
    current, used = "", 0
    for cluster, cluster_width in clusters(text):
        if used + cluster_width > width:
            lines.append(current)
            current, used = "", 0
        current += cluster
        used += cluster_width
    if current or not lines:
        lines.append(current)
    return lines


def _or_unknown(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def _fields(details: ProcessDetails, wall_epoch_s: float, glyphs: Glyphs) -> list[tuple[str, str]]:
    def clean(text: str) -> str:
        return sanitize(text, glyphs.ascii_only)

    started = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(details.start_time_epoch_s))
        + f"  (running {duration(wall_epoch_s - details.start_time_epoch_s)})"
        if details.start_time_epoch_s is not None
        else UNKNOWN
    )
    connections = (
        UNKNOWN
        if details.connections is None
        else ", ".join(f"{state} {count}" for state, count in details.connections) or "none"
    )
    listening = (
        UNKNOWN if details.listening_ports is None else " ".join(details.listening_ports) or "none"
    )
    parent = f"{details.parent[0]} {clean(details.parent[1])}" if details.parent else UNKNOWN
    children = ", ".join(f"{pid} {clean(name)}" for pid, name in details.children) or "none"
    return [
        ("command", clean(details.cmdline) or f"[{clean(details.name)}]"),
        ("executable", clean(details.exe) if details.exe else UNKNOWN),
        ("directory", clean(details.cwd) if details.cwd else UNKNOWN),
        ("user", f"{_or_unknown(details.user_real)}"
                 f" (effective {_or_unknown(details.user_effective)})"),
        ("state", f"{_or_unknown(details.status)}, nice {_or_unknown(details.nice)}"),
        ("started", started),
        ("cpu", f"{percent(details.cpu_percent)} now; user {cpu_time(details.cpu_user_s)},"
                f" system {cpu_time(details.cpu_system_s)}"),
        ("memory", f"rss {human_bytes(details.rss_bytes)},"
                   f" virtual {human_bytes(details.vms_bytes)},"
                   f" shared {human_bytes(details.shared_bytes)}"),
        ("threads", _or_unknown(details.threads)),
        ("open files", _or_unknown(details.open_files)),
        ("disk i/o", f"read {human_bytes(details.io_read_bytes)}"
                     f" ({human_rate(details.io_read_bytes_per_s)}), write"
                     f" {human_bytes(details.io_write_bytes)}"
                     f" ({human_rate(details.io_write_bytes_per_s)})"),
        ("listening", listening),
        ("connections", connections),
        ("parent", parent),
        ("children", children),
    ]  # fmt: skip


def render_details(
    details: ProcessDetails | None,
    pid: int,
    wall_epoch_s: float,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    name = sanitize(details.name, glyphs.ascii_only) if details else ""
    canvas, inner = open_box(
        width, height, f"process {pid} {name}".strip(), glyphs, "Esc or q closes"
    )
    if inner is None:
        return canvas.block()
    if details is None:
        message = f"process {pid} has exited"
        canvas.put(inner.y, inner.x, fit(message, inner.width, glyphs.ellipsis), Role.WARN)
        return canvas.block()
    value_width = inner.width - LABEL_WIDTH
    y = inner.y
    for label, value in _fields(details, wall_epoch_s, glyphs):
        if y >= inner.bottom:
            break
        lines = (
            wrap(value, value_width)
            if label in ("command", "children", "listening")
            else [fit(value, value_width, glyphs.ellipsis)]
        )
        # Long values may take a few rows, but never push the later fields off a small screen.
        rows_left = inner.bottom - y
        lines = lines[: max(1, min(len(lines), 4, rows_left))]
        canvas.put(y, inner.x, fit(label, LABEL_WIDTH - 1, ""), Role.LABEL)
        for line in lines:
            canvas.put(y, inner.x + LABEL_WIDTH, line, Role.VALUE)
            y += 1
    return canvas.block()


def render_menu(
    title: str,
    items: Sequence[str],
    index: int,
    width: int,
    height: int,
    glyphs: Glyphs,
    note: str = "Enter picks",
) -> Block:
    """A boxed list with the ``index`` item highlighted, scrolled to keep it in view."""
    canvas, inner = open_box(width, height, title, glyphs, note)
    if inner is None:
        return canvas.block()
    top = (
        max(0, min(index - inner.height + 1, len(items) - inner.height))
        if index >= inner.height
        else 0
    )
    for offset, item in enumerate(items[top : top + inner.height]):
        y = inner.y + offset
        canvas.put(
            y,
            inner.x,
            fit(" " + sanitize(item, glyphs.ascii_only), inner.width, glyphs.ellipsis),
            Role.VALUE,
        )
        if top + offset == index:
            canvas.restyle(y, inner.x, inner.width, Role.SELECTED)
    return canvas.block()
