"""Every text on stderr and in the log passes the screen's sanitizer: no ESC, C1 or line breaks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sot import cli
from sot.actions import PendingSignal, send_signal
from sot.log import DebugLog
from sot.safe_text import MAX_MESSAGE_CHARS, one_line, report, sanitize

HOSTILE = "\x1b]0;PWNED-TITLE\x07\x1b[31mX\r\nnext\x9b2J\x85line\u2028sep\u202eevil"
# ESC, BEL, other C0 controls but the final newline, C1 (as characters and as UTF-8 bytes), and
# the Unicode line and paragraph separators.
UNSAFE_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9\xae]")


def assert_one_clean_line(data: bytes) -> None:
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data
    assert not UNSAFE_BYTES.search(data), data


def test_one_line_strips_everything_a_terminal_acts_on() -> None:
    assert one_line(HOSTILE) == "]0;PWNED-TITLE[31mX  next2Jlinesepevil"
    assert one_line(HOSTILE) == sanitize(HOSTILE)
    assert len(one_line("x" * 100_000)) == MAX_MESSAGE_CHARS


def test_report_writes_one_clean_line(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    report(f"--replay: usage.{HOSTILE}: missing total")
    assert_one_clean_line(capsysbinary.readouterr().err)


@pytest.mark.parametrize(
    "args",
    [["-i", HOSTILE], ["--format", HOSTILE], [HOSTILE], ["--duration", HOSTILE]],
)
def test_usage_errors_echo_no_escape(
    args: list[str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2
    assert_one_clean_line(capsysbinary.readouterr().err)


def test_log_lines_are_sanitized_including_the_sent_signal_line(tmp_path: Path) -> None:
    class Control:
        def start_time(self, pid: int) -> float | None:
            return 10.0

        def open_handle(self, pid: int) -> int | None:
            return None

        def send(self, pid: int, handle: int | None, signum: int) -> None:
            pass

        def close(self, handle: int) -> None:
            pass

    message = send_signal(PendingSignal(4242, 10.0, HOSTILE, 15), Control(), own_pid=1000)
    assert HOSTILE in message  # the status line sanitizes when it draws; the log must too
    path = tmp_path / "sot.log"
    log = DebugLog.open(str(path))
    log.write(message)
    log.write_lines(f"Traceback:\n  name {HOSTILE}\nValueError: {HOSTILE}")
    log.close()
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) > 4  # each line of the traceback a log line of its own
    for line in lines:
        assert_one_clean_line(line)
    assert b"sent SIGTERM to 4242 (]0;PWNED-TITLE" in lines[0]
