"""Hostile strings from the system, and systems that cannot tell sot things, in the real sot.

Process names come from real processes; interface names, mount points and user names come from a
recording (``sot --replay``) edited to hold them, since creating them for real needs privileges a
test machine may not give. Missing data is replayed the same way, and also met for real by running
sot as an unprivileged user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wcwidth import wcwidth

from sot.render.processes import visible_columns
from tests.e2e.harness import SOT, Tmux, comm_of, wait_for_refreshes, wait_until

RECORDING = Path(__file__).resolve().parents[1] / "data" / "recorded_host.json"
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\ttab\nnl\x9b31m\u202eevil\u200f中文🙂"
HOSTILE_NIC = "\x1b]0;P\x07e\u202e0"
HOSTILE_MOUNT = "/mnt/\x1b[2J\tbad\n中文🙂"
HOSTILE_USER = "\x1b]0;PWNED\x07用户\u202e"
# Renames itself (comm) to an escape sequence, with a command line full of them.
RENAMER = "import sys, time\nopen('/proc/self/comm', 'w').write(sys.argv[1])\ntime.sleep(600)\n"


def cells(row: str) -> list[str]:
    """A captured row as terminal cells: a wide character fills two."""
    out: list[str] = []
    for char in row:
        width = wcwidth(char)
        if width <= 0:
            continue
        out.append(char)
        if width == 2:
            out.append("")
    return out


def column_boundaries(lines: list[str]) -> tuple[int, list[int]]:
    """(row of the table header, the cells between columns, where every row must hold a blank)."""
    header = next(i for i, line in enumerate(lines) if "PID" in line and "CPU%" in line)
    separators, x = [], 1  # after the left border
    for column in visible_columns(len(cells(lines[header])) - 2):
        x += column.width
        separators.append(x)
        x += 1
    return header, separators


def assert_table_aligned(lines: list[str]) -> None:
    header, separators = column_boundaries(lines)
    rows = [cells(line) for line in lines[header + 1 :] if line.startswith(("│", "|"))]
    assert rows
    for row in rows:
        assert all(row[x] == " " for x in separators), "".join(row)


@pytest.fixture
def hostile_process() -> Iterator[subprocess.Popen[bytes]]:
    marker = f"hostilemark{os.getpid()}"
    # argv[0] is the hostile string itself, so it leads the command line shown in the table.
    child = subprocess.Popen(
        [HOSTILE, "-c", RENAMER, "\x1b]0;PWNED\x07", marker, "\x1b[2J\x1bc"],
        executable=sys.executable,
    )
    try:
        assert wait_until(lambda: comm_of(child.pid) == "\x1b]0;PWNED\x07"[:15])
        yield child
    finally:
        child.kill()
        child.wait()


def test_hostile_process_name_and_command_line(
    tmux: Tmux, hostile_process: subprocess.Popen[bytes]
) -> None:
    tmux.start(SOT, columns=160, lines=48)
    title_before = tmux.display("#{pane_title}")
    assert tmux.wait_for(lambda t: "processes" in t)
    tmux.send("/")
    tmux.tmux("send-keys", "-t", "main", "-l", f"hostilemark{os.getpid()}")
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "1 of " in t and "PWNED" in t), tmux.text()
    assert wait_for_refreshes(tmux, 2)  # a refresh or two with the hostile row on screen
    lines = tmux.settled_capture()
    assert tmux.display("#{pane_title}") == title_before
    assert lines[0].startswith(" sot ")  # the screen was not cleared
    assert any("]0;PWNED" in line for line in lines)  # shown as text, inert
    assert_table_aligned(lines)
    tmux.send("a")  # names instead of command lines: the renamed comm itself
    assert tmux.wait_for(lambda t: "NAME" in t)
    assert_table_aligned(tmux.settled_capture())
    assert tmux.display("#{pane_title}") == title_before


def edited_recording(tmp_path: Path, edit: Any) -> Path:
    doc = json.loads(RECORDING.read_text())
    edit(doc)
    path = tmp_path / "recording.json"
    path.write_text(json.dumps(doc))
    return path


def make_hostile(doc: dict[str, Any]) -> None:
    route = doc["route"]
    for table in ("nics", "nic_stats", "addresses"):
        doc[table][HOSTILE_NIC] = doc[table].pop(route)
    doc["route"] = HOSTILE_NIC
    doc["partitions"].append(
        {"device": "/dev/sdz1", "mount_point": HOSTILE_MOUNT, "fstype": "ext4"}
    )
    doc["usage"][HOSTILE_MOUNT] = {
        "total": 10**12,
        "used": 10**11,
        "free": 9 * 10**11,
        "percent": 10.0,
    }
    for index, identity in enumerate(doc["identities"].values()):
        if identity and index % 2 == 0:
            identity["user"] = HOSTILE_USER
        if identity and index % 3 == 0:
            identity["name"] = HOSTILE
            identity["cmdline"] = HOSTILE + " --flag"


def test_hostile_interface_mount_point_and_user_names(tmux: Tmux, tmp_path: Path) -> None:
    recording = edited_recording(tmp_path, make_hostile)
    tmux.start([*SOT, "--replay", str(recording)], columns=160, lines=48)
    title_before = tmux.display("#{pane_title}")
    assert tmux.wait_for(lambda t: "processes" in t and "net " in t), tmux.text()
    assert wait_for_refreshes(tmux, 2)
    lines = tmux.settled_capture()
    text = "\n".join(lines)
    assert tmux.display("#{pane_title}") == title_before
    assert lines[0].startswith(" sot ")
    assert "net ]0;Pe0" in text  # the interface, with its escapes and bidi override stripped
    assert "/mnt/[2J bad 中文" in text  # the mount point, tab and newline shown as spaces
    assert "]0;PWNED用户" in text or "]0;PWNED用…" in text or "]0;PWNE" in text
    assert "\u202e" not in text
    assert all(len(cells(line)) <= 160 for line in lines)
    assert_table_aligned(lines)
    tmux.send("u")  # the user menu lists the hostile user, sanitized
    assert tmux.wait_for(lambda t: "show processes of" in t)
    assert tmux.display("#{pane_title}") == title_before


def make_barren(doc: dict[str, Any]) -> None:
    """A container with no swap, no sensors, no cpufreq, no disk counters, no load average, and
    every other user's process unreadable."""
    doc["swap"] = {"total": 0, "used": 0, "percent": 0.0, "sin": 0, "sout": 0}
    doc["sensors"] = []
    doc["frequency"] = None
    doc["disks"] = {}
    doc["load"] = None
    doc["users"] = None
    doc["counts"] = [doc["counts"][0], None]
    for identity in doc["identities"].values():
        if identity:
            identity["user"] = None
            identity["cmdline"] = ""
    for process in doc["processes"]:
        process["rss_bytes"] = None
        process["threads"] = None


def test_missing_data_draws_every_panel_with_dashes(tmux: Tmux, tmp_path: Path) -> None:
    recording = edited_recording(tmp_path, make_barren)
    tmux.start([*SOT, "--replay", str(recording), "--interval", "0.5"], columns=160, lines=48)
    assert tmux.wait_for(
        lambda t: all(p in t for p in ("cpu", "memory", "disks", "net ", "processes"))
    ), tmux.text()
    # Several ticks: rates computed from unchanging counters, no division by 0.
    assert wait_for_refreshes(tmux, 3)
    text = "\n".join(tmux.settled_capture())
    assert "swap  none configured" in text
    assert "load -" in text
    for bad in ("nan", "inf", "Traceback", "Error"):
        assert bad not in text, bad
    assert tmux.exit_status() is None  # still running
    tmux.send("Enter")  # details of a process the recording cannot describe
    assert tmux.wait_for(lambda t: "has exited" in t)
    tmux.send("q")
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_unprivileged_user_sees_dashes_not_errors(
    tmux: Tmux, unprivileged_sot: tuple[list[str], dict[str, str]]
) -> None:
    command, env = unprivileged_sot
    tmux.start(command, columns=140, lines=45, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    tmux.send("p")  # PID order: PID 1, owned by root, comes first
    assert tmux.wait_for(lambda t: "PID↑" in t)
    tmux.send("Home")
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: "process 1 " in t and "open files" in t), tmux.text()
    text = tmux.text()
    open_files = next(line for line in text.splitlines() if "open files" in line)
    assert "-" in open_files  # another user's fds cannot be counted: unknown, not an error
    directory = next(line for line in text.splitlines() if "directory" in line)
    assert directory.split("directory", 1)[1].strip(" │|").startswith("-")
    for bad in ("Traceback", "AccessDenied", "Permission"):
        assert bad not in text
    tmux.send("q")
    tmux.send("q")
    assert tmux.wait_exit() == 0
