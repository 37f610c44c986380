"""User names by UID, looked up once per UID: both live sources name the owners of processes."""

from __future__ import annotations


class UserNames:
    """A UID's user name from the user database, cached for the life of its source (a process
    table holds a few UIDs many times over); the UID as text where the database has no entry."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def name(self, uid: int | None) -> str | None:
        if uid is None:
            return None
        known = self._names.get(uid)
        if known is None:
            known = self._names[uid] = _look_up(uid)
        return known


def _look_up(uid: int) -> str:
    try:
        import pwd  # not on every platform psutil supports

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return str(uid)
