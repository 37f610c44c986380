"""The key reference: what each key does (``KEY_HELP``) and what htop's keys do here
(``HTOP_KEYS``). One table makes ``sot --help``, the help overlay, the status line's hints and
README's tables (tests compare them)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sot.keymap import action_names, key_label
from sot.keys import DEFAULT_KEYMAP, KeyMap, Mode

NO_KEY = "(no key)"
# The widest the key column of the help and of ``sot --help`` grows: a long list of keys bound
# to one action wraps no description out of the box (its keys are cut, the text stays).
MAX_KEY_COLUMN = 20


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the key reference: ``sot --help``, the help overlay, README's table (a test
    compares them) and, where ``hint`` is set, the status line's hints (by ``hint_rank``).
    ``keys`` are the default keys of ``actions`` (sot.keys.action_name); where the config file
    rebinds one, the reference shows the keys in force instead (``in_force``)."""

    actions: tuple[str, ...]
    keys: str
    text: str
    hint: str = ""  # a word or two for the status line
    hint_keys: str = ""  # the keys as the status line shows them (default: ``keys``)
    hint_rank: int = 0  # place in the status line, 1 first and dropped last; 0: not there
    # Acts on processes (sends signals, renices): left out under --read-only.
    signals: bool = False
    # Where ``text`` names keys: the text when any of ``actions`` or ``text_actions`` is
    # rebound, ``{action}`` standing for that action's first key in force (``said_key``).
    rebound_text: str = ""
    text_actions: tuple[str, ...] = ()


# The panels of the number keys 1-6 (sot.layout.TOGGLEABLE_PANELS, a test keeps them equal).
PANEL_KEYS = ("cpu", "memory", "disks", "network", "gpu", "processes")

# Tests check that every entry's keys are its actions' keys in the normal mode.
KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(
        ("quit",),
        "q F10",
        "quit (also Ctrl-C); closes a view or menu",
        "quit",
        "q",
        1,
        rebound_text=(
            "quit (also Ctrl-C); {close-help} closes the help, {close-menu} a menu,"
            " {close-details} the details"
        ),
        text_actions=("close-help", "close-menu", "close-details"),
    ),
    KeyHelp(
        ("help",),
        "? h F1 F2",
        "show or hide this help (F2: setup, none yet)",
        "help",
        "?",
        2,
        rebound_text="show or hide this help",
    ),
    KeyHelp(("up", "down"), "Up Down j k", "move the selection"),
    KeyHelp(("page-up", "page-down"), "PgUp PgDn", "move a page"),
    KeyHelp(("first", "last"), "Home End", "first / last process"),
    KeyHelp(
        ("order",),
        "o F6",
        "order by: Left Right pick, Enter cycles",
        "sort",
        "o",
        4,
        rebound_text="order by: {order-left} {order-right} pick, {order-cycle} cycles",
        text_actions=("order-left", "order-right", "order-cycle"),
    ),
    KeyHelp(("sort-left", "sort-right"), "< >", "sort by the column to the left / right"),
    KeyHelp(
        ("sort-cpu", "sort-memory", "sort-pid", "sort-command", "sort-time"),
        "c m p N e",
        "sort by CPU, memory, PID, name, time",
    ),
    KeyHelp(("sort-read", "sort-write"), "r w", "sort by storage reads / writes per second"),
    KeyHelp(
        ("sort-cpu-descending", "sort-memory-descending"),
        "P M",
        "sort by CPU / memory, biggest first",
    ),
    KeyHelp(("invert-sort",), "I", "invert the sort order"),
    KeyHelp(
        ("filter",), "/ \\ F4", "filter by name, command line, user or cgroup", "filter", "/", 3
    ),
    KeyHelp(
        ("search",), "F3", "search: jump to a match, the rest stay shown", "search", hint_rank=10
    ),
    KeyHelp(
        ("search-previous",),
        "Shift-F3",
        "previous match (F3: the next one)",
        rebound_text="previous match ({search}: the next one)",
        text_actions=("search",),
    ),
    KeyHelp(("user-menu",), "u", "show one user's processes"),
    KeyHelp(("command-line",), "a", "command line or name"),
    KeyHelp(("tree",), "t F5", "tree view", "tree", "t", 5),
    KeyHelp(("hide-threads",), "H", "hide threads: the table lists processes only"),
    KeyHelp(("kernel-threads",), "x", "show or hide kernel threads (hidden at start)"),
    KeyHelp(("details",), "Enter", "details of the selected process", "details", hint_rank=6),
    KeyHelp(("next-panel",), "Tab", "focus the next panel (its title is highlighted)"),
    KeyHelp(
        tuple(f"toggle-panel-{panel}" for panel in PANEL_KEYS),
        "1-6",
        "show or hide: cpu, memory, disks, network, gpu, table",
    ),
    KeyHelp(
        ("zoom",),
        "z",
        "zoom the focused panel; z or Esc returns",
        rebound_text="zoom the focused panel; {zoom} or {close} returns",
        text_actions=("close",),
    ),
    KeyHelp(
        ("terminate", "kill"),
        "T K",
        "send SIGTERM / SIGKILL (asks first), to any tagged",
        "signal",
        hint_rank=7,
        signals=True,
    ),
    KeyHelp(("signal-menu",), "s F9", "choose a signal to send, or type its number", signals=True),
    KeyHelp(("pause",), "space", "pause or resume sampling", "pause", hint_rank=8),
    KeyHelp(
        ("slower", "faster"), "+ -", "sample less or more often", "interval", "+/-", hint_rank=9
    ),
    KeyHelp(("next-interface", "next-disk"), "n d", "next network interface / disk"),
    KeyHelp(("repaint",), "Ctrl-L", "repaint the screen"),
    KeyHelp(("close",), "Esc", "close; unzoom; clear the search, then the filter"),
    KeyHelp(("tag",), "v", "tag or untag the process, then move down"),
    KeyHelp(("tag-tree",), "V", "tag the process and its descendants"),
    KeyHelp(("untag-all",), "U", "untag all"),
    KeyHelp(
        ("nice-higher-priority",), "] F7", "higher priority: nice - 1 (root only)", signals=True
    ),
    KeyHelp(
        ("nice-lower-priority",), "[ F8", "lower priority: nice + 1 (tagged, if any)", signals=True
    ),
)


@dataclass(frozen=True, slots=True)
class HtopKey:
    """What a key of htop does in sot: one row of the table in the help overlay, README and
    ``sot --help``. Where sot gives a key another meaning, the row says so."""

    keys: str
    text: str
    # The row is about acting on processes (signals, nice): left out under --read-only.
    signals: bool = False


HTOP_KEYS: tuple[HtopKey, ...] = (
    HtopKey("F1 h ?", "help, as in htop"),
    HtopKey("F2", "setup: sot has none yet, so the help"),
    HtopKey("F3", "search, as in htop; Shift-F3 the previous match"),
    HtopKey("/", "filter (htop: search; here F3)"),
    HtopKey("F4 \\", "filter, as in htop"),
    HtopKey("F5 t", "tree view, as in htop"),
    HtopKey("F6", "order by: Left Right pick a column, Enter cycles"),
    HtopKey("< >", "sort by the column to the left / right (htop: menu)"),
    HtopKey("F7 F8 [ ]", "nice, as in htop", signals=True),
    HtopKey("F9", "signal menu, as in htop", signals=True),
    HtopKey("k", "moves up, as j down (htop: kill; here F9 s T K)"),
    HtopKey("F10 q", "quit, as in htop"),
    HtopKey("M P", "sort by memory / CPU, as in htop"),
    HtopKey("I", "invert the sort order, as in htop"),
    HtopKey("T", "SIGTERM, asks first (htop: sort by time; here e)", signals=True),
    HtopKey("K", "SIGKILL, asks first (htop: hide kernel threads; here x)", signals=True),
    HtopKey("H", "says so: threads are not listed (htop: hide them)"),
    HtopKey("N", "sort by name (htop: by PID; here p)"),
    HtopKey("p", "sort by PID (htop: program path; here a)"),
    HtopKey("u", "one user's processes, as in htop"),
    HtopKey("s", "signal menu (htop: strace)", signals=True),
    HtopKey("space", "pause (htop: tag, here v; Z pauses)"),
    HtopKey("U", "untag all, as in htop"),
    HtopKey("+ -", "sample less / more often (htop: fold the tree)"),
    HtopKey("c m e", "sort by CPU / memory / time (htop c: tag tree, V)"),
    HtopKey("l", "not in sot: Enter shows details (htop: lsof)"),
)


@dataclass(frozen=True, slots=True)
class HelpLine:
    """A line of the help overlay: a key and what it does, or a section heading."""

    keys: str
    text: str
    heading: bool = False


HTOP_HEADING = HelpLine("htop key", "what it does in sot", heading=True)
# With keys rebound the htop table still names htop's keys, and says what they do by default.
HTOP_REBOUND_HEADING = HelpLine("htop key", "what it does in sot by default", heading=True)


# `sot disk`'s keys (keys.DISK_KEYS): its help overlay lists these instead of the dashboard's.
DISK_KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(("quit",), "q F10", "quit (also Ctrl-C)"),
    KeyHelp(("help",), "? h F1", "show or hide this help"),
    KeyHelp(("disk-up", "disk-down"), "Up Down j k", "select a disk"),
    KeyHelp(("disk-toggle",), "Enter", "expand or collapse the disk's partitions"),
    KeyHelp(("pause",), "space", "pause or resume sampling"),
    KeyHelp(("slower", "faster"), "+ -", "sample less or more often"),
    KeyHelp(("repaint",), "Ctrl-L", "repaint the screen"),
)
DISK_HEADING = HelpLine("disk key", "what it does", heading=True)


def said_key(keymap: KeyMap, name: str) -> str:
    """The first key of the action ``name`` in force, as the help shows it (from the first mode
    that has one, the table's first); ``NO_KEY`` when it has none."""
    for mode in Mode:
        keys = keymap.keys_of(name, mode)
        if keys:
            return key_label(keys[0])
    return NO_KEY


def said_keys(keymap: KeyMap, name: str, mode: Mode, count: int = 2) -> tuple[str, ...]:
    """The first ``count`` keys of ``name`` in ``mode``, as the help shows them."""
    return tuple(key_label(key) for key in keymap.keys_of(name, mode)[:count])


def fill_keys(template: str, keymap: KeyMap) -> str:
    """``template`` with each ``{action}`` replaced by that action's first key in force."""
    return re.sub(r"\{([a-z0-9-]+)\}", lambda found: said_key(keymap, found[1]), template)


def keys_text(keymap: KeyMap, default: str, template: str) -> str:
    """``default`` where none of the actions ``template`` names (``{action}``) is rebound; else
    ``template`` with their keys in force: a message or note that names keys."""
    names = re.findall(r"\{([a-z0-9-]+)\}", template)
    return fill_keys(template, keymap) if keymap.rebound.intersection(names) else default


def in_force(entry: KeyHelp, keymap: KeyMap, mode: Mode = Mode.NORMAL) -> KeyHelp:
    """``entry`` with the keys ``keymap`` gives its actions in ``mode``: itself where none of
    them is rebound (the defaults, as README lists them); its ``rebound_text`` where it names
    keys and one of them is rebound."""
    if not keymap.rebound.intersection((*entry.actions, *entry.text_actions)):
        return entry
    if entry.rebound_text:
        entry = replace(entry, text=fill_keys(entry.rebound_text, keymap))
    if not keymap.rebound.intersection(entry.actions):
        return entry
    keys = dict.fromkeys(key for name in entry.actions for key in keymap.keys_of(name, mode))
    labels = [key_label(key) for key in keys]
    return replace(
        entry,
        keys=" ".join(labels) or NO_KEY,
        hint_keys=labels[0] if labels else "-",
    )


def help_lines(
    read_only: bool, home: Mode = Mode.NORMAL, keymap: KeyMap = DEFAULT_KEYMAP
) -> tuple[HelpLine, ...]:
    """The help overlay's lines: sot's keys (those in force), then what htop's keys do here;
    without the keys that send signals under --read-only. On the disk screen (``home``
    DISK), its keys."""
    if home is Mode.DISK:
        disk = (in_force(k, keymap, Mode.DISK) for k in DISK_KEY_HELP)
        return (DISK_HEADING, *(HelpLine(k.keys, k.text) for k in disk))
    keys = [
        HelpLine(k.keys, k.text)
        for k in (in_force(entry, keymap) for entry in KEY_HELP)
        if not (read_only and k.signals)
    ]
    htop = [HelpLine(k.keys, k.text) for k in HTOP_KEYS if not (read_only and k.signals)]
    heading = HTOP_REBOUND_HEADING if keymap.rebound else HTOP_HEADING
    return (*keys, HelpLine("", ""), heading, *htop)


@dataclass(frozen=True, slots=True)
class ModeHint:
    """A hint of the status line in a mode other than the table's: ``keys`` (the defaults, as
    shown) and what they do. Where one of ``actions`` is rebound, the hint shows their first
    keys in force in the mode (``also``'s where ``actions`` have none there)."""

    actions: tuple[str, ...]
    keys: str
    text: str
    also: tuple[str, ...] = ()
    signals: bool = False  # left out under --read-only


_MENU_HINTS = (
    ModeHint(("menu-up", "menu-down"), "Up/Down", "choose"),
    ModeHint(("accept",), "Enter", "pick"),
)
_SCROLL = ("up", "down", "page-up", "page-down")
# The status line's hints in the other modes, dropped from the right when the line is short.
MODE_HINTS: Mapping[Mode, tuple[ModeHint, ...]] = {
    Mode.HELP: (
        ModeHint(("close-help",), "Esc q", "close", also=("help",)),
        ModeHint(_SCROLL, "Up/Down PgUp/PgDn", "scroll"),
    ),
    Mode.ORDER: (
        ModeHint(("order-left", "order-right"), "Left/Right", "column"),
        ModeHint(("order-cycle",), "Enter", "desc/asc/off"),
        ModeHint(("order", "close-menu"), "o Esc", "done"),
    ),
    Mode.USER_MENU: (
        *_MENU_HINTS,
        ModeHint(("close-menu",), "Esc", "cancel", also=("user-menu",)),
    ),
    Mode.SIGNAL_MENU: (
        *_MENU_HINTS,
        ModeHint(("close-menu",), "Esc", "cancel", also=("signal-menu",)),
        ModeHint((), "0-9", "signal number"),
    ),
    Mode.DETAILS: (
        ModeHint(("close-details",), "Esc q", "close", also=("details",)),
        ModeHint(("terminate", "kill", "signal-menu"), "T K s", "signal", signals=True),
        ModeHint(("pause",), "space", "pause"),
    ),
    Mode.DISK: (
        ModeHint(("quit",), "q", "quit"),
        ModeHint(("help",), "?", "help"),
        ModeHint(("disk-up", "disk-down"), "Up/Down", "disk"),
        ModeHint(("disk-toggle",), "Enter", "partitions"),
    ),
    Mode.FILTER: (
        ModeHint(("accept",), "Enter", "keep"),
        ModeHint(("cancel",), "Esc", "clear"),
    ),
    Mode.SEARCH: (
        ModeHint(("accept",), "Enter", "keep"),
        ModeHint(("cancel",), "Esc", "cancel"),
        ModeHint(("search-next",), "F3", "next"),
        ModeHint(("search-previous",), "Shift-F3", "previous"),
    ),
}


def mode_hints(mode: Mode, keymap: KeyMap, read_only: bool = False) -> tuple[tuple[str, str], ...]:
    """(keys, what they do) for the status line in ``mode``, the keys in force; a hint whose
    actions have no key left there is left out."""
    hints: list[tuple[str, str]] = []
    for hint in MODE_HINTS.get(mode, ()):
        if read_only and hint.signals:
            continue
        if not keymap.rebound.intersection((*hint.actions, *hint.also)):
            hints.append((hint.keys, hint.text))
            continue
        count = max(1, len(hint.keys.split()))
        labels = [label for name in hint.actions for label in said_keys(keymap, name, mode)]
        if not labels:
            labels = [label for name in hint.also for label in said_keys(keymap, name, mode)]
        if labels:
            hints.append((" ".join(dict.fromkeys(labels[: max(2, count)])), hint.text))
    return tuple(hints)


def normal_hints(keymap: KeyMap = DEFAULT_KEYMAP) -> tuple[KeyHelp, ...]:
    ranked = sorted((k for k in KEY_HELP if k.hint_rank), key=lambda k: k.hint_rank)
    return tuple(in_force(k, keymap) for k in ranked)


def cells(text: str) -> int:
    """``text``'s width on screen (sot.render.cells.display_width), loading wcwidth only for
    text beyond ASCII: ``sot --help``'s key table is built at every start, before sot keeps
    OpenSSL out (which wcwidth's import would load)."""
    if text.isascii():
        return len(text)
    from sot.render.cells import display_width

    return display_width(text)


def key_column(keys: str, width: int = MAX_KEY_COLUMN) -> str:
    """``keys`` in at most ``width`` cells, whole keys kept, padded to ``width``; a list too
    long ends with "..."."""
    if cells(keys) <= width:
        return keys + " " * (width - cells(keys))
    kept = ""
    for key in keys.split(" "):
        candidate = f"{kept} {key}" if kept else key
        if cells(candidate) + 4 > width:
            break
        kept = candidate
    kept = f"{kept} ..." if kept else "..."
    return kept + " " * max(0, width - cells(kept))


def key_width(rows: list[str]) -> int:
    """The key column's width for ``rows``: the widest, at most ``MAX_KEY_COLUMN``."""
    return min(MAX_KEY_COLUMN, max((cells(keys) for keys in rows), default=0))


def key_reference(keymap: KeyMap = DEFAULT_KEYMAP) -> str:
    """The key tables as plain text, for ``sot --help``: the keys in force."""
    entries = [in_force(entry, keymap) for entry in KEY_HELP]
    width = key_width([k.keys for k in entries] + [k.keys for k in HTOP_KEYS])
    keys = "\n".join(f"  {key_column(entry.keys, width)}  {entry.text}" for entry in entries)
    htop = "\n".join(f"  {key_column(entry.keys, width)}  {entry.text}" for entry in HTOP_KEYS)
    title = "htop's keys in sot (by default):" if keymap.rebound else "htop's keys in sot:"
    return f"{keys}\n\n{title}\n{htop}"


def binding_reference(keymap: KeyMap = DEFAULT_KEYMAP) -> str:
    """Every action name of the config file's [keys] table, with its keys and the modes that
    have it: README's "Key bindings" block (a test keeps them equal)."""
    rows: list[tuple[str, str, str]] = []
    for name in action_names():
        modes = [mode for mode in Mode if keymap.keys_of(name, mode)]
        keys = dict.fromkeys(key for mode in modes for key in keymap.keys_of(name, mode))
        where = ", ".join(mode.value for mode in modes)
        rows.append((name, " ".join(key_label(key) for key in keys) or "(none)", where))
    name_width = max(len(name) for name, _, _ in rows) + 2
    key_width = max(len(keys) for _, keys, _ in rows) + 2
    return "\n".join(
        f"{name:<{name_width}}{keys:<{key_width}}{where}".rstrip() for name, keys, where in rows
    )
