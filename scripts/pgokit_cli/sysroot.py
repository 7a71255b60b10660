"""The arm64 sysroot: Debian arm64 packages unpacked into a folder, pinned by
a lock file (name, version, sha256) that is its provenance and cache key."""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from pgokit_cli.apt import Apt, deb_filename
from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_file, write_atomically
from pgokit_cli.runner import Runner

STAMP = ".pgokit-sysroot.json"


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    sha256: str


@dataclass
class Lock:
    """What the sysroot is made of; written to and read from JSON."""

    architecture: str
    packages: list[LockedPackage]

    @classmethod
    def load(cls, path: Path, architecture: str) -> "Lock":
        if not path.exists():
            return cls(architecture, [])
        try:
            data = json.loads(path.read_text())
            packages = [LockedPackage(p["name"], p["version"], p["sha256"]) for p in data["packages"]]
            arch = data["architecture"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PgokitError(
                f"{path} is not a valid sysroot lock ({exc})",
                hint="restore it from git, or delete it to have 'make setup' write a new one",
            ) from exc
        if arch != architecture:
            raise PgokitError(f"{path} locks architecture {arch}, expected {architecture}")
        return cls(arch, packages)

    def by_name(self) -> dict[str, LockedPackage]:
        return {p.name: p for p in self.packages}

    def digest(self) -> str:
        """Cache key: changes whenever any package, version or hash changes."""
        canon = json.dumps(self.to_json(), sort_keys=True).encode()
        return hashlib.sha256(canon).hexdigest()

    def to_json(self) -> dict:
        return {
            "architecture": self.architecture,
            "packages": [asdict(p) for p in sorted(self.packages, key=lambda p: p.name)],
        }

    def save(self, path: Path) -> None:
        text = json.dumps(
            {"comment": "Written by `pgokit setup`; the arm64 sysroot's provenance.", **self.to_json()},
            indent=2,
        )
        write_atomically(path, text + "\n")


@dataclass(frozen=True)
class Move:
    """A package whose version in the archive differs from the lock."""

    name: str
    locked: str | None
    available: str | None

    def describe(self) -> str:
        return f"{self.name}: {self.locked or '(not locked)'} -> {self.available or '(gone)'}"


def compare(wanted: list[str], lock: Lock, candidates: dict[str, str | None]) -> list[Move]:
    """Packages whose available version is not the locked one (or unlocked, or dropped)."""
    locked = lock.by_name()
    moves = []
    for name in wanted:
        have = locked.get(name)
        if have is None or have.version != candidates.get(name):
            moves.append(Move(name, have.version if have else None, candidates.get(name)))
    for name in locked:
        if name not in wanted:
            moves.append(Move(name, locked[name].version, None))
    return moves


def relink_absolute_symlinks(root: Path) -> int:
    """Packages hold absolute symlinks (/lib/...) meant for a real root; point
    them inside root instead. Returns how many were rewritten."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            link = Path(dirpath) / name
            if not link.is_symlink():
                continue
            target = os.readlink(link)
            if not target.startswith("/"):
                continue
            inside = root / target.lstrip("/")
            link.unlink()
            link.symlink_to(os.path.relpath(inside, link.parent))
            count += 1
    return count


def link_clang_headers(root: Path, llvm_root: Path) -> None:
    """clang's resource dir in the sysroot holds the arm64 runtimes; give it the
    host clang's builtin headers so it can serve as -resource-dir."""
    for resource in root.glob("usr/lib/llvm-*/lib/clang/*"):
        host_include = llvm_root / "lib" / "clang" / resource.name / "include"
        if not host_include.is_dir():
            raise PgokitError(
                f"no clang headers at {host_include} for the sysroot's runtimes "
                f"(clang {resource.name})",
                hint="install the clang that matches libclang-rt in the sysroot (make setup)",
            )
        include = resource / "include"
        # The runtime package ships include/sanitizer etc.; add the builtin
        # headers (stddef.h, arm_neon.h, ...) next to them.
        include.mkdir(exist_ok=True)
        for entry in host_include.iterdir():
            if not (include / entry.name).exists():
                (include / entry.name).symlink_to(entry)


@dataclass
class SysrootStatus:
    path: Path
    lock_digest: str | None

    @classmethod
    def read(cls, path: Path) -> "SysrootStatus":
        try:
            data = json.loads((path / STAMP).read_text())
            return cls(path, data.get("lock_digest"))
        except (OSError, ValueError):
            return cls(path, None)


class SysrootBuilder:
    """Resolves, downloads, verifies and unpacks the sysroot packages."""

    def __init__(self, apt: Apt, runner: Runner, console: Console, *, arch: str,
                 package_list: Path, lock_path: Path, dest: Path, deb_cache: Path,
                 llvm_root: Path):
        self.apt = apt
        self.runner = runner
        self.console = console
        self.arch = arch
        self.package_list = package_list
        self.lock_path = lock_path
        self.dest = dest
        self.deb_cache = deb_cache
        self.llvm_root = llvm_root

    def ensure(self, wanted: list[str], *, frozen: bool) -> dict:
        """Makes dest match the lock (updated to the archive unless frozen)."""
        lock = Lock.load(self.lock_path, self.arch)
        self.apt.add_architecture(self.arch)
        candidates = self.apt.candidates(wanted, self.arch)
        if any(v is None for v in candidates.values()):
            self.console.info("refreshing package lists (some arm64 packages are unknown)")
            self.apt.update()
            candidates = self.apt.candidates(wanted, self.arch)
        unknown = [n for n, v in candidates.items() if v is None]
        if unknown:
            raise PgokitError(
                f"no {self.arch} version available for: {', '.join(unknown)} "
                f"(listed in {self.package_list})",
                hint=f"check the names, and that 'dpkg --print-foreign-architectures' lists {self.arch}",
            )

        moves = compare(wanted, lock, candidates)
        if moves and frozen:
            raise PgokitError(
                f"--frozen: {len(moves)} sysroot package(s) differ from {self.lock_path.name}: "
                + "; ".join(m.describe() for m in moves),
                hint="run 'make setup' without --frozen to update the lock, review and commit it",
            )
        for move in moves:
            self.console.info(f"sysroot package moved: {move.describe()}")

        current = SysrootStatus.read(self.dest)
        if not moves and current.lock_digest == lock.digest():
            self.console.ok(f"arm64 sysroot up to date ({self.dest})")
            return {"sysroot": str(self.dest), "changed": False, "moved": []}

        locked = lock.by_name()
        resolved = []
        for name in wanted:
            version = candidates[name]
            deb = self._fetch(name, version)
            sha = sha256_file(deb)
            pinned = locked.get(name)
            if pinned and pinned.version == version and pinned.sha256 != sha:
                raise PgokitError(
                    f"{deb.name}: sha256 {sha} does not match the lock ({pinned.sha256})",
                    hint=f"delete {deb} and rerun; if it persists, the archive copy changed: investigate",
                )
            resolved.append((LockedPackage(name, version, sha), deb))

        new_lock = Lock(self.arch, [p for p, _ in resolved])
        self._unpack([deb for _, deb in resolved], new_lock)
        if new_lock.to_json() != lock.to_json():
            new_lock.save(self.lock_path)
            self.console.info(f"updated {self.lock_path}")
        return {"sysroot": str(self.dest), "changed": True, "moved": [m.describe() for m in moves]}

    def _fetch(self, name: str, version: str) -> Path:
        cached = self.deb_cache / deb_filename(name, version, self.arch)
        if cached.exists():
            return cached
        self.console.detail(f"downloading {name}:{self.arch}={version}")
        return self.apt.download(name, self.arch, version, self.deb_cache)

    def _unpack(self, debs: list[Path], lock: Lock) -> None:
        """Unpacks into a staging folder, then swaps it in: a failed run leaves
        the previous sysroot (or none), never a partial one."""
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.dest.parent, prefix=f".{self.dest.name}.staging-"))
        try:
            with self.console.section(f"unpacking {len(debs)} packages into {self.dest}"):
                for deb in debs:
                    self.runner.run(["dpkg-deb", "-x", deb, staging])
                relinked = relink_absolute_symlinks(staging)
                self.console.detail(f"re-pointed {relinked} absolute symlinks inside the sysroot")
                link_clang_headers(staging, self.llvm_root)
                stamp = {"lock_digest": lock.digest(), **lock.to_json()}
                (staging / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
            old = None
            if self.dest.exists():
                old = self.dest.with_name(f".{self.dest.name}.old-{os.getpid()}")
                os.rename(self.dest, old)
            os.rename(staging, self.dest)
            if old:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.console.ok(f"arm64 sysroot ready ({self.dest})")
