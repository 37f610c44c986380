"""The process list as shown: which rows, in which order."""

from __future__ import annotations

from collections.abc import Sequence

from sot.model import ProcessRow


def by_cpu(rows: Sequence[ProcessRow]) -> list[ProcessRow]:
    """Busiest first; unknown CPU (a process's first sample) after every known one; ties by PID."""
    return sorted(
        rows,
        key=lambda r: (r.cpu_percent is None, -(r.cpu_percent or 0.0), -(r.rss_bytes or 0), r.pid),
    )
