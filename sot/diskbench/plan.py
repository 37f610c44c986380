"""What a run does, decided before anything is written: the tests, the file size, the time
per test, and whether the filesystem can spare the space. Pure: no I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sot.config import ConfigError, parse_duration

MIB = 1 << 20
GIB = 1 << 30
SEQUENTIAL_BLOCK_BYTES = MIB
RANDOM_BLOCK_BYTES = 4096
DEFAULT_SIZE_BYTES = 256 * MIB
DEFAULT_DURATION_S = 5.0
MAX_DURATION_S = 3600.0
MAX_SIZE_BYTES = 1 << 50  # 1 PiB: more is a typing mistake
# The space a run must leave free: the larger of the two (a full disk breaks other programs).
KEEP_FREE_FRACTION = 0.10
KEEP_FREE_BYTES = GIB

_SIZE = re.compile(r"(\d+)\s*([kmgtp]?)(i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": MIB, "g": GIB, "t": 1 << 40, "p": 1 << 50}


class BenchTest(Enum):
    """The four tests, in the order they run: the sequential write lays the file out for the
    reads (fio lays out a read job's file the same way before timing it)."""

    SEQ_WRITE = "seq-write"
    SEQ_READ = "seq-read"
    RAND_READ = "rand-read"
    RAND_WRITE = "rand-write"

    @property
    def block_bytes(self) -> int:
        return RANDOM_BLOCK_BYTES if self.random else SEQUENTIAL_BLOCK_BYTES

    @property
    def random(self) -> bool:
        return self in (BenchTest.RAND_READ, BenchTest.RAND_WRITE)

    @property
    def writes(self) -> bool:
        return self in (BenchTest.SEQ_WRITE, BenchTest.RAND_WRITE)


ALL_TESTS = tuple(BenchTest)


@dataclass(frozen=True, slots=True)
class BenchPlan:
    tests: tuple[BenchTest, ...]
    size_bytes: int
    duration_s: float  # per test


def parse_size(text: str) -> int:
    """``64M``, ``1G``, ``512MiB``, ``1gb`` (binary units: K=1024) or a number of bytes; a
    whole number of MiB (the sequential tests' block), at least 1 MiB."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ConfigError(f"--size takes a size such as 64M or 1G, not {text!r}")
    value = int(found.group(1)) * _UNITS[found.group(2).lower()]
    if value < MIB or value > MAX_SIZE_BYTES:
        raise ConfigError(f"--size must be at least 1M and at most 1P, not {text}")
    if value % MIB:
        raise ConfigError(f"--size must be a whole number of MiB (1 MiB blocks), not {text}")
    return value


def parse_tests(text: str) -> tuple[BenchTest, ...]:
    """``seq-read,rand-read`` -> those tests, in the order they run (writes first)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = {test.value: test for test in BenchTest}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        choices = ",".join(test.value for test in BenchTest)
        raise ConfigError(f"--tests takes names from {choices}, not {text!r}")
    chosen = {known[name] for name in names}
    return tuple(test for test in ALL_TESTS if test in chosen)


def parse_bench_duration(text: str) -> float:
    """Seconds per test: the dashboard's --duration rules (a number, more than 0), at most an
    hour (a run is four of them)."""
    value = parse_duration(text)
    if value > MAX_DURATION_S:
        raise ConfigError(f"--duration must be at most 3600 seconds per test, not {text}")
    return value


def free_space_problem(size_bytes: int, total_bytes: int, free_bytes: int) -> str | None:
    """Why a test file of ``size_bytes`` must not be written where ``free_bytes`` of
    ``total_bytes`` are free, or None: it must leave at least 10 % and at least 1 GiB free."""
    keep = max(KEEP_FREE_BYTES, int(total_bytes * KEEP_FREE_FRACTION))
    left = free_bytes - size_bytes
    if left >= keep:
        return None
    return (
        f"a {format_size(size_bytes)} test file would leave {format_size(max(0, left))} free of"
        f" {format_size(total_bytes)}; sot bench keeps at least 10 % and 1 GiB free"
        " (try a smaller --size or another directory)"
    )


def format_size(size_bytes: float) -> str:
    """``256 MiB``, ``1.5 GiB``: binary units, spelled as such."""
    value = float(size_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            text = f"{value:.1f}".removesuffix(".0") if unit != "B" else f"{value:.0f}"
            return f"{text} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
