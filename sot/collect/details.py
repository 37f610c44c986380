"""The details view's reading of one process: everything ``SystemSource.process_details`` gives,
its environment and open files, and its CPU and I/O rates since the last reading.

Only the process in the details view is read, once per tick. Environment values are masked here,
before they reach the snapshot: nothing past this module (the screen, the log, a test's failure
message) ever holds the value of a variable whose name looks secret.
"""

from __future__ import annotations

import re

from sot.collect.rates import rate
from sot.collect.records import Environment, OpenFiles, RawProcessDetails, SystemSource
from sot.model import ProcessDetails, ProcessKey

# A variable whose name holds one of these (in any case) has its value shown as MASK. Broad on
# purpose (KEY also matches KEYBOARD, AUTH also XAUTHORITY): hiding a harmless value costs a
# look at /proc; showing a token on a shared screen cannot be undone.
SECRET_NAME_PARTS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH")
MASK = "****"
# user:password@ in a URL (DATABASE_URL=postgres://app:hunter2@db/app): the password goes too.
_URL_PASSWORD = re.compile(r"(://[^/:@\s]*:)[^/@\s]+@")


def looks_secret(name: str) -> bool:
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


def masked(name: str, value: str) -> str:
    """``value`` as the details view may show it."""
    if looks_secret(name):
        return MASK
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", value)


def masked_environment(environment: Environment) -> tuple[tuple[str, str], ...]:
    return tuple((name, masked(name, value)) for name, value in environment.variables)


def _same_start(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(actual - expected) < 0.01


def _cpu_total(raw: RawProcessDetails) -> float | None:
    if raw.cpu_user_s is None or raw.cpu_system_s is None:
        return None
    return raw.cpu_user_s + raw.cpu_system_s


class DetailsReader:
    """Reads the details of one process at a time, keeping the last reading for its rates."""

    def __init__(self, source: SystemSource) -> None:
        self._source = source
        # The last reading (without environment or files: rates need neither, and a secret's
        # value is not kept), the process it was of, and when.
        self._seen: tuple[ProcessKey, float, RawProcessDetails] | None = None

    def read(self, key: ProcessKey, now_s: float) -> ProcessDetails | None:
        """The details of process ``key``; None once it has exited (or its PID is another's)."""
        pid, start_time = key
        raw = self._source.process_details(pid)
        if raw is None or not _same_start(raw.create_time, start_time):
            self._seen = None
            return None
        seen, self._seen = self._seen, (key, now_s, raw)
        previous = seen[2] if seen is not None and seen[0] == key else None
        interval_s = now_s - seen[1] if seen is not None and previous is not None else None
        environment = self._source.process_environment(pid)
        files = self._source.process_open_files(pid)
        return _details(raw, previous, interval_s, environment, files)


def _details(
    raw: RawProcessDetails,
    previous: RawProcessDetails | None,
    interval_s: float | None,
    environment: Environment | None,
    files: OpenFiles | None,
) -> ProcessDetails:
    def delta_rate(old: float | None, new: float | None) -> float | None:
        return rate(old, new, interval_s)

    cpu_rate = delta_rate(_cpu_total(previous) if previous else None, _cpu_total(raw))
    return ProcessDetails(
        pid=raw.pid,
        name=raw.name,
        arguments=raw.arguments,
        exe=raw.exe,
        cwd=raw.cwd,
        user_real=raw.user_real,
        user_effective=raw.user_effective,
        status=raw.status,
        nice=raw.nice,
        start_time_epoch_s=raw.create_time,
        cpu_user_s=raw.cpu_user_s,
        cpu_system_s=raw.cpu_system_s,
        cpu_percent=None if cpu_rate is None else 100.0 * cpu_rate,
        rss_bytes=raw.rss_bytes,
        vms_bytes=raw.vms_bytes,
        shared_bytes=raw.shared_bytes,
        threads=raw.threads,
        # The listing is the fresher count where there is one: it was read with the list.
        open_files=files.total if files is not None else raw.open_files,
        io_read_bytes=raw.io_read_bytes,
        io_write_bytes=raw.io_write_bytes,
        io_read_bytes_per_s=delta_rate(
            previous.io_read_bytes if previous else None, raw.io_read_bytes
        ),
        io_write_bytes_per_s=delta_rate(
            previous.io_write_bytes if previous else None, raw.io_write_bytes
        ),
        listening_ports=raw.listening_ports,
        connections=raw.connections,
        parent=raw.parent,
        children=raw.children,
        environment=masked_environment(environment) if environment is not None else None,
        environment_complete=environment.complete if environment is not None else True,
        open_file_targets=files.files if files is not None else None,
    )
