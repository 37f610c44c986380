"""The top row: who and what this machine is, how long it has been up, how loaded, and when."""

from __future__ import annotations

import time

from sot.model import HostInfo
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.text import field, put_fields
from sot.render.units import duration


def clock_text(wall_epoch_s: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall_epoch_s))


def render_header(host: HostInfo, wall_epoch_s: float, width: int, glyphs: Glyphs) -> Block:
    canvas = Canvas(width, 1, Role.HEADER)
    sep = f" {glyphs.separator} "
    load = (
        "load " + " ".join(f"{v:.2f}" for v in host.load_average)
        if host.load_average is not None
        else "load -"
    )
    kernel = " ".join(p for p in (host.kernel, host.architecture) if p)
    users = None
    if host.user_count is not None:
        users = f"{host.user_count} user{'s' if host.user_count != 1 else ''}"
    # Whole parts or none, least useful dropped first; only the OS name (free text) is cut.
    parts = [
        (sanitize(host.hostname, glyphs.ascii_only), 0, False),
        (f"up {duration(host.uptime_s)}", 1, False),
        (load, 0, False),
        (users, 3, False),
        (sanitize(host.os_name or "-", glyphs.ascii_only), 4, True),
        (kernel or "-", 5, False),
    ]
    clock = clock_text(wall_epoch_s)
    room = width - display_width(clock) - 2
    fields = [field((" sot", Role.HEADER))] + [
        field((sep, Role.HEADER), (text, Role.HEADER), rank=rank, cuttable=cut)
        for text, rank, cut in parts
        if text is not None
    ]
    if room >= 20:
        put_fields(canvas, 0, 0, room, fields, glyphs)
        canvas.put(0, width - display_width(clock) - 1, clock, Role.HEADER)
    else:
        canvas.put(
            0,
            0,
            fit(" sot " + sanitize(host.hostname, glyphs.ascii_only), width, glyphs.ellipsis),
            Role.HEADER,
        )
    return canvas.block()
