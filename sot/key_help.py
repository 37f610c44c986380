"""The key reference: what each key does (``KEY_HELP``) and what htop's keys do here
(``HTOP_KEYS``). One table makes ``sot --help``, the help overlay, the status line's hints and
README's tables (tests compare them)."""

from __future__ import annotations

from dataclasses import dataclass

from sot.keys import Mode


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the key reference: ``sot --help``, the help overlay, README's table (a test
    compares them) and, where ``hint`` is set, the status line's hints (by ``hint_rank``)."""

    keys: str
    text: str
    hint: str = ""  # a word or two for the status line
    hint_keys: str = ""  # the keys as the status line shows them (default: ``keys``)
    hint_rank: int = 0  # place in the status line, 1 first and dropped last; 0: not there
    # Acts on processes (sends signals, renices): left out under --read-only.
    signals: bool = False


# Tests check that every entry's keys do something in the normal mode.
KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp("q F10", "quit (also Ctrl-C); closes a view or menu", "quit", "q", 1),
    KeyHelp("? h F1 F2", "show or hide this help (F2: setup, none yet)", "help", "?", 2),
    KeyHelp("Up Down j k", "move the selection"),
    KeyHelp("PgUp PgDn", "move a page"),
    KeyHelp("Home End", "first / last process"),
    KeyHelp("o F6", "order by: Left Right pick, Enter cycles", "sort", "o", 4),
    KeyHelp("< >", "sort by the column to the left / right"),
    KeyHelp("c m p N e", "sort by CPU, memory, PID, name, time"),
    KeyHelp("r w", "sort by storage reads / writes per second"),
    KeyHelp("P M", "sort by CPU / memory, biggest first"),
    KeyHelp("I", "invert the sort order"),
    KeyHelp("/ \\ F4", "filter by name, command line, user or cgroup", "filter", "/", 3),
    KeyHelp("F3", "search: jump to a match, the rest stay shown", "search", hint_rank=10),
    KeyHelp("Shift-F3", "previous match (F3: the next one)"),
    KeyHelp("u", "show one user's processes"),
    KeyHelp("a", "command line or name"),
    KeyHelp("t F5", "tree view", "tree", "t", 5),
    KeyHelp("H", "hide threads: the table lists processes only"),
    KeyHelp("x", "show or hide kernel threads (hidden at start)"),
    KeyHelp("Enter", "details of the selected process", "details", hint_rank=6),
    KeyHelp("Tab", "sot ps: focus the next panel"),
    KeyHelp(
        "T K",
        "send SIGTERM / SIGKILL (asks first), to any tagged",
        "signal",
        hint_rank=7,
        signals=True,
    ),
    KeyHelp("s F9", "choose a signal to send, or type its number", signals=True),
    KeyHelp("space", "pause or resume sampling", "pause", hint_rank=8),
    KeyHelp("+ -", "sample less or more often", "interval", "+/-", hint_rank=9),
    KeyHelp("n d", "next network interface / disk"),
    KeyHelp("Ctrl-L", "repaint the screen"),
    KeyHelp("Esc", "close; clear the search, then the filter"),
    KeyHelp("v", "tag or untag the process, then move down"),
    KeyHelp("V", "tag the process and its descendants"),
    KeyHelp("U", "untag all"),
    KeyHelp("] F7", "higher priority: nice - 1 (root only)", signals=True),
    KeyHelp("[ F8", "lower priority: nice + 1 (tagged, if any)", signals=True),
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
    KeyHelp("q F10", "quit (also Ctrl-C)"),
    KeyHelp("? h F1", "show or hide this help"),
    KeyHelp("Up Down j k", "select a disk"),
    KeyHelp("Enter", "expand or collapse the disk's partitions"),
    KeyHelp("space", "pause or resume sampling"),
    KeyHelp("+ -", "sample less or more often"),
    KeyHelp("Ctrl-L", "repaint the screen"),
)
DISK_HEADING = HelpLine("disk key", "what it does", heading=True)


def help_lines(read_only: bool, home: Mode = Mode.NORMAL) -> tuple[HelpLine, ...]:
    """The help overlay's lines: sot's keys, then what htop's keys do here; without the keys
    that send signals under --read-only. On the disk screen (``home`` DISK), its keys."""
    if home is Mode.DISK:
        return (DISK_HEADING, *(HelpLine(k.keys, k.text) for k in DISK_KEY_HELP))
    keys = [HelpLine(k.keys, k.text) for k in KEY_HELP if not (read_only and k.signals)]
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


def normal_hints() -> tuple[KeyHelp, ...]:
    return tuple(sorted((k for k in KEY_HELP if k.hint_rank), key=lambda k: k.hint_rank))


def key_reference() -> str:
    """The key tables as plain text, for ``sot --help``."""
    width = max(len(keys) for keys in [k.keys for k in KEY_HELP] + [k.keys for k in HTOP_KEYS]) + 2
    keys = "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in KEY_HELP)
    htop = "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in HTOP_KEYS)
    return f"{keys}\n\nhtop's keys in sot:\n{htop}"
