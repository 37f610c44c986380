"""``sot clean`` on fake trees under tmp_path: the planning, the deletion and every safety rule.

Every root a test hands in is under tmp_path (``fake_roots`` asserts it), so a bug in the code
under test can delete nothing else: the real home, /tmp and /var/cache are never named here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sot.cleanup.delete import delete_target
from sot.cleanup.open_files import mount_point_ids, open_file_ids
from sot.cleanup.plan import MAX_DEPTH, Conditions, Kept, TargetPlan, plan, planned_paths
from sot.cleanup.report import clean_document, render_results, render_table
from sot.cleanup.runner import Answer, choose, run_clean
from sot.cleanup.targets import (
    LINUX_TARGETS,
    MAC_TARGETS,
    Base,
    Roots,
    TargetSpec,
    system_roots,
)
from sot.commands.clean import Person, who_cleans
from sot.config import CannotRun

DAY_S = 86400.0
PRECIOUS = b"do not delete me"


def fake_roots(tmp_path: Path, home: Path | None = None) -> Roots:
    roots = Roots(
        home=str(home or tmp_path / "home" / "alice"),
        tmp=str(tmp_path / "tmp"),
        var_tmp=str(tmp_path / "var" / "tmp"),
        var_cache=str(tmp_path / "var" / "cache"),
    )
    for path in roots.all():
        # The guard that makes a wrong deletion in a test harmless: nothing outside tmp_path.
        assert Path(path).resolve().is_relative_to(tmp_path.resolve()), path
        Path(path).mkdir(parents=True, exist_ok=True)
    return roots


def write(path: Path, data: bytes = b"x" * 5000, age_days: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if age_days:
        old = time.time() - age_days * DAY_S
        os.utime(path, (old, old))
    return path


def age(path: Path, days: float) -> None:
    old = time.time() - days * DAY_S
    os.utime(path, (old, old), follow_symlinks=False)


def conditions(**changes: object) -> Conditions:
    # Files are aged with utime, which cannot set the ctime back: these tests age by mtime.
    base = Conditions(
        uid=os.geteuid(),
        now_s=time.time() + 1,
        open_files=frozenset(),
        is_root=False,
        age_by_mtime_only=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def spec(name: str) -> TargetSpec:
    return next(s for s in LINUX_TARGETS if s.name == name)


def clean_all(
    roots: Roots, cond: Conditions, specs: tuple[TargetSpec, ...] = LINUX_TARGETS, **kw: object
) -> tuple[tuple[TargetPlan, ...], dict[str, list[str]], dict[str, int]]:
    run = run_clean(specs, LINUX_TARGETS, roots, cond, dry_run=False, record=True, **kw)  # type: ignore[arg-type]
    deleted = {name: list(o.deleted or []) for name, o in run.outcomes.items()}
    errors = {name: o.error_count for name, o in run.outcomes.items()}
    return run.plans, deleted, errors


@pytest.fixture
def home_with_caches(tmp_path: Path) -> tuple[Roots, Path]:
    roots = fake_roots(tmp_path)
    home = Path(roots.home)
    for relative in (
        ".cache/pip/http/a/b/c/blob",
        ".cache/pip/wheels/x.whl",
        ".cache/uv/archive-v0/pkg/file.py",
        ".npm/_cacache/content-v2/sha512/ab/cd",
        ".cache/yarn/v6/pkg/index.js",
        ".cargo/registry/cache/index.crates.io/serde.crate",
        ".cache/go-build/00/abcd-d",
        ".cache/thumbnails/large/1.png",
        ".cache/mozilla/firefox/abc.default/cache2/entries/F00",
        ".cache/google-chrome/Default/Cache/Cache_Data/f_000001",
        ".cache/google-chrome/Default/Code Cache/js/index",
    ):
        write(home / relative)
    # Profiles next to their caches, and non-cache folders inside the cache tree: all stay.
    write(home / ".mozilla/firefox/abc.default/places.sqlite", PRECIOUS)
    write(home / ".cache/mozilla/firefox/abc.default/startupCache/scriptCache.bin", PRECIOUS)
    write(home / ".config/google-chrome/Default/Login Data", PRECIOUS)
    write(home / ".cache/google-chrome/Default/Preferences", PRECIOUS)
    write(home / ".cache/other-tool/state", PRECIOUS)
    precious = write(tmp_path / "outside" / "precious.txt", PRECIOUS)
    return roots, precious


def test_every_cache_is_emptied_and_profiles_and_roots_survive(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    home = Path(roots.home)
    plans, deleted, errors = clean_all(roots, conditions())
    assert not any(errors.values())
    for name in ("pip", "uv", "npm", "yarn", "cargo", "go", "thumbnails", "browsers"):
        assert deleted[name], name
    for root in (
        ".cache/pip",
        ".cache/uv",
        ".npm/_cacache",
        ".cargo/registry/cache",
        ".cache/mozilla/firefox/abc.default/cache2",
        ".cache/google-chrome/Default/Cache",
    ):
        # The root itself stays, empty.
        assert (home / root).is_dir(), root
        assert not any((home / root).iterdir()), root
    for kept in (
        ".mozilla/firefox/abc.default/places.sqlite",
        ".cache/mozilla/firefox/abc.default/startupCache/scriptCache.bin",
        ".config/google-chrome/Default/Login Data",
        ".cache/google-chrome/Default/Preferences",
        ".cache/other-tool/state",
    ):
        assert (home / kept).read_bytes() == PRECIOUS, kept
    browsers = next(p for p in plans if p.spec.name == "browsers")
    assert [root.path for root in browsers.roots] == [
        str(home / ".cache/mozilla/firefox/abc.default/cache2"),
        str(home / ".cache/google-chrome/Default/Cache"),
        str(home / ".cache/google-chrome/Default/Code Cache"),
    ]


def test_dry_run_lists_exactly_what_a_real_run_deletes(
    home_with_caches: tuple[Roots, Path], tmp_path: Path
) -> None:
    roots, _ = home_with_caches
    write(Path(roots.tmp) / "old" / "f", age_days=3)
    age(Path(roots.tmp) / "old", 3)
    write(Path(roots.tmp) / "new")
    write(Path(roots.var_cache) / "apt/archives/a.deb")
    cond = conditions(is_root=True)
    dry = run_clean(LINUX_TARGETS, LINUX_TARGETS, roots, cond, dry_run=True)
    listed = {p.spec.name: planned_paths(p) for p in dry.plans if planned_paths(p)}
    assert not dry.outcomes
    assert listed["tmp"] == [f"{roots.tmp}/old/f", f"{roots.tmp}/old"]
    assert listed["apt"] == [f"{roots.var_cache}/apt/archives/a.deb"]
    plans, deleted, _ = clean_all(roots, cond)
    assert deleted == listed
    for before, after in zip(dry.plans, plans, strict=True):
        assert (before.files, before.directories, before.size_bytes) == (
            after.files,
            after.directories,
            after.size_bytes,
        )
    # And the JSON documents agree: planned in the dry run, freed in the real one.
    dry_doc = clean_document(dry.plans, {}, True, "alice", roots.home)
    real = run_clean(LINUX_TARGETS, LINUX_TARGETS, roots, cond, dry_run=True)
    assert all(p.files == 0 for p in real.plans)  # everything planned went
    assert dry_doc["total_planned_bytes"] == sum(t.size_bytes for t in plans if not t.skipped)


def test_links_are_removed_never_followed(home_with_caches: tuple[Roots, Path]) -> None:
    roots, precious = home_with_caches
    pip = Path(roots.home) / ".cache/pip"
    os.symlink(precious, pip / "file-link")
    os.symlink(precious.parent, pip / "dir-link")
    os.symlink("../../../../outside", pip / "http" / "relative-link")
    _, deleted, errors = clean_all(roots, conditions(), (spec("pip"),))
    assert precious.read_bytes() == PRECIOUS
    assert sorted(os.listdir(precious.parent)) == ["precious.txt"]
    assert str(pip / "file-link") in deleted["pip"]
    assert not (pip / "dir-link").is_symlink()
    assert errors["pip"] == 0


def test_a_cache_root_that_is_a_link_is_not_a_target(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, precious = home_with_caches
    yarn = Path(roots.home) / ".cache/yarn"
    shutil.rmtree(yarn)
    os.symlink(precious.parent, yarn)
    plans, deleted, _ = clean_all(roots, conditions(), (spec("yarn"),))
    assert plans[0].roots == ()
    assert precious.read_bytes() == PRECIOUS
    assert deleted == {}


def test_a_directory_swapped_for_a_link_after_planning_is_not_followed(
    home_with_caches: tuple[Roots, Path], tmp_path: Path
) -> None:
    roots, precious = home_with_caches
    home = Path(roots.home)
    # The decoy holds files with the very names the plan expects, so a followed link would
    # find them and delete them.
    decoy = tmp_path / "outside" / "decoy"
    write(decoy / "blob", PRECIOUS)
    write(decoy / "x.whl", PRECIOUS)
    swapped: list[str] = []

    def swap() -> None:
        for directory in (home / ".cache/pip/http/a/b/c", home / ".cache/pip/wheels"):
            shutil.rmtree(directory)
            os.symlink(decoy, directory)
            swapped.append(str(directory))
        uv = home / ".cache/uv"  # a whole root, too
        shutil.rmtree(uv)
        os.symlink(decoy, uv)

    _, _, errors = clean_all(roots, conditions(), (spec("pip"), spec("uv")), before_delete=swap)
    assert swapped
    assert (decoy / "blob").read_bytes() == PRECIOUS
    assert (decoy / "x.whl").read_bytes() == PRECIOUS
    assert precious.read_bytes() == PRECIOUS
    assert errors["pip"] == 2 and errors["uv"] == 1


def test_a_directory_replaced_by_another_directory_is_left_alone(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    wheels = Path(roots.home) / ".cache/pip/wheels"

    def replace() -> None:
        shutil.rmtree(wheels)
        write(wheels / "x.whl", PRECIOUS)  # the same name, a different directory and file

    _, _, errors = clean_all(roots, conditions(), (spec("pip"),), before_delete=replace)
    assert (wheels / "x.whl").read_bytes() == PRECIOUS
    assert errors["pip"] == 1


def test_files_open_in_a_process_are_kept(home_with_caches: tuple[Roots, Path]) -> None:
    roots, _ = home_with_caches
    held = Path(roots.home) / ".cache/pip/wheels/held.whl"
    write(held)
    with held.open("rb"):
        # The real /proc, read only: this test process holds the file open.
        cond = conditions(open_files=open_file_ids())
        plans, deleted, _ = clean_all(roots, cond, (spec("pip"),))
    assert held.exists()
    assert str(held) not in deleted["pip"]
    assert plans[0].kept.open_files == 1
    assert (Path(roots.home) / ".cache/pip/wheels").is_dir()  # its directory stays too


def test_open_files_come_from_the_fd_links_of_a_proc_tree(tmp_path: Path) -> None:
    target = write(tmp_path / "data" / "file")
    fd_dir = tmp_path / "proc" / "42" / "fd"
    fd_dir.mkdir(parents=True)
    os.symlink(target, fd_dir / "3")
    os.symlink(tmp_path / "data", fd_dir / "4")  # a directory: not a file to keep
    (tmp_path / "proc" / "self-less").mkdir()
    info = target.stat()
    assert open_file_ids(str(tmp_path / "proc")) == {(info.st_dev, info.st_ino)}
    assert open_file_ids(str(tmp_path / "missing")) == frozenset()


def test_tmp_keeps_recent_files_and_other_users_files(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    tmp = Path(roots.tmp)
    old = write(tmp / "build-1" / "old.o", age_days=3)
    new = write(tmp / "build-1" / "new.o")
    age(tmp / "build-1", 3)
    lone_old = write(tmp / "report.txt", age_days=2)
    fresh_dir = tmp / "just-made"
    fresh_dir.mkdir()
    plans, deleted, _ = clean_all(roots, conditions(), (spec("tmp"),))
    assert deleted["tmp"] == [str(lone_old), str(old)]
    assert new.exists() and fresh_dir.is_dir() and tmp.is_dir()
    assert plans[0].kept.recent == 2  # new.o and just-made; build-1 is kept as not empty
    # --older-than 0: the new ones go too (the root never does).
    _, deleted, _ = clean_all(roots, conditions(older_than_days=0.0), (spec("tmp"),))
    assert sorted(deleted["tmp"]) == sorted([str(new), str(tmp / "build-1"), str(fresh_dir)])
    assert tmp.is_dir() and not any(tmp.iterdir())


def test_services_private_tmp_directories_are_never_entered(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    service = write(Path(roots.tmp) / "systemd-private-abc-nginx.service-xyz/tmp/cache", age_days=9)
    x11 = Path(roots.tmp) / ".X11-unix"
    x11.mkdir()
    age(x11, 9)
    stray = write(Path(roots.var_tmp) / "systemd-private-1-db.service-2/tmp/f", age_days=9)
    plans, deleted, _ = clean_all(roots, conditions(), (spec("tmp"), spec("var-tmp")))
    assert service.exists() and x11.is_dir() and stray.exists()
    assert deleted == {}
    assert [p.kept.protected for p in plans] == [2, 1]


def test_tmp_only_takes_the_users_own_files(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    mine = write(Path(roots.tmp) / "mine", age_days=3)
    # Everything here belongs to this process's user: as someone else, nothing may go.
    other = conditions(uid=os.geteuid() + 4242)
    plans, deleted, _ = clean_all(roots, other, (spec("tmp"), spec("var-tmp")))
    assert mine.exists() and deleted == {}
    assert plans[0].kept.not_owned == 1


def test_caches_take_any_age_but_older_than_applies_when_given(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    old = write(Path(roots.home) / ".cache/pip/old", age_days=10)
    plans, deleted, _ = clean_all(roots, conditions(older_than_days=5.0), (spec("pip"),))
    assert deleted["pip"] == [str(old)]
    assert plans[0].min_age_days == 5.0
    assert spec("pip").min_age_days == 0.0 and spec("tmp").min_age_days == 1.0


def test_nested_targets_are_counted_once_and_a_home_in_tmp_is_not_entered(
    tmp_path: Path,
) -> None:
    home = tmp_path / "tmp" / "alice"  # HOME=/tmp/alice, as in many CI containers
    roots = fake_roots(tmp_path, home)
    blob = write(home / ".cache/pip/blob", age_days=5)
    notes = write(home / "notes.txt", PRECIOUS, age_days=5)
    stray = write(Path(roots.tmp) / "stray", age_days=5)
    plans, deleted, _ = clean_all(roots, conditions(), (spec("pip"), spec("tmp")))
    assert deleted == {"pip": [str(blob)], "tmp": [str(stray)]}
    assert notes.read_bytes() == PRECIOUS
    assert plans[1].kept.nested_target == 1
    # A target inside another target's tree: its files are its own, counted once.
    outer = TargetSpec("outer", "the whole cache", Base.HOME, (".cache",))
    write(home / ".cache/pip/again", age_days=5)
    write(home / ".cache/misc", age_days=5)
    specs = (outer, spec("pip"))
    found = plan(specs, roots, conditions(), (*LINUX_TARGETS, outer))
    assert [t.files for t in found] == [1, 1]
    assert planned_paths(found[0]) == [str(home / ".cache/misc")]
    # The same directory named twice (through a link in a trusted base) is counted once.
    twice = TargetSpec("twice", "twice", Base.HOME, (".cache/pip", ".cache/pip"))
    assert plan((twice,), roots, conditions())[0].files == 1


def test_root_only_targets_need_root_and_are_cleaned_as_root(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    archives = Path(roots.var_cache) / "apt/archives"
    deb = write(archives / "vim_9.0_amd64.deb")
    partial = write(archives / "partial/half.deb")
    lock = write(archives / "lock", b"")
    dnf = write(Path(roots.var_cache) / "dnf/fedora/packages/x.rpm")
    plans, deleted, _ = clean_all(roots, conditions(is_root=False), (spec("apt"), spec("dnf")))
    assert deleted == {} and deb.exists() and dnf.exists()
    assert [p.skipped for p in plans] == ["needs root", "needs root"]
    assert plans[0].files == 1  # still shown, so the table can say what root would free
    assert delete_target(plans[0], lambda: False).files == 0  # even when asked directly
    plans, deleted, _ = clean_all(roots, conditions(is_root=True), (spec("apt"), spec("dnf")))
    assert deleted["apt"] == [str(deb)]
    assert partial.exists() and lock.exists()
    assert not dnf.exists() and (Path(roots.var_cache) / "dnf").is_dir()


@contextlib.contextmanager
def mounted_tmpfs(where: Path) -> Iterator[None]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "sot-clean-test", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_another_filesystem_inside_a_target_is_not_entered(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    mount = Path(roots.home) / ".cache/pip/mounted"
    with mounted_tmpfs(mount):
        inside = write(mount / "data", PRECIOUS)
        plans, deleted, _ = clean_all(roots, conditions(), (spec("pip"),))
        assert inside.read_bytes() == PRECIOUS
        assert plans[0].kept.other_filesystem == 1
        assert all(not path.startswith(str(mount)) for path in deleted["pip"])
        assert mount.is_dir()


def passwd(name: str, uid: int, home: str) -> pwd.struct_passwd:
    return pwd.struct_passwd((name, "x", uid, uid, "", home, "/bin/sh"))


def test_under_sudo_the_home_is_sudo_users_not_roots(tmp_path: Path) -> None:
    alice_home = str(tmp_path / "home" / "alice")

    def by_name(name: str) -> pwd.struct_passwd:
        assert name == "alice"
        return passwd("alice", 1000, alice_home)

    def by_uid(uid: int) -> pwd.struct_passwd:
        return passwd("root", 0, str(tmp_path / "root")) if uid == 0 else passwd("bob", uid, "/b")

    env = {"SUDO_USER": "alice", "HOME": "/root"}
    assert who_cleans(env, 0, by_name, by_uid) == Person("alice", 1000, alice_home)
    assert who_cleans({"SUDO_USER": "root"}, 0, by_name, by_uid).name == "root"
    assert who_cleans({}, 0, by_name, by_uid).name == "root"
    # Not root: SUDO_USER means nothing (anyone can set it).
    assert who_cleans(env, 1001, by_name, by_uid) == Person("bob", 1001, "/b")
    with pytest.raises(CannotRun, match="SUDO_USER=ghost"):
        who_cleans({"SUDO_USER": "ghost"}, 0, lambda n: pwd.getpwnam("\x01no"), by_uid)
    # The real password database: nobody's home, not root's.
    nobody = pwd.getpwnam("nobody")
    real = who_cleans({"SUDO_USER": "nobody"}, 0, pwd.getpwnam, pwd.getpwuid)
    assert (real.uid, real.home) == (nobody.pw_uid, nobody.pw_dir)


def test_under_sudo_only_the_users_files_go_and_what_stays_keeps_its_owner(
    tmp_path: Path,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing file owners needs root")
    roots = fake_roots(tmp_path)
    theirs = write(Path(roots.tmp) / "alices", age_days=3)
    os.chown(theirs, 1000, 1000)
    roots_own = write(Path(roots.tmp) / "roots", age_days=3)
    kept_cache = write(Path(roots.home) / ".cache/pip/wheels/held")
    os.chown(kept_cache, 1000, 1000)
    with kept_cache.open("rb"):
        cond = conditions(uid=1000, is_root=True, open_files=open_file_ids())
        _, deleted, _ = clean_all(roots, cond, (spec("tmp"), spec("pip")))
    assert deleted["tmp"] == [str(theirs)]
    assert roots_own.exists()
    assert (kept_cache.stat().st_uid, kept_cache.stat().st_gid) == (1000, 1000)


def test_per_file_errors_are_listed_and_the_run_goes_on(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    pip = Path(roots.home) / ".cache/pip"
    # A file changed between the plan and the deletion is left, with a reason; others go.
    target = plan((spec("pip"),), roots, conditions())[0]
    changed = pip / "wheels/x.whl"
    changed.write_bytes(b"new contents")
    os.utime(changed, (1, 1))
    outcome = delete_target(target, lambda: False, record=True)
    assert outcome.error_count == 1
    assert outcome.errors == ((str(changed), "modified since the scan; left alone"),)
    assert str(pip / "http/a/b/c/blob") in (outcome.deleted or [])
    assert changed.exists()
    lines = render_results([outcome])
    assert "not deleted (1):" in lines
    assert any("modified since the scan" in line for line in lines)


def test_a_stop_request_ends_the_deletion_between_files(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    target = plan((spec("pip"),), roots, conditions())[0]
    asked: list[int] = []

    def stop_after_one() -> bool:
        asked.append(1)
        return len(asked) > 1

    outcome = delete_target(target, stop_after_one)
    assert outcome.stopped and outcome.files == 1


def test_answers_yes_no_all_quit() -> None:
    plans = tuple(
        TargetPlan(spec(name), (), 1, 0, 10, Kept(), 0.0) for name in ("pip", "uv", "npm")
    )
    script = iter([Answer.NO, Answer.YES, Answer.NO])
    chosen, quit = choose(plans, lambda t: next(script))
    assert [t.spec.name for t in chosen] == ["uv"] and not quit
    asked: list[str] = []

    def all_from_second(target: TargetPlan) -> Answer:
        asked.append(target.spec.name)
        return Answer.NO if len(asked) == 1 else Answer.ALL

    chosen, _ = choose(plans, all_from_second)
    assert [t.spec.name for t in chosen] == ["uv", "npm"] and asked == ["pip", "uv"]
    chosen, quit = choose(plans, lambda t: Answer.YES if t.spec.name == "pip" else Answer.QUIT)
    assert chosen == [] and quit
    skipped = dataclasses.replace(plans[0], skipped="needs root")
    empty = dataclasses.replace(plans[1], files=0)
    assert choose((skipped, empty), lambda t: pytest.fail("asked")) == ([], False)


def test_the_table_has_every_column_and_sanitized_paths(tmp_path: Path) -> None:
    hostile = tmp_path / "home" / "\x1b[2Jevil"
    roots = fake_roots(tmp_path, hostile)
    write(hostile / ".cache/pip/f")
    plans = plan((spec("pip"), spec("apt")), roots, conditions())
    lines = render_table(plans, 100)
    assert lines[0].split() == ["target", "what", "it", "is", "size", "files", "needs", "root"]
    assert lines[1].startswith("pip ") and lines[1].endswith("no")
    assert lines[2].endswith("yes (skipped)")
    assert lines[3].startswith("total")
    from sot.cleanup.report import render_paths

    assert all("\x1b" not in line for line in render_table(plans, 30) + render_paths(plans))
    document = clean_document(plans, {}, True, "alice", roots.home)
    assert json.loads(json.dumps(document))["schema_version"] == 1
    assert document["targets"][0]["planned_files"] == 1


def test_macos_targets_are_found_in_a_fake_mac_home(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    home = Path(roots.home)
    write(home / "Library/Caches/pip/http/blob")
    write(home / "Library/Caches/Homebrew/downloads/x.tar.gz")
    write(home / "Library/Caches/Google/Chrome/Default/Cache/data_0")
    write(home / "Library/Application Support/Google/Chrome/Default/History", PRECIOUS)
    found = {t.spec.name: t.files for t in plan(MAC_TARGETS, roots, conditions())}
    assert found["pip"] == found["homebrew"] == found["browsers"] == 1
    assert system_roots("/Users/a", "Darwin").tmp == "/private/tmp"
    assert system_roots("/home/a", "Linux", "/mnt").var_cache == "/mnt/var/cache"


def test_a_signal_mid_run_stops_before_the_next_target(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    calls: list[int] = []
    deleting: list[bool] = []

    def stop_on_second_file() -> bool:
        if deleting:
            calls.append(1)  # once per file
        return len(calls) > 1

    run = run_clean(
        (spec("pip"), spec("uv"), spec("go")),
        LINUX_TARGETS,
        roots,
        conditions(),
        dry_run=False,
        should_stop=stop_on_second_file,
        before_delete=lambda: deleting.append(True),
    )
    assert run.stopped
    assert list(run.outcomes) == ["pip"]  # stopped inside pip: uv and go are not begun
    assert run.outcomes["pip"].files == 1 and run.outcomes["pip"].stopped
    assert (Path(roots.home) / ".cache/uv/archive-v0/pkg/file.py").exists()
    # Stopped before any deletion (a signal while asking): nothing is deleted.
    early = run_clean(
        (spec("uv"),), LINUX_TARGETS, roots, conditions(), dry_run=False, should_stop=lambda: True
    )
    assert early.stopped and early.outcomes == {}


def test_trees_deeper_than_the_limit_are_left(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    deep = Path(roots.home) / ".cache/go-build"
    for _ in range(MAX_DEPTH + 5):
        deep = deep / "d"
    write(deep / "f")
    shallow = write(Path(roots.home) / ".cache/go-build/top")
    plans, deleted, _ = clean_all(roots, conditions(), (spec("go"),))
    assert deleted["go"] == [str(shallow)]
    assert (deep / "f").exists() and plans[0].kept.unreadable == 1


@contextlib.contextmanager
def undeletable(path: Path) -> Iterator[str]:
    """``path`` made impossible to delete, for real: immutable as root (chattr +i), in a
    read-only directory otherwise; the reason the kernel will give; undone at the end."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"chattr +i does not work here: {done.stderr.decode().strip()}")
        try:
            yield "operation not permitted"
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        path.parent.chmod(0o500)
        try:
            yield "permission denied"
        finally:
            path.parent.chmod(0o700)


def test_a_file_that_cannot_be_deleted_is_listed_and_the_rest_goes(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    stuck = Path(roots.home) / ".cache/pip/wheels/x.whl"
    with undeletable(stuck) as reason:
        run = run_clean(
            (spec("pip"), spec("go")), LINUX_TARGETS, roots, conditions(), dry_run=False
        )
        assert stuck.exists()
    pip, go = run.outcomes["pip"], run.outcomes["go"]
    assert pip.errors == ((str(stuck), reason),) and pip.error_count == 1
    assert pip.files == 1 and go.files == 1 and not pip.stopped
    assert not (Path(roots.home) / ".cache/pip/http/a/b/c/blob").exists()
    assert f"  pip: {stuck}: {reason}" in render_results([pip, go])


def test_a_signal_while_scanning_stops_the_scan_and_deletes_nothing(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    asked: list[int] = []

    def stop_in_the_fifth_directory() -> bool:
        asked.append(1)
        return len(asked) >= 5

    shown: list[object] = []
    run = run_clean(
        LINUX_TARGETS,
        LINUX_TARGETS,
        roots,
        conditions(),
        dry_run=False,
        should_stop=stop_in_the_fifth_directory,
        after_plan=shown.append,
    )
    assert run.stopped and run.plans == () and run.outcomes == {} and shown == []
    assert len(asked) == 5
    assert (Path(roots.home) / ".cache/pip/wheels/x.whl").exists()


def test_entries_in_a_directory_that_cannot_be_changed_are_not_planned(
    home_with_caches: tuple[Roots, Path],
) -> None:
    roots, _ = home_with_caches
    go = Path(roots.home) / ".cache/go-build"
    write(go / "locked/inner/f")
    write(go / "locked/g")
    found = plan((spec("go"),), roots, conditions())[0]
    assert found.kept.not_permitted == 0
    if os.geteuid() == 0:
        # Root may change any directory on a writable mount: read-only is the case to show.
        mount = go / "locked"
        done = subprocess.run(["mount", "--bind", "-o", "ro", str(mount), str(mount)], check=False)
        if done.returncode != 0:
            pytest.skip("cannot make a read-only bind mount here")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
            found = plan((spec("go"),), roots, conditions())[0]
        finally:
            subprocess.run(["umount", "-l", str(mount)], check=False)
        # A bind mount is another mount but the same device: the read-only check is what
        # keeps g and inner (inner's own f is read-only too).
        assert found.kept.not_permitted >= 2
    else:
        (go / "locked").chmod(0o500)
        try:
            found = plan((spec("go"),), roots, conditions())[0]
        finally:
            (go / "locked").chmod(0o700)
        assert found.kept.not_permitted == 2  # g, and inner (its own f may go)
    assert str(go / "locked/g") not in planned_paths(found)


def test_under_root_a_base_that_is_a_link_is_refused_not_followed(tmp_path: Path) -> None:
    # Review scenario s1: an image whose tmp (and var/tmp) is a link to somewhere else.
    machine = tmp_path / "machine"
    home = machine / "home" / "alice"
    precious = write(tmp_path / "precious" / "old.txt", PRECIOUS, age_days=5)
    (machine / "var").mkdir(parents=True)
    (machine / "tmp").symlink_to(tmp_path / "precious")
    (machine / "var" / "tmp").symlink_to(tmp_path / "precious")
    write(home / ".cache/pip/x")
    roots = system_roots(str(home), "Linux", str(machine))
    assert roots.prefix == str(machine)
    specs = (spec("tmp"), spec("var-tmp"), spec("pip"))
    plans, deleted, errors = clean_all(roots, conditions(older_than_days=0.0), specs)
    assert precious.read_bytes() == PRECIOUS
    assert deleted == {"pip": [str(home / ".cache/pip/x")]} and errors == {"pip": 0}
    by_name = {p.spec.name: p for p in plans}
    assert by_name["tmp"].files == 0 and by_name["tmp"].notes == (
        f"{machine}/tmp: a symbolic link (or no directory) inside --root; not followed",
    )
    # A link in the home's own path inside the image is refused too.
    (machine / "home" / "alice").rename(machine / "home" / "real")
    (machine / "home" / "alice").symlink_to(tmp_path / "precious")
    plans, deleted, _ = clean_all(roots, conditions(older_than_days=0.0), (spec("pip"),))
    assert deleted == {} and precious.read_bytes() == PRECIOUS


def test_a_file_with_an_old_mtime_that_arrived_just_now_is_recent(tmp_path: Path) -> None:
    # Review scenario s2: tar keeps a 2020 mtime; the ctime says the file came a moment ago.
    roots = fake_roots(tmp_path)
    tmp = Path(roots.tmp)
    extracted = write(tmp / "src-1.0" / "configure", age_days=2000)
    age(tmp / "src-1.0", 2000)
    plans, deleted, _ = clean_all(roots, conditions(age_by_mtime_only=False), (spec("tmp"),))
    assert deleted == {} and extracted.exists()
    assert plans[0].kept.recent == 1 and plans[0].files == 0  # the file; its directory stays
    # Planned by mtime alone, then changed (chmod: only the ctime moves): left alone.
    (target,) = plan((spec("tmp"),), roots, conditions())
    assert target.files == 1
    extracted.chmod(0o700)
    outcome = delete_target(target, lambda: False)
    assert outcome.files == 0 and outcome.errors == (
        (str(extracted), "modified since the scan; left alone"),
    )
    assert extracted.exists()


def test_x_display_locks_and_the_tmpfiles_exclusions_are_never_deleted(tmp_path: Path) -> None:
    # Review scenario s4: .X0-lock and .X1024-lock went with --yes --only tmp.
    roots = fake_roots(tmp_path)
    tmp = Path(roots.tmp)
    kept = [
        write(tmp / name / "f" if "unix" in name or "private" in name else tmp / name, age_days=9)
        for name in (
            ".X0-lock",
            ".X1024-lock",
            ".X11-unix",
            ".ICE-unix",
            ".font-unix",
            ".XIM-unix",
            ".Test-unix",
            "systemd-private-x",
            "snap-private-tmp",
        )
    ]
    stray = write(tmp / ".Xstray", age_days=9)
    _, deleted, _ = clean_all(roots, conditions(), (spec("tmp"),))
    assert deleted == {"tmp": [str(stray)]}
    assert all(path.exists() for path in kept)


@pytest.mark.skipif(os.geteuid() != 0, reason="a bind mount needs root")
def test_a_bind_mount_of_the_same_filesystem_is_not_entered(tmp_path: Path) -> None:
    # Review scenario s3: a bind mount keeps st_dev, so only mountinfo tells it apart.
    roots = fake_roots(tmp_path)
    source = write(tmp_path / "elsewhere" / "data", PRECIOUS, age_days=9)
    mount = Path(roots.tmp) / "bound"
    mount.mkdir()
    age(mount, 9)
    done = subprocess.run(
        ["mount", "--bind", str(source.parent), str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.decode().strip()}")
    try:
        assert os.stat(mount).st_dev == os.stat(roots.tmp).st_dev
        cond = conditions(mount_points=mount_point_ids(roots.all()))
        plans, deleted, _ = clean_all(roots, cond, (spec("tmp"),))
        assert deleted == {} and source.read_bytes() == PRECIOUS
        assert plans[0].kept.other_filesystem == 1
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_mount_points_come_from_mountinfo_below_the_bases_only(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    spaced = Path(roots.tmp) / "a dir"
    spaced.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text(
        f"36 35 98:0 / {str(spaced).replace(' ', chr(92) + '040')} rw - ext3 /dev/x rw\n"
        f"37 35 98:0 / {roots.tmp} rw - tmpfs tmpfs rw\n"
        "38 35 98:0 / / rw - ext4 /dev/root rw\n"
    )
    found = mount_point_ids(roots.all(), str(info))
    identity = os.stat(spaced)
    assert found == {(identity.st_dev, identity.st_ino)}
    assert mount_point_ids(roots.all(), str(tmp_path / "absent")) == frozenset()


def test_mapped_files_and_working_directories_count_as_in_use(tmp_path: Path) -> None:
    # Review scenario s5: a file only mapped (its descriptor closed) and a process's cwd.
    roots = fake_roots(tmp_path)
    tmp = Path(roots.tmp)
    mapped = write(tmp / "lib" / "libx.so", age_days=9)
    age(tmp / "lib", 9)
    workdir = tmp / "build" / "work"
    inside = write(workdir / "out.o", age_days=9)
    age(workdir, 9)
    age(tmp / "build", 9)
    other = write(tmp / "old.txt", age_days=9)
    proc = tmp_path / "proc"
    (proc / "7").mkdir(parents=True)
    info = mapped.stat()
    (proc / "7" / "maps").write_text(
        "7f00-7f01 r-xp 00000000 00:00 0 \n"
        f"7f01-7f02 r-xp 00000000 {os.major(info.st_dev):x}:{os.minor(info.st_dev):x}"
        f" {info.st_ino}                   {mapped} (deleted)\n"
    )
    os.symlink(workdir, proc / "7" / "cwd")
    os.symlink(tmp_path / "nowhere", proc / "7" / "root")
    cond = conditions(open_files=open_file_ids(str(proc)))
    plans, deleted, _ = clean_all(roots, cond, (spec("tmp"),))
    assert deleted == {"tmp": [str(other)]}
    assert mapped.exists() and inside.exists() and workdir.is_dir()
    assert plans[0].kept.open_files == 2


def test_a_file_opened_after_the_plan_is_left(tmp_path: Path) -> None:
    # Review scenario s6: opened while the person was being asked, before the deletion.
    roots = fake_roots(tmp_path)
    late = write(Path(roots.home) / ".cache/pip/late.whl")
    info = late.stat()
    run = run_clean(
        (spec("pip"),),
        LINUX_TARGETS,
        roots,
        conditions(),
        dry_run=False,
        in_use=lambda: frozenset({(info.st_dev, info.st_ino)}),
    )
    assert late.exists() and run.outcomes["pip"].files == 0
    assert run.outcomes["pip"].errors == (
        (str(late), "in use by a process since the scan; left alone"),
    )


def test_a_real_process_working_in_tmp_keeps_its_directory(tmp_path: Path) -> None:
    roots = fake_roots(tmp_path)
    workdir = Path(roots.tmp) / "job"
    inside = write(workdir / "partial", age_days=9)
    age(workdir, 9)
    children: list[subprocess.Popen[bytes]] = []

    def start_child() -> None:
        children.append(subprocess.Popen(["sleep", "60"], cwd=workdir))

    try:
        # Started between the plan and the deletion; the real /proc is read again, read only.
        run = run_clean(
            (spec("tmp"),),
            LINUX_TARGETS,
            roots,
            conditions(),
            dry_run=False,
            before_delete=start_child,
            in_use=open_file_ids,
        )
        assert run.plans[0].files == 1 and run.outcomes["tmp"].files == 0
        assert inside.exists() and workdir.is_dir()
        # Running when the plan is made: the directory is kept and not entered.
        (target,) = plan((spec("tmp"),), roots, conditions(open_files=open_file_ids()))
        assert target.files == 0 and target.kept.open_files == 1
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_a_cache_file_hard_linked_elsewhere_frees_nothing(tmp_path: Path) -> None:
    # Review scenario s8: uv's cache is hard-linked into venvs; deleting it frees nothing.
    roots = fake_roots(tmp_path)
    home = Path(roots.home)
    cached = write(home / ".cache/uv/archive-v0/pkg/big.so", b"x" * 40000)
    venv_copy = home / "project/.venv/lib/big.so"
    venv_copy.parent.mkdir(parents=True)
    os.link(cached, venv_copy)
    lone = write(home / ".cache/uv/archive-v0/pkg/lone.py")
    # Both links inside the plan: the space is freed, counted once.
    both = write(home / ".cache/uv/wheels/a.whl", b"y" * 40000)
    os.link(both, home / ".cache/uv/wheels/b.whl")
    (target,) = plan((spec("uv"),), roots, conditions())
    shared = cached.stat().st_blocks * 512
    assert target.shared_bytes == shared > 0
    assert target.size_bytes == lone.stat().st_blocks * 512 + both.stat().st_blocks * 512
    assert any("hard-linked elsewhere" in line for line in render_table((target,)))
    outcome = delete_target(target, lambda: False)
    assert not cached.exists() and venv_copy.read_bytes() == b"x" * 40000
    assert outcome.freed_bytes == target.size_bytes and outcome.shared_bytes == shared
    assert "shared (frees nothing)" in render_results([outcome])[0]
    document = clean_document((target,), {"uv": outcome}, False, "alice", roots.home)
    (entry,) = document["targets"]
    assert entry["planned_shared_bytes"] == entry["shared_bytes"] == shared
    assert document["total_freed_bytes"] == target.size_bytes


def test_list_shows_every_planned_path_and_unreached_targets_say_so(
    home_with_caches: tuple[Roots, Path],
) -> None:
    from sot.cleanup.report import render_list

    roots, _ = home_with_caches
    home = Path(roots.home)
    calls: list[int] = []
    run = run_clean(
        (spec("pip"), spec("uv")),
        LINUX_TARGETS,
        roots,
        conditions(),
        dry_run=False,
        should_stop=lambda: bool(calls),
        before_delete=lambda: calls.append(1),
    )
    assert run.stopped and run.chosen == ("pip", "uv") and run.outcomes["pip"].stopped
    listed = render_list(run.plans)
    assert listed[0] == f"pip: {home}/.cache/pip/http/a/b/c/blob"
    assert f"uv: {home}/.cache/uv/archive-v0/pkg/file.py" in listed
    document = clean_document(
        run.plans, run.outcomes, False, "alice", roots.home, frozenset(run.chosen), listed=True
    )
    by_name = {t["name"]: t for t in document["targets"]}
    assert by_name["pip"]["status"] == "stopped" and by_name["uv"]["status"] == "not reached"
    assert by_name["uv"]["planned_paths"] == planned_paths(run.plans[1])
    assert "planned_paths" not in clean_document(run.plans, {}, True, "a", roots.home)["targets"][0]
