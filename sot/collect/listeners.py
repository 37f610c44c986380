"""The optional readings of ``sot ps``: listening sockets with their owners, and the processes
grouped into development servers. Taken only when a screen asks (``Collector.sample``'s
``wanted``), the sockets on a slow schedule: finding their owners walks every process's open
files."""

from __future__ import annotations

from collections.abc import Sequence

from sot.collect.devservers import group_dev_servers
from sot.collect.records import OwnedSocket, PortSource
from sot.model import DevServerGroup, ListeningPort, ProcessRow

READING_PORTS = "ports"
READING_DEV_SERVERS = "dev_servers"


class Listeners:
    """Reads the sockets through ``source`` at most every ``period_s`` and names their owners
    after each tick's processes. ``own_pid`` (sot) is never counted as a dev server."""

    def __init__(self, source: PortSource | None, own_pid: int | None, period_s: float) -> None:
        self._source = source
        self._own_pid = own_pid
        self._period_s = period_s
        self._sockets: tuple[OwnedSocket, ...] | None = None
        self._read_at_s: float | None = None

    def read(
        self, now_s: float, wanted: frozenset[str], processes: Sequence[ProcessRow]
    ) -> tuple[tuple[ListeningPort, ...] | None, tuple[DevServerGroup, ...] | None]:
        """(ports, dev servers), each ``None`` when not wanted or not readable."""
        if not wanted & {READING_PORTS, READING_DEV_SERVERS}:
            return None, None
        ports = self._ports(now_s, processes)
        dev_servers = None
        if READING_DEV_SERVERS in wanted:
            dev_servers = group_dev_servers(processes, ports, self._own_pid)
        return (ports if READING_PORTS in wanted else None), dev_servers

    def _ports(
        self, now_s: float, processes: Sequence[ProcessRow]
    ) -> tuple[ListeningPort, ...] | None:
        if self._source is None:
            return None
        if self._read_at_s is None or now_s - self._read_at_s >= self._period_s:
            found = self._source.listening_sockets()
            self._sockets = None if found is None else tuple(found)
            self._read_at_s = now_s
        if self._sockets is None:
            return None
        names = {row.pid: row.name for row in processes}
        return tuple(
            ListeningPort(s.protocol, s.address, s.port, s.pid, names.get(s.pid) if s.pid else None)
            for s in sorted(self._sockets, key=lambda s: (s.port, s.protocol, s.address))
        )
