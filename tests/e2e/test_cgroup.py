"""The real sot inside a real memory cgroup with a 256 MiB limit, created here (as root: cgroup
v1's memory hierarchy, or v2's where it has the memory controller) and removed on every path;
and the pressure figures against /proc/pressure."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sot.collect.cgroups import parse_cgroup_mounts
from tests.e2e.harness import base_env, run_sot, wait_until

LIMIT_BYTES = 256 * 1024 * 1024


def _memory_hierarchy() -> tuple[Path, str] | None:
    """Where a memory cgroup can be made, and its limit file's name: v1's memory hierarchy,
    else a v2 hierarchy whose root hands the memory controller to its children."""
    mounts = parse_cgroup_mounts(Path("/proc/self/mountinfo").read_text())
    for mount in mounts:
        if mount.version == 1 and "memory" in mount.controllers and mount.root == "/":
            return Path(mount.mount_point), "memory.limit_in_bytes"
    for mount in mounts:
        control = Path(mount.mount_point) / "cgroup.subtree_control"
        delegated = control.exists() and "memory" in control.read_text().split()
        if mount.version == 2 and mount.root == "/" and delegated:
            return Path(mount.mount_point), "memory.max"
    return None


@pytest.fixture
def memory_cgroup() -> Iterator[Path]:
    """A new memory cgroup limited to 256 MiB; removed afterwards, whatever happened."""
    if os.geteuid() != 0:
        pytest.skip("creating a cgroup needs root (CI runs as root)")
    found = _memory_hierarchy()
    if found is None:
        pytest.skip("no memory cgroup controller mounted (v1) or delegated at a v2 root")
    hierarchy, limit_file = found
    if not os.access(hierarchy, os.W_OK):
        pytest.skip(f"{hierarchy} is not writable (a read-only cgroup mount)")
    group = hierarchy / f"sot-test-{secrets.token_hex(4)}"
    group.mkdir()
    try:
        (group / limit_file).write_text(f"{LIMIT_BYTES}\n")
        yield group
    finally:
        # The children have exited (run_sot waits), so the empty cgroup can go; waited for in
        # case the kernel is still tearing down the last exited task (EBUSY).
        assert wait_until(lambda: _removed(group)), f"could not remove {group}"


def _removed(group: Path) -> bool:
    try:
        group.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _run_inside(group: Path, arguments: str, **env: str) -> str:
    """sot run by a shell that first moves itself into ``group`` (the exec keeps its PID)."""
    line = f"echo $$ > {group}/cgroup.procs && exec {{sot}} {arguments}"
    result = run_sot(shell=line, env=base_env(**env))
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_json_reports_the_limit_of_the_cgroup_sot_runs_in(memory_cgroup: Path) -> None:
    doc = json.loads(_run_inside(memory_cgroup, "--once --format json --interval 0.2"))
    cgroup = doc["cgroup"]
    assert cgroup["memory_limit_bytes"] == LIMIT_BYTES
    assert cgroup["path"].endswith("/" + memory_cgroup.name)
    assert 0 < cgroup["memory_usage_bytes"] <= LIMIT_BYTES


def test_memory_panel_shows_the_limit_beside_the_host(memory_cgroup: Path) -> None:
    text = _run_inside(memory_cgroup, "--once --interval 0.2", COLUMNS="160", LINES="48")
    assert "/256M cgroup" in text
    assert "used " in text  # the host's figure stays


def test_json_pressure_follows_proc_pressure() -> None:
    doc = json.loads(run_sot("--once", "--format", "json", "--interval", "0.2").stdout)
    try:
        Path("/proc/pressure/memory").read_text()
    except OSError:
        assert doc["pressure"] is None
        return
    memory = doc["pressure"]["memory"]
    assert memory["some_avg10"] is not None and memory["full_avg10"] is not None
