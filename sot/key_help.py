"""The key reference: what each key does, as one table that makes ``sot --help``, the help
overlay, the status line's hints and README's table (a test compares them)."""

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
    signals: bool = False  # sends signals: left out under --read-only


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
    KeyHelp("F3", "search: jump to a match, the rest stay shown", "search", hint_rank=10),
    KeyHelp("Shift-F3", "previous match (F3: the next one)"),
    KeyHelp("u", "show one user's processes"),
    KeyHelp("a", "command line or name"),
    KeyHelp("t", "tree view", "tree", hint_rank=5),
    KeyHelp("Enter", "details of the selected process", "details", hint_rank=6),
    KeyHelp("T K", "send SIGTERM / SIGKILL (asks first)", "signal", hint_rank=7, signals=True),
    KeyHelp("s", "choose a signal to send, or type its number", signals=True),
    KeyHelp("space", "pause or resume sampling", "pause", hint_rank=8),
    KeyHelp("+ -", "sample less or more often", "interval", "+/-", hint_rank=9),
    KeyHelp("n d", "next network interface / disk"),
    KeyHelp("Ctrl-L", "repaint the screen"),
    KeyHelp("Esc", "close; clear the search, then the filter"),
)

# The status line's hints in the other modes: (keys, what they do), dropped from the right
# when the line is short.
MODE_HINTS: dict[Mode, tuple[tuple[str, str], ...]] = {
    Mode.ORDER: (("Left/Right", "column"), ("Enter", "desc/asc/off"), ("o Esc", "done")),
    Mode.USER_MENU: (("Up/Down", "choose"), ("Enter", "pick"), ("Esc", "cancel")),
    Mode.SIGNAL_MENU: (
        ("Up/Down", "choose"),
        ("Enter", "pick"),
        ("Esc", "cancel"),
        ("0-9", "signal number"),
    ),
    Mode.DETAILS: (("Esc q", "close"), ("T K s", "signal"), ("space", "pause")),
    Mode.FILTER: (("Enter", "keep"), ("Esc", "clear")),
    Mode.SEARCH: (("Enter", "keep"), ("Esc", "cancel"), ("F3", "next"), ("Shift-F3", "previous")),
}
# Mode hints for keys that send signals, left out under --read-only.
SIGNAL_HINT_KEYS = frozenset({"T K s"})


def normal_hints() -> tuple[KeyHelp, ...]:
    return tuple(sorted((k for k in KEY_HELP if k.hint_rank), key=lambda k: k.hint_rank))


def key_reference() -> str:
    """The key table as plain text, for ``sot --help``."""
    width = max(len(entry.keys) for entry in KEY_HELP) + 2
    return "\n".join(f"  {entry.keys:<{width}}{entry.text}" for entry in KEY_HELP)
