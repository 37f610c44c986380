"""The top row: who and what this machine is, how long it has been up, how loaded, and when."""

from __future__ import annotations

import time

from sot.model import HostInfo
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.text import Segment, put_segments
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
    # Most useful first: on a narrow terminal the tail is what gets cut.
    parts = [sanitize(host.hostname, glyphs.ascii_only), f"up {duration(host.uptime_s)}", load]
    if host.user_count is not None:
        parts.append(f"{host.user_count} user{'s' if host.user_count != 1 else ''}")
    parts += [sanitize(host.os_name or "-", glyphs.ascii_only), kernel or "-"]
    clock = clock_text(wall_epoch_s)
    room = width - display_width(clock) - 2
    segments: list[Segment] = [(" sot", Role.HEADER)]
    for part in parts:
        segments.append((sep, Role.HEADER))
        segments.append((part, Role.HEADER))
    if room >= 20:
        put_segments(canvas, 0, 0, room, segments, glyphs)
        canvas.put(0, width - display_width(clock) - 1, clock, Role.HEADER)
    else:
        canvas.put(
            0,
            0,
            fit(" sot " + sanitize(host.hostname, glyphs.ascii_only), width, glyphs.ellipsis),
            Role.HEADER,
        )
    return canvas.block()
