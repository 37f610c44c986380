"""What ``sot fleet`` shows: one row per instance that Prometheus scrapes, frozen, units in the
names, ``None`` for unknown (shown ``-``, never a fake 0)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FleetRow:
    """One scrape target (``instance`` and ``job`` label of its ``up`` series) and its figures.
    Label values are sanitized by the API client; they are still measured by display cells."""

    instance: str
    job: str
    up: bool | None  # None: no fresh answer from Prometheus (the figures are unknown too)
    cpu_percent: float | None = None
    memory_used_percent: float | None = None
    fullest_filesystem_percent: float | None = None
    fullest_filesystem_mount: str | None = None
    load1_per_core: float | None = None
    network_rx_bytes_per_s: float | None = None
    network_tx_bytes_per_s: float | None = None
    uptime_s: float | None = None
    nodename: str | None = None  # node_uname_info's: the host's own name
    kernel_release: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The row's identity, kept by the selection across refreshes."""
        return (self.instance, self.job)


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """Every instance, as of the latest answer; ``status``: one line while something is wrong
    (Prometheus unreachable, stale data, warnings), else None."""

    url: str  # the redacted Prometheus URL
    time_epoch_s: float | None  # when the figures were fetched; None: never
    rows: tuple[FleetRow, ...]
    status: str | None = None
    queries: int = 0  # HTTP queries sent so far (the issue counts them per refresh)

    @property
    def up_count(self) -> int:
        return sum(1 for row in self.rows if row.up is True)

    @property
    def down_count(self) -> int:
        return sum(1 for row in self.rows if row.up is False)
