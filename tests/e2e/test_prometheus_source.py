"""The Prometheus source against the real engine (tests/e2e/prometheus_engine.py): the figures
are node_exporter's and this machine's, and the dashboard survives its faults (an exporter that
goes away, Prometheus stopped and restarted on the same port and storage) without exiting."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import SOT, Tmux, base_env, run_sot, wait_for_refreshes, wait_until
from tests.e2e.prometheus_engine import (
    Engine,
    query,
    require_binaries,
    running_engine,
    target_up,
)
from tests.e2e.test_prometheus_engine import meminfo_total_bytes


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    require_binaries()
    with running_engine(tmp_path) as running:
        yield running


def test_once_json_memory_total_is_node_exporter_s_and_proc_meminfo_s(engine: Engine) -> None:
    result = run_sot(
        "--prometheus", engine.url, "--instance", engine.instance, "--once", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    exported = query(engine.url, f'node_memory_MemTotal_bytes{{instance="{engine.instance}"}}')
    assert exported, exported
    value = exported[0]["value"]
    assert isinstance(value, list)
    assert document["memory"]["total_bytes"] == int(float(value[1])) == meminfo_total_bytes()
    assert "source_status" not in document  # all well: no message


def test_job_narrows_to_that_job_and_an_unknown_one_names_the_instance_s_jobs(
    engine: Engine,
) -> None:
    base = ["--prometheus", engine.url, "--instance", engine.instance, "--once"]
    result = run_sot(*base, "--job", "node", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["memory"]["total_bytes"] == meminfo_total_bytes()
    wrong = run_sot(*base, "--job", "nope")
    assert wrong.returncode == 2
    (line,) = wrong.stderr.decode().splitlines()
    assert f"no job 'nope' scrapes '{engine.instance}'; its jobs: node" in line


def _restart(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """The same command again (same port, same storage directory)."""
    args = process.args
    assert isinstance(args, list)
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_the_dashboard_survives_a_lost_exporter_and_a_restarted_prometheus(
    engine: Engine,
) -> None:
    tmux = Tmux()
    restarted: list[subprocess.Popen[bytes]] = []
    try:
        tmux.start(
            [*SOT, "--prometheus", engine.url, "--instance", engine.instance],
            columns=200,
            lines=40,
            env=base_env(TERM="tmux-256color"),
        )
        assert wait_for_refreshes(tmux, 2, timeout=20), tmux.text()
        assert "prometheus:" not in tmux.text()

        # node_exporter goes away: Prometheus marks it down; sot stays, and the figures go
        # stale (the series are gone from the latest answer) rather than frozen.
        engine.exporter.terminate()
        engine.exporter.wait(timeout=10)
        assert wait_until(lambda: target_up(engine.url, engine.instance) is False, timeout=10)
        assert tmux.wait_for(lambda t: "is down (up = 0" in t, 15), tmux.text()
        assert tmux.exit_status() is None

        # Prometheus stops: a status line names the failure and the last success.
        engine.prometheus.terminate()
        engine.prometheus.wait(timeout=20)
        assert tmux.wait_for(lambda t: "prometheus:" in t and "last success" in t, 15), tmux.text()
        assert tmux.exit_status() is None

        # It comes back on the same port and storage: the error goes (within the back-off, at
        # most 30 s) and, the exporter still gone, the screen says the host is down again.
        restarted.append(_restart(engine.prometheus))
        assert tmux.wait_for(lambda t: "is down (up = 0" in t, 60), tmux.text()
        assert "last success" not in tmux.text()
        # The exporter back too: the message clears and the figures return.
        restarted.append(_restart(engine.exporter))
        assert tmux.wait_for(lambda t: "prometheus:" not in t, 30), tmux.text()
        assert tmux.exit_status() is None
    finally:
        tmux.kill()
        for process in restarted:
            process.terminate()
            process.wait(timeout=20)
