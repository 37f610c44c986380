"""Key bindings from the config file's ``[keys]`` table: action name -> its keys.

The table's shape is checked here; which action names exist and which keys collide is the
key map's business (sot.keys)."""

from __future__ import annotations

from collections.abc import Mapping

Bindings = tuple[tuple[str, tuple[str, ...]], ...]


class BindingError(ValueError):
    """A ``[keys]`` entry that cannot be used. ``action`` is the entry whose line is reported;
    ``other``, for a collision, the action that already has the key."""

    def __init__(self, action: str, message: str, other: str | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.other = other


def parse_bindings(table: Mapping[str, object]) -> Bindings:
    """``{"quit": "q", "help": ["?", "f1"]}`` -> ``(("quit", ("q",)), ("help", ("?", "f1")))``."""
    bindings: list[tuple[str, tuple[str, ...]]] = []
    for action, value in table.items():
        keys = (value,) if isinstance(value, str) else value
        if not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys):
            raise BindingError(action, "expected a key name or a list of key names")
        bindings.append((action, tuple(keys)))
    return tuple(bindings)
