"""The files and directories in use by any process this user can see, from /proc/<pid>/fd,
maps, cwd and root: read once for the plan and again just before each target is deleted.

``sot clean`` leaves these alone (a download in progress, a database a tool holds open). Each
descriptor link is ``stat``-ed through the kernel's magic link, which gives the open file's
device and inode (a path could name another file by now). Processes this user may not look
into (other users', unless root) are passed over, which is why the rule says "any process it
can see".
"""

from __future__ import annotations

import os
import re
import stat

from sot.cleanup.plan import FileId

PROC = "/proc"
MOUNTINFO = "/proc/self/mountinfo"


def open_file_ids(proc_root: str = PROC) -> frozenset[FileId]:
    """(device, inode) of everything in use by a visible process under ``proc_root``: each
    regular file open (fd) or mapped (maps: a program or library run from a cache, a file
    mapped and its descriptor closed), and each process's working and root directory."""
    found: set[FileId] = set()
    try:
        pids = [name for name in os.listdir(proc_root) if name.isdigit()]
    except OSError:
        return frozenset()
    for pid in pids:
        fd_dir = os.path.join(proc_root, pid, "fd")
        try:
            names = os.listdir(fd_dir)
        except OSError:
            names = []  # gone, or not ours to see (its maps and cwd may still be)
        for name in names:
            try:
                info = os.stat(os.path.join(fd_dir, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.add((info.st_dev, info.st_ino))
        found.update(_mapped(os.path.join(proc_root, pid, "maps")))
        for link in ("cwd", "root"):
            try:
                info = os.stat(os.path.join(proc_root, pid, link))
            except OSError:
                continue
            found.add((info.st_dev, info.st_ino))
    return frozenset(found)


def _mapped(maps_path: str) -> set[FileId]:
    """(device, inode) of the files mapped in one process: the fields ``major:minor`` (hex)
    and ``inode`` of each line of its maps (0: anonymous memory)."""
    found: set[FileId] = set()
    try:
        with open(maps_path, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 5 or fields[4] == "0":
            continue
        try:
            major, minor = (int(part, 16) for part in fields[3].split(":"))
            found.add((os.makedev(major, minor), int(fields[4])))
        except ValueError:
            continue
    return found


def _unescape(field: str) -> str:
    """A mountinfo path: space, tab, newline and backslash come as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def mount_point_ids(under: tuple[str, ...], mountinfo_path: str = MOUNTINFO) -> frozenset[FileId]:
    """(device, inode) of every mount point strictly below one of the directories ``under``,
    from ``mountinfo_path`` read once. A bind mount of the same filesystem keeps the device
    number, so comparing devices alone would walk into it (and out of the target)."""
    try:
        with open(mountinfo_path, encoding="utf-8", errors="surrogateescape") as file:
            text = file.read()
    except OSError:
        return frozenset()
    tops = [os.path.realpath(path) for path in under if path]
    found: set[FileId] = set()
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) < 5:
            continue
        point = _unescape(fields[4])
        if not any(point.startswith(top.rstrip("/") + "/") for top in tops):
            continue
        try:
            info = os.lstat(point)
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return frozenset(found)
