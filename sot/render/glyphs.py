"""Glyph sets: what to draw boxes, bars and graphs with, in UTF-8 or plain ASCII."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class GraphStyle(Enum):
    BRAILLE = "braille"
    BLOCK = "block"
    ASCII = "ascii"


@dataclass(frozen=True, slots=True)
class Glyphs:
    ascii_only: bool
    top_left: str
    top_right: str
    bottom_left: str
    bottom_right: str
    horizontal: str
    vertical: str
    bar_eighths: str  # partial fills from 1/8 to 8/8
    bar_empty: str
    bar_open: str
    bar_close: str
    graph: GraphStyle
    spark_levels: str  # empty, then increasing fills
    ellipsis: str
    separator: str
    up_arrow: str
    down_arrow: str


UNICODE = Glyphs(
    ascii_only=False,
    top_left="┌",
    top_right="┐",
    bottom_left="└",
    bottom_right="┘",
    horizontal="─",
    vertical="│",
    bar_eighths="▏▎▍▌▋▊▉█",
    bar_empty=" ",
    bar_open="",
    bar_close="",
    graph=GraphStyle.BRAILLE,
    spark_levels=" ▁▂▃▄▅▆▇█",
    ellipsis="…",
    separator="│",
    up_arrow="↑",
    down_arrow="↓",
)

BLOCK = replace(UNICODE, graph=GraphStyle.BLOCK)

ASCII = Glyphs(
    ascii_only=True,
    top_left="+",
    top_right="+",
    bottom_left="+",
    bottom_right="+",
    horizontal="-",
    vertical="|",
    bar_eighths="||||||||",
    bar_empty=" ",
    bar_open="[",
    bar_close="]",
    graph=GraphStyle.ASCII,
    spark_levels=" _.-=+*#",
    ellipsis="~",
    separator="|",
    up_arrow="^",
    down_arrow="v",
)
