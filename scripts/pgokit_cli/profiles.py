"""Front-end profiles: raw .profraw files in, one merged .profdata out, plus
its committable text form and a manifest. llvm-profdata does the reading;
these functions decide what is usable and never leave a half-written output."""

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_file, staged_output, write_atomically
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


def check_input(runner: Runner, profdata: Path, path: Path) -> str | None:
    """None if llvm-profdata can read path (.profraw, .profdata or text), else its complaint."""
    if not path.is_file():
        return "not a file"
    if path.stat().st_size == 0:
        return "empty file"
    result = runner.run([profdata, "show", path], check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        if not lines:
            return f"llvm-profdata exit {result.returncode}"
        # "llvm-profdata: error: <path>: <reason>" -> "<reason>"
        return lines[-1].split(f"{path}: ")[-1].removeprefix("error: ")
    return None


def merge(runner: Runner, profdata: Path, sources: list[tuple[Path, int, str]], output: Path) -> MergedProfile:
    """Merges (file, weight, origin) sources into output (sparse .profdata).

    Unreadable files are reported and skipped; if none is readable, fails and
    output is left as it was."""
    usable, skipped = [], []
    for path, weight, origin in sources:
        problem = check_input(runner, profdata, path)
        if problem:
            skipped.append({"file": str(path), "reason": problem})
        else:
            usable.append((path, weight, origin))
    if not usable:
        detail = "; ".join(f"{Path(s['file']).name}: {s['reason']}" for s in skipped)
        raise ProfileError(f"no usable profile among {len(sources)} input(s): {detail}",
                           hint="retrain; a profile is written only when the program exits cleanly")
    with staged_output(output) as tmp:
        argv = [profdata, "merge", "--sparse", "--output", tmp]
        argv += [f"--weighted-input={w},{p}" for p, w, _ in usable]
        runner.run(argv)
        stats = read_stats(runner, profdata, tmp)
        if stats.functions == 0:
            raise ProfileError(f"the merged profile has no functions (inputs: {len(usable)})",
                               hint="was the binary built with -fprofile-instr-generate?")
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
    with staged_output(output) as tmp:
        runner.run([profdata, "merge", "--text", "--output", tmp, profile])


def from_text(runner: Runner, profdata: Path, text_profile: Path, output: Path) -> None:
    """Back to the binary form the compiler reads."""
    if not text_profile.is_file():
        raise ProfileError(f"profile not found: {text_profile}", hint="run the pipeline's merge stage")
    with staged_output(output) as tmp:
        result = runner.run([profdata, "merge", "--sparse", "--output", tmp, text_profile], check=False)
        if result.returncode != 0:
            raise ProfileError(f"{text_profile} is not a valid text profile: "
                               + (result.stderr.strip().splitlines() or ["unreadable"])[-1])


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


def function_weights(runner: Runner, profdata: Path, profile: Path) -> dict[str, int]:
    """Each function's weight: the sum of its counters (entry and blocks)."""
    text = runner.run([profdata, "show", "--all-functions", "--counts", profile]).stdout
    weights: dict[str, int] = {}
    name = None
    for line in text.splitlines():
        header = re.match(r"^  (\S.*):$", line)
        if header:
            name = header.group(1)
            weights[name] = 0
            continue
        if name is None:
            continue
        entry = re.match(r"^\s+Function count: (\d+)", line)
        if entry:
            weights[name] += int(entry.group(1))
        blocks = re.match(r"^\s+Block counts: \[(.*)\]", line)
        if blocks and blocks.group(1).strip():
            weights[name] += sum(int(n) for n in blocks.group(1).split(","))
    return weights


def overlap(runner: Runner, profdata: Path, old: Path, new: Path) -> float:
    """llvm-profdata overlap's program-level edge similarity, in percent."""
    text = runner.run([profdata, "overlap", old, new]).stdout
    m = re.search(r"Edge profile overlap: ([\d.]+)%", text)
    if not m:
        raise ProfileError(f"llvm-profdata overlap printed no similarity for {old} and {new}")
    return float(m.group(1))


def share_changes(old: dict[str, int], new: dict[str, int], top: int = 15) -> list[dict]:
    """Functions whose share of the profile's total weight moved most."""
    old_total = sum(old.values()) or 1
    new_total = sum(new.values()) or 1
    rows = []
    for name in set(old) | set(new):
        before = old.get(name, 0) * 100 / old_total
        after = new.get(name, 0) * 100 / new_total
        rows.append({"function": name, "old_percent": round(before, 3), "new_percent": round(after, 3),
                     "change": round(after - before, 3)})
    rows.sort(key=lambda r: abs(r["change"]), reverse=True)
    return rows[:top]


def publish(runner: Runner, profdata: Path, sources: list[tuple[Path, int, str]], *, work_profdata: Path,
            text_profile: Path, manifest_path: Path, arch: str, target: str, llvm_version: str,
            scenarios: dict[str, int], commit: str) -> dict:
    """Merge sources, then write the committable text profile and its manifest."""
    merged = merge(runner, profdata, sources, work_profdata)
    to_text(runner, profdata, merged.path, text_profile)
    return write_manifest(manifest_path, merged, arch=arch, target=target, llvm_version=llvm_version,
                          scenarios=scenarios, source_commit=commit, text_profile=text_profile)
