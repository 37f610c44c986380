"""Search, as htop's F3: the selection jumps to the next process whose name, command line,
user or cgroup label holds the text, and every other row stays on screen (the filter, by
contrast, hides them). Handlers for the reducer's table; pure, like the rest of it."""

from __future__ import annotations

from dataclasses import replace

from sot.key_help import said_key
from sot.keys import Action, Command, Mode
from sot.prompt import edit_text, full_message
from sot.state import AppState, Context, current_index, keep_visible, select
from sot.view import ProcessQuery, ProcessView, matches

NO_SEARCH_MESSAGE = "no search yet: press F3 and type"  # with the default keys


def find_match(view: ProcessView, text: str, start: int, step: int) -> int | None:
    """The index of the first row from ``start`` (then on by ``step``, wrapping around) whose
    process matches ``text`` as the filter would, or None."""
    if not text or not view.rows:
        return None
    query = ProcessQuery(text=text)
    count = len(view.rows)
    for offset in range(count):
        index = (start + step * offset) % count
        if matches(view.rows[index].process, query):
            return index
    return None


def no_match_message(text: str) -> str:
    return f'no match for "{text}"'


def _jump(state: AppState, context: Context, start: int, step: int) -> AppState:
    index = find_match(context.view, state.search, start, step)
    if index is None:
        return replace(state, message=no_match_message(state.search))
    moved = select(state, context.view, index)
    return keep_visible(replace(moved, message=None), len(context.view.rows), context.page_rows)


def start_search(state: AppState, _: Command, context: Context) -> AppState:
    """F3: open the search prompt; once a search is kept, jump to its next match instead."""
    if state.mode is Mode.NORMAL and state.search:
        return _jump(state, context, current_index(state, context.view) + 1, 1)
    return replace(state, mode=Mode.SEARCH, search_cursor=len(state.search))


def search_step(state: AppState, command: Command, context: Context) -> AppState:
    """F3 in the prompt, Shift-F3 anywhere: the next or previous match, wrapping around."""
    if not state.search:
        return replace(state, message=f"no search yet: press {_key(state, 'search')} and type")
    step = -1 if command.action is Action.SEARCH_PREVIOUS else 1
    return _jump(state, context, current_index(state, context.view) + step, step)


def edit_search(state: AppState, command: Command, context: Context) -> AppState:
    """Typing in the prompt: from the selection on, the first row that matches what is typed."""
    edited = edit_text(state.search, state.search_cursor, command.action, command.text)
    new = replace(state, search=edited.text, search_cursor=edited.cursor)
    if edited.text and edited.text != state.search:
        new = _jump(new, context, current_index(state, context.view), 1)
    if edited.full:
        new = replace(new, message=full_message("search"))
    return new


def accept_search(state: AppState) -> AppState:
    """Enter: leave the prompt and keep the search for F3 and Shift-F3."""
    if not state.search:
        return replace(state, mode=Mode.NORMAL)
    keys = f"{_key(state, 'search')} next, {_key(state, 'search-previous')} previous"
    return replace(state, mode=Mode.NORMAL, message=f'search "{state.search}": {keys}')


def _key(state: AppState, name: str) -> str:
    return said_key(state.keymap, name)


def cancel_search(state: AppState) -> AppState:
    """Esc: leave the prompt and forget the search; the selection stays where it is."""
    return replace(state, mode=Mode.NORMAL, search="", search_cursor=0, message=None)
