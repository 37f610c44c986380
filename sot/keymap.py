"""Key bindings from the config file's ``[keys]`` table: action name -> its keys, checked
against the key map (``sot.keys``: its actions' names, the key names ``decode_keys`` gives, and
collisions), and the key map they make.

A rebound action loses its default keys in every mode it has them where one of the new keys
applies (quit: the dashboard and ``sot disk``), and the new keys take their place there. In the
filter and search prompts a printable key always types itself, and in the signal menu a digit is
part of the signal's number, so a binding of such keys does not apply there: the action keeps its
default keys in that mode. A binding that would leave a mode with no key out of it (``EXITS``) is
refused. Ctrl-C always quits, whatever the file says.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from sot.keys import (
    MODE_KEYS,
    Command,
    KeyMap,
    Mode,
    action_name,
    frozen_tables,
)

Bindings = tuple[tuple[str, tuple[str, ...]], ...]

# Key names decode_keys gives besides single characters, ctrl-<letter> and alt-<character>.
NAMED_KEYS: tuple[str, ...] = (
    "up", "down", "left", "right", "home", "end", "insert", "delete", "pgup", "pgdn",
    "enter", "tab", "backspace", "escape", "space",
    *(f"f{number}" for number in range(1, 11)),
    "shift-f3",
)  # fmt: skip
_ALIASES = {
    "esc": "escape",
    "return": "enter",
    "pageup": "pgup",
    "pagedown": "pgdn",
    "del": "delete",
}
# Control keys that never reach sot as keys: the terminal turns them into signals or flow
# control, or sends them as another key (Ctrl-H is backspace, Ctrl-I tab, Ctrl-M enter).
_RESERVED_CONTROLS = {
    "ctrl-c": "Ctrl-C always quits",
    "ctrl-z": "Ctrl-Z suspends sot",
    "ctrl-s": "the terminal takes Ctrl-S (flow control)",
    "ctrl-q": "the terminal takes Ctrl-Q (flow control)",
    "ctrl-h": "Ctrl-H arrives as backspace",
    "ctrl-i": "Ctrl-I arrives as tab",
    "ctrl-j": "Ctrl-J arrives as enter",
    "ctrl-m": "Ctrl-M arrives as enter",
}
KEY_NAMES_HELP = (
    "one character, space, up, down, left, right, home, end, pgup, pgdn, insert, delete, "
    "enter, tab, backspace, escape, f1-f10, shift-f3, ctrl-<letter> or alt-<character>"
)
_TEXT_MODES = (Mode.FILTER, Mode.SEARCH)
# ESC [ and ESC O begin the terminal's sequences (arrows, function keys): decode_keys never
# gives alt-[ or alt-O.
_SEQUENCE_STARTS = ("[", "O")
# The ways out of each mode: a binding that leaves a mode none of them refused (Ctrl-C quits
# sot, which is no way back to the table). The key that opened a view closes it.
EXITS: Mapping[Mode, tuple[str, ...]] = {
    Mode.NORMAL: ("quit",),
    Mode.DISK: ("quit",),
    Mode.HELP: ("close-help", "help"),
    Mode.ORDER: ("close-menu", "order"),
    Mode.USER_MENU: ("close-menu", "user-menu", "accept"),
    Mode.SIGNAL_MENU: ("close-menu", "signal-menu", "accept"),
    Mode.FILTER: ("cancel", "accept"),
    Mode.SEARCH: ("cancel", "accept"),
    Mode.DETAILS: ("close-details", "details"),
}
_LABELS = {
    " ": "space",
    "escape": "Esc",
    "pgup": "PgUp",
    "pgdn": "PgDn",
    "backspace": "Backspace",
}


class BindingError(ValueError):
    """A ``[keys]`` entry that cannot be used. ``action`` is the entry whose line is reported;
    ``other``, for a collision, the action that already has the key."""

    def __init__(self, action: str, message: str, other: str | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.other = other


def _commands() -> dict[str, Command]:
    """Every bindable action by name, in the order the tables list them (normal mode first)."""
    found: dict[str, Command] = {}
    for table in MODE_KEYS.values():
        for command in table.values():
            found.setdefault(action_name(command), command)
    return found


def action_names() -> tuple[str, ...]:
    return tuple(_commands())


def key_label(key: str) -> str:
    """How the help shows a key: ``F10``, ``Shift-F3``, ``Ctrl-L``, ``PgUp``, ``space``."""
    if key in _LABELS:
        return _LABELS[key]
    if len(key) == 1:
        return key
    return "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


def _typable(char: str) -> bool:
    """A character a key can send on its own and the help can show: printable, not a
    combining mark or a zero-width one (those come with the character before them)."""
    return char.isprintable() and unicodedata.category(char) not in ("Mn", "Me", "Cf")


def canonical_key(action: str, text: str) -> str:
    """The key name ``decode_keys`` gives for ``text`` as the file spells it (case does not
    matter in named keys: ``F1``, ``Ctrl-X``, ``PgDn``); BindingError when there is none."""
    if len(text) == 1:
        if text == " ":
            return " "
        if _typable(text):
            return text
        raise BindingError(action, f"{text!r} is not a key name: use {KEY_NAMES_HELP}")
    name = _ALIASES.get(text.lower(), text.lower())
    if name in _RESERVED_CONTROLS:
        raise BindingError(action, f"{key_label(name)} cannot be bound: {_RESERVED_CONTROLS[name]}")
    if name == "space":
        return " "
    if name in NAMED_KEYS:
        return name
    if name.startswith("ctrl-") and len(name) == 6 and "a" <= name[5] <= "z":
        return name
    if name.startswith("alt-") and len(text) == 5 and text[4] in _SEQUENCE_STARTS:
        message = f"Alt-{text[4]} cannot be bound: the terminal's key sequences begin with it"
        raise BindingError(action, message)
    if name.startswith("alt-") and len(text) == 5 and _typable(text[4]) and text[4] != " ":
        return f"alt-{text[4]}"  # the character keeps its case: Alt-x and Alt-X differ
    raise BindingError(action, f'"{text}" is not a key name: use {KEY_NAMES_HELP}')


def _unknown_action(action: str, known: Iterable[str]) -> BindingError:
    import difflib  # only on this error path: nothing to load on a good start

    close = difflib.get_close_matches(action, list(known), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else " (README lists the action names)"
    return BindingError(action, f'unknown action "{action}"{hint}')


def parse_bindings(table: Mapping[str, object]) -> Bindings:
    """``{"quit": "x", "help": ["?", "F1"]}`` -> ``(("quit", ("x",)), ("help", ("?", "f1")))``,
    the keys by ``decode_keys``' names; checked: the action names, the key names and that no
    key does two things in one mode (``build_keymap``). An empty list unbinds an action."""
    commands = _commands()
    bindings: list[tuple[str, tuple[str, ...]]] = []
    for action, value in table.items():
        keys = (value,) if isinstance(value, str) else value
        if not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys):
            raise BindingError(action, "expected a key name or a list of key names")
        if action not in commands:
            raise _unknown_action(action, commands)
        canonical = tuple(dict.fromkeys(canonical_key(action, k) for k in keys))
        bindings.append((action, canonical))
    parsed = tuple(bindings)
    build_keymap(parsed)  # the collisions
    return parsed


def build_keymap(bindings: Bindings) -> KeyMap:
    """The default key map with ``bindings`` (from ``parse_bindings``) in force. BindingError
    when a key would do two things in one mode: "x is also kernel-threads's key in normal mode"
    (its ``other``: the action that has the key, by default or by another binding)."""
    if not bindings:
        from sot.keys import DEFAULT_KEYMAP

        return DEFAULT_KEYMAP
    commands = _commands()
    rebound = dict(bindings)
    for name in rebound:
        if name not in commands:
            raise _unknown_action(name, commands)
    tables: dict[Mode, dict[str, Command]] = {}
    for mode, defaults in MODE_KEYS.items():
        here = {action_name(c): c for c in defaults.values()}
        # Per action: its new keys that apply in this mode; none of several: the defaults stay.
        applied = {
            name: tuple(key for key in keys if applies(mode, key))
            for name, keys in bindings
            if name in here
        }
        replaced = {name for name, keys in applied.items() if keys or not rebound[name]}
        table = {k: c for k, c in defaults.items() if action_name(c) not in replaced}
        for name, keys in applied.items():
            for key in keys:
                holder = table.get(key)
                if holder is not None and action_name(holder) != name:
                    other = action_name(holder)
                    message = f"{key_label(key)} is also {other}'s key in {mode.value} mode"
                    raise BindingError(name, message, other)
                table[key] = here[name]
        _check_exit(mode, table, rebound)
        tables[mode] = table
    return KeyMap(frozen_tables(tables), frozenset(rebound))


def applies(mode: Mode, key: str) -> bool:
    """Whether a binding of ``key`` can act in ``mode``: not where the key is text (a printable
    key in the filter and search prompts, a digit in the signal menu)."""
    if len(key) != 1:
        return True
    if mode in _TEXT_MODES:
        return not key.isprintable()
    return not (mode is Mode.SIGNAL_MENU and key in "0123456789")


def _check_exit(mode: Mode, table: Mapping[str, Command], rebound: Mapping[str, object]) -> None:
    """BindingError when ``table`` leaves ``mode`` with no key out of it (``EXITS``)."""
    exits = EXITS.get(mode, ())
    if not exits or any(action_name(c) in exits for c in table.values()):
        return
    blamed = next((name for name in exits if name in rebound), exits[0])
    ways = " or ".join(exits)
    raise BindingError(
        blamed, f"{mode.value} mode would have no key out of it: keep a key for {ways}"
    )
