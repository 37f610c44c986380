"""The one planning function: what a run would delete, target by target. ``--dry-run`` prints
this plan and a real run deletes exactly this plan (``sot.cleanup.delete``), so the two can
never disagree.

Every directory is opened relative to its parent's descriptor with ``O_NOFOLLOW`` and listed
through that descriptor, and every entry is looked at with ``lstat``: a symbolic link is never
followed (a link itself is planned for removal, which removes the link, never what it points
to). The plan keeps each directory's device and inode, so the deletion can tell when one was
swapped for something else in between.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace

from sot.cleanup.targets import SECONDS_PER_DAY, Roots, TargetSpec

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FileId = tuple[int, int]  # (st_dev, st_ino)
# Each level holds one descriptor while its subdirectories are scanned (and deleted): deeper
# trees are left as they are rather than running out of descriptors or stack.
MAX_DEPTH = 200


class PlanStopped(Exception):
    """A stop was asked for (a signal) while the trees were being scanned."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file or symbolic link to unlink; ``size_bytes`` is the space it holds on disk (0 for
    a second link to a file already counted). A file with hard links outside the plan (uv's
    cache linked into a venv) frees nothing when its link here goes: its size is
    ``shared_bytes`` instead."""

    name: str
    dev: int
    ino: int
    mtime_ns: int
    size_bytes: int
    ctime_ns: int = 0  # checked again before unlinking, with mtime_ns: any change keeps it
    shared_bytes: int = 0


@dataclass(frozen=True, slots=True)
class PlannedDir:
    """A directory to go into: its planned files and subdirectories, and whether it is to be
    removed itself afterwards (only when everything in it is planned and it is old enough)."""

    name: str
    dev: int
    ino: int
    files: tuple[PlannedFile, ...]
    dirs: tuple[PlannedDir, ...]
    remove: bool


@dataclass(frozen=True, slots=True)
class Kept:
    """What the plan leaves, by reason (counts of entries)."""

    open_files: int = 0
    recent: int = 0
    other_filesystem: int = 0
    not_owned: int = 0
    nested_target: int = 0
    special_files: int = 0  # sockets, FIFOs, devices: in use by their nature
    unreadable: int = 0
    protected: int = 0  # a service's private /tmp directory and the like
    not_permitted: int = 0  # in a directory this user may not change (or a read-only mount)

    def plus(self, other: Kept) -> Kept:
        return Kept(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Kept)}
        )


@dataclass(frozen=True, slots=True)
class PlannedRoot:
    """One directory of a target whose contents are planned: ``base`` and the components
    under it (opened one by one without following links), and the tree of what goes."""

    base: str
    components: tuple[str, ...]
    tree: PlannedDir
    prefix: str = ""  # --root: ``base`` is opened from here down without following links

    @property
    def path(self) -> str:
        return os.path.join(self.base, *self.components) if self.components else self.base


@dataclass(frozen=True, slots=True)
class TargetPlan:
    spec: TargetSpec
    roots: tuple[PlannedRoot, ...]
    files: int
    directories: int
    size_bytes: int
    kept: Kept
    min_age_days: float
    skipped: str | None = None  # why nothing of it is deleted (needs root), or None
    notes: tuple[str, ...] = field(default=())  # paths that were not usable as roots, and why
    # Files whose other hard links are outside the plan: deleted (they are cache) but their
    # data stays where the other link is, so this is not in size_bytes.
    shared_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Conditions:
    """What the plan depends on besides the trees: the user whose files /tmp may lose, the
    clock, the files open now, and whether this run may clean root-only targets."""

    uid: int
    now_s: float
    open_files: frozenset[FileId]
    is_root: bool
    older_than_days: float | None = None  # --older-than; None: each target's default
    # Mount points below the bases (bind mounts keep the device number): never entered.
    mount_points: frozenset[FileId] = frozenset()
    # Tests on fake trees only: age by mtime alone, since a test cannot set ctime back.
    age_by_mtime_only: bool = False


def open_base(path: str, prefix: str = "") -> int:
    """A descriptor for the base directory ``path`` (the home, /tmp).

    Without ``prefix`` the bases are this machine's own /tmp, /var/tmp, /var/cache and the
    home from the password database: set up by root, so a link in their path (/home ->
    /usr/home, macOS's /tmp) is the system's choice and is followed. Under ``--root`` the
    image is anybody's: only ``prefix`` itself (named by the person) is trusted, and each
    component below it is opened with ``O_NOFOLLOW``, so an image's ``tmp -> /elsewhere`` is
    refused (ELOOP or ENOTDIR) rather than cleaned."""
    if not prefix:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    relative = os.path.relpath(path, prefix)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise OSError(errno.EXDEV, "outside --root", path)
    fd = os.open(prefix, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    return _descend(fd, relative.split(os.sep) if relative != os.curdir else ())


def _descend(fd: int, names: Iterable[str]) -> int:
    """The directory ``names`` below ``fd`` (which it closes), each opened with
    ``O_NOFOLLOW`` relative to the one before: raises ``OSError`` (ELOOP, ENOTDIR) at a link."""
    for name in names:
        try:
            child = os.open(name, DIRECTORY_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def _matches(base_fd: int, components: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The directories under ``base_fd`` that ``components`` name (``*`` matching any one
    name), found without following a link; yields the components of each."""
    if not components:
        yield ()
        return
    first, rest = components[0], components[1:]
    if any(char in first for char in "*?["):
        try:
            names = sorted(
                entry.name
                for entry in os.scandir(base_fd)
                if fnmatch.fnmatchcase(entry.name, first) and entry.is_dir(follow_symlinks=False)
            )
        except OSError:
            return
    else:
        names = [first]
    for name in names:
        try:
            fd = os.open(name, DIRECTORY_FLAGS, dir_fd=base_fd)
        except OSError:
            continue  # absent, a link, or not a directory: nothing to clean there
        try:
            for found in _matches(fd, rest):
                yield (name, *found)
        finally:
            os.close(fd)


def open_components(base: str, components: tuple[str, ...], prefix: str = "") -> int:
    """A descriptor for ``base/components...``, each component opened with ``O_NOFOLLOW``
    relative to the one before: raises ``OSError`` (ELOOP, ENOTDIR) where one is a link."""
    return _descend(open_base(base, prefix), components)


def target_roots(spec: TargetSpec, roots: Roots) -> list[tuple[str, tuple[str, ...]]]:
    """The directories of ``spec`` that exist, as (base, components); a link anywhere below
    the base leaves that directory out."""
    base = roots.path_of(spec.base)
    if not base:
        return []
    found: list[tuple[str, tuple[str, ...]]] = []
    try:
        base_fd = open_base(base, roots.prefix)
    except OSError:
        return []
    try:
        for relative in spec.paths:
            parts = tuple(p for p in relative.split("/") if p not in ("", "."))
            found.extend((base, match) for match in _matches(base_fd, parts))
    finally:
        os.close(base_fd)
    return found


def base_note(base: str, prefix: str) -> str | None:
    """Why the base ``base`` is not cleaned although it is there: a link under --root."""
    if not base or not prefix:
        return None
    try:
        os.close(open_base(base, prefix))
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENOTDIR, errno.EXDEV):
            return f"{base}: a symbolic link (or no directory) inside --root; not followed"
    return None


def _identity(base: str, components: tuple[str, ...], prefix: str) -> FileId | None:
    try:
        fd = open_components(base, components, prefix)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        return info.st_dev, info.st_ino
    finally:
        os.close(fd)


@dataclass(slots=True)
class _Scan:
    """The state of one target's scan (private to ``plan``, mutable while it runs)."""

    spec: TargetSpec
    conditions: Conditions
    cutoff_ns: int
    excluded: frozenset[FileId]
    counted: set[FileId]
    should_stop: Callable[[], bool]
    links: dict[FileId, tuple[int, int]]  # hard-linked files: (st_nlink, links planned)
    root_dev: int = 0
    files: int = 0
    directories: int = 0
    size_bytes: int = 0
    kept: dict[str, int] = field(default_factory=dict)

    def keep(self, reason: str) -> bool:
        self.kept[reason] = self.kept.get(reason, 0) + 1
        return False

    def old_enough(self, info: os.stat_result) -> bool:
        # An extracted or copied file keeps its old mtime (tar, cp -p, rsync -t): the ctime,
        # which no program can set back, says when it came here.
        changed_ns = info.st_mtime_ns
        if not self.conditions.age_by_mtime_only:
            changed_ns = max(changed_ns, info.st_ctime_ns)
        return changed_ns <= self.cutoff_ns or self.keep("recent")

    def owned(self, info: os.stat_result) -> bool:
        return (
            not self.spec.owner_only or info.st_uid == self.conditions.uid or self.keep("not_owned")
        )

    def scan(self, fd: int, name: str, info: os.stat_result, depth: int) -> tuple[PlannedDir, bool]:
        """The plan for the directory open at ``fd`` (``depth`` 0: the target's own), and
        whether all of it goes."""
        top = depth == 0
        if self.should_stop():
            raise PlanStopped
        files: list[PlannedFile] = []
        dirs: list[PlannedDir] = []
        whole = True
        try:
            entries = sorted(os.scandir(fd), key=lambda entry: entry.name)
        except OSError:
            entries = []
            whole = self.keep("unreadable")
        # Names in a directory we may not write to cannot be removed: say so now rather than
        # list them and fail on each (its subdirectories may still be ours to empty).
        writable = os.access(".", os.W_OK | os.X_OK, dir_fd=fd, effective_ids=True)
        for entry in entries:
            try:
                child = entry.stat(follow_symlinks=False)
            except OSError:
                whole = self.keep("unreadable")
                continue
            if top and any(fnmatch.fnmatchcase(entry.name, p) for p in self.spec.protected):
                self.keep("protected")
                continue
            if top and self.spec.file_glob is not None:
                # Only the matching files directly inside (apt's *.deb); the rest is not ours.
                if not stat.S_ISREG(child.st_mode) or not fnmatch.fnmatchcase(
                    entry.name, self.spec.file_glob
                ):
                    continue
                if writable:
                    self._file(entry.name, child, files)
                else:
                    self.keep("not_permitted")
                continue
            if not self._eligible(child):
                whole = False
            elif stat.S_ISDIR(child.st_mode):
                removed = self._directory(fd, entry.name, child, dirs, depth + 1, writable)
                whole = removed and whole
            elif not writable:
                whole = self.keep("not_permitted")
            elif stat.S_ISREG(child.st_mode) or stat.S_ISLNK(child.st_mode):
                whole = self._file(entry.name, child, files) and whole
            else:
                whole = self.keep("special_files")
        planned = PlannedDir(name, info.st_dev, info.st_ino, tuple(files), tuple(dirs), False)
        return planned, whole

    def _eligible(self, info: os.stat_result) -> bool:
        if (
            info.st_dev != self.root_dev
            or (info.st_dev, info.st_ino) in self.conditions.mount_points
        ):
            return self.keep("other_filesystem")
        if (info.st_dev, info.st_ino) in self.excluded:
            return self.keep("nested_target")
        return self.owned(info)

    def _file(self, name: str, info: os.stat_result, files: list[PlannedFile]) -> bool:
        identity = (info.st_dev, info.st_ino)
        if stat.S_ISREG(info.st_mode) and identity in self.conditions.open_files:
            return self.keep("open_files")
        if not self.old_enough(info):
            return False
        size = 0
        if identity not in self.counted:  # hard links, and targets that share files
            self.counted.add(identity)
            size = info.st_blocks * 512
        files.append(
            PlannedFile(name, info.st_dev, info.st_ino, info.st_mtime_ns, size, info.st_ctime_ns)
        )
        self.files += 1
        self.size_bytes += size
        if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            nlink, planned = self.links.get(identity, (info.st_nlink, 0))
            self.links[identity] = (nlink, planned + 1)
        return True

    def _directory(
        self,
        parent_fd: int,
        name: str,
        info: os.stat_result,
        dirs: list[PlannedDir],
        depth: int,
        removable: bool,
    ) -> bool:
        """Plan the subdirectory ``name``; it is removed itself when everything in it goes,
        it is old enough, and ``removable`` (its parent may be written to)."""
        if (info.st_dev, info.st_ino) in self.conditions.open_files:
            return self.keep("open_files")  # a process's working directory: in use
        if depth > MAX_DEPTH:
            return self.keep("unreadable")
        try:
            fd = os.open(name, DIRECTORY_FLAGS, dir_fd=parent_fd)
        except OSError:
            return self.keep("unreadable")
        try:
            opened = os.fstat(fd)
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                return self.keep("unreadable")  # replaced while we looked
            planned, whole = self.scan(fd, name, info, depth)
        finally:
            os.close(fd)
        # Its own age as found now (before anything in it is deleted): a directory someone
        # made a minute ago in /tmp stays, even empty.
        remove = whole and self.old_enough(info) and (removable or self.keep("not_permitted"))
        if remove:
            self.directories += 1
            planned = PlannedDir(name, planned.dev, planned.ino, planned.files, planned.dirs, True)
        if remove or planned.files or planned.dirs:
            dirs.append(planned)
        return remove


def plan(
    specs: tuple[TargetSpec, ...],
    roots: Roots,
    conditions: Conditions,
    every_spec: tuple[TargetSpec, ...] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[TargetPlan, ...]:
    """What cleaning ``specs`` would delete. ``every_spec`` (default ``specs``) are all the
    targets known: none is entered by another (a cache inside /tmp, a home inside /tmp), so
    whatever is nested is counted once, under its own target. ``should_stop`` is asked in
    every directory; when it says so, raises ``PlanStopped``."""
    everything = every_spec if every_spec is not None else specs
    all_roots = {spec.name: target_roots(spec, roots) for spec in everything}
    for spec in specs:
        all_roots.setdefault(spec.name, target_roots(spec, roots))
    identities: dict[FileId, str] = {}
    for name, found in all_roots.items():
        for base, components in found:
            identity = _identity(base, components, roots.prefix)
            if identity is not None:
                identities.setdefault(identity, name)
    bases = {_identity(base, (), roots.prefix) for base in roots.all() if base}
    counted: set[FileId] = set()
    links: dict[FileId, tuple[int, int]] = {}
    targets = tuple(
        _plan_target(
            spec,
            all_roots[spec.name],
            identities,
            bases,
            conditions,
            counted,
            should_stop,
            links,
            roots.prefix,
            base_note(roots.path_of(spec.base), roots.prefix),
        )
        for spec in specs
    )
    shared = frozenset(key for key, (nlink, planned) in links.items() if planned < nlink)
    return tuple(_with_shared(target, shared) for target in targets) if shared else targets


def _share_tree(tree: PlannedDir, shared: frozenset[FileId]) -> tuple[PlannedDir, int]:
    """``tree`` with the sizes of the ``shared`` files moved to their ``shared_bytes``."""
    moved = 0
    files = []
    for planned in tree.files:
        if (planned.dev, planned.ino) in shared and planned.size_bytes:
            moved += planned.size_bytes
            files.append(replace(planned, size_bytes=0, shared_bytes=planned.size_bytes))
        else:
            files.append(planned)
    dirs = []
    for directory in tree.dirs:
        shared_dir, moved_in = _share_tree(directory, shared)
        dirs.append(shared_dir)
        moved += moved_in
    return replace(tree, files=tuple(files), dirs=tuple(dirs)), moved


def _with_shared(target: TargetPlan, shared: frozenset[FileId]) -> TargetPlan:
    roots = []
    moved = 0
    for root in target.roots:
        tree, moved_in = _share_tree(root.tree, shared)
        roots.append(replace(root, tree=tree))
        moved += moved_in
    return replace(
        target,
        roots=tuple(roots),
        size_bytes=target.size_bytes - moved,
        shared_bytes=target.shared_bytes + moved,
    )


def _plan_target(
    spec: TargetSpec,
    found: list[tuple[str, tuple[str, ...]]],
    identities: dict[FileId, str],
    bases: set[FileId | None],
    conditions: Conditions,
    counted: set[FileId],
    should_stop: Callable[[], bool],
    links: dict[FileId, tuple[int, int]],
    prefix: str = "",
    note: str | None = None,
) -> TargetPlan:
    days = conditions.older_than_days
    min_age_days = spec.min_age_days if days is None else days
    cutoff_ns = int((conditions.now_s - min_age_days * SECONDS_PER_DAY) * 1e9)
    planned: list[PlannedRoot] = []
    notes: list[str] = [] if note is None else [note]
    kept = Kept()
    totals = [0, 0, 0]
    seen: set[FileId] = set()
    for base, components in found:
        try:
            fd = open_components(base, components, prefix)
        except OSError as err:
            notes.append(f"{os.path.join(base, *components)}: {err.strerror or err}")
            continue
        try:
            info = os.fstat(fd)
            identity = (info.st_dev, info.st_ino)
            owner = identities.get(identity, spec.name)
            if identity in seen or owner != spec.name:
                continue  # the same directory by two paths, or another target's: counted once
            seen.add(identity)
            own = {identity}
            excluded = frozenset(
                {key for key in identities if key not in own}
                | {key for key in bases if key is not None and key not in own}
            )
            scan = _Scan(
                spec,
                conditions,
                cutoff_ns,
                excluded,
                counted,
                should_stop,
                links,
                root_dev=info.st_dev,
            )
            tree, _ = scan.scan(fd, "", info, 0)
        finally:
            os.close(fd)
        planned.append(PlannedRoot(base, components, tree, prefix))
        totals = [totals[0] + scan.files, totals[1] + scan.directories, totals[2] + scan.size_bytes]
        kept = kept.plus(Kept(**scan.kept))
    skipped = None
    if spec.needs_root and not conditions.is_root:
        skipped = "needs root"
    return TargetPlan(
        spec,
        tuple(planned),
        totals[0],
        totals[1],
        totals[2],
        kept,
        min_age_days,
        skipped,
        tuple(notes),
    )


def planned_paths(target: TargetPlan) -> list[str]:
    """Every path the plan deletes, children before their directory (the order of deletion)."""
    paths: list[str] = []
    for root in target.roots:
        _collect(root.tree, root.path, paths, top=True)
    return paths


def _collect(tree: PlannedDir, path: str, paths: list[str], top: bool) -> None:
    for planned_file in tree.files:
        paths.append(os.path.join(path, planned_file.name))
    for directory in tree.dirs:
        _collect(directory, os.path.join(path, directory.name), paths, top=False)
    if tree.remove and not top:
        paths.append(path)
