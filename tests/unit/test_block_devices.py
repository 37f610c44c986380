"""The disk screen's data from fake /sys and /proc trees (temporary directories passed in):
NVMe, virtio, dm/LVM, md RAID, loop/zram hidden, sizes in 512-byte sectors, and iostat -x's
await and util arithmetic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sot.collect.block import BlockCollector, io_figures
from sot.collect.block_devices import BlockDeviceReader, parse_disk_times, parse_mountinfo
from sot.collect.records import DiskTimes, UsageBytes
from sot.disk_view import selected_disk_index, shown_disks
from sot.model import BlockDiskSample
from sot.state import AppState
from tests.fakes import snapshot


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _disk(sys: Path, name: str, dev: str, sectors: int, **files: str) -> Path:
    base = sys / "block" / name
    _write(base / "dev", dev + "\n")
    _write(base / "size", f"{sectors}\n")
    (base / "holders").mkdir(parents=True, exist_ok=True)
    (base / "slaves").mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        _write(base / relative.replace("__", "/"), text + "\n")
    return base


def _partition(
    disk: Path, name: str, dev: str, sectors: int, holders: tuple[str, ...] = ()
) -> None:
    base = disk / name
    _write(base / "dev", dev + "\n")
    _write(base / "size", f"{sectors}\n")
    _write(base / "partition", "1\n")
    (base / "holders").mkdir(parents=True, exist_ok=True)
    for holder in holders:
        (base / "holders" / holder).mkdir()


def _link(base: Path, kind: str, name: str) -> None:
    (base / kind / name).mkdir(parents=True)


MOUNTINFO = (
    "27 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n"
    "28 27 253:1 / /srv/my\\040data rw - xfs /dev/vda1 rw\n"
    "29 27 252:0 / /home rw - ext4 /dev/mapper/vg0-home rw\n"
    "30 27 9:0 / /raid rw - ext4 /dev/md0 rw\n"
    "31 27 0:5 / /proc rw - proc proc rw\n"
)
DISKSTATS = (
    " 259 0 nvme0n1 100 0 800 50 200 0 1600 150 0 120 200 0 0 0 0\n"
    " 253 0 vda 10 0 80 5 0 0 0 0 0 4 5\n"
    "   7 0 loop0 0 0 0 0 0 0 0 0 0 0 0\n"
)


@pytest.fixture
def machine(tmp_path: Path) -> tuple[Path, Path]:
    sys, proc = tmp_path / "sys", tmp_path / "proc"
    nvme = _disk(sys, "nvme0n1", "259:0", 1_000_215_216, queue__rotational="0",
                 device__model="Samsung SSD 980 PRO 1TB")  # fmt: skip
    _partition(nvme, "nvme0n1p1", "259:1", 1_000_000_000)
    vda = _disk(sys, "vda", "253:0", 41_943_040, queue__rotational="1")
    _partition(vda, "vda1", "253:1", 41_940_992)
    sda = _disk(sys, "sda", "8:0", 2_000, queue__rotational="1", device__model="WDC \x1b[2J")
    _partition(sda, "sda1", "8:1", 1_900, holders=("md0",))
    _partition(sda, "sda2", "8:2", 100, holders=("dm-0",))
    sdb = _disk(sys, "sdb", "8:16", 2_000, queue__rotational="1")
    _partition(sdb, "sdb1", "8:17", 1_900, holders=("md0",))
    md0 = _disk(sys, "md0", "9:0", 1_800, md__level="raid1", queue__rotational="0")
    _link(md0, "slaves", "sda1")
    _link(md0, "slaves", "sdb1")
    dm0 = _disk(sys, "dm-0", "252:0", 100, dm__name="vg0-home")
    _link(dm0, "slaves", "sda2")
    _disk(sys, "loop0", "7:0", 0)
    _disk(sys, "zram0", "251:0", 8)
    _write(proc / "self" / "mountinfo", MOUNTINFO)
    _write(proc / "diskstats", DISKSTATS)
    return sys, proc


class _Usage(BlockDeviceReader):
    def filesystem_usage(self, mount_point: str) -> UsageBytes | None:
        return UsageBytes(1000, 250, 750, 25.0) if mount_point == "/" else None


def _sample(machine: tuple[Path, Path]) -> dict[str, BlockDiskSample]:
    sys, proc = machine
    disks = BlockCollector(_Usage(str(sys), str(proc))).sample(0.0, None)
    return {d.name: d for d in disks}


def test_nvme_disk_with_its_partition_size_model_and_mount(machine: tuple[Path, Path]) -> None:
    disks = _sample(machine)
    nvme = disks["nvme0n1"]
    assert nvme.size_bytes == 1_000_215_216 * 512
    assert nvme.model == "Samsung SSD 980 PRO 1TB"
    assert nvme.rotational is False
    (part,) = nvme.partitions
    assert (part.name, part.size_bytes, part.fstype) == ("nvme0n1p1", 1_000_000_000 * 512, "ext4")
    assert part.mount_points == ("/",)
    assert (part.used_bytes, part.total_bytes) == (250, 1000)


def test_virtio_disk_and_an_escaped_mount_point(machine: tuple[Path, Path]) -> None:
    vda = _sample(machine)["vda"]
    assert vda.rotational is True and vda.model is None
    (part,) = vda.partitions
    assert part.name == "vda1" and part.mount_points == ("/srv/my data",)
    assert part.used_bytes is None  # statvfs could not tell: unknown, not 0


def test_md_raid_over_two_partitions_and_dm_lvm_with_slaves(machine: tuple[Path, Path]) -> None:
    disks = _sample(machine)
    md0, dm0, sda = disks["md0"], disks["dm-0"], disks["sda"]
    assert md0.model == "raid1" and md0.slaves == ("sda1", "sdb1")
    assert md0.filesystem is not None and md0.filesystem.mount_points == ("/raid",)
    assert dm0.model == "vg0-home" and dm0.slaves == ("sda2",)
    assert dm0.filesystem is not None and dm0.filesystem.mount_points == ("/home",)
    holders = {p.name: p.holders for p in sda.partitions}
    assert holders == {"sda1": ("md0",), "sda2": ("dm-0",)}


def test_loop_and_zram_are_hidden_unless_all(machine: tuple[Path, Path]) -> None:
    sys, proc = machine
    disks = BlockCollector(_Usage(str(sys), str(proc))).sample(0.0, None)
    shot = dataclasses.replace(snapshot(), block_devices=disks)
    names = [d.name for d in shown_disks(AppState(), shot)]
    assert names == ["dm-0", "md0", "nvme0n1", "sda", "sdb", "vda"]
    every = [d.name for d in shown_disks(AppState(disk_show_all=True), shot)]
    assert "loop0" in every and "zram0" in every
    shown = shown_disks(AppState(disk_selected="gone"), shot)
    assert selected_disk_index(AppState(disk_selected="gone"), shown) == 0


def test_untrusted_model_text_is_kept_raw_and_drawn_sanitized(machine: tuple[Path, Path]) -> None:
    from sot.render.disk_tree import render_disk_tree
    from sot.render.glyphs import UNICODE

    sys, proc = machine
    disks = BlockCollector(_Usage(str(sys), str(proc))).sample(0.0, None)
    block = render_disk_tree(disks, 0, frozenset(), 100, 14, UNICODE)
    assert all("\x1b" not in cell for line in block for cell in line.cells)


def test_rates_come_from_two_readings_of_diskstats(machine: tuple[Path, Path]) -> None:
    sys, proc = machine
    collector = BlockCollector(_Usage(str(sys), str(proc)))
    assert collector.sample(0.0, None)[2].read_bytes_per_s is None  # first reading: unknown
    (proc / "diskstats").write_text(
        " 259 0 nvme0n1 300 0 2800 250 200 0 1600 150 0 620 700 0 0 0 0\n"
    )
    nvme = {d.name: d for d in collector.sample(1.0, 1.0)}["nvme0n1"]
    assert nvme.read_bytes_per_s == 2000 * 512 and nvme.read_iops == 200
    assert nvme.write_iops == 0 and nvme.await_ms == 1.0 and nvme.util_percent == 50.0


def test_iostat_worked_example() -> None:
    # Over 2 s: 150 reads taking 300 ms and 50 writes taking 500 ms (200 I/Os, 800 ms waited:
    # await 4 ms); the device was busy 900 of the 2000 ms (util 45 %); 2400 sectors read.
    before = DiskTimes(1000, 8000, 2000, 500, 4000, 3000, 10_000)
    after = DiskTimes(1150, 10_400, 2300, 550, 4800, 3500, 10_900)
    figures = io_figures(before, after, 2.0)
    assert figures.await_ms == pytest.approx(4.0)
    assert figures.util_percent == pytest.approx(45.0)
    assert figures.read_iops == pytest.approx(75.0) and figures.write_iops == pytest.approx(25.0)
    assert figures.read_bytes_per_s == pytest.approx(2400 * 512 / 2)
    assert figures.write_bytes_per_s == pytest.approx(800 * 512 / 2)
    # No I/O completed: no latency to average (None), an idle device (0 %).
    idle = io_figures(after, after, 1.0)
    assert idle.await_ms is None and idle.util_percent == 0.0
    # A counter that went backwards (device re-created): unknown, never negative.
    assert io_figures(after, before, 1.0).util_percent is None
    assert io_figures(after, before, 1.0).read_iops is None
    assert io_figures(None, after, 1.0).await_ms is None


def test_parsers_skip_what_they_do_not_know() -> None:
    assert parse_disk_times(b"8 0 sda 1 2\ngarbage\n") == {}
    assert parse_mountinfo("no separator here\n") == ()
