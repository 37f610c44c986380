"""``sot fleet --once`` (or without a terminal): the fleet as a plain-text table, or as JSON
with one object per instance, for scripts. The same source and renderer as the fleet screen."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from sot.collect.fleet_source import FLEET_QUERIES
from sot.config import Config, OutputFormat
from sot.export import SCHEMA_VERSION, frame_to_styled_text, frame_to_text
from sot.fleet_model import FleetRow, FleetSnapshot
from sot.fleet_view import FleetState, visible_rows
from sot.oneshot import _styled_palette, text_size, write_stdout
from sot.render.cells import Block
from sot.render.fleet import render_fleet
from sot.render.glyphs import Glyphs

FLEET_SCHEMA_VERSION = SCHEMA_VERSION


def instance_document(row: FleetRow) -> dict[str, Any]:
    """One instance as scripts read it: units in the names, null where unknown (the source
    keeps only finite figures, so no NaN reaches JSON)."""
    return {
        "instance": row.instance,
        "job": row.job,
        "up": row.up,
        "nodename": row.nodename,
        "kernel_release": row.kernel_release,
        "cpu_percent": row.cpu_percent,
        "memory_used_percent": row.memory_used_percent,
        "fullest_filesystem_percent": row.fullest_filesystem_percent,
        "fullest_filesystem_mount": row.fullest_filesystem_mount,
        "load1_per_core": row.load1_per_core,
        "network_rx_bytes_per_s": row.network_rx_bytes_per_s,
        "network_tx_bytes_per_s": row.network_tx_bytes_per_s,
        "uptime_s": row.uptime_s,
    }


def fleet_to_json(snapshot: FleetSnapshot) -> str:
    body: dict[str, Any] = {
        "schema_version": FLEET_SCHEMA_VERSION,
        "prometheus": snapshot.url,
        "time_epoch_s": snapshot.time_epoch_s,
        "queries_per_refresh": len(FLEET_QUERIES),
        "instances": [instance_document(row) for row in visible_rows(snapshot.rows, FleetState())],
    }
    if snapshot.status is not None:
        body["source_status"] = snapshot.status  # only while something is wrong
    return json.dumps(body, indent=1) + "\n"


def fleet_to_text(snapshot: FleetSnapshot, width: int, glyphs: Glyphs) -> Block:
    """The table with every instance (sorted by instance), as tall as it takes; the status row
    only when it has something to say (no key hints: nothing reads keys here)."""
    shown = visible_rows(snapshot.rows, FleetState())
    block = render_fleet(snapshot, shown, FleetState(), width, len(shown) + 3, glyphs)
    return block if snapshot.status is not None else block[:-1]


def print_fleet_once(config: Config, snapshot: FleetSnapshot, glyphs: Glyphs, styled: bool) -> int:
    if config.output_format is OutputFormat.JSON:
        output = fleet_to_json(snapshot)
    else:
        if sys.stdout.isatty():
            width = min(os.get_terminal_size(sys.stdout.fileno()).columns, 1000)
        else:
            width, _ = text_size()
        block = fleet_to_text(snapshot, width, glyphs)
        palette = _styled_palette(config) if styled else None
        output = frame_to_text(block) if palette is None else frame_to_styled_text(block, *palette)
    return write_stdout(output)
