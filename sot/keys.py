"""Decoding terminal input into key names, and what each key does in each mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from sot.sorting import SortKey


class Mode(Enum):
    NORMAL = "normal"
    HELP = "help"
    ORDER = "order"  # choosing the sort column
    FILTER = "filter"  # typing in the filter prompt
    SEARCH = "search"  # typing in the search prompt
    USER_MENU = "user-menu"
    SIGNAL_MENU = "signal-menu"
    CONFIRM = "confirm"  # "Send SIGxxx to ...? [y/N]"
    DETAILS = "details"
    DISK = "disk"  # the disk screen's own keys (sot disk)


class Action(Enum):
    QUIT = "quit"
    HELP = "help"
    CLOSE = "close"  # the table's Esc: unzoom, clear the search, then the filter
    CLOSE_HELP = "close-help"
    CLOSE_MENU = "close-menu"  # order mode, the user and signal menus
    CLOSE_DETAILS = "close-details"
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
    SORT_BY = "sort-by"  # Command.sort_key: the column; pressed again, the direction flips
    SORT_SET = "sort-set"  # Command.sort_key, in its usual direction (htop's M and P)
    SORT_LEFT = "sort-left"  # sort by the column left of the current one
    SORT_RIGHT = "sort-right"
    INVERT_SORT = "invert-sort"
    HIDE_THREADS = "hide-threads"
    TOGGLE_KERNEL_THREADS = "toggle-kernel-threads"
    FILTER = "filter"
    SEARCH = "search"  # open the search prompt, or jump to the next match of the kept search
    SEARCH_NEXT = "search-next"
    SEARCH_PREVIOUS = "search-previous"
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
    TAG = "tag"  # tag or untag the selected process, then move down (htop's space)
    TAG_TREE = "tag-tree"  # tag the selected process and its descendants (htop's c)
    UNTAG_ALL = "untag-all"
    NICE_HIGHER_PRIORITY = "nice-higher-priority"  # nice - 1 (htop's ] and F7): needs root
    NICE_LOWER_PRIORITY = "nice-lower-priority"  # nice + 1 (htop's [ and F8)
    DISK_UP = "disk-up"  # the disk screen: select the disk above
    DISK_DOWN = "disk-down"
    DISK_TOGGLE = "disk-toggle"  # expand or collapse the selected disk's partitions
    UNKNOWN_KEY = "unknown-key"  # a key that means nothing in the table: point at the help
    NEXT_PANEL = "next-panel"  # Tab: the focus moves to the next panel
    TOGGLE_PANEL = "toggle-panel"  # Command.text: the panel (sot.layout.TOGGLEABLE_PANELS)
    ZOOM = "zoom"  # the focused panel takes the body, or back
    # Scrolling the details view.
    SCROLL_UP = "scroll-up"
    SCROLL_DOWN = "scroll-down"
    SCROLL_PAGE_UP = "scroll-page-up"
    SCROLL_PAGE_DOWN = "scroll-page-down"
    SCROLL_TOP = "scroll-top"
    SCROLL_BOTTOM = "scroll-bottom"

    # Sent by the loop, not bound to keys: what happened outside the key handlers.
    SIGNAL_SENT = "signal-sent"  # text: the outcome, for the status line
    RENICED = "reniced"  # text: the outcome, for the status line
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
    # Function keys: xterm and tmux (SS3 for F1-F4, CSI n ~ above), rxvt and screen (CSI 11~ to
    # 14~ for F1-F4), the Linux console (CSI [A to [E for F1-F5).
    "OP": "f1",
    "OQ": "f2",
    "OR": "f3",
    "OS": "f4",
    "[11~": "f1",
    "[12~": "f2",
    "[13~": "f3",
    "[14~": "f4",
    "[[A": "f1",
    "[[B": "f2",
    "[[C": "f3",
    "[[D": "f4",
    "[[E": "f5",
    "[15~": "f5",
    "[17~": "f6",
    "[18~": "f7",
    "[19~": "f8",
    "[20~": "f9",
    "[21~": "f10",
    # Shift-F3: xterm and tmux send F3 with a modifier, rxvt and the Linux console send F13.
    "[1;2R": "shift-f3",
    "[25~": "shift-f3",
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

    Printable characters are their own names; escape sequences become ``up``, ``pgdn``, ``f3``,
    ``shift-f3`` and so on; a lone ESC (nothing after it in the same read) is ``escape``;
    control characters are ``ctrl-<letter>``. Unknown sequences are dropped whole rather than
    leaking their bytes as keys.
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
            if text[i + 1 : i + 3] == "[[" and "A" <= text[i + 3 : i + 4] <= "E":
                # The Linux console's F1-F5, ESC [ [ A to E: the second "[" is no final byte.
                keys.append(_SEQUENCES[text[i + 1 : i + 4]])
                i += 4
            elif follower == "[":
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

_SIGNAL_KEYS = {
    "K": Action.KILL,
    "T": Action.TERMINATE,
    "s": Action.SIGNAL_MENU,
    "f9": Action.SIGNAL_MENU,
}

# Renice, as in htop: ] and F7 raise the priority (nice - 1), [ and F8 lower it (nice + 1).
_NICE_KEYS = {
    "]": Action.NICE_HIGHER_PRIORITY,
    "f7": Action.NICE_HIGHER_PRIORITY,
    "[": Action.NICE_LOWER_PRIORITY,
    "f8": Action.NICE_LOWER_PRIORITY,
}

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
    "M": Command(Action.SORT_SET, sort_key=SortKey.MEMORY),
    "P": Command(Action.SORT_SET, sort_key=SortKey.CPU),
    "<": Command(Action.SORT_LEFT),
    ">": Command(Action.SORT_RIGHT),
    "I": Command(Action.INVERT_SORT),
    "H": Command(Action.HIDE_THREADS),
    "\\": Command(Action.FILTER),
    # htop's function keys; T and K keep sot's meaning (signals), see HTOP_KEYS.
    "f1": Command(Action.HELP),
    "f2": Command(Action.HELP),  # htop's setup: until sot has a setup screen, the help
    "f3": Command(Action.SEARCH),
    "shift-f3": Command(Action.SEARCH_PREVIOUS),
    "f4": Command(Action.FILTER),
    "f5": Command(Action.TOGGLE_TREE),
    "f6": Command(Action.ORDER_MODE),
    "f9": Command(Action.SIGNAL_MENU),
    "f10": Command(Action.QUIT),
    "n": Command(Action.NEXT_INTERFACE),
    "d": Command(Action.NEXT_DISK),
    "o": Command(Action.ORDER_MODE),
    "c": Command(Action.SORT_BY, sort_key=SortKey.CPU),
    "m": Command(Action.SORT_BY, sort_key=SortKey.MEMORY),
    "p": Command(Action.SORT_BY, sort_key=SortKey.PID),
    "N": Command(Action.SORT_BY, sort_key=SortKey.COMMAND),
    "e": Command(Action.SORT_BY, sort_key=SortKey.TIME),
    "r": Command(Action.SORT_BY, sort_key=SortKey.READ),
    "w": Command(Action.SORT_BY, sort_key=SortKey.WRITE),
    "x": Command(Action.TOGGLE_KERNEL_THREADS),  # htop's K, which sends SIGKILL here
    "/": Command(Action.FILTER),
    "u": Command(Action.USER_MENU),
    "a": Command(Action.TOGGLE_COMMAND),
    "t": Command(Action.TOGGLE_TREE),
    "enter": Command(Action.DETAILS),
    "tab": Command(Action.NEXT_PANEL),
    "z": Command(Action.ZOOM),
    # Number keys show and hide the panels, in sot.layout.TOGGLEABLE_PANELS' order.
    **{
        str(number): Command(Action.TOGGLE_PANEL, panel)
        for number, panel in enumerate(("cpu", "memory", "disks", "network", "gpu", "processes"), 1)
    },
    # Tags: htop's space pauses here, and its c sorts by CPU.
    "v": Command(Action.TAG),
    "V": Command(Action.TAG_TREE),
    "U": Command(Action.UNTAG_ALL),
    **{key: Command(action) for key, action in _MOVES.items()},
    **{key: Command(action) for key, action in _SIGNAL_KEYS.items()},
    **{key: Command(action) for key, action in _NICE_KEYS.items()},
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
    "escape": Command(Action.CLOSE_MENU),
    "q": Command(Action.CLOSE_MENU),
    "ctrl-l": Command(Action.REPAINT),
    "f10": Command(Action.CLOSE_MENU),
}

# Scrolling the help overlay: the moves of the table, which the reducer applies to the help.
# The key that opened a view or menu closes it (its action toggles: help, order, user-menu,
# signal-menu, details), so a rebound opening key closes it too; each view's other ways out
# are an action of its own (close-help, close-menu, close-details), rebound apart.
_HELP_KEYS = {
    **{key: Command(Action.HELP) for key in ("?", "h", "f1", "f2")},
    **{key: Command(Action.CLOSE_HELP) for key in ("escape", "q", "enter", " ", "f10")},
    **{key: Command(action) for key, action in _MOVES.items()},
    "ctrl-l": Command(Action.REPAINT),
}

# `sot disk`: its screen rests in this mode instead of NORMAL (AppState.home_mode).
DISK_KEYS: dict[str, Command] = {
    "q": Command(Action.QUIT),
    "Q": Command(Action.QUIT),
    "f10": Command(Action.QUIT),
    "?": Command(Action.HELP),
    "h": Command(Action.HELP),
    "f1": Command(Action.HELP),
    "up": Command(Action.DISK_UP),
    "k": Command(Action.DISK_UP),
    "down": Command(Action.DISK_DOWN),
    "j": Command(Action.DISK_DOWN),
    "enter": Command(Action.DISK_TOGGLE),
    " ": Command(Action.TOGGLE_PAUSE),
    "+": Command(Action.SLOWER),
    "-": Command(Action.FASTER),
    "ctrl-l": Command(Action.REPAINT),
}

MODE_KEYS: dict[Mode, dict[str, Command]] = {
    Mode.NORMAL: NORMAL_KEYS,
    Mode.HELP: _HELP_KEYS,
    Mode.DISK: DISK_KEYS,
    Mode.ORDER: {
        "left": Command(Action.ORDER_LEFT),
        "right": Command(Action.ORDER_RIGHT),
        "enter": Command(Action.ORDER_CYCLE),
        "o": Command(Action.ORDER_MODE),
        "f6": Command(Action.ORDER_MODE),
        "escape": Command(Action.CLOSE_MENU),
        "q": Command(Action.CLOSE_MENU),
        "f10": Command(Action.CLOSE_MENU),
        "ctrl-l": Command(Action.REPAINT),
    },
    Mode.FILTER: _TEXT_EDITING,
    Mode.SEARCH: {
        **_TEXT_EDITING,
        # Not n / N: in the prompt they are letters of the search.
        "f3": Command(Action.SEARCH_NEXT),
        "shift-f3": Command(Action.SEARCH_PREVIOUS),
    },
    Mode.USER_MENU: {**_MENU, "u": Command(Action.USER_MENU)},
    Mode.SIGNAL_MENU: {
        **_MENU,
        "s": Command(Action.SIGNAL_MENU),
        "f9": Command(Action.SIGNAL_MENU),
        "backspace": Command(Action.TEXT_BACKSPACE),  # digits typed: a signal number
        "ctrl-h": Command(Action.TEXT_BACKSPACE),
    },
    Mode.CONFIRM: {"y": Command(Action.CONFIRM_YES), "Y": Command(Action.CONFIRM_YES)},
    Mode.DETAILS: {
        "escape": Command(Action.CLOSE_DETAILS),
        "q": Command(Action.CLOSE_DETAILS),
        "f10": Command(Action.CLOSE_DETAILS),
        "enter": Command(Action.DETAILS),
        "ctrl-l": Command(Action.REPAINT),
        " ": Command(Action.TOGGLE_PAUSE),  # as the status line's hint says
        **{key: Command(action) for key, action in _SIGNAL_KEYS.items()},
        **{key: Command(action) for key, action in _NICE_KEYS.items()},
        **{key: Command(action) for key, action in _SCROLLS.items()},
    },
}


# Readable names for the config file's [keys] table where an action's own value reads badly.
_ACTION_NAMES: dict[Action, str] = {
    Action.TOGGLE_PAUSE: "pause",
    Action.TOGGLE_TREE: "tree",
    Action.ORDER_MODE: "order",
    Action.TOGGLE_KERNEL_THREADS: "kernel-threads",
    Action.TOGGLE_COMMAND: "command-line",
}


def action_name(command: Command) -> str:
    """The name the config file's ``[keys]`` table gives ``command``: ``quit``, ``sort-cpu``
    (c), ``sort-cpu-descending`` (P), ``toggle-panel-memory`` (2)..."""
    if command.sort_key is not None:
        suffix = "-descending" if command.action is Action.SORT_SET else ""
        return f"sort-{command.sort_key.name.lower()}{suffix}"
    if command.action is Action.TOGGLE_PANEL:
        return f"toggle-panel-{command.text}"
    return _ACTION_NAMES.get(command.action, str(command.action.value))


# Compared and hashed by identity (eq=False): one map is built per run, and the app state that
# carries it stays hashable and cheap to compare.
@dataclass(frozen=True, slots=True, eq=False)
class KeyMap:
    """The keys in force: each mode's table, key -> command. Built once at start from the
    defaults (``MODE_KEYS``) and the config file's bindings (``sot.keymap.build_keymap``), and
    carried in the app state; never changed."""

    tables: Mapping[Mode, Mapping[str, Command]]
    rebound: frozenset[str] = field(default=frozenset())  # action names the file rebound

    def table(self, mode: Mode) -> Mapping[str, Command]:
        return self.tables[mode]

    def keys_of(self, name: str, mode: Mode = Mode.NORMAL) -> tuple[str, ...]:
        """The keys of the action ``name`` in ``mode``, in table order."""
        return tuple(key for key, c in self.tables[mode].items() if action_name(c) == name)


def frozen_tables(
    tables: Mapping[Mode, Mapping[str, Command]],
) -> Mapping[Mode, Mapping[str, Command]]:
    return MappingProxyType({mode: MappingProxyType(dict(table)) for mode, table in tables.items()})


DEFAULT_KEYMAP = KeyMap(frozen_tables(MODE_KEYS))


def command_for(mode: Mode, key: str, keymap: KeyMap = DEFAULT_KEYMAP) -> Command | None:
    """The command ``key`` means in ``mode``; text keys type into the filter and search
    prompts, digits into the signal menu's number."""
    command = keymap.tables[mode].get(key)
    if command is not None:
        return command
    if _is_text(mode, key, keymap):
        return Command(Action.TEXT_INSERT, key)
    if mode is Mode.CONFIRM:
        return Command(Action.CONFIRM_NO)  # anything but y cancels
    if mode is Mode.NORMAL:
        return Command(Action.UNKNOWN_KEY, key)
    return None


def next_command(
    mode: Mode, keys: Sequence[str], start: int, keymap: KeyMap = DEFAULT_KEYMAP
) -> tuple[Command | None, int]:
    """The command the keys from ``start`` mean in ``mode``, and where the next one begins.

    Typed into the filter, a run of text keys (a paste: thousands of them in one read) is one
    insertion, so the loop filters and draws once for it rather than once per character.
    """
    command = command_for(mode, keys[start], keymap)
    end = start + 1
    if command is None or command.action is not Action.TEXT_INSERT:
        return command, end
    while end < len(keys) and _is_text(mode, keys[end], keymap):
        end += 1
    if end == start + 1:
        return command, end
    return Command(Action.TEXT_INSERT, "".join(keys[start:end])), end


def _is_text(mode: Mode, key: str, keymap: KeyMap) -> bool:
    if key in keymap.tables[mode] or len(key) != 1:
        return False
    if mode is Mode.SIGNAL_MENU:
        return key in "0123456789"
    return mode in (Mode.FILTER, Mode.SEARCH) and key.isprintable()
