"""Where a run writes: the directory, the filesystem it is on (from the mount table) and its
space; and the list of filesystems the picker offers. The mount table comes in as a
parameter (``BlockMount`` records), statvfs through a callable: tests pass fakes."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sot.collect.records import BlockMount

# Filesystems that keep files in memory: O_DIRECT may be accepted (tmpfs since Linux 6.6) but
# there is no disk under it, so its figures are RAM speeds and are said to be.
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs", "devtmpfs", "hugetlbfs"})
# Filesystems with a cache of their own that O_DIRECT does not (or need not) get past: ZFS
# reads through its ARC, a FUSE daemon may cache as it likes. O_DIRECT is said to be used,
# never that reads came from the disk.
OWN_CACHE_FILESYSTEMS = frozenset({"zfs"})
OWN_CACHE_PREFIXES = ("fuse",)  # fuse, fuseblk, fuse.sshfs, ...
OVERLAY = "overlay"
# Network filesystems: statvfs on a dead server blocks, so the picker does not list them (a
# PATH on one is still tested when given).
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "sshfs", "fuse.sshfs", "9p", "ceph", "glusterfs"}
)
# Where the picker looks: filesystems that hold files. Pseudo filesystems (proc, sysfs,
# cgroup, overlay of a container's image layers is kept) are left out.
PSEUDO_FILESYSTEMS = frozenset(
    {
        "proc",
        "sysfs",
        "cgroup",
        "cgroup2",
        "devpts",
        "mqueue",
        "debugfs",
        "tracefs",
        "securityfs",
        "pstore",
        "bpf",
        "configfs",
        "fusectl",
        "binfmt_misc",
        "autofs",
        "efivarfs",
        "nsfs",
        "rpc_pipefs",
        "selinuxfs",
        "squashfs",
        "iso9660",
        "devtmpfs",
        "hugetlbfs",
    }
)
# Top directories of the kernel's pseudo filesystems: nothing under them is a disk to test.
KERNEL_TREES = frozenset({"proc", "sys"})


@dataclass(frozen=True, slots=True)
class Space:
    total_bytes: int
    free_bytes: int  # available to this user (f_bavail), as df shows
    read_only: bool


@dataclass(frozen=True, slots=True)
class Target:
    """A directory to test in and what it is on."""

    directory: str
    mount_point: str | None
    fstype: str | None
    space: Space
    # For an overlay: the type of the filesystem holding its upper layer, where its files are
    # written and read back from (None when not an overlay, or not found).
    upper_fstype: str | None = None

    @property
    def memory_backed(self) -> bool:
        return self.fstype in MEMORY_FILESYSTEMS or self.upper_fstype in MEMORY_FILESYSTEMS

    @property
    def own_cache(self) -> bool:
        """The filesystem (or an overlay's upper one) may serve reads from its own cache."""
        return any(
            kind is not None
            and (kind in OWN_CACHE_FILESYSTEMS or kind.startswith(OWN_CACHE_PREFIXES))
            for kind in (self.fstype, self.upper_fstype)
        )


def statvfs_space(path: str) -> Space:
    """The space of the filesystem holding ``path`` (raises OSError)."""
    stat = os.statvfs(path)
    return Space(
        stat.f_blocks * stat.f_frsize,
        stat.f_bavail * stat.f_frsize,
        bool(stat.f_flag & os.ST_RDONLY),
    )


def device_of(path: str) -> str:
    """``major:minor`` of the filesystem holding ``path``, as the mount table writes it."""
    dev = os.stat(path).st_dev
    return f"{os.major(dev)}:{os.minor(dev)}"


def mount_of(directory: str, device: str, mounts: Sequence[BlockMount]) -> BlockMount | None:
    """The mount ``directory`` is on: same device, the longest mount point above it (bind
    mounts of one filesystem share a device; their type is the same)."""
    best: BlockMount | None = None
    for mount in mounts:
        if mount.device != device:
            continue
        root = mount.mount_point.rstrip("/") + "/"
        if (directory + "/").startswith(root) and (
            best is None or len(mount.mount_point) > len(best.mount_point)
        ):
            best = mount
    if best is None:  # a directory reached through another mount namespace's path
        best = next((mount for mount in mounts if mount.device == device), None)
    return best


def overlay_upper_dir(super_options: str) -> str | None:
    """``upperdir=`` of an overlay's super options (mountinfo's last field), unescaped."""
    for option in super_options.split(","):
        key, sep, value = option.partition("=")
        if sep and key == "upperdir" and value:
            return _unescape_option(value)
    return None


def _unescape_option(value: str) -> str:
    """mountinfo writes space, tab, newline, backslash and comma as octal escapes (\\ooo)."""
    return re.sub(r"\\([0-7]{3})", lambda found: chr(int(found.group(1), 8)), value)


def upper_fstype(
    mount: BlockMount, mounts: Sequence[BlockMount], device: Callable[[str], str]
) -> str | None:
    """The type of the filesystem an overlay writes to (its upper layer's), or None: not an
    overlay, no upper layer (read-only), or its directory is not visible from here."""
    if mount.fstype != OVERLAY:
        return None
    upper = overlay_upper_dir(mount.super_options)
    if upper is None:
        return None
    try:
        holder = mount_of(upper, device(upper), mounts)
    except OSError:
        return None
    return None if holder is None else holder.fstype


def describe(
    directory: str,
    mounts: Sequence[BlockMount],
    space: Callable[[str], Space] = statvfs_space,
    device: Callable[[str], str] = device_of,
) -> Target:
    """``directory`` (made absolute, links resolved) and its filesystem; raises OSError."""
    real = os.path.realpath(directory)
    mount = mount_of(real, device(real), mounts)
    return Target(
        real,
        None if mount is None else mount.mount_point,
        None if mount is None else mount.fstype,
        space(real),
        None if mount is None else upper_fstype(mount, mounts, device),
    )


@dataclass(frozen=True, slots=True)
class Choice:
    """One line of the picker: a directory to test in and its filesystem."""

    directory: str
    label: str  # what the line says it is ("current directory", the mount point)
    fstype: str
    space: Space
    upper_fstype: str | None = None  # an overlay's upper layer's, as in Target

    @property
    def memory_backed(self) -> bool:
        return self.fstype in MEMORY_FILESYSTEMS or self.upper_fstype in MEMORY_FILESYSTEMS


def choices(
    cwd: str,
    mounts: Sequence[BlockMount],
    space: Callable[[str], Space] = statvfs_space,
    writable: Callable[[str], bool] = lambda path: (
        os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)
    ),
    device: Callable[[str], str] = device_of,
) -> tuple[Choice, ...]:
    """The current directory first (the default), then each mounted filesystem whose root
    directory this user can write to, once per device, with its space. Network and pseudo
    filesystems are not asked (statvfs on a dead server would hang the picker)."""
    found: list[Choice] = []
    devices: set[str] = set()
    listed: set[str] = set()
    try:
        here = describe(cwd, mounts, space, device)
        if writable(here.directory) and not here.space.read_only:
            found.append(
                Choice(
                    here.directory,
                    "current directory",
                    here.fstype or "-",
                    here.space,
                    here.upper_fstype,
                )
            )
            devices.add(device(here.directory))
    except OSError:
        pass
    for mount in sorted(mounts, key=lambda m: (len(m.mount_point), m.mount_point)):
        kind = mount.fstype
        if kind in PSEUDO_FILESYSTEMS or kind in NETWORK_FILESYSTEMS or mount.device in devices:
            continue
        # The kernel's own trees (a tmpfs for cgroups under the sysfs mount) are not disks,
        # and a mount point stacked twice is one directory.
        if kind.startswith("fuse") or mount.mount_point.split("/")[1] in KERNEL_TREES:
            continue
        if mount.mount_point in listed:
            continue
        try:
            if not writable(mount.mount_point):
                continue
            usage = space(mount.mount_point)
        except OSError:
            continue
        if usage.read_only or usage.total_bytes == 0:
            continue
        devices.add(mount.device)
        listed.add(mount.mount_point)
        upper = upper_fstype(mount, mounts, device)
        found.append(Choice(mount.mount_point, mount.mount_point, kind, usage, upper))
    return tuple(found)
