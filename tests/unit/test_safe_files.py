"""Files sot writes never follow links; files it reads are regular and bounded (sot.safe_files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sot.log import DebugLog
from sot.safe_files import (
    FileRefused,
    open_log_for_append,
    read_regular_file,
    write_whole_file,
)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Someone else's file, which a planted link points at."""
    path = tmp_path / "victim"
    path.write_text("precious\n")
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_log_through_a_symlink_is_refused_and_the_target_untouched(
    tmp_path: Path, victim: Path
) -> None:
    link = tmp_path / "sot.log"
    link.symlink_to(victim)
    with pytest.raises(FileRefused, match="symbolic link"):
        open_log_for_append(str(link))
    assert victim.read_text() == "precious\n"


def test_log_through_a_dangling_symlink_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "would-be-created"
    link = tmp_path / "sot.log"
    link.symlink_to(target)
    with pytest.raises(FileRefused):
        open_log_for_append(str(link))
    assert not target.exists()


def test_new_log_is_private_and_an_existing_one_appended(tmp_path: Path) -> None:
    path = tmp_path / "sot.log"
    log = DebugLog.open(str(path))
    log.write("first")
    log.close()
    assert mode_of(path) == 0o600
    log = DebugLog.open(str(path))
    log.write("second")
    log.close()
    lines = path.read_text().splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["first", "second"]


def test_log_with_a_second_hard_link_is_refused(tmp_path: Path, victim: Path) -> None:
    link = tmp_path / "sot.log"
    os.link(victim, link)
    with pytest.raises(FileRefused, match="hard links"):
        open_log_for_append(str(link))
    assert victim.read_text() == "precious\n"


def test_log_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "sot.log"
    os.mkfifo(fifo)
    # With no reader a plain open would wait forever (pytest-timeout would end the test).
    with pytest.raises(FileRefused, match="not a regular file"):
        open_log_for_append(str(fifo))


def test_record_replaces_a_symlink_instead_of_following_it(tmp_path: Path, victim: Path) -> None:
    link = tmp_path / "recording.json"
    link.symlink_to(victim)
    write_whole_file(str(link), b"{}\n")
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink()
    assert link.read_bytes() == b"{}\n"
    assert mode_of(link) == 0o600


def test_record_over_an_existing_file_is_private_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "recording.json"
    path.write_text("old")
    path.chmod(0o644)
    write_whole_file(str(path), b"new")
    assert path.read_bytes() == b"new"
    assert mode_of(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recording.json"]


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "recording.json"
    path.write_text("old and whole")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # as if the disk filled or sot died mid-write
    with pytest.raises(FileRefused, match="No space left"):
        write_whole_file(str(path), b"x" * 100_000)
    assert path.read_text() == "old and whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recording.json"]


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_record_onto_something_not_a_file_is_refused_and_it_survives(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    with pytest.raises(FileRefused, match="not a regular file"):
        write_whole_file(str(path), b"{}")
    assert stat.S_ISFIFO(path.stat().st_mode) if kind == "fifo" else path.is_dir()


def test_record_onto_a_device_is_refused() -> None:
    with pytest.raises(FileRefused, match="character device"):
        write_whole_file("/dev/null", b"{}")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_reading_refuses_fifos_devices_and_directories_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # no writer: a plain read would block forever
    for path, kind in ((fifo, "FIFO"), (Path("/dev/zero"), "character device"), (tmp_path, "dir")):
        with pytest.raises(FileRefused, match=kind):
            read_regular_file(str(path), 1024)


def test_reading_checks_the_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(10 * 1024**3)  # 10 GiB, sparse: reading it would take the memory
    with pytest.raises(FileRefused, match="larger than the 256 MiB"):
        read_regular_file(str(big), 256 * 1024 * 1024)


def test_reading_a_regular_file_through_a_symlink_is_allowed(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"[1]")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert read_regular_file(str(link), 1024) == b"[1]"
    assert read_regular_file(str(real), 3) == b"[1]"
    with pytest.raises(FileRefused, match="larger"):
        read_regular_file(str(real), 2)
