"""Pressure stall information: /proc/pressure/{cpu,memory,io}, the share of recent time in which
tasks waited for a CPU, for memory or for I/O (Linux 4.20+, built with CONFIG_PSI).

Three small files of a few microseconds each, read every 2 s (the collector's schedule): the
kernel recomputes the averages that often. A kernel without PSI has no /proc/pressure; one
booted with psi=0 has the files but refuses to read them (EOPNOTSUPP): both read as ``None``.
"""

from __future__ import annotations

import contextlib

from sot.collect.procfs import read_small
from sot.collect.records import PressureReading, Stall

PRESSURE_DIRECTORY = "/proc/pressure"
RESOURCES = ("cpu", "memory", "io")


def parse_pressure(text: str) -> Stall | None:
    """One pressure file: "some avg10=0.12 avg60=... total=..." and (memory, io, and cpu from
    Linux 5.13) "full ..."; None where neither line holds an avg10."""
    shares: dict[str, float] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind not in ("some", "full"):
            continue
        for item in rest.split():
            name, _, value = item.partition("=")
            if name == "avg10":
                with contextlib.suppress(ValueError):
                    shares[kind] = float(value)
    if not shares:
        return None
    return Stall(shares.get("some"), shares.get("full"))


class PressureReader:
    """Reads the pressure files in ``directory`` (tests pass a fake one)."""

    def __init__(self, directory: str = PRESSURE_DIRECTORY) -> None:
        self._directory = directory

    def read(self) -> PressureReading | None:
        """The three resources' shares; None when the kernel gives none of them."""
        found = []
        for name in RESOURCES:
            data = read_small(f"{self._directory}/{name}", 4096)
            found.append(None if data is None else parse_pressure(data.decode("ascii", "replace")))
        cpu, memory, io = found
        if cpu is None and memory is None and io is None:
            return None
        return PressureReading(cpu, memory, io)
