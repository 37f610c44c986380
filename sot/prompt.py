"""Editing the one-line text of a prompt (the filter, the search): pure, text and cursor in,
text and cursor out."""

from __future__ import annotations

from dataclasses import dataclass

from sot.keys import Action

# Longer than any name or command line worth matching, short enough that filtering a few
# thousand processes by it costs nothing (a paste could otherwise bring megabytes).
MAX_PROMPT_CHARS = 256


@dataclass(frozen=True, slots=True)
class Edited:
    text: str
    cursor: int
    full: bool = False  # an insertion was cut at MAX_PROMPT_CHARS


def full_message(what: str) -> str:
    return f"the {what} holds at most {MAX_PROMPT_CHARS} characters"


def edit_text(text: str, cursor: int, action: Action, argument: str = "") -> Edited:
    """``text`` with the cursor at ``cursor`` after one editing action (TEXT_*)."""
    cursor = max(0, min(cursor, len(text)))
    full = False
    if action is Action.TEXT_INSERT:
        room = max(0, MAX_PROMPT_CHARS - len(text))
        full = len(argument) > room
        argument = argument[:room]
        text, cursor = text[:cursor] + argument + text[cursor:], cursor + len(argument)
    elif action is Action.TEXT_BACKSPACE and cursor > 0:
        text, cursor = text[: cursor - 1] + text[cursor:], cursor - 1
    elif action is Action.TEXT_DELETE_WORD:
        start = text[:cursor].rstrip().rfind(" ") + 1  # the word before the cursor, and its blanks
        text, cursor = text[:start] + text[cursor:], start
    elif action is Action.TEXT_CLEAR:
        text, cursor = text[cursor:], 0
    elif action is Action.TEXT_LEFT:
        cursor = max(0, cursor - 1)
    elif action is Action.TEXT_RIGHT:
        cursor = min(len(text), cursor + 1)
    elif action is Action.TEXT_HOME:
        cursor = 0
    elif action is Action.TEXT_END:
        cursor = len(text)
    return Edited(text, cursor, full)
