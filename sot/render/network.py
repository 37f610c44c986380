"""Network panel: the selected interface's rx/tx history, rates, totals and addresses."""

from __future__ import annotations

from collections.abc import Sequence

from sot.history import History
from sot.model import NetInterface
from sot.render.box import open_box
from sot.render.cells import Block, Role, display_width, sanitize
from sot.render.glyphs import Glyphs
from sot.render.rates import draw_rate_pair
from sot.render.text import Field, field, put_fields
from sot.render.units import count_per_s, human_bytes, human_rate


def _state(iface: NetInterface) -> str:
    state = {True: "up", False: "down", None: "state -"}[iface.is_up]
    if iface.speed_mbps:
        speed = (
            f"{iface.speed_mbps // 1000}G" if iface.speed_mbps >= 1000 else (f"{iface.speed_mbps}M")
        )
        state += f" {speed}b/s"
    return state


def render_network(
    interfaces: Sequence[NetInterface],
    selected: str | None,
    history: History,
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    iface = next((i for i in interfaces if i.name == selected), None)
    name = sanitize(iface.name, glyphs.ascii_only) if iface else "-"
    canvas, inner = open_box(width, height, f"net {name}", glyphs, _state(iface) if iface else "")
    if inner is None:
        return canvas.block()
    if iface is None:
        canvas.put(inner.y, inner.x, "no network interface found"[: inner.width], Role.DIM)
        return canvas.block()
    lines = _text_lines(iface, inner.width, glyphs)
    # Graph first when there is room for it; text lines fill what is left, most useful first.
    text_rows = min(len(lines), inner.height if inner.height < 5 else 3)
    graph_height = inner.height - text_rows
    shown = lines[:text_rows]
    for offset, fields in enumerate(shown):
        put_fields(canvas, inner.y + offset, inner.x, inner.width, fields, glyphs)
    draw_rate_pair(
        canvas,
        inner.y + text_rows,
        inner.x,
        inner.width,
        graph_height,
        ("rx", history.net_rx.get(iface.name, ()), Role.RX),
        ("tx", history.net_tx.get(iface.name, ()), Role.TX),
        glyphs,
    )
    return canvas.block()


def _pair(first: int | None, second: int | None) -> str:
    return f"{first if first is not None else '-'}/{second if second is not None else '-'}"


def _text_lines(iface: NetInterface, width: int, glyphs: Glyphs) -> list[list[Field]]:
    """Rates, totals with errors and drops, and addresses: most useful first; each figure whole
    or not at all."""
    rates = [
        field(("rx ", Role.LABEL), (f"{human_rate(iface.rx_bytes_per_s):<10}", Role.RX)),
        field((f"{count_per_s(iface.rx_packets_per_s):>8} pk ", Role.DIM), rank=2),
        field(("tx ", Role.LABEL), (f"{human_rate(iface.tx_bytes_per_s):<10}", Role.TX)),
        field((f"{count_per_s(iface.tx_packets_per_s):>8} pk", Role.DIM), rank=2),
    ]
    totals = [
        field(("total rx ", Role.LABEL), (f"{human_bytes(iface.rx_bytes_total):<7}", Role.VALUE)),
        field(("tx ", Role.LABEL), (f"{human_bytes(iface.tx_bytes_total):<7}", Role.VALUE)),
        field(
            ("err ", Role.LABEL),
            (_pair(iface.errors_in, iface.errors_out) + " ", Role.VALUE),
            rank=1,
        ),
        field(("drop ", Role.LABEL), (_pair(iface.drops_in, iface.drops_out), Role.VALUE), rank=2),
    ]
    addresses = [sanitize(a, glyphs.ascii_only) for a in (*iface.ipv4, *iface.ipv6)]
    shown = [field(("addr ", Role.LABEL), (_addresses_that_fit(addresses, width - 5), Role.VALUE))]
    return [rates, totals, shown]


def _addresses_that_fit(addresses: list[str], width: int) -> str:
    """The addresses that fit whole, and "+N" for the rest; never half an address."""
    if not addresses:
        return "-"
    for count in range(len(addresses), 0, -1):
        hidden = len(addresses) - count
        text = " ".join(addresses[:count]) + (f" +{hidden}" if hidden else "")
        if display_width(text) <= width:
            return text
    return f"+{len(addresses)}"
