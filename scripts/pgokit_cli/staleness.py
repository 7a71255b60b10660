"""How much of a profile still fits the source it is applied to.

Clang matches a function's counts to its code by name and by a hash of its
control flow (front-end PGO: the statements that branch; IR PGO: the CFG).
A function whose hash changed since training gets none of its counts: it is
stale. The current source's names and hashes are read from its instrumented
build, which carries one record per function:

- __llvm_prf_data: per function NameRef (MD5 of the PGO function name, the
  low 64 bits as a little-endian word) and FuncHash, then pointers and
  counts (InstrProfData.inc, INSTR_PROF_DATA);
- __llvm_prf_names: the PGO function names, in blobs of ULEB128 uncompressed
  size, ULEB128 compressed size (0: stored as is), zlib data, the names
  joined by \\x01, zero padding between blobs (readPGOFuncNameStrings).

llvm-objcopy cuts the two sections out; llvm-profdata reads the profile.
Each profile record is then matching (same name, same hash and counter
count), stale (same name, other hash) or removed (no such function any more),
and the build's functions the profile does not name have no data."""

import hashlib
import math
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli import evidence, profiles
from pgokit_cli.errors import PgokitError
from pgokit_cli.runner import Runner

# One __llvm_prf_data record on a 64-bit target in LLVM 19: NameRef, FuncHash,
# CounterPtr, BitmapPtr, FunctionPointer, Values (8 bytes each), NumCounters
# (4), NumValueSites[IPVK_Last + 1] (3 value kinds x 2), NumBitmapBytes (4),
# padded to the struct's 8-byte alignment.
RECORD = struct.Struct("<QQQQQQI3HI")
RECORD_SIZE = math.ceil(RECORD.size / 8) * 8
# ELF e_machine for each arch.
ELF_MACHINE = {"x86_64": 62, "arm64": 183}
ET_REL = 1
# The most of a profile's count that may be on stale functions, in percent:
# a few percent is normal drift between trainings.
DEFAULT_MAX_STALE = 10


class ProfileStale(PgokitError):
    """More of the profile's count lands on stale functions than allowed."""

    # Distinct from 1 (a failure) so that CI can tell "retrain" from "broken".
    exit_code = 4


@dataclass
class FunctionRecord:
    """One function's profile record: its PGO name, hash, counters and weight (sum of counters)."""

    name: str
    hash: int
    counters: int
    weight: int = 0


@dataclass
class Staleness:
    """The profile's records sorted by how they fit the build."""

    profile: Path
    binary: Path
    matching: list[FunctionRecord] = field(default_factory=list)
    stale: list[FunctionRecord] = field(default_factory=list)
    removed: list[FunctionRecord] = field(default_factory=list)
    # The build's functions the profile has no record of (PGO names).
    without_data: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.weight for r in (*self.matching, *self.stale, *self.removed))

    def percent(self, records: list[FunctionRecord]) -> float:
        return sum(r.weight for r in records) * 100 / self.total if self.total else 0.0

    @property
    def stale_percent(self) -> float:
        return self.percent(self.stale)

    @property
    def removed_percent(self) -> float:
        return self.percent(self.removed)

    def passes(self, max_stale: float) -> bool:
        """At most max_stale percent of the profile's count is on stale functions."""
        return self.stale_percent <= max_stale

    def offenders(self, top: int) -> list[dict]:
        """The heaviest stale functions (what the gate counts), then the heaviest removed ones."""
        rows = [(r, status) for status, records in (("stale", self.stale), ("removed", self.removed))
                for r in sorted(records, key=lambda r: (-r.weight, r.name))]
        total = self.total or 1
        return [{"name": r.name, "status": status, "weight": r.weight,
                 "percent": round(r.weight * 100 / total, 3)} for r, status in rows[:top]]

    def summary(self) -> str:
        return (f"{len(self.matching)} matching, {len(self.stale)} stale = {self.stale_percent:.2f}% of the "
                f"profile's count, {len(self.removed)} removed = {self.removed_percent:.2f}%, "
                f"{len(self.without_data)} functions without data (new, or never run in training: "
                f"built without a profile)")

    def figures(self, top: int = 15) -> dict:
        """What the pipeline records and `profile check --json` prints (without the names)."""
        return {
            "profile": str(self.profile),
            "binary": str(self.binary),
            "total_count": self.total,
            "matching": {"functions": len(self.matching), "count": sum(r.weight for r in self.matching)},
            "stale": {"functions": len(self.stale), "count": sum(r.weight for r in self.stale),
                      "percent": round(self.stale_percent, 3)},
            "removed": {"functions": len(self.removed), "count": sum(r.weight for r in self.removed),
                        "percent": round(self.removed_percent, 3)},
            "without_data": {"functions": len(self.without_data)},
            "offenders": self.offenders(top),
        }


def name_ref(name: str) -> int:
    """The NameRef the compiler stores for a PGO function name: llvm::MD5Hash."""
    return int.from_bytes(hashlib.md5(name.encode()).digest()[:8], "little")


def _uleb128(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("a ULEB128 number runs past the end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def decode_names(data: bytes) -> list[str]:
    """The names in a __llvm_prf_names section."""
    names, pos = [], 0
    while pos < len(data):
        size, pos = _uleb128(data, pos)
        compressed, pos = _uleb128(data, pos)
        if compressed:
            blob = zlib.decompress(data[pos:pos + compressed])
            pos += compressed
        else:
            blob = data[pos:pos + size]
            pos += size
        if len(blob) != size:
            raise ValueError(f"a name blob holds {len(blob)} bytes, its header says {size}")
        names += blob.decode("utf-8", "replace").split("\x01")
        while pos < len(data) and data[pos] == 0:
            pos += 1
    return names


def _sections(runner: Runner, llvm_root: Path, binary: Path, names: list[str]) -> dict[str, bytes]:
    """The named sections' bytes, cut out by llvm-objcopy (a missing one is absent from the result)."""
    present = evidence.section_names(runner, llvm_root, binary)
    wanted = [n for n in names if n in present]
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory(prefix="pgokit-sections-") as d:
        argv = [llvm_root / "bin" / "llvm-objcopy"]
        argv += [f"--dump-section={n}={Path(d) / n}" for n in wanted]
        # llvm-objcopy always writes an output file: a copy nobody reads.
        runner.run([*argv, binary, Path(d) / "copy"])
        return {n: (Path(d) / n).read_bytes() for n in wanted}


def elf_header(binary: Path) -> tuple[int, int, int]:
    """(ELF class: 1 for 32-bit, 2 for 64-bit; e_type; e_machine), or ValueError if not ELF."""
    with Path(binary).open("rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    order = "little" if head[5] == 1 else "big"
    return head[4], int.from_bytes(head[16:18], order), int.from_bytes(head[18:20], order)


def read_build(runner: Runner, llvm_root: Path, binary: Path,
               arch: str | None = None) -> tuple[dict[int, set[tuple[int, int]]], dict[int, str]]:
    """What an instrumented build holds: NameRef -> {(FuncHash, NumCounters)}, and NameRef -> PGO name."""
    binary = Path(binary)
    try:
        elf_class, elf_type, machine = elf_header(binary)
    except (OSError, ValueError) as exc:
        raise PgokitError(f"cannot read {binary}: {exc}") from exc
    if elf_type == ET_REL:
        # An object keeps one __llvm_prf_data section per function group; only the link merges them.
        raise PgokitError(f"{binary} is an object file; the check reads a linked instrumented program")
    if arch and ELF_MACHINE.get(arch) != machine:
        raise PgokitError(f"{binary} is not an {arch} binary (ELF machine {machine})")
    if elf_class != 2:
        raise PgokitError(f"{binary} is a 32-bit ELF file; pgokit reads 64-bit builds (x86_64, arm64)")
    sections = _sections(runner, llvm_root, binary, ["__llvm_prf_data", "__llvm_prf_names"])
    if "__llvm_prf_data" not in sections:
        raise PgokitError(f"{binary} has no __llvm_prf_data section: it is not an instrumented build",
                          hint="the check needs the instrumented build of the current source "
                               f"(scripts/pgokit pipeline --arch {arch or 'ARCH'} --to instrument)")
    data, blob = sections["__llvm_prf_data"], sections.get("__llvm_prf_names", b"")
    try:
        names = {name_ref(n): n for n in decode_names(blob)}
    except (ValueError, zlib.error) as exc:
        raise PgokitError(f"{binary}: cannot read its __llvm_prf_names section: {exc}") from exc
    layout = (f"{binary}: its __llvm_prf_data does not have LLVM 19's layout ({RECORD_SIZE}-byte records); "
              f"was it built by another clang?")
    if len(data) % RECORD_SIZE:
        raise PgokitError(f"{layout} (section size {len(data)})")
    functions: dict[int, set[tuple[int, int]]] = {}
    for offset in range(0, len(data), RECORD_SIZE):
        fields = RECORD.unpack_from(data, offset)
        ref, func_hash, counters = fields[0], fields[1], fields[6]
        if ref not in names:
            raise PgokitError(f"{layout} (a record at offset {offset} names no function in __llvm_prf_names)")
        functions.setdefault(ref, set()).add((func_hash, counters))
    return functions, names


def profile_records(runner: Runner, profdata: Path, profile: Path) -> tuple[str, list[FunctionRecord]]:
    """The profile's instrumentation level ('Front-end', 'IR') and its (non context-sensitive) records."""
    text = runner.run([profdata, "show", "--all-functions", "--counts", profile]).stdout
    level = re.search(r"^Instrumentation level: (\S+)", text, re.M)
    records: list[FunctionRecord] = []
    for line in text.splitlines():
        header = re.match(r"^  (\S.*):$", line)
        if header:
            records.append(FunctionRecord(header.group(1), -1, 0))
            continue
        if not records:
            continue
        record = records[-1]
        if m := re.match(r"^    Hash: 0x([0-9a-fA-F]+)$", line):
            record.hash = int(m.group(1), 16)
        elif m := re.match(r"^    Counters: (\d+)$", line):
            record.counters = int(m.group(1))
        elif m := re.match(r"^    Function count: (\d+)$", line):
            record.weight += int(m.group(1))
        elif (m := re.match(r"^    Block counts: \[(.*)\]$", line)) and m.group(1).strip():
            record.weight += sum(int(n) for n in m.group(1).split(","))
    broken = next((r.name for r in records if r.hash < 0), None)
    if broken:
        raise PgokitError(f"cannot read {profile}: llvm-profdata printed no hash for {broken}")
    return (level.group(1) if level else "unknown"), records


def compare(functions: dict[int, set[tuple[int, int]]], names: dict[int, str], records: list[FunctionRecord],
            profile: Path, binary: Path) -> Staleness:
    """Sorts the profile's records by how they fit the build's functions."""
    result = Staleness(Path(profile), Path(binary))
    profiled = set()
    for record in records:
        ref = name_ref(record.name)
        profiled.add(ref)
        found = functions.get(ref)
        if found is None:
            result.removed.append(record)
        elif (record.hash, record.counters) in found:
            result.matching.append(record)
        else:
            result.stale.append(record)
    result.without_data = sorted(names[ref] for ref in functions if ref not in profiled)
    return result


def measure(runner: Runner, llvm_root: Path, binary: Path, profile: Path, arch: str | None = None,
            instrumentation: str | None = None) -> Staleness:
    """How profile fits the instrumented build binary (of the source it is to be applied to).
    With instrumentation ('frontend' or 'ir'), a profile of the other kind is refused:
    its hashes are of another kind and nothing would match."""
    profdata = llvm_root / "bin" / "llvm-profdata"
    problem = profiles.diagnose(runner, profdata, profile)
    if problem:
        raise problem.error()
    level, records = profile_records(runner, profdata, profile)
    kinds = {"Front-end": "frontend", "IR": "ir"}
    if instrumentation and level in kinds and kinds[level] != instrumentation:
        raise PgokitError(f"{profile} holds {'IR' if level == 'IR' else 'front-end'} counts, checked against "
                          f"{'an IR' if instrumentation == 'ir' else 'a front-end'}-instrumented build: "
                          "their hashes cannot match",
                          hint="IR profiles are checked with --instrumentation ir (or --cspgo for context-sensitive "
                               "ones), front-end ones without")
    functions, names = read_build(runner, llvm_root, binary, arch)
    return compare(functions, names, records, profile, binary)


def gate(result: Staleness, max_stale: float, retrain: str) -> None:
    """Raises ProfileStale when more than max_stale percent of the profile's count is stale."""
    if result.passes(max_stale):
        return
    raise ProfileStale(
        f"{result.profile} is stale: {result.stale_percent:.2f}% of its count is on {len(result.stale)} "
        f"function(s) whose code changed since it was trained (--max-stale {max_stale:g}%)",
        hint=f"{retrain}; or accept it with --max-stale {math.ceil(result.stale_percent)}")


def split_name(name: str) -> tuple[str | None, str]:
    """A PGO function name as (source file, symbol): internal-linkage functions
    are named 'file.cpp:symbol' (front end) or 'file.cpp;symbol' (IR), others
    by their symbol alone."""
    if ";" in name:
        file, symbol = name.split(";", 1)
        return file, symbol
    if ":" in name:
        file, symbol = name.rsplit(":", 1)
        return file, symbol
    return None, name
