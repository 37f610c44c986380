"""Installed package counts, read from each package manager's own database: never by running
the manager (``rpm -qa`` alone takes longer than all of ``sot info`` may).

A manager is listed when its database is on this machine; its count is None when the database
is in a format read here only at a cost out of proportion (rpm's Berkeley DB, a Nix store's
closure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from sot.collect.facts_files import exists, is_dir, list_names, read_bytes, under

DPKG_STATUS_BYTES = 256 << 20  # a desktop with 5,000 packages has a status file of ~8 MiB
RPMDB_PATHS = ("/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite")
RPM_OTHER_FORMATS = (
    "/var/lib/rpm/Packages",  # Berkeley DB (RHEL 7, 8)
    "/var/lib/rpm/Packages.db",  # ndb (SUSE)
    "/usr/lib/sysimage/rpm/Packages.db",
)


def read_package_counts(
    root: Path, environ: Mapping[str, str]
) -> tuple[tuple[str, int | None], ...]:
    """(manager, installed packages) for each manager present, in a fixed order."""
    home = environ.get("HOME", "")
    readers: tuple[tuple[str, Callable[[], tuple[bool, int | None]]], ...] = (
        ("dpkg", lambda: _dpkg(root)),
        ("rpm", lambda: _rpm(root)),
        ("apk", lambda: _apk(root)),
        ("pacman", lambda: _pacman(root)),
        ("nix", lambda: _nix(root, home)),
        ("flatpak", lambda: _flatpak(root, home)),
        ("snap", lambda: _snap(root)),
    )
    counts = []
    for manager, read in readers:
        present, count = read()
        if present:
            counts.append((manager, count))
    return tuple(counts)


def _dpkg(root: Path) -> tuple[bool, int | None]:
    """Packages whose status is ``install ok installed`` (removed ones keep a stanza too)."""
    data = read_bytes(root, "/var/lib/dpkg/status", DPKG_STATUS_BYTES)
    if data is None:
        return False, None
    return True, (b"\n" + data).count(b"\nStatus: install ok installed\n")


def _rpm(root: Path) -> tuple[bool, int | None]:
    for path in RPMDB_PATHS:
        if exists(root, path):
            return True, _sqlite_count(under(root, path))
    return any(exists(root, path) for path in RPM_OTHER_FORMATS), None


def _sqlite_count(path: Path) -> int | None:
    """Rows of rpm's Packages table, opened read-only; if the write-ahead log cannot be opened
    read-only (a user who may not create its -shm file), as an immutable file."""
    import sqlite3  # only on rpm systems: it costs a few ms to import

    for mode in ("ro", "ro&immutable=1"):
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, timeout=0.1)
        except sqlite3.Error:
            continue
        try:
            row = connection.execute("SELECT count(*) FROM Packages").fetchone()
            return int(row[0])
        except (sqlite3.Error, TypeError, ValueError):
            continue
        finally:
            connection.close()
    return None


def _apk(root: Path) -> tuple[bool, int | None]:
    """One ``P:`` (package name) line per installed package."""
    data = read_bytes(root, "/lib/apk/db/installed", DPKG_STATUS_BYTES)
    if data is None:
        return False, None
    return True, (b"\n" + data).count(b"\nP:")


def _pacman(root: Path) -> tuple[bool, int | None]:
    """One directory per installed package in the local database."""
    local = "/var/lib/pacman/local"
    if not is_dir(root, local):
        return False, None
    return True, sum(1 for name in list_names(root, local) if is_dir(root, f"{local}/{name}"))


def _nix(root: Path, home: str) -> tuple[bool, int | None]:
    """The user's profile (``nix profile``'s manifest.json); the system's closure would take
    walking the store, so it is not counted."""
    if not is_dir(root, "/nix/var/nix/profiles"):
        return False, None
    if not home.startswith("/"):
        return True, None
    import json  # here: only Nix machines need it, and it costs a few ms to import

    data = read_bytes(root, f"{home}/.nix-profile/manifest.json", 16 << 20)
    try:
        elements = json.loads(data)["elements"] if data else None
    except (ValueError, KeyError, TypeError):
        return True, None
    return True, len(elements) if isinstance(elements, list | dict) else None


def _flatpak(root: Path, home: str) -> tuple[bool, int | None]:
    """Applications installed system-wide and for this user (runtimes are not counted)."""
    places = ["/var/lib/flatpak/app"]
    if home.startswith("/"):
        places.append(f"{home}/.local/share/flatpak/app")
    present = [place for place in places if is_dir(root, place)]
    if not present:
        return False, None
    return True, sum(len(list_names(root, place)) for place in present)


def _snap(root: Path) -> tuple[bool, int | None]:
    """The snaps mounted under /snap (``bin`` holds their commands); else the names of the
    downloaded ``name_revision.snap`` files, one per snap."""
    if is_dir(root, "/snap"):
        names = [n for n in list_names(root, "/snap") if n != "bin" and is_dir(root, f"/snap/{n}")]
        return True, len(names)
    snaps = "/var/lib/snapd/snaps"
    if not is_dir(root, snaps):
        return False, None
    files = [name for name in list_names(root, snaps) if name.endswith(".snap")]
    return True, len({name.rsplit("_", 1)[0] for name in files})
