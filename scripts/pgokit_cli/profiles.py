"""Front-end profiles: raw .profraw files in, one merged .profdata out, plus
its committable text form and a manifest. llvm-profdata does the reading;
these functions decide what is usable and never leave a half-written output."""

import datetime
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_file, staged_output, write_atomically
from pgokit_cli.runner import Runner
from pgokit_cli.toolchain import llvm_tool


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


# The first 8 bytes of each binary format (InstrProfData.inc), little-endian;
# the 8 bytes after them are the format version.
RAW_MAGIC_64 = 0xFF6C70726F667281
RAW_MAGIC_32 = 0xFF6C70726F665281
INDEXED_MAGIC = 0x8169666F72706CFF
# The version field's upper 32 bits are variant flags (IR, CS, ...), not the version.
VERSION_BITS = 0xFFFFFFFF

RETRAIN = "retrain; a profile is written only when the program exits cleanly"
CUT_SHORT = ("the process that wrote it was killed mid-write, or the file was cut short in a copy: "
             "retrain, or delete the file")


@dataclass
class Unusable:
    """Why a profile cannot be used: the file, the reason, and what to do."""

    path: Path
    reason: str
    hint: str
    # Written by another LLVM: refused outright, never skipped (the toolchain is one version).
    foreign: bool = False

    def error(self) -> ProfileError:
        return ProfileError(f"{self.path}: {self.reason}", hint=self.hint)


def profile_format(path: Path) -> tuple[str, int | None]:
    """('raw' | 'indexed' | 'text' | 'unknown', format version) from the file's first bytes."""
    with Path(path).open("rb") as f:
        head = f.read(4096)
    for kind, value in (("raw", RAW_MAGIC_64), ("raw", RAW_MAGIC_32), ("indexed", INDEXED_MAGIC)):
        for order in ("little", "big"):
            as_bytes = value.to_bytes(8, order)
            if 0 < len(head) < 8 and as_bytes.startswith(head):
                return kind, None  # cut short inside the magic
            if head[:8] == as_bytes:
                version = int.from_bytes(head[8:16], order) & VERSION_BITS if len(head) >= 16 else None
                return kind, version
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        return "unknown", None
    return ("text", None) if text and all(c.isprintable() or c.isspace() for c in text) else ("unknown", None)


def diagnose(runner: Runner, profdata: Path, path: Path) -> Unusable | None:
    """None if llvm-profdata can read path (.profraw, .profdata or text), else why not, in our words."""
    path = Path(path)
    if not path.is_file():
        return Unusable(path, "not a file", "check the path")
    if path.stat().st_size == 0:
        return Unusable(path, "empty file", "the program was killed before it could write its profile")
    result = runner.run([profdata, "show", path], check=False)
    if result.returncode == 0:
        return None
    return explain(runner, profdata, path, llvm_complaint(result.stderr or result.stdout, path))


def llvm_complaint(output: str, path: Path) -> str:
    """llvm-profdata's reason about path: from its '<error|warning>: <path>: <reason>'
    line (merge says 'warning' and then 'error: no profile can be merged'),
    else from its first error."""
    lines = output.strip().splitlines()
    about = next((l for l in lines if f": {path}: " in l), None)
    if about:
        return about.split(f": {path}: ", 1)[1]
    line = next((l for l in lines if "error: " in l), lines[0] if lines else "llvm-profdata failed")
    return line.split("error: ", 1)[-1]


def explain(runner: Runner, profdata: Path, path: Path, complaint: str) -> Unusable:
    """Turns llvm-profdata's complaint about path into a reason and a fix."""
    kind, version = profile_format(path)
    mismatch = re.search(r"raw profile format version = (\d+); expected version = (\d+)", complaint)
    if mismatch:
        return Unusable(path, f"made by a different LLVM (raw format version {mismatch[1]}, "
                              f"this toolchain reads {mismatch[2]})",
                        "re-train with this toolchain: build the instrumented program with this clang "
                        "and run it again (pgokit train)", foreign=True)
    if kind == "indexed" and "unsupported instrumentation profile format version" in complaint:
        return Unusable(path, f"made by a different LLVM (indexed format version {version}, "
                              f"this toolchain reads up to {indexed_version(runner, profdata)})",
                        "merge it again with this toolchain's llvm-profdata, or pass its text form "
                        "(llvm-profdata merge --text), which does not depend on the LLVM version",
                        foreign=True)
    if kind in ("raw", "indexed"):
        detail = re.sub(r"^invalid instrumentation profile data \((.*)\)$", r"\1", complaint)
        return Unusable(path, f"truncated or corrupt {kind} profile ({detail})", CUT_SHORT)
    if kind == "text" and path.suffix != ".profraw":
        where = text_error_line(path)
        at = f", at line {where[0]}: {where[1][:80]!r}" if where else ""
        return Unusable(path, f"not a valid text profile: {complaint}{at}",
                        "fix that line, or write the profile again with 'pgokit merge' "
                        "(merge both sides of a conflict with --input OURS --input THEIRS)")
    return Unusable(path, "not an LLVM profile (no raw or indexed profile header, and not text)",
                    "remove it: only files the instrumented program writes (LLVM_PROFILE_FILE) belong here")


def indexed_version(runner: Runner, profdata: Path) -> int | None:
    """The indexed format version llvm-profdata writes (and the newest it reads)."""
    with tempfile.TemporaryDirectory(prefix="pgokit-probe-") as d:
        text, out = Path(d) / "probe.proftext", Path(d) / "probe.profdata"
        text.write_text("probe\n0\n1\n1\n")
        if runner.run([profdata, "merge", "--output", out, text], check=False).returncode != 0:
            return None
        return profile_format(out)[1]


_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)")
_DECIMAL = re.compile(r"[0-9]+")
# getAsInteger(0, ...): 0x hex, 0b binary, 0o or a leading 0 octal, else decimal.
_ANY_BASE = re.compile(r"0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*")
_VALUE_SITE = re.compile(r".+:[0-9]+")
_HEADER_FLAGS = {"ir", "fe", "csir", "entry_first", "not_entry_first", "single_byte_coverage"}


def _as_int(text: str) -> int:
    for prefix, base in (("0x", 16), ("0b", 2), ("0o", 8)):
        if text.lower().startswith(prefix):
            return int(text[2:], base)
    return int(text, 8) if text.startswith("0") and len(text) > 1 else int(text)


def text_error_line(path: Path) -> tuple[int, str] | None:
    """The first line of a text profile that breaks the record layout
    TextInstrProfReader reads, as (line number, line); an unresolved merge
    conflict first of all. None where this walk stops short of LLVM's grammar
    (temporal traces, header flags it does not know)."""
    lines = list(enumerate(Path(path).read_text(errors="replace").split("\n"), 1))
    conflict = next(((n, l) for n, l in lines if _CONFLICT.match(l)), None)
    if conflict:
        return conflict
    # LLVM's line iterator skips empty lines and '#' comments everywhere.
    body = [(n, l) for n, l in lines if l and not l.startswith("#")]
    pos = 0

    def here() -> tuple[int, str]:
        return body[pos] if pos < len(body) else body[-1]

    def take(pattern: re.Pattern, line: str | None = None) -> int | None:
        nonlocal pos
        text = body[pos][1] if pos < len(body) else None
        if line is not None:
            text = line
        if text is None or not pattern.fullmatch(text):
            return None
        value = _as_int(text) if pattern is _ANY_BASE else int(text)
        if value >= 1 << 64:
            return None
        pos += 1
        return value

    while pos < len(body) and body[pos][1].startswith(":"):
        if body[pos][1][1:].lower() not in _HEADER_FLAGS:
            return None
        pos += 1
    while pos < len(body):
        pos += 1  # the function's name
        if take(_ANY_BASE) is None:  # its hash
            return here()
        counters = take(_DECIMAL)
        if not counters:  # missing, or zero
            if counters == 0:
                pos -= 1
            return here()
        for _ in range(counters):
            if take(_DECIMAL) is None:
                return here()
        if pos < len(body) and body[pos][1].startswith("$"):  # MC/DC bitmap bytes
            count = take(_ANY_BASE, body[pos][1][1:].strip())
            if count is None:
                return here()
            for _ in range(count):
                if take(_ANY_BASE) is None:
                    return here()
        # Value profile data follows when the next line is a number (else it is the next name).
        kinds = take(_DECIMAL) if pos < len(body) and _DECIMAL.fullmatch(body[pos][1]) else 0
        for _ in range(kinds):
            if take(_DECIMAL) is None:  # the value kind
                return here()
            sites = take(_DECIMAL)
            if sites is None:
                return here()
            for _ in range(sites):
                values = take(_DECIMAL)
                if values is None:
                    return here()
                for _ in range(values):
                    if pos >= len(body) or not _VALUE_SITE.fullmatch(body[pos][1]):
                        return here()
                    pos += 1
    return None


def merge(runner: Runner, profdata: Path, sources: list[tuple[Path, int, str]], output: Path) -> MergedProfile:
    """Merges (file, weight, origin) sources into output (sparse .profdata).

    A raw profile that cannot be read (one process cut short) is reported and
    skipped. A merged profile given by name that cannot be read, or any profile
    written by another LLVM, fails the merge; so does having nothing usable.
    On failure output is left as it was."""
    usable, skipped, refused = [], [], []
    for path, weight, origin in sources:
        problem = diagnose(runner, profdata, path)
        if problem is None:
            usable.append((path, weight, origin))
        elif problem.foreign or Path(path).suffix != ".profraw":
            refused.append(problem)
        else:
            skipped.append(problem)
    if refused:
        first = refused[0]
        more = f" (and {len(refused) - 1} other input(s))" if len(refused) > 1 else ""
        raise ProfileError(f"{first.path}: {first.reason}{more}", hint=first.hint)
    if not usable:
        detail = "; ".join(f"{p.path.name}: {p.reason}" for p in skipped)
        folders = {p.path.parent for p in skipped}
        where = f" in {folders.pop()}" if len(folders) == 1 else ""
        hints = {p.hint for p in skipped}
        raise ProfileError(f"no usable profile among {len(sources)} input(s){where}: {detail}",
                           hint=hints.pop() if len(hints) == 1 else RETRAIN)
    with staged_output(output) as tmp:
        argv = [profdata, "merge", "--sparse", "--output", tmp]
        argv += [f"--weighted-input={w},{p}" for p, w, _ in usable]
        runner.run(argv)
        stats = read_stats(runner, profdata, tmp)
        if stats.functions == 0:
            raise ProfileError(f"the merged profile has no functions (inputs: {len(usable)})",
                               hint="was the binary built with -fprofile-instr-generate?")
    inputs = [{"file": str(p), "weight": w, "origin": o, "sha256": sha256_file(p)} for p, w, o in usable]
    return MergedProfile(output, sha256_file(output), stats, inputs,
                         [{"file": str(p.path), "reason": p.reason} for p in skipped])


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
    entries = re.findall(r"Function count: (\d+)", text)
    if entries:
        return sum(int(n) for n in entries)
    # IR profiles print no entry-count line: their weight is the sum of every
    # counter, the context-sensitive records (CSPGO) included.
    cs = runner.run([profdata, "show", "--all-functions", "--counts", "--showcs", profile]).stdout
    return sum(int(n) for block in re.findall(r"Block counts: \[([^\]]*)\]", text + cs)
               for n in block.split(",") if n.strip())


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
            complaint = llvm_complaint(result.stderr or result.stdout, text_profile)
            raise explain(runner, profdata, text_profile, complaint).error()


def instrumentation_kind(text_profile: Path) -> str:
    """What a text profile holds, from its header flags: "frontend" (clang's
    AST counters), "ir" (LLVM IR counters) or "ir+cs" (IR with the
    context-sensitive records CSPGO adds)."""
    with text_profile.open(errors="replace") as f:
        flags = set()
        for line in f:
            if line.startswith(":"):
                flags.add(line.strip()[1:].lower())
            elif not line.startswith("#"):
                break
    if "csir" in flags:
        return "ir+cs"
    return "ir" if "ir" in flags else "frontend"


def write_manifest(path: Path, merged: MergedProfile, *, arch: str, target: str, llvm_version: str,
                   scenarios: dict[str, int], source_commit: str, text_profile: Path) -> dict:
    manifest = {
        "target": target,
        "arch": arch,
        "profile_sha256": merged.sha256,
        "text_profile": text_profile.name,
        "text_profile_sha256": sha256_file(text_profile),
        "llvm_version": llvm_version,
        "instrumentation": instrumentation_kind(text_profile),
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


def demangle(llvm_root: Path, names: list[str]) -> list[str]:
    """Readable names, in order. A profile names a file-local function
    'file;symbol': the symbol is what gets demangled."""
    bare = [n.split(";", 1)[-1] for n in names]
    if not bare:
        return []
    proc = subprocess.run([str(llvm_tool(llvm_root, "llvm-cxxfilt"))], input="\n".join(bare) + "\n",
                          capture_output=True, text=True, check=False)
    readable = proc.stdout.splitlines()
    return readable if proc.returncode == 0 and len(readable) == len(bare) else bare


# Namespaces of the C++ standard library and Boost: code a project uses, not code it writes.
# Names that start with "__" are reserved for the implementation (libstdc++'s gthr helpers).
LIBRARY_SCOPES = ("std::", "boost::", "__")


def qualified_name(readable: str) -> str:
    """The function's scope and name from a demangled signature, without the
    return type, template arguments or parameters:
    'char const* boost::json::parser<X>::parse<true>(char const*) const'
    -> 'boost::json::parser::parse'; 'Text.cpp:f(int)' -> 'f'."""
    # A file-local function is keyed 'file:name' (front-end) or 'file;name' (IR).
    text = re.sub(r"^[^\s:;]+[:;](?!:)", "", readable).replace("(anonymous namespace)", "{anonymous}")
    while True:
        shorter = re.sub(r"<[^<>]*>", "", text)
        if shorter == text:
            break
        text = shorter
    head = text.split("(", 1)[0].strip()
    return head.split()[-1] if head else readable


def is_library(readable: str) -> bool:
    """Whether a demangled function belongs to the standard library or Boost."""
    return qualified_name(readable).startswith(LIBRARY_SCOPES)


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
