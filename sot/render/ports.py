"""``sot ps``'s ports and dev-server panels: a bordered table each, the selected row reversed
when the panel has the focus; ``focus_title`` marks the focused panel's title."""

from __future__ import annotations

from collections.abc import Sequence

from sot.model import DevServerGroup, ListeningPort
from sot.ports_view import window_top
from sot.render.box import open_box
from sot.render.cells import Block, Canvas, Line, Role, display_width, fit, pad, sanitize
from sot.render.glyphs import Glyphs
from sot.render.units import human_bytes, percent

PORTS_TITLE = "ports"
DEV_SERVERS_TITLE = "dev servers"
ROOT_HINT = "run as root to see every owner"
GO_HINT = "Go binaries are not identifiable; `go run` is"
UNKNOWN = "-"


def focus_title(block: Block, title: str) -> Block:
    """``block`` (a panel drawn by ``draw_box``) with its title reversed: the focused panel."""
    if not block:
        return block
    top = block[0]
    start, end = 2, min(len(top.styles) - 2, 2 + display_width(title))
    if end <= start:
        return block
    styles = top.styles[:start] + Role.SELECTED * (end - start) + top.styles[end:]
    return (Line(top.cells, styles), *block[1:])


def _table(
    canvas: Canvas,
    header: str,
    rows: Sequence[str],
    selected: int | None,
    footer: str,
    glyphs: Glyphs,
) -> None:
    """Column titles, the rows that fit (scrolled to keep ``selected`` shown) and a footer
    line (a hint) when there is room below at least one row."""
    width, height = canvas.width - 2, canvas.height - 2
    canvas.put(1, 1, fit(header, width, glyphs.ellipsis), Role.HEADER)
    canvas.restyle(1, 1, width, Role.HEADER)
    room = height - 1 - (1 if footer and height - 1 >= 2 else 0)
    if not rows and room > 0:
        canvas.put(2, 1, fit("none found", width, glyphs.ellipsis), Role.DIM)
    top = window_top(selected or 0, len(rows), room)
    for offset, text in enumerate(rows[top : top + max(0, room)]):
        role = Role.SELECTED if selected == top + offset else Role.VALUE
        canvas.put(2 + offset, 1, pad(text, width, "<", glyphs.ellipsis), role)
    if footer and height - 1 >= 2:
        canvas.put(height, 1, fit(footer, width, glyphs.ellipsis), Role.DIM)


def _port_line(port: ListeningPort, address_width: int, glyphs: Glyphs) -> str:
    pid = UNKNOWN if port.pid is None else str(port.pid)
    name = UNKNOWN if port.name is None else sanitize(port.name, glyphs.ascii_only)
    address = fit(port.address, address_width, glyphs.ellipsis)
    return f"{port.protocol:<4} {address:<{address_width}} {port.port:>5} {pid:>7} {name}"


def render_ports(
    ports: Sequence[ListeningPort] | None,
    selected: int | None,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    """The listening sockets in the order given; ``selected``: the highlighted row (the
    panel has the focus); ``None`` ports: they could not be read on this system."""
    note = "" if ports is None else f"{len(ports)} listening"
    canvas, inner = open_box(width, height, PORTS_TITLE, glyphs, note)
    if inner is None:
        return canvas.block()
    if ports is None:
        canvas.put(1, 1, fit("not readable on this system", inner.width, glyphs.ellipsis), Role.DIM)
        return canvas.block()
    # As wide as the longest address (an IPv6 address is at most 39 characters), leaving the
    # other columns their room.
    longest = max((display_width(p.address) for p in ports), default=7)
    address_width = max(7, min(longest, 39, inner.width - 29))
    header = f"{'PROT':<4} {'ADDRESS':<{address_width}} {'PORT':>5} {'PID':>7} NAME"
    rows = [_port_line(p, address_width, glyphs) for p in ports]
    hidden = any(p.pid is None for p in ports)
    _table(canvas, header, rows, selected, ROOT_HINT if hidden else "", glyphs)
    return canvas.block()


def _group_line(group: DevServerGroup, glyphs: Glyphs) -> str:
    ports = ",".join(str(p) for p in group.ports) or UNKNOWN
    programs = sanitize(", ".join(group.programs), glyphs.ascii_only)
    cpu = percent(group.cpu_percent)
    memory = human_bytes(group.rss_bytes)
    return f"{group.kind:<10} {group.process_count:>3} {cpu:>6} {memory:>6} {ports:<11} {programs}"


def render_dev_servers(
    groups: Sequence[DevServerGroup] | None,
    selected: int | None,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    """One row per kind of server: processes, CPU %, memory, ports and what they run."""
    note = "" if groups is None else f"{sum(g.process_count for g in groups)} processes"
    canvas, inner = open_box(width, height, DEV_SERVERS_TITLE, glyphs, note)
    if inner is None:
        return canvas.block()
    header = f"{'KIND':<10} {'N':>3} {'CPU%':>6} {'MEM':>6} {'PORTS':<11} RUNS"
    rows = [_group_line(g, glyphs) for g in groups or ()]
    _table(canvas, header, rows, selected, GO_HINT, glyphs)
    return canvas.block()
