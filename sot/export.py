"""One-shot output: the dashboard as plain text, or the snapshot as JSON."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sot import __version__
from sot.model import ProcessRow, Snapshot
from sot.render.cells import Block

SCHEMA_VERSION = 1


def frame_to_text(frame: Block) -> str:
    """Each row's text with trailing blanks removed, one line each: no escape bytes at all."""
    return "\n".join(line.text.rstrip() for line in frame) + "\n"


def frame_to_styled_text(frame: Block, styles: Mapping[str, str], reset: str) -> str:
    """Rows with colour, for ``--once`` on a terminal; the cursor is never moved."""
    out: list[str] = []
    for line in frame:
        visible = len(line.cells)
        while visible and line.cells[visible - 1] in (" ", ""):
            visible -= 1
        role: str | None = None
        parts: list[str] = []
        for cell, style in zip(line.cells[:visible], line.styles[:visible], strict=True):
            if cell == "":
                continue
            if style != role:
                parts.append(styles.get(style, reset))
                role = style
            parts.append(cell)
        parts.append(reset)
        out.append("".join(parts).rstrip())
    return "\n".join(out) + "\n"


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: those become null, like every other unknown."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def snapshot_to_json(
    snapshot: Snapshot,
    processes: Sequence[ProcessRow] | None = None,
    kernel_threads_hidden: bool | None = None,
    compact: bool = False,
) -> str:
    """The snapshot as one JSON document (``compact``: on one line, for NDJSON streams);
    ``processes`` (the table's rows, in its order, maybe
    fewer) replaces the snapshot's own list when given. ``kernel_threads_hidden``: whether the
    text view left kernel threads out (the JSON lists them all, each with is_kernel_thread)."""
    body = _clean(dataclasses.asdict(snapshot))
    # Screens' readings: absent where not taken; source_status: only while a remote source
    # (Prometheus) reports trouble, processes_note only from a remote source, so a local
    # machine's document is unchanged.
    # gpu_status: only while the GPUs' reader has something to say ("reading", an error);
    # "gpus" is always there, an empty list on a machine without GPUs.
    # Each GPU's "id" (vendor and index): unique, where the index alone is not.
    body["gpus"] = [
        {"id": gpu.key, **doc} for gpu, doc in zip(snapshot.gpus, body["gpus"], strict=True)
    ]
    for optional in ("ports", "dev_servers", "source_status", "processes_note", "gpu_status"):
        if body.get(optional) is None:
            body.pop(optional, None)
    if processes is not None:
        body["processes"] = [_clean(dataclasses.asdict(row)) for row in processes]
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "sot_version": __version__}
    if kernel_threads_hidden is not None:
        document["kernel_threads_hidden"] = kernel_threads_hidden
    document.update(body)
    if compact:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=True) + "\n"
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


# What each dev-server group is, for scripts: "cpu_percent" and "rss_bytes" sum its processes.
PS_SCHEMA_VERSION = 1


def ps_to_json(
    snapshot: Snapshot, processes: Sequence[ProcessRow], kernel_threads_hidden: bool | None = None
) -> str:
    """``sot ps --format json``: the processes (the table's rows, in its order, kernel threads
    included), the listening ports and the development servers; ``null`` for a reading that
    could not be taken. ``kernel_threads_hidden``: whether the text view left them out."""

    def plain(items: Sequence[object] | None) -> list[Any] | None:
        if items is None:
            return None
        return [_clean(dataclasses.asdict(item)) for item in items]  # type: ignore[call-overload]

    document = {
        "schema_version": PS_SCHEMA_VERSION,
        "sot_version": __version__,
        "wall_epoch_s": snapshot.wall_epoch_s,
        "hostname": snapshot.host.hostname,
        "kernel_threads_hidden": kernel_threads_hidden,
        "processes": plain(processes),
        "ports": plain(snapshot.ports),
        "dev_servers": plain(snapshot.dev_servers),
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


# A screen whose JSON is not the whole snapshot: its writer, by ``Config.screen``.
JSON_WRITERS: dict[str, Callable[[Snapshot, Sequence[ProcessRow], bool], str]] = {"ps": ps_to_json}
