"""GPU panel: one line per GPU (utilisation, memory, temperature, power), then each GPU's
utilisation history where rows are left. Below three rows it has no border: the medium, compact
and narrow tiers give it a line or two."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sot.history import Series
from sot.layout import split
from sot.model import GpuSample
from sot.render.box import open_box
from sot.render.cells import Block, Canvas, Role, display_width, fit, sanitize
from sot.render.glyphs import Glyphs
from sot.render.graph import graph_rows
from sot.render.meters import bar, level_role
from sot.render.text import Field, field, put_fields
from sot.render.units import UNKNOWN, celsius, frequency, human_bytes, percent

BOXED_FROM_HEIGHT = 3  # a border needs a line inside it


def _watts(gpu: GpuSample) -> str:
    if gpu.power_watts is None:
        return UNKNOWN
    if gpu.power_limit_watts is None:
        return f"{gpu.power_watts:.0f}W"
    return f"{gpu.power_watts:.0f}/{gpu.power_limit_watts:.0f}W"


def _memory_percent(gpu: GpuSample) -> float | None:
    used, total = gpu.memory_used_bytes, gpu.memory_total_bytes
    return None if used is None or not total else min(100.0, 100.0 * used / total)


def labels(gpus: Sequence[GpuSample]) -> dict[str, str]:
    """What each GPU is called on the panel, by key: its index ("0") where all are of one
    vendor, else vendor and index ("nvidia0", "intel0"): NVIDIA's 0 and an Intel card0 are
    two GPUs."""
    mixed = len({gpu.vendor for gpu in gpus}) > 1
    return {gpu.key: gpu.key if mixed else str(gpu.index) for gpu in gpus}


def _texts(gpu: GpuSample, glyphs: Glyphs) -> dict[str, str]:
    """The GPU's figures as shown, by column."""
    return {
        "name": sanitize(gpu.name, glyphs.ascii_only),
        "memory": f"{human_bytes(gpu.memory_used_bytes)}/{human_bytes(gpu.memory_total_bytes)}",
        "temperature": celsius(gpu.temperature_celsius, glyphs.ascii_only),
        "power": _watts(gpu),
        "frequency": frequency(gpu.frequency_mhz),
    }


def column_widths(gpus: Sequence[GpuSample], glyphs: Glyphs) -> dict[str, int]:
    """Each column's width over all the GPUs, so their lines line up."""
    widths: dict[str, int] = {}
    for gpu in gpus:
        for column, text in _texts(gpu, glyphs).items():
            widths[column] = max(widths.get(column, 0), display_width(text))
    return widths


MAX_BAR = 20
MIN_BAR = 5


def _bar_width(widths: Mapping[str, int], width: int) -> int:
    """The utilisation bar's width: a fifth of the line (5 to 20 cells), less where that
    keeps a figure on it: the most figures that fit beside a bar of at least MIN_BAR (memory,
    then temperature, then power: the order they are dropped in, last first)."""
    wanted = max(MIN_BAR, min(MAX_BAR, width // 5))
    used = widths.get("label", 0) + 1 + 7  # the label, and the percentage (" 100.0%")
    parts = [6 + widths.get("memory", 0)] + [2 + widths.get(c, 0) for c in ("temperature", "power")]
    for kept in range(len(parts), -1, -1):
        room = width - used - sum(parts[:kept])
        if room >= MIN_BAR:
            return min(wanted, room)
    return MIN_BAR


def gpu_fields(
    gpu: GpuSample, widths: Mapping[str, int], width: int, glyphs: Glyphs, label: str
) -> list[Field]:
    """One GPU's line: its label and name (cut first), a utilisation bar and percentage, then
    memory, temperature and power, each column as wide as ``widths`` says; the least
    important dropped first on a narrow panel, after the bar has shrunk (to MIN_BAR cells) to
    keep them. A GPU asleep (runtime-suspended) is not woken to be read: it says so."""
    texts = {
        column: text + " " * max(0, widths.get(column, 0) - display_width(text))
        for column, text in _texts(gpu, glyphs).items()
    }
    head = field((f"{label:<{widths.get('label', 0)}} ", Role.LABEL))
    name = field((f"{texts['name']} ", Role.NORMAL), rank=4, cuttable=True)
    if gpu.suspended:
        return [head, name, field(("suspended", Role.DIM))]
    bar_width = _bar_width(widths, width)
    return [
        head,
        name,
        field(
            (bar(gpu.utilization_percent, bar_width, glyphs), level_role(gpu.utilization_percent)),
            (f" {percent(gpu.utilization_percent):>6}", Role.VALUE),
        ),
        field(
            ("  mem ", Role.LABEL),
            (texts["memory"], level_role(_memory_percent(gpu), 70.0, 90.0)),
            rank=1,
        ),
        field(("  ", Role.NORMAL), (texts["temperature"], Role.VALUE), rank=2),
        field(("  ", Role.NORMAL), (texts["power"], Role.VALUE), rank=2),
        field(("  ", Role.NORMAL), (texts["frequency"], Role.DIM), rank=5),
    ]


def _lines(
    gpus: Sequence[GpuSample], status: str | None, rows: int, width: int, glyphs: Glyphs
) -> list[list[Field]]:
    """The status line (if any), then one line per GPU; the last says how many did not fit."""
    lines: list[list[Field]] = []
    if status is not None:
        lines.append([field((sanitize(status, glyphs.ascii_only), Role.WARN), cuttable=True)])
    widths = column_widths(gpus, glyphs)
    names = labels(gpus)
    widths["label"] = max((display_width(label) for label in names.values()), default=0)
    room = max(0, rows - len(lines))
    for gpu in gpus[:room]:
        lines.append(gpu_fields(gpu, widths, width, glyphs, names[gpu.key]))
    left = len(gpus) - room
    if left > 0 and lines:
        lines[-1] = [*lines[-1], field((f"  +{left} more", Role.DIM), rank=3)]
    return lines[:rows]


def render_gpu(
    gpus: Sequence[GpuSample],
    status: str | None,
    history: Mapping[str, Series],
    width: int,
    height: int,
    glyphs: Glyphs,
) -> Block:
    """``status``: what is wrong with the GPUs' reader, shown as the first line; ``history``:
    each GPU's utilisation by its key."""
    if height < BOXED_FROM_HEIGHT:
        canvas = Canvas(width, height)
        for offset, fields in enumerate(_lines(gpus, status, height, width, glyphs)):
            put_fields(canvas, offset, 0, width, [field(("gpu ", Role.LABEL)), *fields], glyphs)
        return canvas.block()
    note = f"{len(gpus)} GPUs" if len(gpus) > 1 else ""
    canvas, inner = open_box(width, height, "gpu", glyphs, note)
    if inner is None:
        return canvas.block()
    lines = _lines(gpus, status, inner.height, inner.width, glyphs)
    for offset, fields in enumerate(lines):
        put_fields(canvas, inner.y + offset, inner.x, inner.width, fields, glyphs)
    graph_height = inner.height - len(lines)
    shown = list(gpus[: max(0, graph_height)])
    top = inner.y + len(lines)
    names = labels(gpus)
    for gpu, rows in zip(shown, split(graph_height, [1] * len(shown)), strict=True):
        plotted = graph_rows(history.get(gpu.key, ()), inner.width, rows, 100.0, glyphs)
        for offset, text in enumerate(plotted):
            canvas.put(top + offset, inner.x, text, Role.CPU)
        if inner.width >= 10 and rows > 0:
            label = names[gpu.key] if names[gpu.key] != str(gpu.index) else f"gpu{gpu.index}"
            canvas.put(top, inner.x, fit(label, inner.width, ""), Role.DIM)
        top += rows
    return canvas.block()
