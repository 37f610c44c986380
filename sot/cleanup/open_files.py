"""The files open in any process this user can see, from /proc/<pid>/fd: read once per run.

``sot clean`` leaves these alone (a download in progress, a database a tool holds open). Each
descriptor link is ``stat``-ed through the kernel's magic link, which gives the open file's
device and inode (a path could name another file by now). Processes this user may not look
into (other users', unless root) are passed over, which is why the rule says "any process it
can see".
"""

from __future__ import annotations

import os
import stat

from sot.cleanup.plan import FileId

PROC = "/proc"


def open_file_ids(proc_root: str = PROC) -> frozenset[FileId]:
    """(device, inode) of every regular file open in a visible process under ``proc_root``."""
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
            continue  # gone, or not ours to see
        for name in names:
            try:
                info = os.stat(os.path.join(fd_dir, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.add((info.st_dev, info.st_ino))
    return frozenset(found)
