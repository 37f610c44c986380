"""What ``sot clean`` may empty, as data: one ``TargetSpec`` per tool, for Linux and macOS.

A target names directories whose *contents* are deleted (the directory itself never is), as
paths under one of four bases (home, /tmp, /var/tmp, /var/cache) that come from ``Roots``, so a
test hands in a fake tree and a real run the real ones. A ``*`` in a path component matches
any one directory (a browser profile's name), never a symbolic link.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SECONDS_PER_DAY = 86400.0
# /tmp and /var/tmp hold what programs are using now (a build's scratch files, a socket's
# directory): only what has been left alone for a day is old enough to be forgotten.
TEMP_MIN_AGE_DAYS = 1.0
# Caches are rebuilt by their tools on demand: any age goes, files open by a process stay.
CACHE_MIN_AGE_DAYS = 0.0


class Base(enum.Enum):
    HOME = "home"
    TMP = "tmp"
    VAR_TMP = "var_tmp"
    VAR_CACHE = "var_cache"


@dataclass(frozen=True, slots=True)
class Roots:
    """Where the bases are: the user's home (SUDO_USER's under sudo) and the system's
    directories; ``/`` in a real run, a fake tree in tests."""

    home: str
    tmp: str
    var_tmp: str
    var_cache: str
    # --root: the bases are opened from this directory down, one component at a time without
    # following a link (an image's /tmp may be a link to anywhere); "" for this machine's own.
    prefix: str = ""

    def path_of(self, base: Base) -> str:
        path: str = getattr(self, base.value)  # each base's value names its field
        return path

    def all(self) -> tuple[str, ...]:
        return (self.home, self.tmp, self.var_tmp, self.var_cache)


def system_roots(home: str, system: str, prefix: str = "") -> Roots:
    """The real bases for ``system`` (``os.uname().sysname``), under ``prefix`` (``--root``)."""
    if system == "Darwin":  # /tmp and /var are links to /private there: name the directories
        return Roots(home, prefix + "/private/tmp", prefix + "/private/var/tmp", "", prefix)
    return Roots(home, prefix + "/tmp", prefix + "/var/tmp", prefix + "/var/cache", prefix)


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One line of the table. ``paths`` are relative to ``base`` (``.`` is the base itself);
    ``file_glob`` limits it to the files directly in those directories whose names match
    (apt's ``*.deb``, never its ``partial/`` or ``lock``); ``owner_only`` keeps what belongs
    to other users (shared /tmp); ``protected`` names, directly inside, belong to the system."""

    name: str
    description: str
    base: Base
    paths: tuple[str, ...]
    needs_root: bool = False
    file_glob: str | None = None
    owner_only: bool = False
    min_age_days: float = CACHE_MIN_AGE_DAYS
    protected: tuple[str, ...] = ()  # names directly inside that are never entered (globs)


# Browsers keep a profile (passwords, history, bookmarks) and a cache apart; only the folders
# named as caches inside the cache tree are targets, so a profile can never be emptied.
_LINUX_BROWSER_CACHES = (
    ".cache/mozilla/firefox/*/cache2",
    ".cache/google-chrome/*/Cache",
    ".cache/google-chrome/*/Code Cache",
    ".cache/chromium/*/Cache",
    ".cache/chromium/*/Code Cache",
    ".cache/BraveSoftware/Brave-Browser/*/Cache",
    ".cache/BraveSoftware/Brave-Browser/*/Code Cache",
)
_MAC_BROWSER_CACHES = (
    "Library/Caches/Firefox/Profiles/*/cache2",
    "Library/Caches/Google/Chrome/*/Cache",
    "Library/Caches/Google/Chrome/*/Code Cache",
    "Library/Caches/Chromium/*/Cache",
    "Library/Caches/BraveSoftware/Brave-Browser/*/Cache",
)
# Directly in /tmp and /var/tmp: services' private temporary directories (systemd's
# PrivateTmp, snaps), whose files belong to a running service even when root owns them and they
# are old, the X11/ICE socket directories and X displays' lock files (a running X server's,
# however old: deleting one lets a second server take the display). The same names that
# systemd-tmpfiles (tmp.conf, x11.conf) never ages away.
_SYSTEM_TEMP = (
    ".X*-lock",
    "systemd-private-*",
    "snap-private-tmp",
    ".X11-unix",
    ".ICE-unix",
    ".XIM-unix",
    ".font-unix",
    ".Test-unix",
)


def _temp_target(name: str, base: Base, where: str) -> TargetSpec:
    return TargetSpec(
        name,
        f"your old files in {where}",
        base,
        (".",),
        owner_only=True,
        min_age_days=TEMP_MIN_AGE_DAYS,
        protected=_SYSTEM_TEMP,
    )


_TEMP = (_temp_target("tmp", Base.TMP, "/tmp"), _temp_target("var-tmp", Base.VAR_TMP, "/var/tmp"))
LINUX_TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec("pip", "pip's download and wheel cache", Base.HOME, (".cache/pip",)),
    TargetSpec("uv", "uv's package cache", Base.HOME, (".cache/uv",)),
    TargetSpec("npm", "npm's package cache", Base.HOME, (".npm/_cacache", ".cache/npm")),
    TargetSpec("yarn", "yarn's package cache", Base.HOME, (".cache/yarn",)),
    TargetSpec("pnpm", "pnpm's cache", Base.HOME, (".cache/pnpm",)),
    TargetSpec("cargo", "cargo's downloaded crates", Base.HOME, (".cargo/registry/cache",)),
    TargetSpec("go", "the go build cache", Base.HOME, (".cache/go-build",)),
    TargetSpec("thumbnails", "image thumbnails", Base.HOME, (".cache/thumbnails",)),
    TargetSpec("browsers", "browsers' caches (not profiles)", Base.HOME, _LINUX_BROWSER_CACHES),
    TargetSpec(
        "apt",
        "downloaded .deb packages",
        Base.VAR_CACHE,
        ("apt/archives",),
        needs_root=True,
        file_glob="*.deb",
    ),
    TargetSpec("dnf", "dnf's package cache", Base.VAR_CACHE, ("dnf",), needs_root=True),
    TargetSpec("yum", "yum's package cache", Base.VAR_CACHE, ("yum",), needs_root=True),
    *_TEMP,
)
MAC_TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec("pip", "pip's download and wheel cache", Base.HOME, ("Library/Caches/pip",)),
    TargetSpec("uv", "uv's package cache", Base.HOME, (".cache/uv",)),
    TargetSpec("npm", "npm's package cache", Base.HOME, (".npm/_cacache",)),
    TargetSpec("yarn", "yarn's package cache", Base.HOME, ("Library/Caches/Yarn",)),
    TargetSpec("pnpm", "pnpm's cache", Base.HOME, ("Library/Caches/pnpm",)),
    TargetSpec("cargo", "cargo's downloaded crates", Base.HOME, (".cargo/registry/cache",)),
    TargetSpec("go", "the go build cache", Base.HOME, ("Library/Caches/go-build",)),
    TargetSpec("homebrew", "Homebrew's downloads", Base.HOME, ("Library/Caches/Homebrew",)),
    TargetSpec("browsers", "browsers' caches (not profiles)", Base.HOME, _MAC_BROWSER_CACHES),
    *_TEMP,
)


def targets_for(system: str) -> tuple[TargetSpec, ...]:
    """The targets of ``system`` (``os.uname().sysname``): macOS's or else Linux's."""
    return MAC_TARGETS if system == "Darwin" else LINUX_TARGETS
