"""The top row: who and what this machine is, how long it has been up, how loaded, and when."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sot.model import (
    BatterySample,
    CgroupSample,
    FanSample,
    HostInfo,
    PressureSample,
    StallShares,
)
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.text import field, put_fields
from sot.render.units import duration


def clock_text(wall_epoch_s: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall_epoch_s))


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def pressure_text(pressure: PressureSample | None) -> str:
    """PSI's avg10 (percent of the last 10 s stalled), one decimal so the header does not change
    with every tick: cpu's "some" alone (the kernel reports its system-wide "full" as 0), memory
    and io as some/full. ``-`` where the kernel gives none."""
    if pressure is None:
        return "psi -"

    def both(shares: StallShares | None) -> str:
        if shares is None:
            return "-"
        if shares.full_avg10 is None:
            return _share(shares.some_avg10)
        return f"{_share(shares.some_avg10)}/{_share(shares.full_avg10)}"

    cpu = "-" if pressure.cpu is None else _share(pressure.cpu.some_avg10)
    return f"psi cpu {cpu} mem {both(pressure.memory)} io {both(pressure.io)}"


def pids_text(cgroup: CgroupSample | None) -> str | None:
    """sot's cgroup's process limit, with how many it holds; None (nothing shown) where there is
    no limit."""
    if cgroup is None or cgroup.pids_limit is None:
        return None
    current = "-" if cgroup.pids_current is None else str(cgroup.pids_current)
    return f"cgroup pids {current}/{cgroup.pids_limit}"


def fans_text(fans: Sequence[FanSample]) -> str | None:
    """``fan 1200rpm``, ``fans 1200 900rpm``; None where the machine reports no fan."""
    if not fans:
        return None
    speeds = " ".join(str(f.rpm) for f in fans)
    return f"fan{'s' if len(fans) > 1 else ''} {speeds}rpm"


def battery_text(battery: BatterySample | None) -> str | None:
    """``bat 87% charging``, ``bat 100% plugged``, ``bat 40% 2:05 left``, ``bat 40%`` (time
    unknown); None where there is no battery. psutil gives no time to full while charging."""
    if battery is None:
        return None
    text = f"bat {battery.percent:.0f}%"
    if battery.power_plugged:
        return f"{text} {'charging' if battery.percent < 100 else 'plugged'}"
    if battery.seconds_left is not None:
        hours, minutes = divmod(battery.seconds_left // 60, 60)
        return f"{text} {hours}:{minutes:02d} left"
    return text


def render_header(
    host: HostInfo,
    wall_epoch_s: float,
    width: int,
    glyphs: Glyphs,
    *,
    pressure: PressureSample | None = None,
    cgroup: CgroupSample | None = None,
    fans: Sequence[FanSample] = (),
    battery: BatterySample | None = None,
) -> Block:
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
        (pressure_text(pressure), 2, False),
        (pids_text(cgroup), 3, False),
        (users, 3, False),
        # Only where the machine has them: no label at all otherwise.
        (battery_text(battery), 2, False),
        (fans_text(fans), 4, False),  # before the OS name and kernel: a live reading
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
