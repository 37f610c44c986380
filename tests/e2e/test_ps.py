"""sot ps in tmux and for scripts: a socket this test opens on 127.0.0.1 shows in the ports
panel with the test's own pid, Tab moves the focus, Enter on the port selects the test process;
``--once --format json`` lists it."""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import SOT, Tmux, run_sot

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def listening() -> Iterator[int]:
    """A TCP socket of this test process listening on 127.0.0.1; yields its port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def port_row(port: int) -> re.Pattern[str]:
    return re.compile(rf"tcp\s+127\.0\.0\.1\s+{port}\s+{os.getpid()}\b")


def test_ps_shows_the_tests_port_and_enter_selects_its_process(tmux: Tmux, listening: int) -> None:
    tmux.start([*SOT, "ps"], columns=160, lines=48)
    # Sockets are read on the slow schedule: wait for ours.
    assert tmux.wait_for(lambda t: port_row(listening).search(t) is not None), tmux.text()
    tmux.send("Tab")
    # The focused panel's title is drawn in another style than the others' titles.
    assert tmux.wait_for(lambda _: _title_styled(tmux, "ports")), tmux.text()
    lines = tmux.capture()
    header = next(i for i, line in enumerate(lines) if "PROT ADDRESS" in line)
    ours = next(i for i, line in enumerate(lines) if port_row(listening).search(line))
    for _ in range(ours - header - 1):
        tmux.send("Down")
    tmux.send("Enter")  # selects the owner in the process panel, which takes the focus
    assert tmux.wait_for(lambda _: _title_styled(tmux, "processes")), tmux.text()
    pid = os.getpid()
    assert tmux.wait_for(lambda _: _row_selected(tmux, pid)), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0


def _title_styled(tmux: Tmux, title: str) -> bool:
    """Whether ``title`` on a panel's top border is drawn with a style of its own (the focus)."""
    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    for line in escaped.splitlines():
        found = re.search(rf"(\x1b\[[0-9;]*m)+ ?{re.escape(title)}\b", line)
        if found and ("7" in found.group(0).split(";") or "[7m" in found.group(0)):
            return True
    return False


def _row_selected(tmux: Tmux, pid: int) -> bool:
    """Whether the process table's row of ``pid`` is the selected one (drawn reversed)."""
    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    row = re.compile(rf"^\S*\s*(\x1b\[[0-9;]*m)+\s*{pid} ")
    for line in escaped.splitlines():
        found = row.search(line)
        if found and "7" in re.split(r"[\[;m]", found.group(0)):
            return True
    return False


def test_ps_once_json_lists_the_tests_port(listening: int) -> None:
    result = run_sot("ps", "--once", "--format", "json", "--interval", "0.2")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert {"processes", "ports", "dev_servers"} <= document.keys()
    ours = [p for p in document["ports"] if p["port"] == listening]
    assert ours == [
        {
            "protocol": "tcp",
            "address": "127.0.0.1",
            "port": listening,
            "pid": os.getpid(),
            "name": ours[0]["name"],
        }
    ]


def test_ps_once_text_has_no_escape_bytes(listening: int) -> None:
    result = run_sot("ps", "--once", "--interval", "0.2", "--ascii", "--no-color")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "\x1b" not in text and "ports" in text and "dev servers" in text
    assert port_row(listening).search(text), text
