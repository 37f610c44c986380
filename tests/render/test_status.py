"""The status line, the prompts and the help overlay shorten by whole fields: a hint is shown
whole or not at all, a message loses whole words, and the help scrolls instead of being cut."""

from __future__ import annotations

import dataclasses

import pytest

from sot.actions import PendingSignal
from sot.history import History
from sot.key_help import normal_hints
from sot.keys import Mode
from sot.render.frame import help_page_rows, render_frame, render_help
from sot.render.glyphs import ASCII, UNICODE
from sot.render.panels import FrameMemo
from sot.render.status import fit_words, render_status
from sot.state import AppState
from sot.view import ProcessQuery
from tests.render.test_golden import busy_snapshot, check, frame_input

HINTS = [f"{k.hint_keys or k.keys} {'1s' if k.keys == '+ -' else k.hint}" for k in normal_hints()]
EXITED = "process 31337 (postgres) exited; selected 4242 (postgres)"


def status_text(state: AppState, width: int) -> str:
    block = render_status(state, width, UNICODE)
    assert len(block) == 1 and len(block[0].cells) == width
    return block[0].text


def shown_hints(text: str) -> list[str]:
    return [hint for hint in HINTS if f" {hint}  " in f" {text}  "]


@pytest.mark.parametrize("width", range(1, 130))
def test_hints_drop_whole_from_the_least_important(width: int) -> None:
    text = status_text(AppState(), width)
    assert "…" not in text
    shown = shown_hints(text)
    assert shown == HINTS[: len(shown)]  # a prefix: q quit and ? help go last
    # Nothing but whole hints: what is left of the row is blank.
    assert text.strip() == "  ".join(shown)
    # One blank on the left, and the bottom-right cell is never written.
    if width >= 2 + len("q quit"):
        assert shown[:1] == ["q quit"]
    if width >= 2 + len("q quit  ? help"):
        assert shown[:2] == ["q quit", "? help"]


def test_at_80_columns_the_hints_that_fit_are_whole() -> None:
    text = status_text(AppState(), 80)
    assert shown_hints(text) == HINTS[:7]
    assert "space" not in text  # "space pause" did not fit: gone, not "space pau…"


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_a_message_takes_its_room_first(width: int) -> None:
    text = status_text(AppState(message=EXITED), width)
    message = fit_words(EXITED, width - 1, "…")
    assert text.rstrip().endswith(message)
    # Whole, or whole words and an ellipsis.
    assert message == EXITED or EXITED[len(message) - 1] == " "
    assert EXITED.startswith(message.rstrip("…"))
    hints = text[: text.rindex(message)]
    assert "…" not in hints
    shown = shown_hints(hints)
    assert shown == HINTS[: len(shown)] and hints.strip() == "  ".join(shown)


def test_fit_words_never_cuts_a_word() -> None:
    assert fit_words("one two three", 13, "…") == "one two three"
    assert fit_words("one two three", 12, "…") == "one two…"
    assert fit_words("one two three", 8, "…") == "one two…"
    assert fit_words("one two three", 7, "…") == "one…"
    assert fit_words("unbreakable", 5, "…") == "unbr…"  # one word: cut, or nothing would show


def test_read_only_hints_leave_out_signals() -> None:
    assert "T K signal" in status_text(AppState(), 160)
    text = status_text(AppState(read_only=True), 160)
    assert "signal" not in text and "space pause" in text


@pytest.mark.parametrize("width", [20, 30, 40, 60, 100])
def test_the_filter_prompt_keeps_its_hints_whole(width: int) -> None:
    state = AppState(mode=Mode.FILTER, query=ProcessQuery(text="post"), filter_cursor=4)
    text = status_text(state, width)
    assert text.startswith("filter: post")
    assert "…" not in text
    tail = text[len("filter: post") :].strip()
    assert tail in ("", "Enter keep", "Enter keep  Esc clear")


def test_a_message_in_a_prompt_takes_the_hints_place() -> None:
    state = AppState(
        mode=Mode.FILTER,
        query=ProcessQuery(text="x" * 300),
        filter_cursor=300,
        message="the filter holds at most 256 characters",
    )
    text = status_text(state, 80)
    assert text.rstrip().endswith("the filter holds at most 256 characters")
    assert text.startswith("filter: xxxxxxxxxxxx")  # the end of the text stays in view


def test_the_search_prompt() -> None:
    state = AppState(mode=Mode.SEARCH, search="ngin", search_cursor=4)
    text = status_text(state, 100)
    assert text.startswith("search: ngin")
    assert "Enter keep  Esc cancel  F3 next  Shift-F3 previous" in text
    assert status_text(state, 40).rstrip().endswith("Enter keep  Esc cancel")
    missing = AppState(mode=Mode.SEARCH, search="zz", search_cursor=2, message='no match for "zz"')
    assert 'search: zz   no match for "zz"' in status_text(missing, 60)


@pytest.mark.parametrize("width", [30, 40, 60])
def test_the_question_always_shows_its_answers(width: int) -> None:
    pending = PendingSignal(4242, 1.0, "a-very-long-process-name-indeed", 15)
    text = status_text(AppState(mode=Mode.CONFIRM, pending_signal=pending), width).rstrip()
    assert text.startswith(" Send SIGTERM to 4242 ") and text.endswith("? [y/N]")


def test_help_overlay_at_80x24_scrolls_instead_of_cutting() -> None:
    snap = busy_snapshot()
    texts = []
    for top, name in ((0, "frame-help-80x24"), (99, "frame-help-end-80x24")):
        state = AppState(mode=Mode.HELP, help_top=top)
        block = render_frame(frame_input(snap, History().push(snap), state), 80, 24, UNICODE)
        check(name, block, 80, 24)
        overlay = render_help(80, 24, UNICODE, state)
        assert overlay is not None
        rect = overlay[1]
        inside = [
            "".join(line.cells[rect.x : rect.x + rect.width])
            for line in block[rect.y : rect.bottom]
        ]
        assert not any("…" in line for line in inside)  # no help line is cut
        assert "Up/Down scroll" in inside[0]
        assert "close" in block[-1].text  # the status line stays, with the help's keys
        texts.append("\n".join(inside))
    assert "q F10" in texts[0] and "l            not in sot" in texts[1]


def test_help_overlay_shows_both_tables_and_drops_signals_when_read_only() -> None:
    overlay = render_help(120, 70, ASCII, AppState())
    assert overlay is not None
    text = "\n".join(line.text for line in overlay[0])
    assert "Esc closes" in text and "htop key" in text and "what it does in sot" in text
    assert "send SIGTERM / SIGKILL" in text and "SIGKILL, asks first" in text
    read_only = render_help(120, 70, ASCII, AppState(read_only=True))
    assert read_only is not None
    text = "\n".join(line.text for line in read_only[0])
    assert "SIGTERM" not in text and "SIGKILL" not in text and "choose a signal" not in text
    assert "signal menu" not in text


def test_help_page_rows_is_what_the_overlay_shows() -> None:
    overlay = render_help(80, 24, UNICODE, AppState())
    assert overlay is not None and overlay[1].height - 2 == help_page_rows(24)


def test_signal_menu_names_its_target_and_the_typed_number() -> None:
    snap = busy_snapshot()
    state = AppState(mode=Mode.SIGNAL_MENU, selected=(4242, 1_699_990_000.0), menu_index=2)
    block = render_frame(frame_input(snap, History(), state), 160, 48, UNICODE)
    assert any("signal to 4242 postgres" in line.text for line in block)
    typed = AppState(
        mode=Mode.SIGNAL_MENU,
        selected=(4242, 1_699_990_000.0),
        menu_index=2,
        signal_digits="14",
    )
    block = render_frame(frame_input(snap, History(), typed), 160, 48, UNICODE)
    assert any(
        "signal to 4242 postgres" in line.text and "signal 14" in line.text for line in block
    )


@pytest.mark.parametrize(
    "state",
    [
        AppState(),
        AppState(message=EXITED),
        AppState(mode=Mode.FILTER, query=ProcessQuery(text="x" * 300), filter_cursor=300),
        AppState(mode=Mode.FILTER, filter_cursor=0, message="the filter holds at most 256"),
        AppState(mode=Mode.SEARCH, search="abc", search_cursor=3),
        AppState(mode=Mode.CONFIRM, pending_signal=PendingSignal(42, 1.0, "n" * 200, 15)),
        AppState(mode=Mode.SIGNAL_MENU),
    ],
)
def test_the_bottom_right_cell_stays_blank(state: AppState) -> None:
    # The screen never writes it (a terminal may scroll): nothing may be lost there.
    for width in range(1, 200):
        assert render_status(state, width, UNICODE)[0].cells[-1] == " ", width


PROM_DOWN = "prometheus: cannot connect to http://prom:9090; last success 12 s ago"


def test_a_source_status_shows_after_the_message_and_goes_when_cleared() -> None:
    state = AppState(message="sorted by cpu")
    text = render_status(state, 160, UNICODE, PROM_DOWN)[0].text
    assert text.rstrip().endswith(f"sorted by cpu  {PROM_DOWN}")
    alone = render_status(AppState(), 160, UNICODE, PROM_DOWN)[0].text
    assert alone.rstrip().endswith(PROM_DOWN)
    assert render_status(AppState(), 160, UNICODE, None) == render_status(AppState(), 160, UNICODE)


def test_a_source_status_is_untrusted_text_and_fits_by_words() -> None:
    block = render_status(
        AppState(), 40, ASCII, "prometheus: bad\x1b[2J answer; last success 3 s ago"
    )
    text = block[0].text
    assert "\x1b" not in text and len(block[0].cells) == 40
    assert text.rstrip().endswith("answer; last" + ASCII.ellipsis)  # whole words, then ~


def test_the_frame_shows_the_snapshot_source_status_and_redraws_when_it_clears() -> None:
    snap = dataclasses.replace(busy_snapshot(), source_status=PROM_DOWN)
    memo = FrameMemo()
    down = render_frame(frame_input(snap, History(), AppState()), 160, 48, UNICODE, memo)
    assert PROM_DOWN in down[-1].text
    back = dataclasses.replace(snap, source_status=None)
    up = render_frame(frame_input(back, History(), AppState()), 160, 48, UNICODE, memo)
    assert "prometheus" not in up[-1].text


@pytest.mark.parametrize("width", [80, 120])
def test_a_prometheus_failure_says_what_failed_and_when_first_golden(width: int) -> None:
    """What failed and when it last worked fit at 80 columns: the URL (the user gave it; the
    log keeps it) and errno numbers are left out, the message goes before the hints."""
    from sot.collect.prometheus_api import PrometheusClient, Response
    from sot.collect.prometheus_source import FetchState, PrometheusSource

    def refused(*_: object) -> Response:
        raise ConnectionRefusedError(111, "Connection refused")

    wall = 1e9
    client = PrometheusClient("https://prometheus.monitoring.example.com:9090", transport=refused)
    source = PrometheusSource(client, "web-1:9100", lambda: 100.0, wall=lambda: wall)
    source._state = FetchState(source._state.batch, None, None, wall - 5, 0)
    source.start(spawn=False)
    source.fetch_once()
    message = source.status_message()
    assert message == "prometheus: cannot connect (Connection refused); last success 5 s ago"
    assert source.last_error is not None and "prometheus.monitoring" in source.last_error
    block = render_status(AppState(), width, UNICODE, message)
    assert message in block[0].text
    check(f"status-prometheus-refused-{width}x1", block, width, 1)
