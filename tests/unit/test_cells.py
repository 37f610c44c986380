from hypothesis import given
from hypothesis import strategies as st

from sot.render.cells import Canvas, Role, clusters, display_width, fit, pad, sanitize

HOSTILE = "\x1b]0;PWNED\x07\x1b[2Jx\ttab\nnl\x9b31m\u202eevil\u200f中文🙂"


def test_sanitize_strips_every_control_and_format_character() -> None:
    clean = sanitize(HOSTILE)
    assert "\x1b" not in clean and "\x07" not in clean and "\x9b" not in clean
    assert "\u202e" not in clean and "\u200f" not in clean
    assert clean == "]0;PWNED[2Jx tab nl31mevil中文🙂"
    assert sanitize("plain") == "plain"
    assert sanitize("\x7fdel") == "del"


def test_sanitize_ascii_only_replaces_wide_text() -> None:
    assert sanitize("café 中", ascii_only=True) == "caf? ?"
    assert sanitize("e\u0301", ascii_only=True) == "e"  # a combining mark adds no cell


def test_display_width_counts_cells() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("🙂") == 2
    assert display_width("e\u0301") == 1


def test_fit_and_pad_by_display_width() -> None:
    assert fit("abcdef", 4) == "abc…"
    assert fit("abcdef", 4, "~") == "abc~"
    assert fit("中文字", 5) == "中文…"
    assert fit("中文字", 4) == "中…"
    assert fit("abc", 0) == ""
    assert pad("中", 4) == "中  "
    assert pad("42", 5, ">") == "   42"
    assert display_width(pad("中文字符", 5)) == 5


@given(st.text(max_size=40), st.integers(min_value=0, max_value=30))
def test_fit_never_exceeds_width(text: str, width: int) -> None:
    assert display_width(fit(sanitize(text), width)) <= width


@given(st.text(max_size=30), st.integers(min_value=-5, max_value=25))
def test_canvas_rows_always_keep_their_width(text: str, x: int) -> None:
    canvas = Canvas(20, 2)
    canvas.put(0, x, text, Role.VALUE)
    canvas.put(1, 3, "中文中文", Role.VALUE)
    canvas.put(1, x, text, Role.CPU)
    for line in canvas.block():
        assert len(line.cells) == 20 and len(line.styles) == 20
        assert display_width(line.text) == 20
        assert line.cells[0] != ""


def test_canvas_wide_characters_and_overwrites() -> None:
    canvas = Canvas(6, 1)
    canvas.put(0, 0, "中文中", Role.VALUE)
    assert canvas.block()[0].text == "中文中"
    canvas.put(0, 1, "x")  # overwrites the right half of 中: the left half goes too
    assert canvas.block()[0].text == " x文中"
    canvas.put(0, 5, "字")  # would straddle the edge: a blank instead
    assert canvas.block()[0].text == " x文  "
    canvas.put(0, 0, HOSTILE)
    assert "\x1b" not in canvas.block()[0].text


FLAGS = "\U0001f1fa\U0001f1f8\U0001f1e9\U0001f1ea"  # two flags: four regional indicators
HEART = "\u2764\ufe0f"  # a narrow heart made an emoji by VARIATION SELECTOR-16


def test_emoji_sequences_take_the_cells_terminals_draw() -> None:
    assert display_width(FLAGS[:2]) == 2  # a flag is two cells, not 2 + 2
    assert display_width(FLAGS) == 4
    assert display_width(FLAGS[:3]) == 4  # a flag and a lone indicator
    assert display_width(HEART) == 2
    assert display_width("a\ufe0f") == 2
    assert display_width("\U0001f642\ufe0f") == 2  # already wide: stays two
    assert [c for c, _ in clusters("x" + FLAGS + HEART)] == ["x", FLAGS[:2], FLAGS[2:], HEART]


def test_fit_never_cuts_a_flag_or_a_selector() -> None:
    assert fit(FLAGS + "x", 4) == FLAGS[:2] + "…"
    assert fit(HEART + "abc", 3) == HEART + "…"


def test_canvas_puts_a_flag_and_a_selected_emoji_in_two_cells_each() -> None:
    canvas = Canvas(8, 1)
    canvas.put(0, 0, "a" + FLAGS[:2] + HEART + "b")
    line = canvas.block()[0]
    assert line.cells == ("a", FLAGS[:2], "", HEART, "", "b", " ", " ")
    assert display_width(line.text) == 8
