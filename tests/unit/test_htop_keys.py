"""htop's keys in sot: function keys from every terminal family."""

from __future__ import annotations

import pytest

from sot.keys import decode_keys


@pytest.mark.parametrize(
    ("sequence", "key"),
    [
        # xterm, tmux, and most emulators (F1-F4 as SS3, the rest as CSI n ~)
        ("\x1bOP", "f1"),
        ("\x1bOQ", "f2"),
        ("\x1bOR", "f3"),
        ("\x1bOS", "f4"),
        ("\x1b[15~", "f5"),
        ("\x1b[17~", "f6"),
        ("\x1b[18~", "f7"),
        ("\x1b[19~", "f8"),
        ("\x1b[20~", "f9"),
        ("\x1b[21~", "f10"),
        # rxvt and screen
        ("\x1b[11~", "f1"),
        ("\x1b[12~", "f2"),
        ("\x1b[13~", "f3"),
        ("\x1b[14~", "f4"),
        # the Linux console
        ("\x1b[[A", "f1"),
        ("\x1b[[B", "f2"),
        ("\x1b[[C", "f3"),
        ("\x1b[[D", "f4"),
        ("\x1b[[E", "f5"),
        # Shift-F3: xterm and tmux, then rxvt and the Linux console (F13)
        ("\x1b[1;2R", "shift-f3"),
        ("\x1b[25~", "shift-f3"),
    ],
)
def test_function_keys_decode_from_every_terminal_family(sequence: str, key: str) -> None:
    assert decode_keys(sequence) == [key]
    assert decode_keys(f"a{sequence}b") == ["a", key, "b"]


def test_a_cut_short_console_sequence_does_not_swallow_the_next_key() -> None:
    assert decode_keys("\x1b[[\x1b[[B") == ["f2"]
    assert decode_keys("\x1b[[a") == ["a"]  # not a console F-key: the unknown part goes whole
    assert decode_keys("\x1b[[") == []
