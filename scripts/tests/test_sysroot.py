"""The sysroot builder against a fake archive of real .deb files."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from pgokit_cli.apt import deb_filename
from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError
from pgokit_cli.runner import Runner
from pgokit_cli.sysroot import (
    STAMP,
    Lock,
    LockedPackage,
    SysrootBuilder,
    SysrootStatus,
    compare,
    relink_absolute_symlinks,
)


def make_deb(out_dir: Path, name: str, version: str, files: dict[str, str], links=None) -> Path:
    root = out_dir / f"src-{name}-{version}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: arm64\n"
        "Maintainer: t <t@example.org>\nDescription: test\n"
    )
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for rel, target in (links or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)
    deb = out_dir / deb_filename(name, version, "arm64")
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb


class FakeApt:
    """An archive that holds exactly the debs it was given."""

    def __init__(self, archive: Path):
        self.archive = archive
        self.versions: dict[str, str] = {}
        self.downloads: list[str] = []

    def publish(self, name, version, files, links=None):
        make_deb(self.archive, name, version, files, links)
        self.versions[name] = version

    def add_architecture(self, arch):
        pass

    def update(self):
        pass

    def candidates(self, names, arch):
        return {n: self.versions.get(n) for n in names}

    def download(self, name, arch, version, dest):
        dest.mkdir(parents=True, exist_ok=True)
        src = self.archive / deb_filename(name, version, arch)
        target = dest / src.name
        target.write_bytes(src.read_bytes())
        self.downloads.append(f"{name}={version}")
        return target


@pytest.fixture
def world(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    apt = FakeApt(archive)
    apt.publish("libc6", "2.36-1", {"lib/aarch64-linux-gnu/libc.so.6": "elf"},
                links={"usr/lib/aarch64-linux-gnu/libc.so.6": "/lib/aarch64-linux-gnu/libc.so.6"})
    apt.publish("libclang-rt-19-dev", "1:19.1.7-1",
                {"usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.profile-aarch64.a": "ar",
                 "usr/lib/llvm-19/lib/clang/19/include/sanitizer/asan_interface.h": "h"})
    llvm = tmp_path / "llvm"
    (llvm / "lib/clang/19/include/sanitizer").mkdir(parents=True)
    (llvm / "lib/clang/19/include/stddef.h").write_text("/* host */")
    console = Console(quiet=True)
    builder = SysrootBuilder(
        apt, Runner(console), console, arch="arm64",
        package_list=tmp_path / "list.packages", lock_path=tmp_path / "lock.json",
        dest=tmp_path / "sysroot", deb_cache=tmp_path / "debs", llvm_root=llvm,
    )
    return apt, builder


WANTED = ["libc6", "libclang-rt-19-dev"]


def test_first_run_unpacks_and_writes_lock(world):
    apt, builder = world
    result = builder.ensure(WANTED, frozen=False)
    assert result["changed"]
    root = builder.dest
    assert (root / "lib/aarch64-linux-gnu/libc.so.6").read_text() == "elf"
    lock = json.loads(builder.lock_path.read_text())
    assert [p["name"] for p in lock["packages"]] == sorted(WANTED)
    assert all(len(p["sha256"]) == 64 for p in lock["packages"])
    assert SysrootStatus.read(root).lock_digest == Lock.load(builder.lock_path, "arm64").digest()


def test_absolute_symlinks_point_inside_the_sysroot(world):
    _, builder = world
    builder.ensure(WANTED, frozen=False)
    link = builder.dest / "usr/lib/aarch64-linux-gnu/libc.so.6"
    assert not os.readlink(link).startswith("/")
    assert link.resolve() == (builder.dest / "lib/aarch64-linux-gnu/libc.so.6").resolve()


def test_resource_dir_gets_host_builtin_headers(world):
    _, builder = world
    builder.ensure(WANTED, frozen=False)
    include = builder.dest / "usr/lib/llvm-19/lib/clang/19/include"
    assert (include / "stddef.h").read_text() == "/* host */"
    assert (include / "sanitizer/asan_interface.h").read_text() == "h"


def test_second_run_is_up_to_date_and_downloads_nothing(world):
    apt, builder = world
    builder.ensure(WANTED, frozen=False)
    apt.downloads.clear()
    result = builder.ensure(WANTED, frozen=True)
    assert not result["changed"]
    assert apt.downloads == []


def test_newer_archive_version_is_used_and_written_to_lock(world):
    apt, builder = world
    builder.ensure(WANTED, frozen=False)
    apt.publish("libc6", "2.36-2", {"lib/aarch64-linux-gnu/libc.so.6": "elf2"})
    result = builder.ensure(WANTED, frozen=False)
    assert result["moved"] == ["libc6: 2.36-1 -> 2.36-2"]
    assert Lock.load(builder.lock_path, "arm64").by_name()["libc6"].version == "2.36-2"
    assert (builder.dest / "lib/aarch64-linux-gnu/libc.so.6").read_text() == "elf2"


def test_frozen_fails_naming_each_moved_package(world):
    apt, builder = world
    builder.ensure(WANTED, frozen=False)
    before = builder.lock_path.read_text()
    apt.publish("libc6", "2.36-2", {"lib/aarch64-linux-gnu/libc.so.6": "elf2"})
    with pytest.raises(PgokitError, match=r"--frozen: 1 sysroot package\(s\).*libc6: 2.36-1 -> 2.36-2"):
        builder.ensure(WANTED, frozen=True)
    assert builder.lock_path.read_text() == before
    assert (builder.dest / "lib/aarch64-linux-gnu/libc.so.6").read_text() == "elf"


def test_tampered_download_is_refused_and_old_sysroot_kept(world):
    apt, builder = world
    builder.ensure(WANTED, frozen=False)
    (builder.dest / STAMP).unlink()  # force a rebuild from the cache
    cached = builder.deb_cache / deb_filename("libc6", "2.36-1", "arm64")
    cached.write_bytes(cached.read_bytes() + b"x")
    with pytest.raises(PgokitError, match="does not match the lock"):
        builder.ensure(WANTED, frozen=False)
    assert (builder.dest / "lib/aarch64-linux-gnu/libc.so.6").exists()


def test_failed_unpack_leaves_no_partial_sysroot(world, tmp_path):
    apt, builder = world
    bad = builder.deb_cache / deb_filename("libc6", "2.36-1", "arm64")
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a deb")
    with pytest.raises(PgokitError):
        builder.ensure(WANTED, frozen=False)
    assert not builder.dest.exists()
    assert not any(p.name.startswith(".sysroot.staging") for p in tmp_path.iterdir())
    assert not builder.lock_path.exists()


def test_unknown_package_is_named(world):
    _, builder = world
    with pytest.raises(PgokitError, match="no arm64 version available for: libnope"):
        builder.ensure(WANTED + ["libnope"], frozen=False)


def test_corrupt_lock_says_how_to_recover(tmp_path):
    path = tmp_path / "lock.json"
    path.write_text("{not json")
    with pytest.raises(PgokitError, match="not a valid sysroot lock") as err:
        Lock.load(path, "arm64")
    assert "restore it from git" in err.value.format_message()


def test_compare_reports_new_moved_and_dropped():
    lock = Lock("arm64", [LockedPackage("a", "1", "x"), LockedPackage("gone", "1", "y")])
    moves = compare(["a", "b"], lock, {"a": "2", "b": "1"})
    assert [m.describe() for m in moves] == [
        "a: 1 -> 2", "b: (not locked) -> 1", "gone: 1 -> (gone)"]


def test_relink_leaves_relative_links_alone(tmp_path):
    (tmp_path / "a").write_text("x")
    os.symlink("a", tmp_path / "rel")
    assert relink_absolute_symlinks(tmp_path) == 0
    assert os.readlink(tmp_path / "rel") == "a"
