"""``sot fleet`` against the real engine (tests/e2e/prometheus_engine.py: Prometheus and
node_exporter on loopback, 1 s scrape): --once JSON lists the instance as up with plausible
figures in 9 queries (counted by Prometheus itself); the full screen in tmux shows the row,
filters it, opens its dashboard with Enter and comes back with q, and marks the instance down
within two scrapes once node_exporter is killed, and survives Prometheus stopped,
without exiting."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import SOT, PtyRun, Tmux, base_env, run_sot, wait_until
from tests.e2e.prometheus_engine import (
    Engine,
    query,
    require_binaries,
    running_engine,
    target_up,
)

QUERY_COUNTER = re.compile(
    r'^prometheus_http_requests_total\{code="200",handler="/api/v1/query"\} (\S+)$', re.M
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    require_binaries()
    with running_engine(tmp_path) as running:
        # Rates need two scrapes; the engine is ready after one.
        assert wait_until(lambda: scrapes(running) >= 3, timeout=20)
        yield running


def scrapes(engine: Engine) -> int:
    result = query(engine.url, f'count_over_time(up{{instance="{engine.instance}"}}[1m])')
    if not result:
        return 0
    value = result[0].get("value")
    return int(float(value[1])) if isinstance(value, list) else 0


def queries_answered(engine: Engine) -> float:
    """Prometheus's own count of instant queries it answered (its /metrics, not a query)."""
    with urllib.request.urlopen(f"{engine.url}/metrics", timeout=5) as response:
        text = response.read().decode("utf-8")
    match = QUERY_COUNTER.search(text)
    return float(match.group(1)) if match else 0.0


def test_once_json_lists_the_instance_up_with_plausible_figures_in_nine_queries(
    engine: Engine,
) -> None:
    before = queries_answered(engine)
    started = time.monotonic()
    result = run_sot("fleet", "--prometheus", engine.url, "--once", "--format", "json")
    elapsed_s = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert queries_answered(engine) - before == 9
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1 and document["prometheus"] == engine.url
    assert document["queries_per_refresh"] == 9
    (row,) = document["instances"]
    assert (row["instance"], row["job"], row["up"]) == (engine.instance, "node", True)
    assert row["nodename"] == os.uname().nodename
    assert 0.0 <= row["cpu_percent"] <= 100.0
    assert 0.0 < row["memory_used_percent"] < 100.0
    assert row["load1_per_core"] >= 0.0
    assert row["uptime_s"] > 0.0
    assert row["network_rx_bytes_per_s"] >= 0.0 and row["network_tx_bytes_per_s"] >= 0.0
    if row["fullest_filesystem_percent"] is not None:  # a container may have no local disk
        assert 0.0 <= row["fullest_filesystem_percent"] <= 100.0
        assert row["fullest_filesystem_mount"].startswith("/")
    print(f"sot fleet --once --format json: {elapsed_s:.3f} s, 9 queries")
    text = run_sot("fleet", "--prometheus", engine.url, env=base_env(COLUMNS="150"))
    assert text.returncode == 0, text.stderr  # no terminal: printed once
    lines = text.stdout.decode().splitlines()
    assert "1 instances  1 up  0 down" in lines[0]
    assert lines[2].startswith(engine.instance) and " up " in lines[2]


def test_unreachable_prometheus_is_one_line_and_exit_2(engine: Engine) -> None:
    engine.prometheus.terminate()
    engine.prometheus.wait(timeout=20)
    result = run_sot("fleet", "--prometheus", engine.url, "--once")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "cannot connect" in err


def test_the_fleet_screen_filters_opens_a_dashboard_and_sees_an_instance_go_down(
    engine: Engine,
) -> None:
    tmux = Tmux()
    nodename = os.uname().nodename
    try:
        tmux.start(
            [*SOT, "fleet", "--prometheus", engine.url],
            columns=160,
            lines=30,
            env=base_env(TERM="tmux-256color"),
        )
        assert tmux.wait_for(lambda t: "1 instances  1 up" in t and engine.instance in t, 15), (
            tmux.text()
        )
        row = next(line for line in tmux.capture() if line.startswith(engine.instance))
        assert " up " in row and " node " in row

        # The filter: a part of the instance keeps it, a wrong one hides it; Esc clears.
        tmux.send("/", "zz-no-such")
        assert tmux.wait_for(lambda t: "no instance matches the filter" in t, 5), tmux.text()
        tmux.send("Escape")
        assert tmux.wait_for(lambda t: engine.instance in t, 5), tmux.text()
        port = engine.instance.rsplit(":", 1)[1]
        tmux.send("/", port, "Enter")
        assert tmux.wait_for(lambda t: f"filter: {port} (Esc clears)" in t, 5), tmux.text()
        assert engine.instance in tmux.text()

        # Enter: the instance's dashboard (its header names the host); q: back to the fleet.
        tmux.send("Enter")
        assert tmux.wait_for(lambda t: " sot fleet " not in t and nodename in t, 15), tmux.text()
        assert tmux.wait_for(lambda t: "Mem" in t or "MEM" in t, 10), tmux.text()
        tmux.send("q")
        assert tmux.wait_for(lambda t: "1 instances  1 up" in t, 10), tmux.text()
        assert f"filter: {port} (Esc clears)" in tmux.text()  # the fleet's state came back
        assert tmux.exit_status() is None

        # node_exporter killed: the row turns down within two scrapes (1 s each), sot stays.
        engine.exporter.kill()
        engine.exporter.wait(timeout=10)
        killed = time.monotonic()
        assert tmux.wait_for(lambda t: "0 up  1 down" in t, 10), tmux.text()
        took_s = time.monotonic() - killed
        print(f"instance shown down {took_s:.1f} s after node_exporter was killed")
        assert target_up(engine.url, engine.instance) is False
        row = next(line for line in tmux.capture() if line.startswith(engine.instance))
        assert " down " in row
        assert tmux.exit_status() is None

        # Prometheus stopped: the instance stays listed, its figures turn "-", the status line
        # names the failure and the last success, and sot stays.
        engine.prometheus.terminate()
        engine.prometheus.wait(timeout=20)
        assert tmux.wait_for(lambda t: "prometheus:" in t and "last success" in t, 10), tmux.text()
        row = next(line for line in tmux.capture() if line.startswith(engine.instance))
        assert " down " not in row and " - " in row
        print("\n".join(tmux.capture()[:4] + tmux.capture()[-2:]))
        assert tmux.exit_status() is None

        tmux.send("q")
        assert tmux.wait_exit(10) == 0
    finally:
        tmux.kill()


def test_in_a_pty_with_an_ascii_locale_and_a_duration(engine: Engine) -> None:
    """LANG=C: ASCII glyphs; --duration ends the fleet screen with exit 0; the help opens."""
    run = PtyRun(
        ["fleet", "--prometheus", engine.url, "--duration", "4"],
        columns=100,
        lines=12,
        env=base_env(LANG="C", LC_ALL="C", TERM="screen"),
    )
    try:
        assert run.wait_for(lambda t: "1 instances  1 up" in t and "INSTANCE^" in t, 15), run.text()
        run.send(b"?")
        assert run.wait_for(lambda t: "open the instance's dashboard" in t, 5), run.text()
        run.send(b"\x1b")
        assert run.wait_for(lambda t: "INSTANCE^" in t, 5), run.text()
        assert run.text().isascii()
        assert run.wait_exit(10) == 0
    finally:
        run.close()
