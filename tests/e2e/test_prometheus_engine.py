"""The real engine the Prometheus source's e2e tests will stand on: Prometheus and node_exporter
from the system's packages, on loopback, scraped every second. Checked on its own first, so that
a broken set-up says so here rather than as a sot failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import wait_until
from tests.e2e.prometheus_engine import (
    Engine,
    query,
    require_binaries,
    running_engine,
    target_up,
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    require_binaries()
    with running_engine(tmp_path) as running:
        yield running


def meminfo_total_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def test_node_exporter_memory_total_is_this_machine_s(engine: Engine) -> None:
    result = query(engine.url, f'node_memory_MemTotal_bytes{{instance="{engine.instance}"}}')
    assert result, result
    value = result[0]["value"]
    assert isinstance(value, list)
    assert int(float(value[1])) == meminfo_total_bytes()


def test_a_stopped_exporter_is_down_within_two_scrapes(engine: Engine) -> None:
    engine.exporter.terminate()
    engine.exporter.wait(timeout=10)
    assert wait_until(lambda: target_up(engine.url, engine.instance) is False, timeout=5.0)
