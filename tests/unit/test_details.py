"""The details view's readings (environment, open files) and what it shows of them: masking,
caps, wrapping at argument boundaries, scrolling; fed through the replay source or a /proc of
the test's making."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import replace
from pathlib import Path

import pytest

from sot.collect.collector import Collector
from sot.collect.details import MASK, looks_secret, masked
from sot.collect.procfs import ProcfsSource
from sot.collect.procfs_parsers import parse_environ
from sot.collect.records import ENVIRONMENT_CAP_BYTES, OPEN_FILES_CAP, Environment, OpenFiles
from sot.collect.replay import ReplaySource
from sot.keys import Action, Command, Mode, command_for
from sot.layout import Rect
from sot.model import ProcessDetails
from sot.reducer import reduce
from sot.render.details import details_extent, details_place, render_details
from sot.render.details_content import details_rows
from sot.render.glyphs import ASCII, UNICODE
from sot.render.wrap import wrap, wrap_words
from sot.state import AppState, Context
from sot.view import build_view
from tests.fakes import process, raw_details, readings, snapshot


def details_of(environment: Environment | None, files: OpenFiles | None) -> ProcessDetails:
    stored = replace(
        readings(),
        details={10: raw_details(10, "db")},
        environments={10: environment} if environment is not None else {},
        open_files={10: files} if files is not None else {},
    )
    details = Collector(ReplaySource(stored)).process_details((10, 5000.0), 1.0)
    assert details is not None
    return details


@pytest.mark.parametrize(
    "name",
    ["GITHUB_TOKEN", "aws_secret_access_key", "PGPASSWORD", "MYSQL_PWD_PASSWD", "SSH_AUTH_SOCK",
     "Credentials_File", "api_key", "XAUTHORITY"],
)  # fmt: skip
def test_secret_looking_names_are_masked_whatever_their_case(name: str) -> None:
    assert looks_secret(name)
    assert masked(name, "hunter2") == MASK


def test_other_values_are_kept_but_a_password_in_a_url_is_not() -> None:
    assert not looks_secret("PATH") and not looks_secret("LANG")
    assert masked("PATH", "/usr/bin:/bin") == "/usr/bin:/bin"
    assert masked("DATABASE_URL", "postgres://app:hunter2@db:5432/app") == (
        f"postgres://app:{MASK}@db:5432/app"
    )
    assert masked("MIRROR", "https://mirror.example/debian") == "https://mirror.example/debian"


def test_the_collector_masks_before_anything_else_sees_the_environment() -> None:
    variables = (("HOME", "/root"), ("API_TOKEN", "s3cr3t-value"), ("db_password", "pw"))
    details = details_of(Environment(variables, complete=True), None)
    assert details.environment == (("HOME", "/root"), ("API_TOKEN", MASK), ("db_password", MASK))
    assert "s3cr3t-value" not in repr(details)
    assert details.environment_complete


def test_unreadable_environment_and_files_are_unknown_not_empty() -> None:
    details = details_of(None, None)
    assert details.environment is None and details.open_file_targets is None
    text = "\n".join(
        "".join(text for text, _ in row.segments) for row in details_rows(details, 0.0, 80, ASCII)
    )
    assert "environment  - (not readable)" in text
    assert "(list not readable)" in text


def fake_process(root: Path, environ: bytes, fds: int) -> ProcfsSource:
    """A /proc holding process 42 with this environment and ``fds`` descriptors (symlinks
    read as /proc/<pid>/fd links are)."""
    (root / "self").mkdir()
    (root / "self" / "stat").write_bytes(b"1 (self) S 0")
    (root / "42" / "fd").mkdir(parents=True)
    (root / "42" / "environ").write_bytes(environ)
    for fd in range(fds):
        target = "pipe:[77]" if fd == 1 else f"/data/file-{fd}"
        (root / "42" / "fd" / str(fd)).symlink_to(target)
    source = ProcfsSource.open(str(root))
    assert source is not None
    return source


def test_the_environment_is_read_up_to_its_cap(tmp_path: Path) -> None:
    entry = b"VAR=" + b"x" * 995 + b"\x00"  # 1,000 bytes
    source = fake_process(tmp_path, entry * 70, fds=0)  # 70,000 bytes: over the cap
    environment = source.process_environment(42)
    assert environment is not None and not environment.complete
    assert len(environment.variables) == ENVIRONMENT_CAP_BYTES // 1000  # the cut one dropped
    assert all(value == "x" * 995 for _, value in environment.variables)
    assert parse_environ(b"A=1\x00B=2\x00", complete=True) == (("A", "1"), ("B", "2"))
    assert parse_environ(b"A=1\x00NO_EQUALS\x00C=a=b", complete=True) == (
        ("A", "1"),
        ("NO_EQUALS", ""),
        ("C", "a=b"),
    )


def test_open_files_are_listed_lowest_first_up_to_the_cap(tmp_path: Path) -> None:
    source = fake_process(tmp_path, b"", fds=OPEN_FILES_CAP + 5)
    files = source.process_open_files(42)
    assert files is not None and files.total == OPEN_FILES_CAP + 5
    assert len(files.files) == OPEN_FILES_CAP
    assert files.files[:3] == ((0, "/data/file-0"), (1, "pipe:[77]"), (2, "/data/file-2"))
    assert source.process_open_files(43) is None  # no such process
    details = details_of(None, files)
    text = [
        " " * row.x + "".join(text for text, _ in row.segments)
        for row in details_rows(details, 0.0, 60, ASCII)
    ]
    assert "open files   1005" in text
    assert "    1  pipe:[77]" in text  # descriptors right-aligned
    assert text[-1] == "  +5 more"


def test_this_process_shows_its_own_pipe_and_file(tmp_path: Path) -> None:
    source = ProcfsSource.open()
    assert source is not None
    path = tmp_path / "unique-name-for-the-fd-list"
    read_end, write_end = os.pipe()
    try:
        with open(path, "w") as handle:
            files = source.process_open_files(os.getpid())
            assert files is not None
            listed = dict(files.files)
            assert listed[handle.fileno()] == str(path)
            assert listed[read_end].startswith("pipe:[")
    finally:
        os.close(read_end)
        os.close(write_end)


def test_command_lines_wrap_between_arguments() -> None:
    words = ["/usr/bin/python3", "-m", "http.server", "--directory", "/srv/www", "8080"]
    rows, left = wrap_words(words, 20)
    assert rows == ["/usr/bin/python3 -m", "http.server", "--directory /srv/www", "8080"]
    assert left == 0
    # Only an argument wider than a whole row is broken, and it starts a row of its own.
    rows, _ = wrap_words(["run", "x" * 25, "end"], 10)
    assert rows == ["run", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx end"]
    rows, left = wrap_words([f"arg{i}" for i in range(100)], 10, max_rows=3)
    assert len(rows) == 3 and left == 100 - 6
    assert wrap("中文中文", 5) == ["中文", "中文"]  # by cells, never inside a character


def test_the_details_view_wraps_the_command_at_argument_boundaries() -> None:
    arguments = ("/opt/app/bin/server", "--config", "/etc/app/server.toml", "--verbose") * 3
    details = details_of(None, None)
    details = dataclasses.replace(details, arguments=arguments)
    rows = details_rows(details, 0.0, 40, UNICODE)
    command = [row for row in rows if row.segments and row.segments[-1][1] == "v"][:4]
    shown = " ".join(
        "".join(t for t, _ in row.segments).split("command", 1)[-1].strip() for row in command
    )
    assert shown.split() == list(arguments)[: len(shown.split())]  # nothing cut mid-argument
    assert all(
        "".join(t for t, _ in row.segments).strip().split()[-1] in arguments for row in command
    )


def test_hostile_text_is_sanitized_everywhere() -> None:
    details = details_of(
        Environment((("X\x1b]0;t\x07", "\x1b[2J\tv"),), complete=True),
        OpenFiles(((3, "/tmp/\x1b[31mred\nfile"),), 1),
    )
    details = dataclasses.replace(details, arguments=("\x1b[2Jcmd", "a\nb"))
    block = render_details(details, 10, 0.0, 0, 60, 40, UNICODE)
    for line in block:
        assert all(ord(c) >= 32 for c in line.text), line.text


def scroll_context(shown: int, total: int) -> Context:
    snap = snapshot(processes=[process(10, "db")])
    view = build_view(snap.processes, AppState().query)
    return Context(snap, view, 10, details_rows=shown, details_total=total)


def test_details_scroll_keys_move_the_window_and_stop_at_the_ends() -> None:
    state = AppState(mode=Mode.DETAILS, details=(10, 5000.0))
    context = scroll_context(shown=10, total=25)

    def press(state: AppState, key: str) -> AppState:
        command = command_for(Mode.DETAILS, key)
        assert command is not None, key
        return reduce(state, command, context)[0]

    assert press(state, "up").details_top == 0
    assert press(state, "down").details_top == 1
    assert press(press(state, "j"), "k").details_top == 0
    assert press(state, "pgdn").details_top == 10
    assert press(press(state, "pgdn"), "pgdn").details_top == 15  # the last page, no further
    assert press(state, "end").details_top == 15
    assert press(press(state, "end"), "home").details_top == 0
    assert press(press(state, "end"), "pgup").details_top == 5
    # Esc, q and Enter still close; opening again starts at the top.
    for key in ("escape", "q", "enter"):
        assert press(press(state, "end"), key).mode is Mode.NORMAL
    reopened = reduce(
        replace(state, mode=Mode.NORMAL, details=None, details_top=7, selected=(10, 1.0)),
        Command(Action.DETAILS),
        scroll_context(10, 25),
    )[0]
    assert reopened.mode is Mode.DETAILS and reopened.details_top == 0


def test_the_view_takes_the_tables_place_and_reports_how_far_it_scrolls() -> None:
    assert details_place(160, 48).y > 1  # the meters above stay in sight
    assert details_place(60, 12) == Rect(1, 0, 60, 10)  # a table too short: the whole body
    details = details_of(Environment(tuple((f"V{i}", "v") for i in range(50)), complete=True), None)
    shown, total = details_extent(details, 0.0, 100, 20, UNICODE)
    assert shown == 18 and total == len(details_rows(details, 0.0, 98, UNICODE)) > 50
    last = render_details(details, 10, 0.0, 10**6, 100, 20, UNICODE)
    # Scrolled as far as it goes: the last row at the bottom.
    assert "V49=v" in last[-4].text and "open files" in last[-2].text
    assert f"{total - 17}-{total} of {total}" in last[0].text
