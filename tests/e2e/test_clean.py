"""The real ``sot clean`` in a pty and without a terminal, on a fake machine under tmp_path.

Every run passes ``--root <tmp_path>/machine``, so the home, /tmp and /var/cache it cleans are
fake ones; ``machine`` asserts they are under tmp_path before anything runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.e2e.harness import SOT, PtyRun, Tmux, base_env, run_sot, sot_under

CACHES = (".cache/pip/http/blob", ".cache/uv/archive/f.py", ".npm/_cacache/x", ".cache/go-build/a")


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    root = tmp_path / "machine"
    home = root / pwd.getpwuid(os.geteuid()).pw_dir.lstrip("/")
    assert home.resolve().is_relative_to(tmp_path.resolve())
    for relative in CACHES:
        (home / relative).parent.mkdir(parents=True, exist_ok=True)
        (home / relative).write_bytes(b"x" * 9000)
    (home / ".mozilla/firefox/p.default").mkdir(parents=True)
    (home / ".mozilla/firefox/p.default/places.sqlite").write_bytes(b"profile")
    for system in ("tmp", "var/tmp", "var/cache"):
        (root / system).mkdir(parents=True, exist_ok=True)
    # The guard before any run that may delete: the dry run (the same plan a real run follows)
    # names only directories of the fake machine.
    dry = run_sot("clean", "--root", str(root), "--dry-run", "--format", "json")
    assert dry.returncode == 0, dry.stderr
    paths = [path for t in json.loads(dry.stdout)["targets"] for path in t["paths"]]
    assert paths and all(Path(path).is_relative_to(root) for path in paths), paths
    return root


def home_of(root: Path) -> Path:
    return root / pwd.getpwuid(os.geteuid()).pw_dir.lstrip("/")


def left(root: Path) -> list[str]:
    home = home_of(root)
    return [relative for relative in CACHES if (home / relative).exists()]


def test_without_a_terminal_and_without_yes_it_is_a_dry_run(machine: Path) -> None:
    result = run_sot("clean", "--root", str(machine))
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().strip() == (
        "sot: no terminal to ask on and no --yes: a dry run, nothing is deleted"
    )
    text = result.stdout.decode()
    assert text.splitlines()[0].split()[:2] == ["target", "what"]
    assert "pip " in text and "dry run: nothing deleted" in text
    assert left(machine) == list(CACHES)


def test_yes_cleans_without_asking_and_json_reports_freed_bytes(machine: Path) -> None:
    dry = run_sot("clean", "--root", str(machine), "--format", "json", "--dry-run")
    assert dry.returncode == 0 and dry.stderr == b""
    planned = json.loads(dry.stdout)
    result = run_sot("clean", "--root", str(machine), "--format", "json", "--yes")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1 and document["dry_run"] is False
    by_name = {t["name"]: t for t in document["targets"]}
    assert by_name["pip"]["status"] == "cleaned"
    assert by_name["pip"]["freed_bytes"] == by_name["pip"]["planned_bytes"] > 0
    assert document["total_freed_bytes"] == planned["total_planned_bytes"]
    assert left(machine) == []
    assert (home_of(machine) / ".mozilla/firefox/p.default/places.sqlite").exists()


def test_usage_errors_are_one_line_and_exit_2(machine: Path) -> None:
    for args in (["--only", "pip,nope"], ["--older-than", "-1"], ["--root", "/nonexistent/x"]):
        result = run_sot("clean", *args)
        assert result.returncode == 2, args
        assert len(result.stderr.decode().strip().splitlines()) == 1, result.stderr
        assert b"Traceback" not in result.stderr


def question(target: str) -> Callable[[str], bool]:
    return lambda text: f"delete {target}:" in text


@contextlib.contextmanager
def asking(machine: Path) -> Iterator[PtyRun]:
    """``sot clean`` on the fake machine in a pty, once it asks about pip; killed at the end."""
    run = PtyRun(args=["clean", "--root", str(machine)], columns=110, lines=40)
    try:
        assert run.wait_for(question("pip")), run.text()
        yield run
    finally:
        run.close()


def test_answers_on_a_terminal_yes_no_all(machine: Path) -> None:
    with asking(machine) as run:
        assert "needs root" in run.text() and "what it is" in run.text()
        assert run.line_discipline() == (False, False)  # one key, no echo
        run.send(b"y")
        assert run.wait_for(question("uv")), run.text()
        run.send(b"n")
        assert run.wait_for(question("npm")), run.text()
        run.send(b"a")
        assert run.wait_exit(10) == 0, run.text()
        assert "total  freed" in run.text()
        assert left(machine) == [".cache/uv/archive/f.py"]
        assert run.line_discipline() == (True, True)


def test_quit_deletes_nothing(machine: Path) -> None:
    with asking(machine) as run:
        run.send(b"y")
        assert run.wait_for(question("uv")), run.text()
        run.send(b"q")
        assert run.wait_exit(10) == 0
        assert "quit: nothing deleted" in run.text()
        assert left(machine) == list(CACHES)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_at_a_question_restores_the_terminal_and_deletes_nothing(
    machine: Path, signum: int
) -> None:
    with asking(machine) as run:
        run.send(b"y")
        assert run.wait_for(question("uv")), run.text()
        if signum == signal.SIGINT:
            run.send(b"\x03")  # Ctrl-C, through the terminal
        else:
            os.kill(run.pid, signum)
        assert run.wait_exit(10) == 128 + signum, run.text()
        assert b"Traceback" not in run.raw
        assert run.line_discipline() == (True, True)
        assert left(machine) == list(CACHES)


def test_keys_typed_ahead_answer_the_next_questions(machine: Path) -> None:
    with asking(machine) as run:
        run.send(b"nya")  # pip no, uv yes, npm and the rest all
        assert run.wait_exit(10) == 0, run.text()
        assert left(machine) == [".cache/pip/http/blob"]
        assert question("uv")(run.text()) and question("npm")(run.text())


def test_ctrl_z_at_a_question_gives_the_terminal_back_and_fg_asks_again(
    tmux: Tmux, machine: Path
) -> None:
    env = base_env(TERM="tmux-256color", PS1="$ ")
    tmux.start(["bash", "--norc", "--noprofile", "-i"], columns=110, lines=40, env=env)
    assert tmux.wait_for(lambda t: "$" in t)
    tmux.tmux("send-keys", "-t", "main", "-l", " ".join([*SOT, "clean", "--root", str(machine)]))
    tmux.send("Enter")
    assert tmux.wait_for(question("pip")), tmux.text()
    process = sot_under(tmux)
    tmux.send("C-z")
    assert tmux.wait_for(lambda t: "Stopped" in t), tmux.text()
    assert process.status() == psutil.STATUS_STOPPED
    tmux.tmux("send-keys", "-t", "main", "-l", "fg")
    tmux.send("Enter")
    assert tmux.wait_for(lambda t: t.count("delete pip:") == 2), tmux.text()
    tmux.send("n")  # one key, no Enter: the terminal is in its question mode again
    assert tmux.wait_for(question("uv")), tmux.text()
    tmux.send("q")
    assert tmux.wait_for(lambda t: "quit: nothing deleted" in t), tmux.text()
    assert left(machine) == list(CACHES)


def test_help_imports_neither_psutil_nor_blessed() -> None:
    code = (
        "import sys\nfrom sot.cli import main\ntry:\n    main(['clean', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('psutil', 'blessed', 'sot.cleanup.plan') if m in sys.modules))"
    )
    result = run_sot(shell=f'{sys.executable} -c "{code}"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip().splitlines()[-1] == "[]"


def test_list_names_every_path_a_run_would_delete(machine: Path) -> None:
    result = run_sot("clean", "--root", str(machine), "--only", "pip,go", "--dry-run", "--list")
    assert result.returncode == 0, result.stderr
    home = home_of(machine)
    lines = result.stdout.decode().splitlines()
    assert f"pip: {home}/.cache/pip/http/blob" in lines
    assert f"go: {home}/.cache/go-build/a" in lines
    assert left(machine) == list(CACHES)
