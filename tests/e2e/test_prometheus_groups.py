"""process-exporter's groups against the real engine: Prometheus scraping node_exporter and
process-exporter (one group per command name) on loopback, and a process of a name of its own
that the test starts. sot shows its group (``--once --format json`` and the full screen), refuses
to act on it, and without process-exporter says in one line that there is no per-process data."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sot.collect.prometheus_source import NO_GROUPS_NOTE
from sot.reducer import GROUP_MESSAGE
from tests.e2e.harness import wait_until
from tests.e2e.prometheus_engine import (
    NODE_EXPORTER,
    PROCESS_EXPORTER,
    PROMETHEUS,
    Engine,
    dashboard,
    missing_binaries,
    once_json,
    query,
    running_engine,
)

PROBE = "sotgroupprobe"  # a copy of sleep under this name: its comm, so its group's name


def _engine(tmp_path: Path, process_exporter: bool) -> Iterator[Engine]:
    missing = missing_binaries(PROCESS_EXPORTER) if process_exporter else missing_binaries()
    if missing:
        packages = f"apt-get install {PROMETHEUS} {NODE_EXPORTER} {PROCESS_EXPORTER}"
        reason = f"{', '.join(missing)} not installed ({packages})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run must install them")
        pytest.skip(reason)
    with running_engine(tmp_path, process_exporter=process_exporter) as running:
        yield running


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    sleep = shutil.which("sleep")
    assert sleep is not None
    binary = tmp_path / PROBE
    shutil.copy(sleep, binary)
    process = subprocess.Popen([str(binary), "600"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def engine_with_groups(tmp_path: Path, probe: subprocess.Popen[bytes]) -> Iterator[Engine]:
    yield from _engine(tmp_path, process_exporter=True)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from _engine(tmp_path, process_exporter=False)


def _probe_scraped(engine: Engine) -> bool:
    found = query(engine.url, f'namedprocess_namegroup_num_procs{{groupname="{PROBE}"}}')
    return bool(found) and found[0].get("value", [0, "0"])[1] == "1"  # type: ignore[index]


def test_the_group_of_a_started_process_shows_and_cannot_be_signalled(
    engine_with_groups: Engine, probe: subprocess.Popen[bytes]
) -> None:
    engine = engine_with_groups
    assert wait_until(lambda: _probe_scraped(engine), timeout=30)
    document = once_json(engine)
    # The node_exporter instance given; the groups found on the same host at another port.
    assert document["processes_note"] == f"process-exporter groups from {engine.groups_instance}"
    groups = {row["name"]: row for row in document["processes"]}
    assert groups[PROBE]["group_processes"] == 1
    assert groups[PROBE]["rss_bytes"] > 0
    assert groups[PROBE]["status"] == "sleeping"
    assert all(row["group_processes"] >= 1 for row in document["processes"])

    with dashboard(engine, columns=160) as tmux:
        assert tmux.wait_for(lambda t: "PROCS" in t and "groups" in t, 20), tmux.text()
        tmux.send("/")
        tmux.send("-l", PROBE)
        tmux.send("Enter")
        assert tmux.wait_for(lambda t: "1 of " in t and PROBE in t, 10), tmux.text()
        for key in ("K", "F9", "Enter"):  # SIGKILL, the signal menu, the details
            tmux.send(key)
            assert tmux.wait_for(lambda t: GROUP_MESSAGE[:60] in t, 10), (key, tmux.text())
            assert tmux.wait_for(lambda t: GROUP_MESSAGE[:60] not in t, 10), tmux.text()
        assert probe.poll() is None  # nothing was signalled here
        assert tmux.exit_status() is None


def test_without_process_exporter_one_line_says_there_is_no_per_process_data(
    engine: Engine,
) -> None:
    note = NO_GROUPS_NOTE.format(instance=engine.instance)
    document = once_json(engine)
    assert document["processes"] == [] and document["processes_note"] == note

    with dashboard(engine, columns=160) as tmux:
        assert tmux.wait_for(lambda t: note in t, 20), tmux.text()
        assert tmux.exit_status() is None
