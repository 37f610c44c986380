"""``sot disk --once``: the disks as a plain-text tree (every disk expanded) or as JSON, one
object per disk, for scripts. The same collector and tree renderer as the disk screen."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

from sot.config import Config, OutputFormat
from sot.disk_view import shown_disks
from sot.export import SCHEMA_VERSION, frame_to_styled_text, frame_to_text
from sot.layout import screen_readings
from sot.model import BlockDiskSample, BlockPartitionSample
from sot.oneshot import _styled_palette, text_size, write_stdout
from sot.pipeline import Pipeline, initial_state
from sot.render.disk_tree import render_disk_tree, tree_rows

DISK_SCHEMA_VERSION = SCHEMA_VERSION


def _known(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _partition(part: BlockPartitionSample) -> dict[str, Any]:
    return {
        "name": part.name,
        "size_bytes": part.size_bytes,
        "fstype": part.fstype,
        "mount_points": list(part.mount_points),
        "used_bytes": part.used_bytes,
        "free_bytes": part.free_bytes,
        "total_bytes": part.total_bytes,
        "holders": list(part.holders),
    }


def disk_document(disk: BlockDiskSample) -> dict[str, Any]:
    """One disk as scripts read it: units in the names, null where unknown."""
    return {
        "name": disk.name,
        "model": disk.model,
        "size_bytes": disk.size_bytes,
        "rotational": disk.rotational,
        "partitions": [_partition(p) for p in disk.partitions],
        "filesystem": None if disk.filesystem is None else _partition(disk.filesystem),
        "holders": list(disk.holders),
        "slaves": list(disk.slaves),
        "read_bytes_per_s": _known(disk.read_bytes_per_s),
        "write_bytes_per_s": _known(disk.write_bytes_per_s),
        "read_iops": _known(disk.read_iops),
        "write_iops": _known(disk.write_iops),
        "await_ms": _known(disk.await_ms),
        "util_percent": _known(disk.util_percent),
    }


def disks_to_json(disks: Sequence[BlockDiskSample], interval_s: float | None) -> str:
    body = {
        "schema_version": DISK_SCHEMA_VERSION,
        "interval_s": interval_s,
        "disks": [disk_document(d) for d in disks],
    }
    return json.dumps(body, indent=1) + "\n"


def print_disks_once(config: Config, pipeline: Pipeline, styled: bool) -> int:
    """The disks ``--interval`` after the first sample: a tree with every disk expanded, or
    JSON."""
    time.sleep(config.interval_s)
    snapshot = pipeline.collector.sample(time.monotonic(), time.time(), screen_readings("disk"))
    state = initial_state(config)
    disks = shown_disks(state, snapshot)
    if config.output_format is OutputFormat.JSON:
        output = disks_to_json(disks, snapshot.interval_s)
    else:
        width, _ = text_size() if not sys.stdout.isatty() else _terminal_width()
        expanded = frozenset(d.name for d in disks)
        height = max(3, len(tree_rows(disks, expanded, pipeline.glyphs, width - 2)) + 2)
        block = render_disk_tree(disks, None, expanded, width, height, pipeline.glyphs)
        palette = _styled_palette(config) if styled else None
        output = frame_to_text(block) if palette is None else frame_to_styled_text(block, *palette)
    return write_stdout(output)


def _terminal_width() -> tuple[int, int]:
    import os

    size = os.get_terminal_size(sys.stdout.fileno())
    return min(size.columns, 1000), size.lines
