"""Decoding terminal input into key names, and the key map."""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    QUIT = "quit"
    TOGGLE_HELP = "toggle-help"
    CLOSE = "close"
    REPAINT = "repaint"
    TOGGLE_PAUSE = "toggle-pause"
    SLOWER = "slower"
    FASTER = "faster"
    NEXT_INTERFACE = "next-interface"
    NEXT_DISK = "next-disk"


_SEQUENCES = {
    "[A": "up",
    "[B": "down",
    "[C": "right",
    "[D": "left",
    "OA": "up",
    "OB": "down",
    "OC": "right",
    "OD": "left",
    "[H": "home",
    "OH": "home",
    "[1~": "home",
    "[7~": "home",
    "[F": "end",
    "OF": "end",
    "[4~": "end",
    "[8~": "end",
    "[2~": "insert",
    "[3~": "delete",
    "[5~": "pgup",
    "[6~": "pgdn",
}

_CONTROL_NAMES = {
    "\r": "enter",
    "\n": "enter",
    "\t": "tab",
    "\x7f": "backspace",
    "\x08": "backspace",
}


def decode_keys(text: str) -> list[str]:
    """Split one read of terminal input into key names.

    Printable characters are their own names; escape sequences become ``up``, ``pgdn`` and so on;
    a lone ESC (nothing after it in the same read) is ``escape``; control characters are
    ``ctrl-<letter>``. Unknown sequences are dropped whole rather than leaking their bytes as keys.
    """
    keys: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\x1b":
            if i + 1 >= len(text):
                keys.append("escape")
                i += 1
                continue
            follower = text[i + 1]
            if follower == "[":
                end = i + 2
                while end < len(text) and not ("@" <= text[end] <= "~"):
                    end += 1
                body = text[i + 1 : end + 1]
                keys.append(_SEQUENCES.get(body, "unknown"))
                i = end + 1
            elif follower == "O" and i + 2 < len(text):
                keys.append(_SEQUENCES.get(text[i + 1 : i + 3], "unknown"))
                i += 3
            elif follower == "\x1b":
                keys.append("escape")
                i += 1
            else:
                keys.append(f"alt-{follower}")
                i += 2
            continue
        if char in _CONTROL_NAMES:
            keys.append(_CONTROL_NAMES[char])
        elif ord(char) < 32:
            keys.append(f"ctrl-{chr(ord(char) + 96)}")
        else:
            keys.append(char)
        i += 1
    return [key for key in keys if key != "unknown"]


KEY_MAP: dict[str, Action] = {
    "q": Action.QUIT,
    "Q": Action.QUIT,
    "?": Action.TOGGLE_HELP,
    "h": Action.TOGGLE_HELP,
    "escape": Action.CLOSE,
    "ctrl-l": Action.REPAINT,
    " ": Action.TOGGLE_PAUSE,
    "+": Action.SLOWER,
    "=": Action.SLOWER,
    "-": Action.FASTER,
    "n": Action.NEXT_INTERFACE,
    "d": Action.NEXT_DISK,
}

# The help overlay is generated from this table, so it can never list a key that does nothing.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("q", "quit (also Ctrl-C)"),
    ("? h", "show or hide this help"),
    ("Esc", "close this help"),
    ("space", "pause or resume sampling"),
    ("+ -", "sample less or more often"),
    ("n", "show the next network interface"),
    ("d", "show the next disk's I/O graph"),
    ("Ctrl-L", "repaint the whole screen"),
)
