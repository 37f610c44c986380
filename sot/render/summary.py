"""The compact system summary for small terminals: htop-style one-line meters (CPU, each CPU,
memory and swap, the selected disk's and interface's rates), no borders, no history, so the
process table keeps the room. Every line is made of fields shown whole or not at all."""

from __future__ import annotations

from sot.model import Snapshot
from sot.render.cells import Block, Canvas, Role, sanitize
from sot.render.cpu import cores_text, draw_cores
from sot.render.glyphs import Glyphs
from sot.render.memory import limit_percent
from sot.render.meters import bar, level_role
from sot.render.text import Field, field, put_fields
from sot.render.units import human_bytes, human_rate, percent


def _bar_width(width: int) -> int:
    return max(6, min(30, width // 3))


def _cpu_line(snapshot: Snapshot, width: int, glyphs: Glyphs) -> list[Field]:
    cpu, b = snapshot.cpu, snapshot.cpu.breakdown
    meter = field(
        ("cpu  ", Role.LABEL),
        (bar(cpu.total_percent, _bar_width(width), glyphs), level_role(cpu.total_percent)),
        (f" {percent(cpu.total_percent):>6}", Role.VALUE),
    )
    shares = [("usr", b.user_percent, 1), ("sys", b.system_percent, 1)]
    shares += [("iow", b.iowait_percent, 2), ("steal", b.steal_percent, 3)]
    fields = [meter] + [
        field((f"  {label} ", Role.LABEL), (f"{percent(value, 0):<4}", Role.VALUE), rank=rank)
        for label, value, rank in shares
    ]
    if snapshot.cgroup is not None and snapshot.cgroup.cpu_quota_cores is not None:
        # sot's cgroup's CPU quota: kept longer than iowait and steal.
        quota = cores_text(snapshot.cgroup.cpu_quota_cores)
        fields.append(field(("  quota ", Role.LABEL), (quota, Role.VALUE), rank=1))
    return fields


def _memory_line(snapshot: Snapshot, width: int, glyphs: Glyphs) -> list[Field]:
    memory = snapshot.memory
    used = f" {human_bytes(memory.used_bytes)}/{human_bytes(memory.total_bytes)}"
    fields = [
        field(
            ("mem  ", Role.LABEL),
            (bar(memory.percent, _bar_width(width), glyphs), level_role(memory.percent, 70, 90)),
            (f" {percent(memory.percent):>6}", Role.VALUE),
        ),
        field((used, Role.DIM), rank=1),
    ]
    cgroup = snapshot.cgroup
    if cgroup is not None and cgroup.memory_limit_bytes is not None:
        # sot's cgroup's share of its memory limit: in a container, closer to what matters than
        # swap, so it goes after the host's figure and swap makes room first.
        fields.append(
            field(
                ("  limit ", Role.LABEL),
                (f"{percent(limit_percent(cgroup)):>6}", Role.VALUE),
                (f" of {human_bytes(cgroup.memory_limit_bytes)}", Role.DIM),
                rank=1,
            )
        )
    if memory.swap_total_bytes == 0:
        return [*fields, field(("  swap none", Role.DIM), rank=2)]
    swap = f" {human_bytes(memory.swap_used_bytes)}/{human_bytes(memory.swap_total_bytes)}"
    return [
        *fields,
        field(("  swap ", Role.LABEL), (f"{percent(memory.swap_percent):>6}", Role.VALUE), rank=2),
        field((swap, Role.DIM), rank=3),
    ]


def _disk_line(snapshot: Snapshot, mount: str | None, glyphs: Glyphs) -> list[Field]:
    disk = next((d for d in snapshot.disks if d.mount_point == mount), None)
    if disk is None:
        return [field(("disk ", Role.LABEL), ("no local filesystems found", Role.DIM))]
    io = disk.io
    usage = f"  {percent(disk.percent, 0)} of {human_bytes(disk.total_bytes)}"
    return [
        field(("disk ", Role.LABEL), (sanitize(disk.mount_point, glyphs.ascii_only), Role.TITLE)),
        field(("  read ", Role.LABEL), (human_rate(io.read_bytes_per_s), Role.RX)),
        field(("  write ", Role.LABEL), (human_rate(io.write_bytes_per_s), Role.TX)),
        field((usage, Role.DIM), rank=1),
    ]


def _network_line(snapshot: Snapshot, interface: str | None, glyphs: Glyphs) -> list[Field]:
    iface = next((i for i in snapshot.interfaces if i.name == interface), None)
    if iface is None:
        return [field(("net  ", Role.LABEL), ("no network interface found", Role.DIM))]
    return [
        field(("net  ", Role.LABEL), (sanitize(iface.name, glyphs.ascii_only), Role.TITLE)),
        field(("  rx ", Role.LABEL), (human_rate(iface.rx_bytes_per_s), Role.RX)),
        field(("  tx ", Role.LABEL), (human_rate(iface.tx_bytes_per_s), Role.TX)),
        field((f"  total {human_bytes(iface.rx_bytes_total)}", Role.DIM), rank=1),
        field((f"/{human_bytes(iface.tx_bytes_total)}", Role.DIM), rank=1),
    ]


# (line, importance): the most important lines are kept when the panel has few rows; they are
# drawn in the order listed.
SUMMARY_LINES: tuple[tuple[str, int], ...] = (
    ("cpu", 0),
    ("cores", 4),
    ("memory", 1),
    ("disk", 2),
    ("network", 3),
)
RATE_LINES: tuple[tuple[str, int], ...] = (("disk", 0), ("network", 1))


def render_summary(
    snapshot: Snapshot,
    mount: str | None,
    interface: str | None,
    width: int,
    height: int,
    glyphs: Glyphs,
    lines: tuple[tuple[str, int], ...] = SUMMARY_LINES,
) -> Block:
    """As many of ``lines`` as ``height`` holds, the most important ones, in their order."""
    canvas = Canvas(width, height)
    kept = {name for name, _ in sorted(lines, key=lambda line: line[1])[: max(0, height)]}
    for y, name in enumerate(name for name, _ in lines if name in kept):
        if name == "cores":
            draw_cores(canvas, y, 0, width, 1, snapshot.cpu, glyphs)
        elif name == "cpu":
            put_fields(canvas, y, 0, width, _cpu_line(snapshot, width, glyphs), glyphs)
        elif name == "memory":
            put_fields(canvas, y, 0, width, _memory_line(snapshot, width, glyphs), glyphs)
        elif name == "disk":
            put_fields(canvas, y, 0, width, _disk_line(snapshot, mount, glyphs), glyphs)
        else:
            put_fields(canvas, y, 0, width, _network_line(snapshot, interface, glyphs), glyphs)
    return canvas.block()
