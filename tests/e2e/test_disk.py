"""``sot disk`` on this machine: the disk that holds ``/`` (found here from the mount table and
/sys/dev/block, independently of sot) in --once text and JSON, and in the full-screen view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import SOT, Tmux, run_sot


def root_disk() -> tuple[str, str]:
    """(disk, device holding /): the partition's parent in /sys when / is on a partition."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == "/":
            device = Path(f"/sys/dev/block/{fields[2]}")
            if not device.exists():
                pytest.skip(f"/ is not on a block device ({fields[2]}): no disk to find")
            real = device.resolve()
            disk = real.parent.name if (real / "partition").exists() else real.name
            return disk, real.name
    pytest.skip("no / in the mount table")


def test_once_text_lists_the_disk_that_holds_root() -> None:
    disk, _ = root_disk()
    result = run_sot("disk", "--once", "-i", "0.2")
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stdout
    assert disk in result.stdout.decode()


def test_once_json_has_the_sizes_of_sys_block() -> None:
    disk, holder = root_disk()
    result = run_sot("disk", "--once", "--format", "json", "-i", "0.2")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] >= 1
    found = {d["name"]: d for d in document["disks"]}[disk]
    sectors = int(Path(f"/sys/block/{disk}/size").read_text())
    assert found["size_bytes"] == sectors * 512
    for key in ("read_bytes_per_s", "write_bytes_per_s", "read_iops", "write_iops"):
        assert found[key] is not None and found[key] >= 0
    places = [*found["partitions"], *([found["filesystem"]] if found["filesystem"] else [])]
    assert any("/" in p["mount_points"] and p["name"] == holder for p in places)
    assert all(not d["name"].startswith(("loop", "zram", "ram")) for d in document["disks"])


def test_bad_arguments_are_one_line_and_exit_2() -> None:
    result = run_sot("disk", "--format", "xml")
    assert result.returncode == 2
    assert len(result.stderr.decode().strip().splitlines()) == 1
    help_text = run_sot("disk", "-h").stdout.decode()
    for option in ("--once", "--format", "--all", "--no-color", "--ascii", "--interval"):
        assert option in help_text


def test_full_screen_shows_the_disk_enter_expands_q_quits(tmux: Tmux) -> None:
    disk, holder = root_disk()
    tmux.start([*SOT, "disk"], columns=100, lines=24)
    assert tmux.wait_for(lambda t: f"disk {disk}" in t and "Enter partitions" in t), tmux.text()
    assert f"▸ {disk}" in tmux.text()  # collapsed at first
    tmux.send("Enter")
    expanded = f"─{holder}"
    assert tmux.wait_for(lambda t: expanded in t and f"▾ {disk}" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0
