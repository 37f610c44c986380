"""Files sot writes and reads, opened so that nobody else can choose where they lead.

sot may run as root and be pointed at a path in a world-writable directory, where another user can
plant a symbolic link, a hard link or a FIFO beforehand. So:

* a file written whole (``--record``, and later results or configuration) goes to a new
  temporary name in the same directory (``O_CREAT|O_EXCL|O_NOFOLLOW``, mode 0600), is synced,
  and is renamed over the final name: a link there is replaced, never followed, and a crash
  leaves the old file or none, never half of one;
* a log is appended to an existing regular file opened with ``O_NOFOLLOW``, or created with
  ``O_EXCL`` (mode 0600);
* a file read (``--replay``, later the configuration) must be a regular file no larger than a
  cap, checked before reading; a FIFO, a device or a directory is refused at once, and the open
  itself is non-blocking so a FIFO without a writer cannot hang sot.

Every refusal is a ``FileRefused`` whose text is one line naming the path and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import TextIO

PRIVATE_MODE = 0o600  # recordings and logs hold command lines, which can carry secrets
READ_CHUNK_BYTES = 1 << 20
_TEMP_ATTEMPTS = 8
_NAME_ROOM = 200  # of the 255 bytes a name may have, what the temporary name keeps of the final


class FileRefused(Exception):
    """A file sot will not use, or cannot: ``str()`` is ``<path>: <why>``."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _refused(path: str, err: OSError, reading: bool = False) -> FileRefused:
    reasons = {
        errno.ELOOP: "too many levels of symbolic links (a loop?)"
        if reading
        else "is a symbolic link, and sot does not follow links for files it writes",
        errno.ENXIO: "is not a regular file (a FIFO or a device)",
        errno.EISDIR: "is a directory",
    }
    return FileRefused(path, reasons.get(err.errno or 0, err.strerror or str(err)))


def _require_regular(path: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(path, f"is {_kind(info.st_mode)}, not a regular file")


def not_regular(path: str) -> str | None:
    """What is at ``path`` if it is there and not a regular file ("a symbolic link", "a
    character device", ...), by ``lstat``: a link is a link, wherever it leads. ``None`` if
    nothing is there or it is a regular file. Raises ``FileRefused`` if it cannot be looked at.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _refused(path, err) from err
    return None if stat.S_ISREG(mode) else _kind(mode)


def write_whole_file(path: str, data: bytes) -> None:
    """Put ``data`` at ``path`` all at once, mode 0600, replacing (not following) what is there.

    Raises ``FileRefused``; on any failure the temporary file is removed and ``path`` is as it was.
    """
    try:
        existing: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as err:
        raise _refused(path, err) from err
    if existing is not None and not (
        stat.S_ISREG(existing.st_mode) or stat.S_ISLNK(existing.st_mode)
    ):
        # Renaming over /dev/null or a FIFO would replace it: refuse rather than destroy.
        raise FileRefused(path, f"is {_kind(existing.st_mode)}, not a regular file")
    directory, name = os.path.split(path)
    temp, fd = _create_temp(path, directory or ".", name)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _refused(path, err) from err
    _sync_directory(directory or ".")


def _create_temp(path: str, directory: str, name: str) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(_TEMP_ATTEMPTS):
        temp = os.path.join(directory, f".{name[:_NAME_ROOM]}.{os.urandom(6).hex()}.tmp")
        try:
            return temp, os.open(temp, flags, PRIVATE_MODE)
        except FileExistsError:
            continue  # someone else's name (or a planted link): draw another
        except OSError as err:
            raise _refused(path, err) from err
    raise FileRefused(path, "cannot create a temporary file beside it")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; a filesystem that cannot sync a directory is no error."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_log_for_append(path: str) -> TextIO:
    """``path`` opened for appending text: an existing regular file with one link, never through
    a symbolic link, or a new file (mode 0600). Raises ``FileRefused``."""
    # O_NONBLOCK: opening a FIFO with no reader fails at once (ENXIO) instead of waiting.
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
    fd = -1
    for _ in range(_TEMP_ATTEMPTS):
        try:
            fd = os.open(path, flags)
            break
        except FileNotFoundError:
            pass
        except OSError as err:
            raise _refused(path, err) from err
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
            break
        except FileExistsError:
            continue  # created by someone else in between: open that one, with the same checks
        except OSError as err:
            raise _refused(path, err) from err
    if fd < 0:
        raise FileRefused(path, "keeps appearing and disappearing")
    try:
        info = os.fstat(fd)
        _require_regular(path, info)
        if info.st_nlink > 1:
            # A hard link planted in a shared directory would lead to someone else's file.
            raise FileRefused(path, "has other hard links; sot appends only to a file of its own")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """The contents of the regular file at ``path``, refused if larger than ``max_bytes``.

    Checked before anything is read: what ``path`` is (a FIFO or a device is never opened for
    reading in earnest) and its size. Raises ``FileRefused``.
    """
    try:
        _require_regular(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as err:
        raise _refused(path, err, reading=True) from err
    try:
        info = os.fstat(fd)
        _require_regular(path, info)  # replaced between the stat and the open
        if info.st_size > max_bytes:
            raise FileRefused(path, f"is larger than the {_size(max_bytes)} sot reads")
        return _read_bounded(path, fd, max_bytes)
    except OSError as err:
        raise _refused(path, err, reading=True) from err
    finally:
        os.close(fd)


def _read_bounded(path: str, fd: int, max_bytes: int) -> bytes:
    """Read to the end, but never more than ``max_bytes`` (the file may grow while read)."""
    data = bytearray()
    while True:
        chunk = os.read(fd, READ_CHUNK_BYTES)
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > max_bytes:
            raise FileRefused(path, f"is larger than the {_size(max_bytes)} sot reads")


def _size(count: int) -> str:
    mib = count / (1 << 20)
    return f"{mib:g} MiB" if mib >= 1 else f"{count} bytes"
