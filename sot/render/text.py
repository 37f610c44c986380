"""Writing labelled fields into a canvas row, left to right, clipped to a width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sot.render.cells import Canvas, display_width, fit, sanitize
from sot.render.glyphs import Glyphs

Segment = tuple[str, str]  # (text, role)


def put_segments(
    canvas: Canvas, y: int, x: int, width: int, segments: Sequence[Segment], glyphs: Glyphs
) -> int:
    """Write segments from x, never past x + width; the one that does not fit is cut with an
    ellipsis and the rest are dropped. Returns the column after the last cell written."""
    end = x + width
    for raw, role in segments:
        text = sanitize(raw, glyphs.ascii_only)
        room = end - x
        if room <= 0:
            break
        if display_width(text) > room:
            x = canvas.put(y, x, fit(text, room, glyphs.ellipsis), role)
            break
        x = canvas.put(y, x, text, role)
    return x


@dataclass(frozen=True, slots=True)
class Field:
    """Segments shown whole or not at all: a number never loses digits or its unit. When a row
    is too narrow, the fields with the highest ``rank`` (least important) go first. A
    ``cuttable`` field (free text such as a CPU model, never a figure) takes what room is left
    and is cut with an ellipsis instead."""

    segments: tuple[Segment, ...]
    rank: int = 0
    cuttable: bool = False


def field(*segments: Segment, rank: int = 0, cuttable: bool = False) -> Field:
    return Field(tuple(segments), rank, cuttable)


def _field_width(item: Field, glyphs: Glyphs) -> int:
    return sum(display_width(sanitize(text, glyphs.ascii_only)) for text, _ in item.segments)


def _fitting_widths(fields: Sequence[Field], width: int, glyphs: Glyphs) -> list[tuple[Field, int]]:
    """The fields that fit in ``width`` cells with their widths, in their order, least important
    dropped first. When the least important left is cuttable text and cutting it (to no less
    than four cells) makes the row fit, it is cut instead of dropped."""
    kept = [(item, _field_width(item, glyphs)) for item in fields]
    total = sum(w for _, w in kept)
    while kept and total > width:
        # Of the least important, the rightmost goes: the line keeps its left part stable.
        worst = max(range(len(kept)), key=lambda i: (kept[i][0].rank, i))
        item, item_width = kept[worst]
        if item.cuttable and total - item_width + min(4, item_width) <= width:
            break
        del kept[worst]
        total -= item_width
    return kept


def fitting(fields: Sequence[Field], width: int, glyphs: Glyphs) -> list[Field]:
    """The fields that fit in ``width`` cells (see ``_fitting_widths``)."""
    return [item for item, _ in _fitting_widths(fields, width, glyphs)]


def put_fields(
    canvas: Canvas, y: int, x: int, width: int, fields: Sequence[Field], glyphs: Glyphs
) -> int:
    """Write the fields that fit (see ``fitting``) from x; returns the column after the last."""
    kept = _fitting_widths(fields, width, glyphs)
    room = width - sum(w for item, w in kept if not item.cuttable)
    end = x + width
    for item, _ in kept:
        if item.cuttable:
            x = put_segments(canvas, y, x, max(0, min(room, end - x)), item.segments, glyphs)
            continue
        for text, role in item.segments:
            x = canvas.put(y, x, sanitize(text, glyphs.ascii_only), role)
    return x


def joined_fields(
    parts: Sequence[tuple[str, int, bool]], width: int, glyphs: Glyphs, separator: str = ", "
) -> str:
    """``(text, rank, cuttable)`` parts joined by ``separator`` into at most ``width`` cells, by
    the rules of ``fitting``: whole parts, least important dropped first, free text cut last."""
    fields = [
        field(((separator if i else "") + text, ""), rank=rank, cuttable=cut)
        for i, (text, rank, cut) in enumerate(parts)
    ]
    kept = fitting(fields, width, glyphs)
    room = width - sum(_field_width(item, glyphs) for item in kept if not item.cuttable)
    out = []
    for item in kept:
        text = sanitize(item.segments[0][0], glyphs.ascii_only)
        out.append(fit(text, max(0, room), glyphs.ellipsis) if item.cuttable else text)
    joined = "".join(out)
    return joined[len(separator) :] if joined.startswith(separator) else joined
