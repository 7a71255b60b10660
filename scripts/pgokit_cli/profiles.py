"""Front-end profiles: raw .profraw files in, one merged .profdata out, plus
its committable text form and a manifest. llvm-profdata does the reading;
these functions decide what is usable and never leave a half-written output."""

import datetime
import json
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import promote, sha256_file, write_atomically
from pgokit_cli.runner import Runner


class ProfileError(PgokitError):
    """A profile that cannot be used, named with the reason."""


@dataclass
class RawProfiles:
    """The raw profiles one training run wrote."""

    directory: Path
    files: list[Path]
    scenario: str

    @classmethod
    def collect(cls, directory: Path, scenario: str) -> "RawProfiles":
        files = sorted(p for p in directory.glob("*.profraw") if p.is_file())
        if not files:
            raise ProfileError(
                f"no .profraw files in {directory}",
                hint="did the training run? an instrumented program writes its profile when it exits",
            )
        empty = [p.name for p in files if p.stat().st_size == 0]
        if len(empty) == len(files):
            raise ProfileError(f"every .profraw file in {directory} is empty: {', '.join(empty)}",
                               hint="the program was killed before it could write its profile")
        return cls(directory, files, scenario)


@dataclass
class ProfileStats:
    functions: int
    total_count: int
    max_count: int
    top: list[dict] = field(default_factory=list)


@dataclass
class MergedProfile:
    """A merged .profdata and what went into it."""

    path: Path
    sha256: str
    stats: ProfileStats
    inputs: list[dict]
    skipped: list[dict]


def check_raw(runner: Runner, profdata: Path, raw: Path) -> str | None:
    """None if llvm-profdata can read raw, else its complaint."""
    if raw.stat().st_size == 0:
        return "empty file"
    result = runner.run([profdata, "show", raw], check=False)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        return reason[-1] if reason else f"llvm-profdata exit {result.returncode}"
    return None


def merge(runner: Runner, profdata: Path, sources: list[tuple[Path, int, str]], output: Path) -> MergedProfile:
    """Merges (file, weight, origin) sources into output (sparse .profdata).

    Unreadable files are reported and skipped; if none is readable, fails and
    output is left as it was."""
    usable, skipped = [], []
    for path, weight, origin in sources:
        problem = check_raw(runner, profdata, path) if path.suffix == ".profraw" else None
        if problem:
            skipped.append({"file": str(path), "reason": problem})
        else:
            usable.append((path, weight, origin))
    if not usable:
        detail = "; ".join(f"{Path(s['file']).name}: {s['reason']}" for s in skipped)
        raise ProfileError(f"no usable profile among {len(sources)} input(s): {detail}",
                           hint="retrain; a profile is written only when the program exits cleanly")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        argv = [profdata, "merge", "--sparse", "--output", tmp_path]
        argv += [f"--weighted-input={w},{p}" for p, w, _ in usable]
        runner.run(argv)
        stats = read_stats(runner, profdata, tmp_path)
        if stats.functions == 0:
            raise ProfileError(f"the merged profile has no functions (inputs: {len(usable)})",
                               hint="was the binary built with -fprofile-instr-generate?")
        promote(tmp_path, output)
    finally:
        tmp_path.unlink(missing_ok=True)
    inputs = [{"file": str(p), "weight": w, "origin": o, "sha256": sha256_file(p)} for p, w, o in usable]
    return MergedProfile(output, sha256_file(output), stats, inputs, skipped)


def read_stats(runner: Runner, profdata: Path, profile: Path, top: int = 20) -> ProfileStats:
    """Function count, total/max counts and the hottest functions."""
    text = runner.run([profdata, "show", f"--topn={top}", profile]).stdout
    functions = _int(r"Total functions: (\d+)", text)
    max_count = _int(r"Maximum function count: (\d+)", text)
    hot = []
    # "  <mangled name>, max count = <n>" lines under "Top N functions ...".
    for m in re.finditer(r"^\s+(\S+), max count = (\d+)$", text, re.M):
        hot.append({"function": m.group(1), "max_count": int(m.group(2))})
    total = _total_count(runner, profdata, profile)
    return ProfileStats(functions, total, max_count, hot)


def _total_count(runner: Runner, profdata: Path, profile: Path) -> int:
    """Sum of every function's entry count (the profile's weight)."""
    text = runner.run([profdata, "show", "--all-functions", "--counts", profile]).stdout
    return sum(int(n) for n in re.findall(r"Function count: (\d+)", text))


def _int(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    return int(m.group(1)) if m else 0


def to_text(runner: Runner, profdata: Path, profile: Path, output: Path) -> None:
    """The committable text form (diffable, independent of the binary format version)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        runner.run([profdata, "merge", "--text", "--output", tmp_path, profile])
        promote(tmp_path, output)
    finally:
        tmp_path.unlink(missing_ok=True)


def from_text(runner: Runner, profdata: Path, text_profile: Path, output: Path) -> None:
    """Back to the binary form the compiler reads."""
    if not text_profile.is_file():
        raise ProfileError(f"profile not found: {text_profile}", hint="run the pipeline's merge stage")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        result = runner.run([profdata, "merge", "--sparse", "--output", tmp_path, text_profile], check=False)
        if result.returncode != 0:
            raise ProfileError(f"{text_profile} is not a valid text profile: "
                               + (result.stderr.strip().splitlines() or ["unreadable"])[-1])
        promote(tmp_path, output)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_manifest(path: Path, merged: MergedProfile, *, arch: str, target: str, llvm_version: str,
                   scenarios: dict[str, int], source_commit: str, text_profile: Path) -> dict:
    manifest = {
        "target": target,
        "arch": arch,
        "profile_sha256": merged.sha256,
        "text_profile": text_profile.name,
        "text_profile_sha256": sha256_file(text_profile),
        "llvm_version": llvm_version,
        "instrumentation": "frontend",
        "scenarios": [{"name": n, "weight": w} for n, w in scenarios.items()],
        "source_commit": source_commit,
        "functions": merged.stats.functions,
        "total_count": merged.stats.total_count,
        "max_function_count": merged.stats.max_count,
        "raw_inputs": len(merged.inputs),
        "skipped_inputs": merged.skipped,
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
    }
    write_atomically(path, json.dumps(manifest, indent=2) + "\n")
    return manifest
