"""Reading the files ``sot info`` takes its facts from, under a root directory that tests replace
with a fake tree (``root / "etc/os-release"`` instead of ``/etc/os-release``).

A file that is missing, unreadable or not what it should be is ``None``, never an exception: one
unreadable fact must not take the others down. Reads are capped, so a huge or endless file
(a hostile os-release, /dev/zero planted by a container image) costs a bounded time.
"""

from __future__ import annotations

import os
from pathlib import Path

from sot.safe_text import sanitize

SMALL_FILE_BYTES = 64 * 1024  # os-release, cpuinfo of a few hundred CPUs: 1 MiB is the rule
MAX_FACT_CHARS = 256  # a name longer than this is not a name: cut before it reaches a layout


def under(root: Path, path: str) -> Path:
    """``path`` (absolute, as on the live machine) inside ``root``."""
    return root / path.lstrip("/")


def read_bytes(root: Path, path: str, limit: int = SMALL_FILE_BYTES) -> bytes | None:
    """Up to ``limit`` bytes of a regular file (or a /proc or /sys file), None if unreadable.

    Non-blocking open: a FIFO planted where a file should be must not hang ``sot info``.
    """
    try:
        fd = os.open(under(root, path), os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (OSError, ValueError):  # ValueError: a NUL in a path built from file contents
        return None
    try:
        chunks: list[bytes] = []
        size = 0
        while size < limit:
            chunk = os.read(fd, min(limit - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:  # a directory, a FIFO without a writer (EAGAIN), a device that refuses
        return None
    finally:
        os.close(fd)


def read_text(root: Path, path: str, limit: int = SMALL_FILE_BYTES) -> str | None:
    data = read_bytes(root, path, limit)
    return None if data is None else data.decode("utf-8", errors="replace")


def read_value(root: Path, path: str) -> str | None:
    """A one-value file (sysfs, /proc/sys): its first line, sanitized; None if empty."""
    text = read_text(root, path, 4096)
    if text is None:
        return None
    return clean(text.split("\n", 1)[0].rstrip("\0"))


def read_int(root: Path, path: str) -> int | None:
    value = read_value(root, path)
    try:
        return None if value is None else int(value, 0)
    except ValueError:
        return None


def list_names(root: Path, path: str) -> list[str]:
    """The entries of a directory, sorted; empty where there is no such directory."""
    try:
        return sorted(os.listdir(under(root, path)))
    except (OSError, ValueError):
        return []


def is_dir(root: Path, path: str) -> bool:
    return under(root, path).is_dir()


def exists(root: Path, path: str) -> bool:
    """Whether anything (a file, a directory, a broken link) is at ``path``."""
    return os.path.lexists(under(root, path))


def clean(text: str | None) -> str | None:
    """Text from a file as a fact: sanitized, whitespace runs folded, capped; None if empty."""
    if text is None:
        return None
    folded = " ".join(sanitize(text).split())
    return folded[:MAX_FACT_CHARS] or None
