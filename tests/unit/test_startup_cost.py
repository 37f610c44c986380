"""Guards on the pinned blessed range: an upgrade must not bring back what we pinned it to avoid."""

from __future__ import annotations

import subprocess
import sys


def test_blessed_import_pulls_in_no_asyncio_ssl_or_jinxed() -> None:
    code = (
        "import sys, blessed\n"
        "print(sorted(m for m in ('asyncio', 'ssl', 'jinxed') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_blessed_terminal_sends_no_start_up_queries() -> None:
    # A Terminal on a pty that never answers must not write query sequences (cursor position
    # report ESC[6n, XTGETTCAP ESC P+q) and then wait for the reply.
    code = (
        "import os, pty, time, sys\n"
        "master, slave = pty.openpty()\n"
        "os.dup2(slave, 1)\n"
        "import blessed\n"
        "started = time.monotonic()\n"
        "blessed.Terminal(kind='xterm-256color', force_styling=True)\n"
        "elapsed = time.monotonic() - started\n"
        "os.set_blocking(master, False)\n"
        "try:\n    sent = os.read(master, 4096)\nexcept BlockingIOError:\n    sent = b''\n"
        "sys.stderr.write(repr((elapsed < 1.0, b'\\x1b[6n' in sent, b'\\x1bP+q' in sent)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr.strip() == "(True, False, False)"
