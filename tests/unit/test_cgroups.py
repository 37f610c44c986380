"""sot's own cgroup limits and the kernel's pressure figures, read from fake /proc and /sys trees
(temporary directories passed in): cgroup v1, v2 and hybrid machines, limits set, unlimited
and set by a parent, container mounts, and PSI present, partial and absent; then through the
collector's schedule, the renderers and the JSON document."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sot.collect.cgroups import (
    CgroupReader,
    parse_cgroup_mounts,
    parse_proc_cgroup,
)
from sot.collect.collector import Collector
from sot.collect.pressure import PressureReader, parse_pressure
from sot.collect.records import PressureReading, Stall
from sot.collect.replay import ReplaySource
from sot.export import snapshot_to_json
from sot.history import History
from sot.model import CgroupSample, PressureSample, StallShares
from sot.render.cells import Block
from sot.render.cpu import cores_text, render_cpu
from sot.render.glyphs import ASCII
from sot.render.header import pressure_text, render_header
from sot.render.memory import render_memory
from tests.fake_tree import make_tree
from tests.fakes import readings, snapshot

MIB = 1024 * 1024
V1_UNLIMITED = "9223372036854771712"  # LONG_MAX rounded down to 4 KiB pages
V1_MOUNTS = (
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)
V1_CGROUP = (
    "9:name=systemd:/user.slice\n"
    "8:pids:/app/web\n"
    "4:memory:/app/web\n"
    "2:cpu,cpuacct:/app/web\n"
    "0::/user.slice\n"
)
V2_MOUNTS = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"


def v1_tree(root: Path, **files: str) -> Path:
    """A v1 machine (a v2 hierarchy mounted beside it) with sot in /app/web; ``files`` are
    cgroup files by path under /sys/fs/cgroup ("memory/app/memory.limit_in_bytes")."""
    tree = {
        "/proc/self/cgroup": V1_CGROUP,
        "/proc/self/mountinfo": V1_MOUNTS,
        "/sys/fs/cgroup/memory/memory.limit_in_bytes": V1_UNLIMITED + "\n",
        "/sys/fs/cgroup/memory/app/memory.limit_in_bytes": V1_UNLIMITED + "\n",
        "/sys/fs/cgroup/memory/app/web/memory.limit_in_bytes": V1_UNLIMITED + "\n",
        "/sys/fs/cgroup/memory/app/web/memory.usage_in_bytes": f"{120 * MIB}\n",
        "/sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_quota_us": "-1\n",
        "/sys/fs/cgroup/cpu,cpuacct/app/web/cpu.cfs_period_us": "100000\n",
        "/sys/fs/cgroup/pids/app/web/pids.max": "max\n",
        "/sys/fs/cgroup/pids/app/web/pids.current": "7\n",
    }
    tree.update({f"/sys/fs/cgroup/{path}": text + "\n" for path, text in files.items()})
    return make_tree(root, tree)


def v2_tree(root: Path, cgroup: str = "0::/system.slice/web.service\n", **files: str) -> Path:
    """A v2-only machine; ``files`` by path under /sys/fs/cgroup."""
    tree = {"/proc/self/cgroup": cgroup, "/proc/self/mountinfo": V2_MOUNTS}
    tree.update({f"/sys/fs/cgroup/{path}": text + "\n" for path, text in files.items()})
    return make_tree(root, tree)


def test_v1_unlimited_reads_as_no_limit_never_as_exabytes(tmp_path: Path) -> None:
    reader = CgroupReader(str(v1_tree(tmp_path)))
    limits = reader.limits()
    assert limits is not None
    assert (limits.path, limits.version) == ("/app/web", 1)
    assert limits.memory_limit_bytes is None
    assert limits.cpu_quota_cores is None  # cfs_quota_us -1
    assert limits.pids_limit is None
    assert reader.usage(limits) == (120 * MIB, 7)


def test_v1_limits_set_here_and_tighter_in_a_parent(tmp_path: Path) -> None:
    root = v1_tree(
        tmp_path,
        **{
            "memory/app/web/memory.limit_in_bytes": str(512 * MIB),
            "memory/app/memory.limit_in_bytes": str(256 * MIB),  # the parent's binds
            "cpu,cpuacct/app/web/cpu.cfs_quota_us": "150000",
            "cpu,cpuacct/app/cpu.cfs_quota_us": "400000",
            "cpu,cpuacct/app/cpu.cfs_period_us": "100000",
            "pids/app/web/pids.max": "100",
        },
    )
    limits = CgroupReader(str(root)).limits()
    assert limits is not None
    assert limits.memory_limit_bytes == 256 * MIB
    assert limits.cpu_quota_cores == 1.5
    assert limits.pids_limit == 100


def test_v2_limits_set(tmp_path: Path) -> None:
    service = "system.slice/web.service"
    root = v2_tree(
        tmp_path,
        **{
            f"{service}/memory.max": str(256 * MIB),
            f"{service}/memory.current": str(100 * MIB),
            f"{service}/cpu.max": "50000 100000",
            f"{service}/pids.max": "64",
            f"{service}/pids.current": "3",
            "system.slice/memory.max": "max",
            "system.slice/pids.max": "32",  # tighter than the service's own
        },
    )
    reader = CgroupReader(str(root))
    limits = reader.limits()
    assert limits is not None
    assert (limits.path, limits.version) == ("/system.slice/web.service", 2)
    assert limits.memory_limit_bytes == 256 * MIB
    assert limits.cpu_quota_cores == 0.5
    assert limits.pids_limit == 32
    assert reader.usage(limits) == (100 * MIB, 3)


def test_v2_unlimited(tmp_path: Path) -> None:
    service = "system.slice/web.service"
    root = v2_tree(
        tmp_path,
        **{
            f"{service}/memory.max": "max",
            f"{service}/memory.current": "4096",
            f"{service}/cpu.max": "max 100000",
            f"{service}/pids.max": "max",
        },
    )
    limits = CgroupReader(str(root)).limits()
    assert limits is not None
    assert limits.memory_limit_bytes is None
    assert limits.cpu_quota_cores is None
    assert limits.pids_limit is None


def test_v2_root_cgroup_has_no_limit_files(tmp_path: Path) -> None:
    reader = CgroupReader(str(v2_tree(tmp_path, cgroup="0::/\n")))
    limits = reader.limits()
    assert limits is not None and limits.path == "/" and limits.version == 2
    assert limits.memory_limit_bytes is None
    assert reader.usage(limits) == (None, None)


def test_container_mount_shows_its_own_cgroup_at_the_mount_point(tmp_path: Path) -> None:
    # Docker without a cgroup namespace: /proc/self/cgroup names the host's path, and the
    # mount's root field is that same path, mounted at /sys/fs/cgroup/memory.
    mounts = "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
    root = make_tree(
        tmp_path,
        {
            "/proc/self/cgroup": "4:memory:/docker/abc\n",
            "/proc/self/mountinfo": mounts,
            "/sys/fs/cgroup/memory/memory.limit_in_bytes": f"{256 * MIB}\n",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes": f"{10 * MIB}\n",
        },
    )
    reader = CgroupReader(str(root))
    limits = reader.limits()
    assert limits is not None
    assert limits.memory_usage_file == f"{root}/sys/fs/cgroup/memory/memory.usage_in_bytes"
    assert limits.memory_limit_bytes == 256 * MIB
    assert reader.usage(limits)[0] == 10 * MIB


def test_v2_container_with_its_own_cgroup_namespace_sees_its_cgroup_as_the_root(
    tmp_path: Path,
) -> None:
    # docker's default on v2: "0::/" and the container's cgroup mounted at /sys/fs/cgroup,
    # which (not being the host's root) has the limit files.
    root = v2_tree(
        tmp_path,
        cgroup="0::/\n",
        **{"memory.max": str(256 * MIB), "memory.current": str(MIB), "cpu.max": "200000 100000"},
    )
    reader = CgroupReader(str(root))
    limits = reader.limits()
    assert limits is not None
    assert (limits.memory_limit_bytes, limits.cpu_quota_cores) == (256 * MIB, 2.0)
    assert reader.usage(limits) == (MIB, None)


def test_a_cgroup_the_mount_does_not_show_is_not_guessed(tmp_path: Path) -> None:
    # A cgroup namespace shows a cgroup outside it as "/.."; no directory may be made of it.
    root = v2_tree(tmp_path, cgroup="0::/../outside\n", **{"memory.max": str(MIB)})
    limits = CgroupReader(str(root)).limits()
    assert limits is not None
    assert limits.path == "/../outside" and limits.memory_usage_file is None
    assert limits.memory_limit_bytes is None


def test_no_cgroup_file_gives_no_reading(tmp_path: Path) -> None:
    assert CgroupReader(str(tmp_path)).limits() is None


def test_parsers_skip_odd_lines_and_unescape_mount_points() -> None:
    assert parse_proc_cgroup("garbage\n4:memory:/a\n0::/b\n") == [
        (4, frozenset({"memory"}), "/a"),
        (0, frozenset(), "/b"),
    ]
    mounts = parse_cgroup_mounts(
        "1 0 0:1 / /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n"
        "2 0 0:2 / /proc rw - proc proc rw\n"
        "3 0 0:3 / /x rw shared:5 - cgroup2 cgroup2 rw\n"
    )
    assert [(m.mount_point, m.version) for m in mounts] == [
        ("/sys/fs/cgroup/my mem", 1),
        ("/x", 2),
    ]
    assert "memory" in mounts[0].controllers


PRESSURE = {
    "cpu": "some avg10=1.25 avg60=0.50 avg300=0.10 total=123\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    "memory": "some avg10=0.42 avg60=0.10 avg300=0.00 total=5\n"
    "full avg10=0.31 avg60=0.05 avg300=0.00 total=4\n",
    "io": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
}


def test_pressure_present(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {f"/proc/pressure/{k}": v for k, v in PRESSURE.items()})
    reading = PressureReader(str(root / "proc/pressure")).read()
    assert reading == PressureReading(Stall(1.25, 0.0), Stall(0.42, 0.31), Stall(0.0, 0.0))
    pressure = (
        Collector(ReplaySource(readings()), pressure=PressureReader(str(root / "proc/pressure")))
        .sample(1.0, 1.0)
        .pressure
    )
    assert pressure == PressureSample(
        StallShares(1.25, 0.0), StallShares(0.42, 0.31), StallShares(0.0, 0.0)
    )
    assert pressure_text(pressure) == "psi cpu 1.2 mem 0.4/0.3 io 0.0/0.0"


def test_pressure_of_an_older_kernel_has_no_cpu_full() -> None:
    assert parse_pressure("some avg10=2.00 avg60=1.00 avg300=0.00 total=9\n") == Stall(2.0, None)
    assert parse_pressure("nothing here\n") is None


def test_pressure_absent_or_partial(tmp_path: Path) -> None:
    assert PressureReader(str(tmp_path / "proc/pressure")).read() is None
    assert pressure_text(None) == "psi -"
    root = make_tree(tmp_path, {"/proc/pressure/memory": PRESSURE["memory"]})
    reading = PressureReader(str(root / "proc/pressure")).read()
    assert reading == PressureReading(None, Stall(0.42, 0.31), None)
    shown = PressureSample(None, StallShares(0.42, 0.31), None)
    assert pressure_text(shown) == "psi cpu - mem 0.4/0.3 io -"


def test_collector_reads_limits_slowly_and_usage_every_tick(tmp_path: Path) -> None:
    root = v1_tree(tmp_path, **{"memory/app/web/memory.limit_in_bytes": str(256 * MIB)})
    collector = Collector(
        ReplaySource(readings()),
        slow_period_s=5.0,
        cgroups=CgroupReader(str(root)),
        pressure=PressureReader(str(root / "proc/pressure")),
    )
    first = collector.sample(1.0, 1.0)
    assert first.cgroup == CgroupSample("/app/web", 1, 256 * MIB, 120 * MIB, None, None, 7)
    assert first.pressure is None  # this fake kernel has no PSI
    memory = root / "sys/fs/cgroup/memory/app/web"
    (memory / "memory.limit_in_bytes").write_text(f"{512 * MIB}\n")
    (memory / "memory.usage_in_bytes").write_text(f"{130 * MIB}\n")
    second = collector.sample(2.0, 2.0)
    assert second.cgroup is not None
    assert second.cgroup.memory_usage_bytes == 130 * MIB  # every tick
    assert second.cgroup.memory_limit_bytes == 256 * MIB  # not yet: the slow schedule
    third = collector.sample(6.0, 6.0)
    assert third.cgroup is not None and third.cgroup.memory_limit_bytes == 512 * MIB


def test_a_replay_reads_neither() -> None:
    snap = Collector(ReplaySource(readings())).sample(1.0, 1.0)
    assert snap.cgroup is None and snap.pressure is None


LIMITED = CgroupSample("/app/web", 2, 256 * MIB, 120 * MIB, 1.5, 100, 7)


def _text(block: Block) -> str:
    return "\n".join(line.text for line in block)


def test_header_shows_pressure_and_the_pids_limit() -> None:
    snap = snapshot()
    pressure = PressureSample(StallShares(0.0, 0.0), StallShares(0.4, 0.3), StallShares(0.0, None))
    text = _text(render_header(snap.host, 0.0, 160, ASCII, pressure=pressure, cgroup=LIMITED))
    assert "psi cpu 0.0 mem 0.4/0.3 io 0.0" in text
    assert "cgroup pids 7/100" in text
    plain = _text(render_header(snap.host, 0.0, 160, ASCII))
    assert "psi -" in plain and "pids" not in plain


def test_memory_panel_shows_the_limit_beside_the_host_figures() -> None:
    snap = snapshot()
    limited = _text(render_memory(snap.memory, History(), 60, 8, ASCII, LIMITED))
    assert "used " in limited
    assert "limit " in limited and "46.9% 120M/256M cgroup" in limited
    unlimited = replace(LIMITED, memory_limit_bytes=None)
    assert "cgroup" not in _text(render_memory(snap.memory, History(), 60, 8, ASCII, unlimited))


def test_cpu_panel_shows_the_quota_in_cpus() -> None:
    snap = snapshot()
    assert "quota 1.5 cpu" in _text(render_cpu(snap.cpu, History(), 90, 6, ASCII, None, 1.5))
    assert "quota" not in _text(render_cpu(snap.cpu, History(), 90, 6, ASCII))
    assert [cores_text(c) for c in (1.5, 2.0, 0.25, 0.333)] == ["1.5", "2", "0.25", "0.33"]


def test_json_has_the_cgroup_and_pressure_objects() -> None:
    plain = json.loads(snapshot_to_json(snapshot()))
    assert plain["cgroup"] is None and plain["pressure"] is None
    pressure = PressureSample(StallShares(1.0, None), None, StallShares(0.0, 0.0))
    doc = json.loads(snapshot_to_json(replace(snapshot(), cgroup=LIMITED, pressure=pressure)))
    assert doc["cgroup"] == {
        "path": "/app/web",
        "version": 2,
        "memory_limit_bytes": 256 * MIB,
        "memory_usage_bytes": 120 * MIB,
        "cpu_quota_cores": 1.5,
        "pids_limit": 100,
        "pids_current": 7,
    }
    assert doc["pressure"] == {
        "cpu": {"some_avg10": 1.0, "full_avg10": None},
        "memory": None,
        "io": {"some_avg10": 0.0, "full_avg10": 0.0},
    }
