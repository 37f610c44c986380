"""CPU panel: total history graph, per-core bars, mode breakdown, frequency and temperature."""

from __future__ import annotations

import math

from sot.history import History
from sot.model import CpuSample
from sot.render.box import open_box
from sot.render.cells import Block, Canvas, Role
from sot.render.glyphs import Glyphs
from sot.render.graph import fill_level, graph_rows
from sot.render.meters import bar, level_role
from sot.render.text import Field, Segment, field, put_fields, put_segments
from sot.render.units import celsius, frequency, percent


def _title_note(cpu: CpuSample, glyphs: Glyphs) -> str:
    parts = [percent(cpu.total_percent)]
    if cpu.frequency_mhz is not None:
        parts.append(frequency(cpu.frequency_mhz))
    if cpu.package_celsius is not None:
        parts.append(celsius(cpu.package_celsius, glyphs.ascii_only))
    return "  ".join(parts)


def cores_text(cores: float) -> str:
    """A CPU quota in CPUs: "1.5", "2", "0.25"."""
    return f"{cores:.2f}".rstrip("0").rstrip(".") or "0"


def _breakdown_fields(
    cpu: CpuSample, model: str | None, quota_cores: float | None = None
) -> list[Field]:
    """The split of CPU time, then what the CPUs are. Every share keeps its place from tick to
    tick (a field that came and went would shift the line); a narrow panel drops the least
    important fields whole."""
    b = cpu.breakdown
    shares = [
        ("usr", b.user_percent, 0),
        ("sys", b.system_percent, 0),
        ("nice", b.nice_percent, 5),
        ("iow", b.iowait_percent, 2),
        ("irq", b.irq_percent, 4),
        ("steal", b.steal_percent, 3),
        ("idle", b.idle_percent, 1),
    ]
    fields = [
        field((f"{label} ", Role.LABEL), (f"{percent(value, 0):<5}", Role.VALUE), rank=rank)
        for label, value, rank in shares
    ]
    counts = f"{cpu.logical_count or '-'} cpu"
    if cpu.physical_count and cpu.physical_count != cpu.logical_count:
        counts += f" / {cpu.physical_count} cores"
    fields.append(field((counts, Role.DIM), rank=6))
    if quota_cores is not None:
        # sot's cgroup may use this many CPUs' time, whatever the count of CPUs it sees.
        number = cores_text(quota_cores)
        segments = (("  quota ", Role.LABEL), (number, Role.VALUE), (" cpu", Role.LABEL))
        fields.append(field(*segments, rank=1))
    if cpu.max_frequency_mhz is not None:
        fields.append(field((f"  max {frequency(cpu.max_frequency_mhz)}", Role.DIM), rank=7))
    if model:
        fields.append(field((f"  {model}", Role.DIM), rank=8, cuttable=True))
    return fields


def _core_cell(
    index: int, value: float | None, width: int, glyphs: Glyphs, temperature: str = ""
) -> list[Segment]:
    """One core: number, bar and load; its temperature (`` 52°C``) too when the bar keeps at
    least 3 cells beside it, else none (whole or nothing)."""
    label = f"{index:>2} " if width >= 12 else ""
    number = f"{percent(value, 0):>4}"
    bar_width = width - len(label) - len(number) - 1
    if temperature and bar_width - len(temperature) >= 3:
        bar_width -= len(temperature)
    else:
        temperature = ""
    if bar_width >= 3:
        return [
            (label, Role.LABEL),
            (bar(value, bar_width, glyphs), level_role(value)),
            (" " + number, Role.VALUE),
            (temperature, Role.DIM),
        ]
    return [(label + number, level_role(value))]


def draw_cores(
    canvas: Canvas, top: int, left: int, width: int, height: int, cpu: CpuSample, glyphs: Glyphs
) -> None:
    cores = cpu.per_cpu_percent
    if not cores or width <= 0 or height <= 0:
        return
    columns = math.ceil(len(cores) / height)
    column_width = (width + 1) // columns - 1
    if column_width < 6:
        # Too many cores for figures: one cell per core, its current load as a level glyph.
        levels = glyphs.spark_levels
        per_row = max(1, width)
        for i, value in enumerate(cores):
            y, x = divmod(i, per_row)
            if y >= height:
                break
            step = fill_level(value, 100.0, len(levels) - 1)
            canvas.put(top + y, left + x, levels[step], level_role(value))
        return
    rows = math.ceil(len(cores) / columns)
    temperatures = _core_temperatures(cpu, glyphs)
    for i, value in enumerate(cores):
        column, row = divmod(i, rows)
        x = left + column * (column_width + 1)
        cell = _core_cell(i, value, column_width, glyphs, temperatures[i] if temperatures else "")
        put_segments(canvas, top + row, x, column_width, cell, glyphs)


def _core_temperatures(cpu: CpuSample, glyphs: Glyphs) -> tuple[str, ...]:
    """Each core's temperature as its cell shows it, all one width; () when none is known."""
    if len(cpu.core_celsius) != len(cpu.per_cpu_percent) or all(
        t is None for t in cpu.core_celsius
    ):
        return ()
    texts = [celsius(t, glyphs.ascii_only) for t in cpu.core_celsius]
    width = max(len(t) for t in texts)
    return tuple(f" {t:>{width}}" for t in texts)


def render_cpu(
    cpu: CpuSample,
    history: History,
    width: int,
    height: int,
    glyphs: Glyphs,
    model: str | None = None,
    quota_cores: float | None = None,
) -> Block:
    """``quota_cores``: sot's cgroup's CPU quota, shown where it has one."""
    canvas, inner = open_box(width, height, "cpu", glyphs, _title_note(cpu, glyphs))
    if inner is None:
        return canvas.block()
    if inner.height == 1:
        # Only room for the total: one wide bar.
        segments: list[Segment] = [
            ("total ", Role.LABEL),
            (
                bar(cpu.total_percent, max(3, inner.width - 12), glyphs),
                level_role(cpu.total_percent),
            ),
            (f" {percent(cpu.total_percent):>5}", Role.VALUE),
        ]
        put_segments(canvas, inner.y, inner.x, inner.width, segments, glyphs)
        return canvas.block()
    put_fields(
        canvas, inner.y, inner.x, inner.width, _breakdown_fields(cpu, model, quota_cores), glyphs
    )
    body_top, body_height = inner.y + 1, inner.height - 1
    core_count = len(cpu.per_cpu_percent)
    # A column per core is 19 cells wide, 25 with a temperature beside each core's load.
    column = 25 if _core_temperatures(cpu, glyphs) else 19
    if inner.width >= 40 and core_count:
        core_width = min(
            inner.width // 2, max(column - 1, math.ceil(core_count / body_height) * column)
        )
    else:
        core_width = 0 if inner.width < 40 else inner.width // 2
    graph_width = inner.width - core_width - (1 if core_width else 0)
    rows = graph_rows(history.cpu_total, graph_width, body_height, 100.0, glyphs)
    for offset, text in enumerate(rows):
        canvas.put(body_top + offset, inner.x, text, Role.CPU)
    if graph_width >= 6:
        canvas.put(body_top, inner.x, "100%", Role.DIM)
    if core_width:
        draw_cores(
            canvas, body_top, inner.x + graph_width + 1, core_width, body_height, cpu, glyphs
        )
    return canvas.block()
