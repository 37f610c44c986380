"""The key reference: what each key does (``KEY_HELP``) and what htop's keys do here
(``HTOP_KEYS``). One table makes ``sot --help``, the help overlay, the status line's hints and
README's tables (tests compare them)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sot.keymap import action_names, key_label
from sot.keys import DEFAULT_KEYMAP, KeyMap, Mode


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


# The panels of the number keys 1-6 (sot.layout.TOGGLEABLE_PANELS, a test keeps them equal).
PANEL_KEYS = ("cpu", "memory", "disks", "network", "gpu", "processes")

# Tests check that every entry's keys are its actions' keys in the normal mode.
KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(("quit",), "q F10", "quit (also Ctrl-C); closes a view or menu", "quit", "q", 1),
    KeyHelp(("help",), "? h F1 F2", "show or hide this help (F2: setup, none yet)", "help", "?", 2),
    KeyHelp(("up", "down"), "Up Down j k", "move the selection"),
    KeyHelp(("page-up", "page-down"), "PgUp PgDn", "move a page"),
    KeyHelp(("first", "last"), "Home End", "first / last process"),
    KeyHelp(("order",), "o F6", "order by: Left Right pick, Enter cycles", "sort", "o", 4),
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
    KeyHelp(("search-previous",), "Shift-F3", "previous match (F3: the next one)"),
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
    KeyHelp(("zoom",), "z", "zoom the focused panel; z or Esc returns"),
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


def in_force(entry: KeyHelp, keymap: KeyMap, mode: Mode = Mode.NORMAL) -> KeyHelp:
    """``entry`` with the keys ``keymap`` gives its actions in ``mode``: itself where none of
    them is rebound (the defaults, as README lists them)."""
    if not keymap.rebound.intersection(entry.actions):
        return entry
    keys = dict.fromkeys(key for name in entry.actions for key in keymap.keys_of(name, mode))
    labels = [key_label(key) for key in keys]
    return replace(
        entry,
        keys=" ".join(labels) or "(none)",
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
    return (*keys, HelpLine("", ""), HTOP_HEADING, *htop)


# The status line's hints in the other modes: (keys, what they do), dropped from the right
# when the line is short.
MODE_HINTS: dict[Mode, tuple[tuple[str, str], ...]] = {
    Mode.HELP: (("Esc q", "close"), ("Up/Down PgUp/PgDn", "scroll")),
    Mode.ORDER: (("Left/Right", "column"), ("Enter", "desc/asc/off"), ("o Esc", "done")),
    Mode.USER_MENU: (("Up/Down", "choose"), ("Enter", "pick"), ("Esc", "cancel")),
    Mode.SIGNAL_MENU: (
        ("Up/Down", "choose"),
        ("Enter", "pick"),
        ("Esc", "cancel"),
        ("0-9", "signal number"),
    ),
    Mode.DETAILS: (("Esc q", "close"), ("T K s", "signal"), ("space", "pause")),
    Mode.DISK: (("q", "quit"), ("?", "help"), ("Up/Down", "disk"), ("Enter", "partitions")),
    Mode.FILTER: (("Enter", "keep"), ("Esc", "clear")),
    Mode.SEARCH: (("Enter", "keep"), ("Esc", "cancel"), ("F3", "next"), ("Shift-F3", "previous")),
}
# Mode hints for keys that send signals, left out under --read-only.
SIGNAL_HINT_KEYS = frozenset({"T K s"})


def normal_hints(keymap: KeyMap = DEFAULT_KEYMAP) -> tuple[KeyHelp, ...]:
    ranked = sorted((k for k in KEY_HELP if k.hint_rank), key=lambda k: k.hint_rank)
    return tuple(in_force(k, keymap) for k in ranked)


def key_reference(keymap: KeyMap = DEFAULT_KEYMAP) -> str:
    """The key tables as plain text, for ``sot --help``: the keys in force."""
    entries = [in_force(entry, keymap) for entry in KEY_HELP]
    width = max(len(keys) for keys in [k.keys for k in entries] + [k.keys for k in HTOP_KEYS]) + 2
    keys = "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in entries)
    htop = "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in HTOP_KEYS)
    return f"{keys}\n\nhtop's keys in sot:\n{htop}"


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
