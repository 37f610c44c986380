"""Deleting what a plan says, and nothing else, through opened directories.

Each directory is opened relative to its parent's descriptor with ``O_NOFOLLOW`` and must
still be the directory the plan saw (device and inode); each file is unlinked by name
relative to that descriptor (``unlinkat``) after ``lstat`` shows it is still the planned file,
unchanged since. So a directory swapped for a symbolic link (or for another directory) after
the plan was made is refused, not followed, and nothing outside the target's root can be
reached: every step goes down from the root's own descriptor. Per-file failures (permission
denied, busy, changed) are collected, never raised: the run goes on.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from sot.cleanup.plan import DIRECTORY_FLAGS, FileId, PlannedDir, TargetPlan, open_components

# How many failed paths a target keeps for the report: the count is always exact.
MAX_ERRORS_KEPT = 50


@dataclass(frozen=True, slots=True)
class Outcome:
    """What deleting one target did."""

    name: str
    freed_bytes: int = 0
    files: int = 0
    directories: int = 0
    errors: tuple[tuple[str, str], ...] = ()  # (path, reason), the first MAX_ERRORS_KEPT
    error_count: int = 0
    stopped: bool = False  # a signal ended the run part of the way through
    deleted: tuple[str, ...] | None = None  # every path deleted, when asked for (tests)
    shared_bytes: int = 0  # deleted links whose data stays (hard-linked elsewhere)


@dataclass(slots=True)
class _Progress:
    """The counts while one target is deleted (private; handed out as an ``Outcome``)."""

    name: str
    freed_bytes: int = 0
    files: int = 0
    directories: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    error_count: int = 0
    deleted: list[str] | None = None
    in_use: frozenset[FileId] = frozenset()
    shared_bytes: int = 0

    def fail(self, path: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((path, reason))

    def outcome(self, stopped: bool) -> Outcome:
        return Outcome(
            self.name,
            self.freed_bytes,
            self.files,
            self.directories,
            tuple(self.errors),
            self.error_count,
            stopped,
            None if self.deleted is None else tuple(self.deleted),
            self.shared_bytes,
        )


class _Stop(Exception):
    pass


def delete_target(
    target: TargetPlan,
    should_stop: Callable[[], bool],
    record: bool = False,
    in_use: frozenset[FileId] = frozenset(),
) -> Outcome:
    """Delete what ``target`` planned. ``should_stop`` is asked between files (a signal);
    ``in_use`` are the files and directories in use now (read again after the questions,
    which may have taken minutes): they are left."""
    progress = _Progress(target.spec.name, deleted=[] if record else None, in_use=in_use)
    if target.skipped is not None:
        # Shown in the table, never deleted (a root-only target without root).
        return progress.outcome(stopped=False)
    try:
        for root in target.roots:
            try:
                fd = open_components(root.base, root.components, root.prefix)
            except OSError as err:
                progress.fail(root.path, _reason(err))
                continue
            try:
                info = os.fstat(fd)
                if (info.st_dev, info.st_ino) != (root.tree.dev, root.tree.ino):
                    progress.fail(root.path, "replaced since the scan; left alone")
                    continue
                _delete_in(fd, root.tree, root.path, progress, should_stop)
            finally:
                os.close(fd)
    except _Stop:
        return progress.outcome(stopped=True)
    return progress.outcome(stopped=False)


def _delete_in(
    fd: int, tree: PlannedDir, path: str, outcome: _Progress, should_stop: Callable[[], bool]
) -> None:
    for planned in tree.files:
        if should_stop():
            raise _Stop
        file_path = os.path.join(path, planned.name)
        try:
            now = os.stat(planned.name, dir_fd=fd, follow_symlinks=False)
            if (now.st_dev, now.st_ino) != (planned.dev, planned.ino):
                outcome.fail(file_path, "replaced since the scan; left alone")
                continue
            if (now.st_mtime_ns, now.st_ctime_ns) != (planned.mtime_ns, planned.ctime_ns):
                outcome.fail(file_path, "modified since the scan; left alone")
                continue
            if (now.st_dev, now.st_ino) in outcome.in_use:
                outcome.fail(file_path, "in use by a process since the scan; left alone")
                continue
            os.unlink(planned.name, dir_fd=fd)
        except FileNotFoundError:
            continue  # gone already (its tool cleaned it): nothing freed by us
        except OSError as err:
            outcome.fail(file_path, _reason(err))
            continue
        outcome.files += 1
        outcome.freed_bytes += planned.size_bytes
        outcome.shared_bytes += planned.shared_bytes
        if outcome.deleted is not None:
            outcome.deleted.append(file_path)
    for directory in tree.dirs:
        _delete_directory(fd, directory, os.path.join(path, directory.name), outcome, should_stop)


def _delete_directory(
    parent_fd: int,
    directory: PlannedDir,
    path: str,
    outcome: _Progress,
    should_stop: Callable[[], bool],
) -> None:
    try:
        fd = os.open(directory.name, DIRECTORY_FLAGS, dir_fd=parent_fd)
    except FileNotFoundError:
        return
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENOTDIR):
            outcome.fail(path, "replaced by a symbolic link or a file since the scan; not followed")
        else:
            outcome.fail(path, _reason(err))
        return
    try:
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) != (directory.dev, directory.ino):
            outcome.fail(path, "replaced by another directory since the scan; left alone")
            return
        if (info.st_dev, info.st_ino) in outcome.in_use:
            outcome.fail(path, "a process's working directory since the scan; left alone")
            return
        _delete_in(fd, directory, path, outcome, should_stop)
    finally:
        os.close(fd)
    if not directory.remove:
        return
    try:
        now = os.stat(directory.name, dir_fd=parent_fd, follow_symlinks=False)
        if (now.st_dev, now.st_ino) != (directory.dev, directory.ino):
            return
        os.rmdir(directory.name, dir_fd=parent_fd)
    except OSError as err:
        # Not empty: something was kept inside, or put there since; that is no failure.
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
            outcome.fail(path, _reason(err))
        return
    outcome.directories += 1
    if outcome.deleted is not None:
        outcome.deleted.append(path)


def _reason(err: OSError) -> str:
    if err.errno == errno.EBUSY:
        return "busy"
    return (err.strerror or str(err)).lower()
