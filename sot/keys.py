"""Decoding terminal input into key names, and what each key does in each mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sot.sorting import SortKey


class Mode(Enum):
    NORMAL = "normal"
    HELP = "help"
    ORDER = "order"  # choosing the sort column
    FILTER = "filter"  # typing in the filter prompt
    USER_MENU = "user-menu"
    SIGNAL_MENU = "signal-menu"
    CONFIRM = "confirm"  # "Send SIGxxx to ...? [y/N]"
    DETAILS = "details"


class Action(Enum):
    QUIT = "quit"
    HELP = "help"
    CLOSE = "close"
    REPAINT = "repaint"
    TOGGLE_PAUSE = "toggle-pause"
    SLOWER = "slower"
    FASTER = "faster"
    NEXT_INTERFACE = "next-interface"
    NEXT_DISK = "next-disk"
    UP = "up"
    DOWN = "down"
    PAGE_UP = "page-up"
    PAGE_DOWN = "page-down"
    FIRST = "first"
    LAST = "last"
    ORDER_MODE = "order-mode"
    ORDER_LEFT = "order-left"
    ORDER_RIGHT = "order-right"
    ORDER_CYCLE = "order-cycle"
    SORT_BY = "sort-by"  # Command.sort_key: the column
    FILTER = "filter"
    TEXT_INSERT = "text-insert"  # argument: the characters
    TEXT_BACKSPACE = "text-backspace"
    TEXT_DELETE_WORD = "text-delete-word"
    TEXT_CLEAR = "text-clear"
    TEXT_LEFT = "text-left"
    TEXT_RIGHT = "text-right"
    TEXT_HOME = "text-home"
    TEXT_END = "text-end"
    ACCEPT = "accept"
    CANCEL = "cancel"
    USER_MENU = "user-menu"
    MENU_UP = "menu-up"
    MENU_DOWN = "menu-down"
    TOGGLE_COMMAND = "toggle-command"
    TOGGLE_TREE = "toggle-tree"
    DETAILS = "details"
    KILL = "kill"
    TERMINATE = "terminate"
    SIGNAL_MENU = "signal-menu"
    CONFIRM_YES = "confirm-yes"
    CONFIRM_NO = "confirm-no"
    # Scrolling the details view.
    SCROLL_UP = "scroll-up"
    SCROLL_DOWN = "scroll-down"
    SCROLL_PAGE_UP = "scroll-page-up"
    SCROLL_PAGE_DOWN = "scroll-page-down"
    SCROLL_TOP = "scroll-top"
    SCROLL_BOTTOM = "scroll-bottom"

    # Sent by the loop, not bound to keys: what happened outside the key handlers.
    SIGNAL_SENT = "signal-sent"  # text: the outcome, for the status line
    MESSAGE_EXPIRED = "message-expired"
    VIEW_CHANGED = "view-changed"  # a new sample or query: keep the selection on its process
    RESIZED = "resized"  # the table shows a different number of rows


@dataclass(frozen=True, slots=True)
class Command:
    action: Action
    text: str = ""  # typed text (TEXT_INSERT) or a message (SIGNAL_SENT)
    sort_key: SortKey | None = None  # SORT_BY's column


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
    "OM": "enter",  # keypad Enter in application mode
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


_MOVES = {
    "up": Action.UP,
    "k": Action.UP,
    "down": Action.DOWN,
    "j": Action.DOWN,
    "pgup": Action.PAGE_UP,
    "pgdn": Action.PAGE_DOWN,
    "home": Action.FIRST,
    "end": Action.LAST,
}

_SIGNAL_KEYS = {"K": Action.KILL, "T": Action.TERMINATE, "s": Action.SIGNAL_MENU}

_SCROLLS = {  # the details view: the same keys as moving in the table
    "up": Action.SCROLL_UP,
    "k": Action.SCROLL_UP,
    "down": Action.SCROLL_DOWN,
    "j": Action.SCROLL_DOWN,
    "pgup": Action.SCROLL_PAGE_UP,
    "pgdn": Action.SCROLL_PAGE_DOWN,
    "home": Action.SCROLL_TOP,
    "end": Action.SCROLL_BOTTOM,
}

NORMAL_KEYS: dict[str, Command] = {
    "q": Command(Action.QUIT),
    "Q": Command(Action.QUIT),
    "?": Command(Action.HELP),
    "h": Command(Action.HELP),
    "escape": Command(Action.CLOSE),
    "ctrl-l": Command(Action.REPAINT),
    " ": Command(Action.TOGGLE_PAUSE),
    "+": Command(Action.SLOWER),
    "=": Command(Action.SLOWER),
    "-": Command(Action.FASTER),
    "n": Command(Action.NEXT_INTERFACE),
    "d": Command(Action.NEXT_DISK),
    "o": Command(Action.ORDER_MODE),
    "c": Command(Action.SORT_BY, sort_key=SortKey.CPU),
    "m": Command(Action.SORT_BY, sort_key=SortKey.MEMORY),
    "p": Command(Action.SORT_BY, sort_key=SortKey.PID),
    "N": Command(Action.SORT_BY, sort_key=SortKey.COMMAND),
    "e": Command(Action.SORT_BY, sort_key=SortKey.TIME),
    "/": Command(Action.FILTER),
    "u": Command(Action.USER_MENU),
    "a": Command(Action.TOGGLE_COMMAND),
    "t": Command(Action.TOGGLE_TREE),
    "enter": Command(Action.DETAILS),
    **{key: Command(action) for key, action in _MOVES.items()},
    **{key: Command(action) for key, action in _SIGNAL_KEYS.items()},
}

_TEXT_EDITING = {
    "backspace": Command(Action.TEXT_BACKSPACE),
    "ctrl-h": Command(Action.TEXT_BACKSPACE),
    "ctrl-w": Command(Action.TEXT_DELETE_WORD),
    "ctrl-u": Command(Action.TEXT_CLEAR),
    "left": Command(Action.TEXT_LEFT),
    "right": Command(Action.TEXT_RIGHT),
    "home": Command(Action.TEXT_HOME),
    "ctrl-a": Command(Action.TEXT_HOME),
    "end": Command(Action.TEXT_END),
    "ctrl-e": Command(Action.TEXT_END),
    "enter": Command(Action.ACCEPT),
    "escape": Command(Action.CANCEL),
    "up": Command(Action.UP),
    "down": Command(Action.DOWN),
    "ctrl-l": Command(Action.REPAINT),
}

_MENU = {
    "up": Command(Action.MENU_UP),
    "k": Command(Action.MENU_UP),
    "down": Command(Action.MENU_DOWN),
    "j": Command(Action.MENU_DOWN),
    "enter": Command(Action.ACCEPT),
    "escape": Command(Action.CLOSE),
    "q": Command(Action.CLOSE),
    "ctrl-l": Command(Action.REPAINT),
}

MODE_KEYS: dict[Mode, dict[str, Command]] = {
    Mode.NORMAL: NORMAL_KEYS,
    Mode.HELP: {key: Command(Action.CLOSE) for key in ("?", "h", "escape", "q", "enter", " ")},
    Mode.ORDER: {
        "left": Command(Action.ORDER_LEFT),
        "right": Command(Action.ORDER_RIGHT),
        "enter": Command(Action.ORDER_CYCLE),
        "o": Command(Action.CLOSE),
        "escape": Command(Action.CLOSE),
        "q": Command(Action.CLOSE),
        "ctrl-l": Command(Action.REPAINT),
    },
    Mode.FILTER: _TEXT_EDITING,
    Mode.USER_MENU: {**_MENU, "u": Command(Action.CLOSE)},
    Mode.SIGNAL_MENU: {**_MENU, "s": Command(Action.CLOSE)},
    Mode.CONFIRM: {"y": Command(Action.CONFIRM_YES), "Y": Command(Action.CONFIRM_YES)},
    Mode.DETAILS: {
        "escape": Command(Action.CLOSE),
        "q": Command(Action.CLOSE),
        "enter": Command(Action.CLOSE),
        "ctrl-l": Command(Action.REPAINT),
        **{key: Command(action) for key, action in _SIGNAL_KEYS.items()},
        **{key: Command(action) for key, action in _SCROLLS.items()},
    },
}


def command_for(mode: Mode, key: str) -> Command | None:
    """The command ``key`` means in ``mode``; text keys type into the filter prompt."""
    command = MODE_KEYS[mode].get(key)
    if command is not None:
        return command
    if mode is Mode.FILTER and len(key) == 1 and key.isprintable():
        return Command(Action.TEXT_INSERT, key)
    if mode is Mode.CONFIRM:
        return Command(Action.CONFIRM_NO)  # anything but y cancels
    return None


def next_command(mode: Mode, keys: Sequence[str], start: int) -> tuple[Command | None, int]:
    """The command the keys from ``start`` mean in ``mode``, and where the next one begins.

    Typed into the filter, a run of text keys (a paste: thousands of them in one read) is one
    insertion, so the loop filters and draws once for it rather than once per character.
    """
    command = command_for(mode, keys[start])
    end = start + 1
    if command is None or command.action is not Action.TEXT_INSERT:
        return command, end
    while end < len(keys) and _is_text(mode, keys[end]):
        end += 1
    if end == start + 1:
        return command, end
    return Command(Action.TEXT_INSERT, "".join(keys[start:end])), end


def _is_text(mode: Mode, key: str) -> bool:
    return key not in MODE_KEYS[mode] and len(key) == 1 and key.isprintable()


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the key reference: ``sot --help``, the help overlay, README's table (a test
    compares them) and, where ``hint`` is set, the status line's hints (by ``hint_rank``)."""

    keys: str
    text: str
    hint: str = ""  # a word or two for the status line
    hint_keys: str = ""  # the keys as the status line shows them (default: ``keys``)
    hint_rank: int = 0  # place in the status line, 1 first; 0: not there


# Tests check that every entry's keys do something in the normal mode.
KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp("q", "quit (also Ctrl-C); closes a view or menu", "quit", hint_rank=1),
    KeyHelp("? h", "show or hide this help", "help", "?", hint_rank=2),
    KeyHelp("Up Down j k", "move the selection"),
    KeyHelp("PgUp PgDn", "move a page"),
    KeyHelp("Home End", "first / last process"),
    KeyHelp("o", "order by: Left Right pick, Enter cycles", "sort", hint_rank=4),
    KeyHelp("c m p N e", "sort by CPU, memory, PID, name, time"),
    KeyHelp("/", "filter by name, command line or user", "filter", hint_rank=3),
    KeyHelp("u", "show one user's processes"),
    KeyHelp("a", "command line or name"),
    KeyHelp("t", "tree view", "tree", hint_rank=5),
    KeyHelp("Enter", "details of the selected process", "details", hint_rank=6),
    KeyHelp("T K", "send SIGTERM / SIGKILL (asks first)", "signal", hint_rank=7),
    KeyHelp("s", "choose a signal to send"),
    KeyHelp("space", "pause or resume sampling", "pause", hint_rank=8),
    KeyHelp("+ -", "sample less or more often", "interval", "+/-", hint_rank=9),
    KeyHelp("n d", "next network interface / disk"),
    KeyHelp("Ctrl-L", "repaint the screen"),
    KeyHelp("Esc", "close, or clear the filter"),
)

# The status line's hints in the other modes: (keys, what they do).
MODE_HINTS: dict[Mode, tuple[tuple[str, str], ...]] = {
    Mode.ORDER: (("Left/Right", "column"), ("Enter", "desc/asc/off"), ("o Esc", "done")),
    Mode.USER_MENU: (("Up/Down", "choose"), ("Enter", "pick"), ("Esc", "cancel")),
    Mode.SIGNAL_MENU: (("Up/Down", "choose"), ("Enter", "pick"), ("Esc", "cancel")),
    Mode.DETAILS: (("Esc q", "close"), ("T K s", "signal"), ("space", "pause")),
}


def normal_hints() -> tuple[KeyHelp, ...]:
    return tuple(sorted((k for k in KEY_HELP if k.hint_rank), key=lambda k: k.hint_rank))


def key_reference() -> str:
    """The key table as plain text, for ``sot --help``."""
    width = max(len(entry.keys) for entry in KEY_HELP) + 2
    return "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in KEY_HELP)
