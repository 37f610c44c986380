"""The remote dashboard against the real engine (tests/e2e/prometheus_engine.py): the graphs
start with the host's past, the worker follows the interval keys and stops on the way out,
--record and --replay of the remote host, both streams, and a loopback transfer measured
through Prometheus."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    REPO,
    SOT,
    Tmux,
    base_env,
    run_sot,
    sot_under,
    wait_for_refreshes,
    wait_until,
)
from tests.e2e.prometheus_engine import (
    Engine,
    loopback_transfer,
    query,
    require_binaries,
    running_engine,
)

# node_exporter leaves lo out by default (--collector.netdev.device-exclude="^lo$"); the
# loopback check needs it, and the streams show it like any interface.
WITH_LOOPBACK = ("--collector.netdev.device-exclude=^$",)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    require_binaries()
    with running_engine(tmp_path, exporter_args=WITH_LOOPBACK) as running:
        yield running


PAST_POINTS = 15  # what Prometheus holds of the host before sot starts, at the 1 s scrape


def remote(engine: Engine) -> list[str]:
    return ["--prometheus", engine.url, "--instance", engine.instance]


def exported(engine: Engine, metric: str) -> list[dict[str, object]]:
    found = query(engine.url, f'{metric}{{instance="{engine.instance}"}}')
    assert found, f"{metric} not in Prometheus"
    return found


def exported_value(engine: Engine, metric: str) -> float:
    value = exported(engine, metric)[0]["value"]
    assert isinstance(value, list)
    return float(value[1])


def interfaces_of(engine: Engine) -> set[str]:
    found = exported(engine, "node_network_receive_bytes_total")
    return {str(s["metric"]["device"]) for s in found if isinstance(s["metric"], dict)}


def scraped_points(engine: Engine) -> int:
    """How many scrapes of the host's memory Prometheus holds from the last minute."""
    expression = f'count_over_time(node_memory_MemTotal_bytes{{instance="{engine.instance}"}}[1m])'
    found = query(engine.url, expression)
    if not found:
        return 0
    value = found[0]["value"]
    return int(float(value[1])) if isinstance(value, list) else 0


def memory_graph_points(text: str) -> int:
    """Samples the memory panel's graph shows: with --ascii one cell each, and a used
    percentage above 0 always marks its cell, so the bottom row's marks count them."""
    lines = text.split("\n")
    top = next((i for i, line in enumerate(lines) if "+ memory" in line), None)
    if top is None:
        return 0
    left = lines[top].index("+ memory")
    for row in range(top + 1, len(lines)):
        if len(lines[row]) > left and lines[row][left] == "+":  # the panel's bottom border
            inside = lines[row - 1][left + 1 :]
            return sum(c != " " for c in inside.split("|", 1)[0])
    return 0


def test_the_first_graphs_show_the_host_s_past(engine: Engine, tmp_path: Path) -> None:
    # The engine is fresh: wait until Prometheus holds some past of the host.
    assert wait_until(lambda: scraped_points(engine) >= PAST_POINTS, timeout=60)
    tmux = Tmux()
    log = tmp_path / "sot.log"
    try:
        started = time.monotonic()
        tmux.start(
            [*SOT, *remote(engine), "--ascii", "-i", "1", "--log", str(log)],
            columns=160,
            lines=48,
            env=base_env(TERM="tmux-256color"),
        )

        # By itself, sot has drawn at most one point per second since it started (and the
        # first sample): more than that on the graph came from before its start.
        def more_than_sot_sampled(text: str) -> bool:
            own_points = (time.monotonic() - started) / 1.0 + 1
            return memory_graph_points(text) > own_points + PAST_POINTS // 2

        assert tmux.wait_for(more_than_sot_sampled, timeout=30), tmux.text()
        tmux.send("q")
        assert tmux.wait_exit(10) == 0, tmux.text()
        assert "worker thread stopped" in log.read_text()
    finally:
        tmux.kill()


def test_the_worker_follows_the_interval_keys(engine: Engine, tmp_path: Path) -> None:
    tmux = Tmux()
    log = tmp_path / "sot.log"
    try:
        tmux.start(
            [*SOT, *remote(engine), "-i", "60", "--log", str(log)],
            columns=160,
            lines=48,
            env=base_env(TERM="tmux-256color"),
        )
        assert tmux.wait_for(lambda t: "+/- 60s" in t, 20), tmux.text()
        # 60 s -> 30, 10, 5, 3, 2, 1 s. The worker, in its minute's wait, must fetch at the new
        # pace: otherwise its batch is older than two intervals and the screen says so.
        for _ in range(6):
            tmux.send("-")
        assert tmux.wait_for(lambda t: "+/- 1s" in t, 10), tmux.text()
        assert wait_for_refreshes(tmux, 5, timeout=30), tmux.text()
        text = tmux.text()
        assert "no fresh data" not in text and "prometheus:" not in text, text
        assert "total 0B" not in text and "memory" in text
        # Another way out than q: a signal. The worker is stopped and joined there too.
        sot_under(tmux).send_signal(signal.SIGTERM)
        assert tmux.wait_exit(10) == 128 + signal.SIGTERM, tmux.text()
        assert "Traceback" not in tmux.text()
        assert "worker thread stopped" in log.read_text()
    finally:
        tmux.kill()


def test_record_the_remote_host_and_replay_it(engine: Engine, tmp_path: Path) -> None:
    recording = tmp_path / "remote.json"
    result = run_sot(*remote(engine), "--record", str(recording))
    assert result.returncode == 0, result.stderr
    assert f"recorded {engine.instance}'s readings, 0 processes to".encode() in result.stderr
    document = json.loads(recording.read_text())
    total = exported_value(engine, "node_memory_MemTotal_bytes")
    assert document["memory"]["total"] == int(total)
    devices = interfaces_of(engine)
    assert set(document["nics"]) == devices

    replayed = run_sot("--replay", str(recording), "--once", "--format", "json", "-i", "0.2")
    assert replayed.returncode == 0, replayed.stderr
    shown = json.loads(replayed.stdout)
    assert shown["memory"]["total_bytes"] == int(total)
    uname = exported(engine, "node_uname_info")[0]["metric"]
    assert isinstance(uname, dict)
    assert shown["host"]["hostname"] == uname["nodename"]


def test_ndjson_stream_of_the_remote_host(engine: Engine) -> None:
    result = run_sot(*remote(engine), "--format", "ndjson", "--count", "3", "-i", "0.5")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    total = int(exported_value(engine, "node_memory_MemTotal_bytes"))
    assert [r["memory"]["total_bytes"] for r in records] == [total] * 3
    assert records[0]["schema_version"] == records[-1]["schema_version"]


def test_csv_stream_header_has_the_remote_host_s_interfaces(engine: Engine) -> None:
    result = run_sot(*remote(engine), "--format", "csv", "--count", "2", "-i", "0.5")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.decode().splitlines()
    assert len(rows) == 2
    columns = header.split(",")
    devices = interfaces_of(engine)
    assert "lo" in devices
    for device in devices:
        assert f"net_{device}_rx_bytes_per_s" in columns, (device, columns)
    memory = columns.index("memory_total_bytes")
    total = int(exported_value(engine, "node_memory_MemTotal_bytes"))
    assert [int(row.split(",")[memory]) for row in rows] == [total, total]


# --- the loopback check -----------------------------------------------------------------------

RATE_BYTES_PER_S = 20_000_000


def test_a_loopback_transfer_shows_on_lo_through_prometheus(engine: Engine) -> None:
    with loopback_transfer(RATE_BYTES_PER_S) as received:
        # The transfer at its pace before sot starts: every record's window is inside it.
        assert wait_until(lambda: received[0] >= 2 * RATE_BYTES_PER_S, timeout=20)
        started_s, started_bytes = time.monotonic(), received[0]
        # 5 s records: each spans 4 to 6 of the 1 s scrapes, so a record's rate is the transfer's
        # over 5 s, not one scrape's (test_prometheus_scrape checks 1 s records).
        process = subprocess.run(
            [*SOT, *remote(engine), "--format", "ndjson", "--count", "3", "-i", "5"],
            capture_output=True,
            timeout=60,
            cwd=REPO,
            env=base_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
        achieved = (received[0] - started_bytes) / (time.monotonic() - started_s)
    assert process.returncode == 0, process.stderr
    assert achieved == pytest.approx(RATE_BYTES_PER_S, rel=0.1)  # the pacing itself held
    rates = []
    for line in process.stdout.splitlines():
        interfaces = {i["name"]: i for i in json.loads(line)["interfaces"]}
        rates.append(interfaces["lo"]["rx_bytes_per_s"])
    assert len(rates) == 3
    # lo also carries the scrapes and sot's queries (tens of KB/s): within the 30 %.
    for rate in rates:
        assert rate == pytest.approx(RATE_BYTES_PER_S, rel=0.3), rates
