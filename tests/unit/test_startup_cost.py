"""What start-up loads: the pinned blessed range must not bring back what we pinned it to avoid,
and OpenSSL stays out of the process where Python can do without it."""

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
    # report ESC[6n, XTGETTCAP ESC P+q) and then wait for the reply (a stall of 5 s or more; the
    # margin is for a loaded machine, not a cost figure: those live in `make bench`).
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
        "sys.stderr.write(repr((elapsed < 3.0, b'\\x1b[6n' in sent, b'\\x1bP+q' in sent)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr.strip() == "(True, False, False)"


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_openssl_stays_out_and_hashing_still_works() -> None:
    code = (
        "import sys\n"
        "from sot import cli\n"
        "cli.keep_openssl_out()\n"
        "import blessed, hashlib, secrets\n"
        "maps = open('/proc/self/maps').read()\n"
        "digest = hashlib.sha256(b'').hexdigest()[:8]\n"
        "print('libcrypto' in maps, digest, len(secrets.token_hex(2)))\n"
    )
    assert run_python(code) == "False e3b0c442 4"


def test_openssl_is_kept_where_python_has_no_hashes_of_its_own() -> None:
    # As on a distribution that builds Python's hash modules out and relies on OpenSSL.
    code = (
        "import sys\n"
        "from importlib.machinery import PathFinder\n"
        "real = PathFinder.find_spec\n"
        "PathFinder.find_spec = lambda name, *a: None if name == '_sha1' else real(name, *a)\n"
        "sys.builtin_module_names = tuple(n for n in sys.builtin_module_names if n != '_sha1')\n"
        "from sot import cli\n"
        "cli.keep_openssl_out()\n"
        "import blessed\n"
        "print(sys.modules.get('_hashlib') is not None)\n"
    )
    assert run_python(code) == "True"
