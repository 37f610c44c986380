"""The screen writer against a pyte virtual terminal: what is sent, and what ends up shown."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Sequence

import blessed
import pyte
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.render.cells import Block, Canvas, Role
from sot.screen import Screen, Sequences, render_diff
from sot.terminal import merge_sgr, sequences_for
from tests.property import examples

WIDTH, HEIGHT = 30, 8


def sequences() -> Sequences:
    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    return sequences_for(term, 256)


class Harness:
    def __init__(self, seq: Sequences | None = None) -> None:
        self.vt = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.Stream(self.vt)
        self.sent: list[str] = []
        self.screen = Screen(seq or sequences(), self._write)

    def _write(self, text: str) -> int:
        self.sent.append(text)
        self.stream.feed(text)
        return len(text.encode())

    def cells(self) -> list[list[tuple[str, str, str, bool, bool]]]:
        """What a person sees: a blank with no background looks the same whatever its colour."""

        def seen(c: pyte.screens.Char) -> tuple[str, str, str, bool, bool]:
            if c.data == " " and c.bg == "default" and not c.reverse:
                return (" ", "default", "default", False, False)
            return (c.data, c.fg, c.bg, c.bold, c.reverse)

        return [[seen(self.vt.buffer[y][x]) for x in range(WIDTH)] for y in range(HEIGHT)]


def frame(rows: Sequence[tuple[int, int, str, str]]) -> Block:
    canvas = Canvas(WIDTH, HEIGHT)
    for y, x, text, role in rows:
        canvas.put(y, x, text, role)
    canvas.put(HEIGHT - 1, WIDTH - 1, " ")  # the bottom-right cell is never drawn
    return canvas.block()


def fresh_paint(block: Block) -> Harness:
    harness = Harness()
    harness.screen.present(block)
    return harness


def text_of(harness: Harness) -> list[str]:
    return [line.rstrip() for line in harness.vt.display]


def test_first_frame_paints_everything() -> None:
    harness = Harness()
    block = frame([(0, 0, "cpu 42%", Role.TITLE), (3, 5, "中文 ok", Role.OK)])
    assert harness.screen.present(block) > 0
    assert text_of(harness)[0] == "cpu 42%"
    assert text_of(harness)[3] == "     中文 ok"
    assert harness.vt.buffer[0][0].bold


def test_unchanged_frame_sends_nothing() -> None:
    harness = Harness()
    block = frame([(0, 0, "same", Role.VALUE)])
    harness.screen.present(block)
    assert harness.screen.present(block) == 0
    assert harness.screen.present(frame([(0, 0, "same", Role.VALUE)])) == 0


def test_one_cell_change_sends_a_few_bytes() -> None:
    harness = Harness()
    harness.screen.present(frame([(2, 0, "cpu 41%", Role.VALUE)]))
    sent = harness.screen.present(frame([(2, 0, "cpu 42%", Role.VALUE)]))
    assert 0 < sent <= 24
    assert text_of(harness)[2] == "cpu 42%"


def test_invalidate_repaints_everything() -> None:
    harness = Harness()
    block = frame([(0, 0, "x", Role.VALUE)])
    harness.screen.present(block)
    harness.screen.invalidate()
    assert harness.screen.present(block) > 10


def test_bottom_right_cell_is_never_written() -> None:
    harness = Harness()
    canvas = Canvas(WIDTH, HEIGHT)
    canvas.put(HEIGHT - 1, 0, "z" * WIDTH, Role.VALUE)
    harness.screen.present(canvas.block())
    assert harness.vt.display[HEIGHT - 1] == "z" * (WIDTH - 1) + " "
    assert harness.vt.cursor.y == HEIGHT - 1  # nothing scrolled


def test_a_graph_column_is_drawn_with_relative_moves() -> None:
    harness = Harness()
    harness.screen.present(frame([(0, 0, "cpu", Role.TITLE)]))
    column = [(y, 10, "⡇", Role.CPU) for y in range(1, 6)]
    harness.screen.present(frame([(0, 0, "cpu", Role.TITLE), *column]))
    sent = harness.sent[-1]
    assert sent.count("H") == 1  # one absolute move, then one cell left and down: 4 bytes each
    assert sent.count("\x1b[1B\b") == 4
    assert [row[10] for row in text_of(harness)[1:6]] == ["⡇"] * 5


def test_a_change_of_foreground_colour_alone_does_not_reset() -> None:
    harness = Harness()
    harness.screen.present(frame([(1, 0, "ab", Role.NORMAL)]))
    harness.screen.present(frame([(1, 0, "a", Role.DIM), (1, 1, "b", Role.OK)]))
    sent = harness.sent[-1]
    assert sent.count("\x1b[0;") == 1  # the first style of a frame is set in full
    assert "\x1b[38;5;" in sent.split("a", 1)[1]  # the second only changes the colour
    assert (
        harness.cells()[1][:2]
        == fresh_paint(frame([(1, 0, "a", Role.DIM), (1, 1, "b", Role.OK)])).cells()[1][:2]
    )


ROW = st.tuples(
    st.integers(min_value=0, max_value=HEIGHT - 1),
    st.integers(min_value=-2, max_value=WIDTH),
    st.text(alphabet="ab c中🙂é", max_size=12),
    st.sampled_from(
        [Role.NORMAL, Role.TITLE, Role.OK, Role.DIM, Role.CRIT, Role.SELECTED, Role.HEADER]
    ),
)


def without_erase(clear_to_end: bool) -> Sequences:
    """A terminal without ECH (tmux's and screen's terminfo), with or without EL."""
    return dataclasses.replace(
        sequences(), erase=lambda n: "", clear_to_end="\x1b[K" if clear_to_end else ""
    )


ERASERS: dict[str, Callable[[], Sequences]] = {
    "ech": sequences,
    "el": lambda: without_erase(True),
    "spaces": lambda: without_erase(False),
}


@settings(max_examples=examples(60))
@given(
    st.lists(st.lists(ROW, max_size=6), min_size=1, max_size=5),
    st.sampled_from(sorted(ERASERS)),
)
def test_any_sequence_of_frames_leaves_exactly_the_last_one(
    frames: list[list[tuple[int, int, str, str]]], eraser: str
) -> None:
    harness = Harness(ERASERS[eraser]())
    blocks = [frame(rows) for rows in frames]
    for block in blocks:
        harness.screen.present(block)
    expected = fresh_paint(blocks[-1])
    assert harness.cells() == expected.cells()
    assert [line.rstrip() for line in harness.vt.display] == [
        line.text.rstrip() for line in blocks[-1]
    ]


def table(rows: list[str], offset: int = 0) -> Block:
    canvas = Canvas(WIDTH, HEIGHT)
    for y, text in enumerate(rows):
        canvas.put(offset + y, 0, "|" + text, Role.VALUE)
        canvas.put(offset + y, WIDTH - 1, "|", Role.BORDER)
    return canvas.block()


def test_rows_pushed_down_by_a_new_row_are_scrolled_not_resent() -> None:
    harness = Harness()
    words = ["postgres", "nginx: worker", "sshd", "bash -l", "cron", "python3 app.py", "redis"]
    names = [f"{1000 * (i + 1) + i * 37} {word} --id {i * 7919}" for i, word in enumerate(words)]
    previous = table(names)
    harness.screen.present(previous)
    moved = table(["999 newcomer", *names[:6]])  # a new busiest process: the rest move down
    back = table(names)  # and up again
    plain = dataclasses.replace(sequences(), index="", reverse_index="")
    for block in (moved, back):
        resent = len(render_diff(previous, block, plain, full=False).encode())
        sent = harness.screen.present(block)
        assert sent < resent / 2, (sent, resent)
        assert harness.cells() == fresh_paint(block).cells()
        previous = block


ROWS = st.lists(st.sampled_from(["a", "bb", "中文", "x y", ""]), min_size=HEIGHT, max_size=HEIGHT)


@settings(max_examples=examples(60))
@given(ROWS, st.integers(min_value=-4, max_value=4), st.lists(ROWS, max_size=2))
def test_shifted_frames_always_end_exactly_right(
    rows: list[str], shift: int, later: list[list[str]]
) -> None:
    harness = Harness()
    first = table(rows)
    harness.screen.present(first)
    shifted = rows[-shift:] + rows[:-shift] if shift else rows
    frames = [table(shifted), *(table(r) for r in later)]
    for block in frames:
        harness.screen.present(block)
    assert harness.cells() == fresh_paint(frames[-1]).cells()


def test_style_sequences_merge_under_xterm_tmux_and_screen() -> None:
    # sgr0 differs: xterm designates G0 (ESC(B), tmux and screen shift in (SI); either way the
    # style becomes one SGR, and the session sends the charset reset once on entry.
    assert merge_sgr("\x1b(B\x1b[m\x1b[1m\x1b[38;5;75m") == "\x1b[0;1;38;5;75m"
    assert merge_sgr("\x1b[m\x0f\x1b[38;5;245m") == "\x1b[0;38;5;245m"
    assert merge_sgr("\x1b[m\x0f") == "\x1b[0m"
    assert merge_sgr("\x1b[m\x0e") == "\x1b[m\x0e"  # anything else: sent as terminfo says


def test_a_long_run_of_blanks_is_erased_not_sent_as_spaces() -> None:
    harness = fresh_paint(frame([(2, 0, "x" * 25 + "|", Role.VALUE)]))
    harness.screen.present(frame([(2, 0, "a", Role.VALUE), (2, 25, "|", Role.VALUE)]))
    sent = harness.sent[-1]
    assert "\x1b[24X" in sent and " " * 6 not in sent  # ECH, then a move past the blanks
    assert text_of(harness)[2] == "a" + " " * 24 + "|"
    # Without ECH: the rest of the row is cleared (EL) and the border drawn again; with neither,
    # spaces.
    for seq, expected in ((without_erase(True), "\x1b[K"), (without_erase(False), " " * 24)):
        other = Harness(seq)
        other.screen.present(frame([(2, 0, "x" * 25 + "|", Role.VALUE)]))
        other.screen.present(frame([(2, 0, "a", Role.VALUE), (2, 25, "|", Role.VALUE)]))
        assert expected in other.sent[-1]
        assert other.cells() == harness.cells()


def test_erased_cells_take_no_background_from_a_selected_row() -> None:
    harness = fresh_paint(frame([(1, 0, "selected row text", Role.SELECTED)]))
    harness.screen.present(frame([]))
    assert harness.cells() == fresh_paint(frame([])).cells()
