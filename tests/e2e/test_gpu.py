"""The real sot on this machine: a ``gpus`` list in its JSON, empty and with no GPU panel (and no
GPU reader imported) where the machine has no GPUs, filled where it has."""

from __future__ import annotations

import json

import pytest

from sot.collect.gpu_detect import GpuPlaces, find_gpus
from tests.e2e.harness import base_env, run_sot


def test_once_json_has_a_gpus_list() -> None:
    result = run_sot("--once", "--format", "json", "--interval", "0.2")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    if find_gpus(GpuPlaces()) is None:
        assert doc["gpus"] == [] and "gpu_status" not in doc
    else:  # a machine with GPUs: read, or the reader says why not
        assert doc["gpus"] or doc["gpu_status"]
        assert all(
            {"index", "vendor", "name", "utilization_percent"} <= set(g) for g in doc["gpus"]
        )


def test_no_gpu_panel_without_gpus() -> None:
    if find_gpus(GpuPlaces()) is not None:
        pytest.skip("this machine has GPUs: the panel is right to be there")
    result = run_sot("--once", "--interval", "0.2", env=base_env(COLUMNS="160", LINES="48"))
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "┌ cpu " in text and "┌ gpu " not in text
