"""ASCII logos of the operating systems ``sot info`` knows, drawn for sot (small, plain ASCII,
one colour each), and the choice of one from os-release's ``ID`` and ``ID_LIKE``.

The choice is by whole identifiers, never by substring: ``ID=linuxmint ID_LIKE="ubuntu debian"``
gets Ubuntu's logo, and an ``ID`` nobody listed gets the generic Tux.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Logo:
    name: str  # what --logo takes: "debian"
    label: str  # "Debian"
    ids: tuple[str, ...]  # the os-release IDs it stands for
    colour: int  # ANSI colour number of the art, 1 (red) to 7; 0: the terminal's own
    accent: int  # the colour of the labels beside it
    art: tuple[str, ...]

    @property
    def width(self) -> int:
        return max((len(line) for line in self.art), default=0)  # ASCII: one cell a character


def _art(text: str) -> tuple[str, ...]:
    return tuple(text.strip("\n").split("\n"))


LOGOS: tuple[Logo, ...] = (
    Logo(
        "debian",
        "Debian",
        ("debian",),
        1,
        1,
        _art(
            r"""
     _.--''''--._
  .-'  _.----._  '.
 /   .'        '.  \
|   /    .--.    |  |
|   |   (    '   /  |
|   \    '--'  .'  /
 \   '.      _.' .'
  '.   '----'
    '-.
       '-._
           '-..
"""
        ),
    ),
    Logo(
        "ubuntu",
        "Ubuntu",
        ("ubuntu",),
        1,
        3,
        _art(
            r"""
             .-.
        .---( o )
     .'      '-'
    /   .--.
 .-.   /    \
( o ) |      |
 '-'   \    /
    \   '--'
     '.      .-.
        '---( o )
             '-'
"""
        ),
    ),
    Logo(
        "fedora",
        "Fedora",
        ("fedora",),
        4,
        4,
        _art(
            r"""
    .--------.
  .'    .--.  '.
 /     /  __\   \
|      | |       |
|   .--' '--.    |
|   '--. .--'    |
|      | |      /
|      |_|    .'
|           .'
'----------'
"""
        ),
    ),
    Logo(
        "rhel",
        "Red Hat Enterprise Linux",
        ("rhel",),
        1,
        1,
        _art(
            r"""
        .------.
       /  .--.  \
      |  /    \  |
    __|_/______\_|__
 .-'                '-.
(______________________)
    '-.__________.-'
"""
        ),
    ),
    Logo(
        "centos",
        "CentOS",
        ("centos",),
        5,
        3,
        _art(
            r"""
        /\
     __/  \__
    |\ |  | /|
 /\ | \|  |/ | /\
/  \|__\  /__|/  \
\  /|  /  \  |\  /
 \/ | /|  |\ | \/
    |/_|  |_\|
       \  /
        \/
"""
        ),
    ),
    Logo(
        "rocky",
        "Rocky Linux",
        ("rocky",),
        2,
        2,
        _art(
            r"""
    .-'''''-.
  .'         '.
 /             \
|               |
|        /\     |
|   /\  /  \    |
 \ /  \/    \  /
  /          \/
   '-._____.-'
"""
        ),
    ),
    Logo(
        "almalinux",
        "AlmaLinux",
        ("almalinux",),
        3,
        4,
        _art(
            r"""
   .--.   .--.
  (    \ /    )
   '.   V   .'
 .--.'. | .'.--.
(    ) (o) (    )
 '--'.'   '.'--'
   .'  / \  '.
  (   /   \   )
   '-'     '-'
"""
        ),
    ),
    Logo(
        "arch",
        "Arch Linux",
        ("arch", "archarm"),
        6,
        6,
        _art(
            r"""
        .
       / \
      /   \
     /^.   \
    /   '.  \
   /  .-.  \ \
  /  /   \  '.\
 /  |     |  -.\
/_-'       '-._\
"""
        ),
    ),
    Logo(
        "manjaro",
        "Manjaro",
        ("manjaro", "manjaro-arm"),
        2,
        2,
        _art(
            r"""
##########  ####
##########  ####
####        ####
####  ####  ####
####  ####  ####
####  ####  ####
####  ####  ####
####  ####  ####
"""
        ),
    ),
    Logo(
        "pop",
        "Pop!_OS",
        ("pop",),
        6,
        6,
        _art(
            r"""
    .--------.
  .'          '.
 /  ____   _    \
|  |  _ \ | |    |
|  | |_) ||_|    |
|  |  __/  _     |
|  |_|    (_) __ |
 \              /
  '.          .'
    '--------'
"""
        ),
    ),
    Logo(
        "alpine",
        "Alpine Linux",
        ("alpine",),
        4,
        4,
        _art(
            r"""
    _________
   /         \
  /    /\     \
 /    /  \/\   \
<    / /\/  \   >
 \  / /  \   \ /
  \/_/____\___/
"""
        ),
    ),
    Logo(
        "opensuse",
        "openSUSE",
        (
            "opensuse",
            "opensuse-leap",
            "opensuse-tumbleweed",
            "opensuse-slowroll",
            "opensuse-microos",
            "suse",
            "sles",
            "sled",
        ),
        2,
        2,
        _art(
            r"""
     ______
  .-'      '-.     _
 /   .----.   '---' )
|   ( .-,  )        /
|    '-'  /   .___.'
 \    '--'    |
  '-.______.-'
"""
        ),
    ),
    Logo(
        "amzn",
        "Amazon Linux",
        ("amzn",),
        3,
        3,
        _art(
            r"""
    _     _
   / \   | |
  / _ \  | |
 / ___ \ | |___
/_/   \_\|_____|
\              /
 '-.________.-'>
"""
        ),
    ),
    Logo(
        "nixos",
        "NixOS",
        ("nixos",),
        4,
        6,
        _art(
            r"""
     \\   \\  //
  ====\\===\\//
      //    \\  //
===  //      \\//===
    //\\      //
      \\    //
   //  \\==//===
  //    \\  \\
"""
        ),
    ),
    Logo(
        "gentoo",
        "Gentoo",
        ("gentoo",),
        5,
        5,
        _art(
            r"""
   .-----.
 .'  .-.  '.
(   (   )   '.
 '.  '-'      \
   '-.        |
     /       /
   .'      .'
  (     .-'
   '---'
"""
        ),
    ),
    Logo(
        "raspbian",
        "Raspberry Pi OS",
        ("raspbian",),
        1,
        2,
        _art(
            r"""
   __    __
   \ \  / /
  .-'-''-'-.
 ( o  o  o  )
( o  o  o  o )
 ( o  o  o  )
  '. o  o .'
    '-..-'
"""
        ),
    ),
    Logo(
        "macos",
        "macOS",
        ("macos",),
        2,
        2,
        _art(
            r"""
           .:
         .'/
    .--. '  .--.
  .'    '--'    '.
 /              .'
|              |
|              '.
 \               \
  '.    .--.    .'
    '--'    '--'
"""
        ),
    ),
    Logo(
        "freebsd",
        "FreeBSD",
        ("freebsd",),
        1,
        1,
        _art(
            r"""
/\               /\
\ '.  .-----.  .' /
 '. \/       \/ .'
   /           \
  |             |
  |             |
   \           /
    '.       .'
      '-----'
"""
        ),
    ),
    Logo(
        "tux",
        "Linux",
        (),
        0,
        4,
        _art(
            r"""
      .---.
     / o o \
     |  V  |
    /'-----'\
   //       \\
  ||         ||
  ||         ||
 _\\       //_
(___)'---'(___)
"""
        ),
    ),
)
TUX = LOGOS[-1]
LOGO_NAMES = tuple(logo.name for logo in LOGOS)


def choose_logo(os_id: str | None, id_like: Sequence[str] = ()) -> Logo:
    """The logo of ``ID``, else of the first ``ID_LIKE`` entry that has one, else Tux."""
    for wanted in (os_id, *id_like):
        for logo in LOGOS:
            if wanted is not None and wanted.lower() in logo.ids:
                return logo
    return TUX


def logo_named(name: str) -> Logo | None:
    return next((logo for logo in LOGOS if logo.name == name), None)
