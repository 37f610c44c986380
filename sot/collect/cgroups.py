"""sot's own cgroup and its limits (memory, CPU quota, pids), cgroup v1 and v2.

Where the cgroup is comes from /proc/self/cgroup (which cgroup of each hierarchy) and
/proc/self/mountinfo (where each hierarchy is mounted, and which part of it the mount shows),
never from an assumed /sys/fs/cgroup: in a container the hierarchy's mount may show only the
container's own cgroup. Each limit is the tightest of this cgroup's and its ancestors' up to the
mount's top, because a parent's limit binds its children too (a container runtime often sets it
one level up). Roots are parameters: tests pass fake trees in temporary directories.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sot.collect.procfs import read_small
from sot.collect.records import CgroupLimits

# cgroup v1 has no word for "no memory limit": it shows the largest page count the kernel keeps
# (LONG_MAX rounded down to the page size: 9223372036854771712 with 4 KiB pages, another figure
# with 16 or 64 KiB pages). No exact value can be compared, and no machine has 4 EiB of memory,
# so anything from 2**62 bytes up reads as unlimited.
UNLIMITED_V1_BYTES = 1 << 62
MAX_FILE_BYTES = 64 * 1024  # /proc/self/cgroup and these limit files are a few lines
MAX_MOUNTINFO_BYTES = 4 << 20  # a host with thousands of mounts


@dataclass(frozen=True, slots=True)
class CgroupMount:
    """A mounted cgroup hierarchy: ``root`` is the cgroup the mount shows at ``mount_point``
    (``/`` on a host; the container's own cgroup in a container without a cgroup namespace)."""

    root: str
    mount_point: str
    version: int
    controllers: frozenset[str]  # v1: the controllers it holds (and "name=systemd"); v2: none


@dataclass(frozen=True, slots=True)
class CgroupPlace:
    """One controller's cgroup: its directory on this machine, the mount point above which its
    ancestors cannot be seen, and the hierarchy's version."""

    directory: str
    top: str
    version: int
    path: str  # as /proc/self/cgroup gives it


def parse_proc_cgroup(text: str) -> list[tuple[int, frozenset[str], str]]:
    """/proc/<pid>/cgroup's lines "hierarchy-id:controllers:path" ("0::/path" for v2), as
    (id, controllers, path); a line of another shape is skipped."""
    found = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2].startswith("/"):
            continue
        controllers = frozenset(c for c in parts[1].split(",") if c)
        found.append((int(parts[0]), controllers, parts[2]))
    return found


def _unescape(field: str) -> str:
    r"""mountinfo writes space, tab, newline and backslash as octal escapes (\040)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i] == "\\" and len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_cgroup_mounts(text: str) -> list[CgroupMount]:
    """The cgroup and cgroup2 mounts of /proc/<pid>/mountinfo: "id parent major:minor root
    mount-point options [optional fields] - fstype source super-options"."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            dash = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < dash + 4:
            continue
        fstype = fields[dash + 1]
        if fstype not in ("cgroup", "cgroup2"):
            continue
        controllers = frozenset() if fstype == "cgroup2" else frozenset(fields[dash + 3].split(","))
        mounts.append(
            CgroupMount(
                root=_unescape(fields[3]),
                mount_point=_unescape(fields[4]),
                version=2 if fstype == "cgroup2" else 1,
                controllers=controllers,
            )
        )
    return mounts


def _relative(path: str, mount_root: str) -> str | None:
    """``path`` below the mount's root ("" for the root itself); None where the mount does not
    show it (another part of the hierarchy, or "/.." as a cgroup namespace shows a cgroup
    outside it)."""
    if any(part == ".." for part in path.split("/")):
        return None
    root = mount_root.rstrip("/")
    if path == root or (not root and path == "/"):
        return ""
    if path.startswith(root + "/"):
        return path[len(root) :].strip("/")
    return None


def find_place(
    controller: str,
    lines: Sequence[tuple[int, frozenset[str], str]],
    mounts: Sequence[CgroupMount],
    root: str,
) -> CgroupPlace | None:
    """Where ``controller``'s cgroup of this process is: in the v1 hierarchy that holds the
    controller where there is one (a hybrid machine mounts v2 beside v1, mostly empty), else in
    the v2 hierarchy. ``root`` is prefixed to mount points (a fake tree's directory, or "")."""
    for hierarchy, controllers, path in lines:
        version = 2 if hierarchy == 0 and not controllers else 1
        if version == 1 and controller not in controllers:
            continue
        candidates = [
            m
            for m in mounts
            if m.version == version and (version == 2 or controller in m.controllers)
        ]
        # Of several mounts of one hierarchy, the one showing the most of it: more ancestors
        # to take limits from.
        for mount in sorted(candidates, key=lambda m: len(m.root)):
            relative = _relative(path, mount.root)
            if relative is None:
                continue
            top = root + mount.mount_point.rstrip("/")
            directory = f"{top}/{relative}" if relative else top
            return CgroupPlace(directory, top or "/", version, path)
    return None


def _place(
    controller: str,
    lines: Sequence[tuple[int, frozenset[str], str]],
    mounts: Sequence[CgroupMount],
    root: str,
) -> CgroupPlace | None:
    """v1 first, then v2 (``find_place`` on the v1 lines, then on the v2 line)."""
    v1 = [line for line in lines if line[0] != 0 or line[1]]
    v2 = [line for line in lines if line[0] == 0 and not line[1]]
    return find_place(controller, v1, mounts, root) or find_place(controller, v2, mounts, root)


def _text(path: str) -> str | None:
    data = read_small(path, MAX_FILE_BYTES)
    return None if data is None else data.decode("ascii", "replace").strip()


def _number(path: str) -> int | None:
    text = _text(path)
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _tightest(place: CgroupPlace, read: Callable[[str], float | None]) -> float | None:
    """The smallest limit ``read`` finds in the cgroup's directory and each parent's, up to the
    mount's top: a child is held to its ancestors' limits whatever its own says."""
    found: list[float] = []
    directory = place.directory
    while True:
        value = read(directory)
        if value is not None:
            found.append(value)
        if directory == place.top or len(directory) <= len(place.top):
            break
        directory = posixpath.dirname(directory)
    return min(found) if found else None


def _memory_limit(place: CgroupPlace) -> Callable[[str], float | None]:
    def read(directory: str) -> float | None:
        if place.version == 2:
            return _number(f"{directory}/memory.max")  # "max": no limit, not a number
        value = _number(f"{directory}/memory.limit_in_bytes")
        return None if value is None or value >= UNLIMITED_V1_BYTES else value

    return read


def _cpu_limit(place: CgroupPlace) -> Callable[[str], float | None]:
    def read(directory: str) -> float | None:
        if place.version == 2:
            # "quota period" in microseconds, "max 100000" when unlimited.
            parts = (_text(f"{directory}/cpu.max") or "").split()
            quota = int(parts[0]) if len(parts) == 2 and parts[0].isdigit() else None
            period = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None
        else:
            quota = _number(f"{directory}/cpu.cfs_quota_us")  # -1: unlimited
            period = _number(f"{directory}/cpu.cfs_period_us")
        if quota is None or period is None or quota <= 0 or period <= 0:
            return None
        return quota / period

    return read


def _pids_limit(directory: str) -> float | None:
    return _number(f"{directory}/pids.max")  # "max": no limit


def _integer(value: float | None) -> int | None:
    return None if value is None else int(value)


class CgroupReader:
    """sot's own cgroup under ``root`` ("/" on a live machine): ``limits`` on a slow schedule
    (they rarely change, and finding them reads the mount table and walks the ancestors),
    ``usage`` on every tick (two small files)."""

    def __init__(self, root: str = "/") -> None:
        self._root = root.rstrip("/")

    def limits(self) -> CgroupLimits | None:
        """None where this process's cgroup cannot be read at all (no cgroups, not Linux)."""
        text = _text(f"{self._root}/proc/self/cgroup")
        lines = parse_proc_cgroup(text or "")
        if not lines:
            return None
        mountinfo = read_small(f"{self._root}/proc/self/mountinfo", MAX_MOUNTINFO_BYTES)
        mounts = parse_cgroup_mounts((mountinfo or b"").decode("utf-8", "replace"))
        memory = _place("memory", lines, mounts, self._root)
        cpu = _place("cpu", lines, mounts, self._root)
        pids = _place("pids", lines, mounts, self._root)
        places = [p for p in (memory, cpu, pids) if p is not None]
        if places:
            path = places[0].path
            version = 1 if any(p.version == 1 for p in places) else 2
        else:
            path = next((p for h, c, p in lines if h == 0 and not c), lines[0][2])
            version = 2 if all(h == 0 and not c for h, c, _ in lines) else 1
        # v1's usage counts the page cache too, as its limit does; v2's root cgroup has no
        # memory.current (nor limits).
        usage_name = (
            "memory.current"
            if memory is not None and memory.version == 2
            else "memory.usage_in_bytes"
        )
        memory_limit = None if memory is None else _tightest(memory, _memory_limit(memory))
        return CgroupLimits(
            path=path,
            version=version,
            memory_limit_bytes=_integer(memory_limit),
            cpu_quota_cores=None if cpu is None else _tightest(cpu, _cpu_limit(cpu)),
            pids_limit=None if pids is None else _integer(_tightest(pids, _pids_limit)),
            memory_usage_file=None if memory is None else f"{memory.directory}/{usage_name}",
            pids_current_file=None if pids is None else f"{pids.directory}/pids.current",
        )

    def usage(self, limits: CgroupLimits) -> tuple[int | None, int | None]:
        """(memory in use, processes and threads) of the cgroup ``limits`` found."""
        memory, pids = limits.memory_usage_file, limits.pids_current_file
        return (
            None if memory is None else _number(memory),
            None if pids is None else _number(pids),
        )
