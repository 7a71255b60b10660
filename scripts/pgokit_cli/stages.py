"""Content-addressed stages: a stage whose inputs did not change is not redone.

Each stage's record lives in <work>/stages/<name>.json with the key of its
inputs and the sha256 of its outputs; a record counts only while its outputs
still exist unchanged."""

import hashlib
import json
import subprocess
from pathlib import Path

from pgokit_cli.fileutil import sha256_file, write_atomically


def fingerprint(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def tree_digest(root: Path, paths: list[str], exclude: tuple[str, ...] = ()) -> str:
    """sha256 over the content of the tracked files under paths (working tree),
    leaving out files under the exclude prefixes (relative to root)."""
    try:
        listed = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard", "--", *paths],
                                capture_output=True, text=True, check=True).stdout.split("\n")
        files = sorted(f for f in listed if f)
    except (OSError, subprocess.CalledProcessError):
        files = sorted(str(p.relative_to(root)) for base in paths for p in (root / base).rglob("*")
                       if p.is_file() and ".git" not in p.relative_to(root).parts)
    prefixes = tuple(e.rstrip("/") + "/" for e in exclude)
    digest = hashlib.sha256()
    for rel in files:
        path = root / rel
        if path.is_file() and not (rel + "/").startswith(prefixes):
            digest.update(rel.encode() + b"\0" + sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def source_commit(root: Path) -> str:
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class StageCache:
    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, stage: str) -> Path:
        return self.directory / f"{stage}.json"

    def lookup(self, stage: str, key: str) -> dict | None:
        """The stage's record if its key matches and its outputs are intact."""
        try:
            record = json.loads(self._path(stage).read_text())
        except (OSError, ValueError):
            return None
        if record.get("key") != key:
            return None
        for path, digest in record.get("outputs", {}).items():
            p = Path(path)
            if not p.exists() or (p.is_file() and sha256_file(p) != digest):
                return None
        return record

    def store(self, stage: str, key: str, outputs: list[Path], details: dict) -> dict:
        record = {
            "stage": stage,
            "key": key,
            "outputs": {str(p): (sha256_file(p) if p.is_file() else "dir") for p in outputs},
            **details,
        }
        write_atomically(self._path(stage), json.dumps(record, indent=2, default=str) + "\n")
        return record

    def forget(self, stage: str) -> None:
        self._path(stage).unlink(missing_ok=True)
