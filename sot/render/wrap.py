"""Cutting sanitized text into rows of a given width: anywhere (paths, values), or between words
(the arguments of a command line, the items of a list), measured in terminal cells."""

from __future__ import annotations

from collections.abc import Sequence

from sot.render.cells import clusters, display_width


def wrap(text: str, width: int, first_width: int | None = None) -> list[str]:
    """``text`` cut into rows of at most ``width`` cells (``first_width`` for the first row),
    anywhere but inside a character; at least one row."""
    room = width if first_width is None else first_width
    if room <= 0 or width <= 0:
        return [""]
    if text.isascii():  # one cell per character (sanitized text has no controls): slices
        return [text[:room], *(text[i : i + width] for i in range(room, len(text), width))]
    rows: list[str] = []
    current: list[str] = []
    used = 0
    for cluster, cluster_width in clusters(text):
        if used + cluster_width > room and current:
            rows.append("".join(current))
            current, used, room = [], 0, width
        current.append(cluster)
        used += cluster_width
    rows.append("".join(current))
    return rows


def wrap_words(
    words: Sequence[str], width: int, max_rows: int | None = None
) -> tuple[list[str], int]:
    """``words`` packed into rows of at most ``width`` cells, one space between words on a row,
    never breaking a word across rows unless it is wider than a whole row: only such a word
    starts a row of its own and is broken (anywhere) to fill as many as it needs. At most
    ``max_rows`` rows; returns the rows (at least one) and how many words did not fit."""
    rows: list[str] = []
    current: str | None = None
    used = 0
    for index, word in enumerate(words):
        word_width = display_width(word)
        if current is not None and used + 1 + word_width <= width:
            current, used = f"{current} {word}", used + 1 + word_width
            continue
        if current is not None:
            rows.append(current)
        pieces = wrap(word, width) if word_width > width else [word]
        rows.extend(pieces[:-1])
        if max_rows is not None and len(rows) >= max_rows:
            return rows[:max_rows], len(words) - index
        current = pieces[-1]
        used = display_width(current)
    rows.append(current or "")
    return rows, 0
