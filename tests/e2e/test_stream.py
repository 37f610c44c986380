"""Streams for scripts: the real ``sot --format ndjson|csv``, piped, on this machine and on a
recording (``--replay``)."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess

import pytest

from tests.e2e.harness import REPO, SOT, base_env, run_sot

RECORDING = str(REPO / "tests" / "data" / "recorded_host.json")


@pytest.mark.parametrize("source", [(), ("--replay", RECORDING)], ids=["live", "replay"])
def test_ndjson_count_prints_that_many_documents_in_time_order(source: tuple[str, ...]) -> None:
    result = run_sot(*source, "--format", "ndjson", "--count", "3", "-i", "0.2")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 3, lines
    documents = [json.loads(line) for line in lines]
    assert all(d["schema_version"] == 1 for d in documents)
    times = [d["wall_epoch_s"] for d in documents]
    assert times == sorted(times) and len(set(times)) == 3


@pytest.mark.parametrize("source", [(), ("--replay", RECORDING)], ids=["live", "replay"])
def test_csv_count_prints_a_header_and_rows_as_wide(source: tuple[str, ...]) -> None:
    result = run_sot(*source, "--format", "csv", "--count", "2", "-i", "0.2")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    rows = list(csv.reader(io.StringIO(result.stdout.decode())))
    assert len(rows) == 3, rows
    header = rows[0]
    assert header[:3] == ["time_utc", "time_epoch_s", "cpu_percent"]
    assert all(len(row) == len(header) for row in rows)
    assert float(rows[1][1]) < float(rows[2][1])


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_a_reader_that_leaves_ends_sot_quietly_with_status_0(fmt: str) -> None:
    # bash for pipefail (run_sot's /bin/sh may be dash): the pipeline's status is sot's.
    result = run_sot(
        shell=f"bash -c 'set -o pipefail; {{sot}} --format {fmt} -i 0.2 | head -1 >/dev/null'"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


def test_duration_ends_the_stream() -> None:
    result = run_sot("--format", "ndjson", "--duration", "0.5", "-i", "0.2")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.decode().splitlines()) == 2


def test_count_zero_is_a_one_line_usage_error() -> None:
    result = run_sot("--format", "ndjson", "--count", "0")
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sot: ") and "--count" in lines[0]
    assert result.stdout == b""


def test_ctrl_c_ends_an_endless_stream_quietly_with_status_0() -> None:
    process = subprocess.Popen(
        [*SOT, "--format", "ndjson", "-i", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env=base_env(),
    )
    try:
        assert process.stdout is not None
        json.loads(process.stdout.readline())  # streaming: past start-up, in the loop
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert err == b""
