"""BOLT post-link optimization: instrument the optimized binary, collect
.fdata from a training run, merge, and rewrite the binary's layout."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pgokit_cli import evidence
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import staged_output
from pgokit_cli.runner import Runner

# A BOLT profile whose functions are not mostly in the binary was recorded from
# another program (or a distant build of it): llvm-bolt would apply next to
# nothing of it and still succeed. More than this share must be found.
MIN_KNOWN_SHARE = 0.5


class BoltError(PgokitError):
    """BOLT could not instrument or optimize the binary."""


@dataclass
class BoltProfile:
    """What a .fdata file holds: how many records, in which functions."""

    path: Path
    records: int
    functions: set[str]


_FIELD = re.compile(r"(?:\\.|[^ \\])+")  # space-separated; a backslash escapes a space in a name
_HEX = re.compile(r"[0-9a-fA-F]+")
_NUMBER = re.compile(r"-?[0-9]+")
# BOLT's suffixes for names LTO made unique: profile and binary may differ after them.
_LTO_SUFFIXES = (".__uniq.", ".lto_priv.", ".constprop.", ".llvm.")
# Start-up code every program links: naming it says nothing about which program a profile is from.
_EVERY_PROGRAM = {"main", "_start", "_init", "_fini", "frame_dummy", "register_tm_clones",
                  "deregister_tm_clones", "__do_global_dtors_aux", "__libc_csu_init", "__libc_csu_fini",
                  "_dl_relocate_static_pie"}
RETRAIN_BOLT = ("it was cut short (a BOLT-instrumented process stopped while writing it) or edited: "
                "run the BOLT training again (pgokit pipeline --from bolt-train)")


def read_fdata(path: Path) -> BoltProfile:
    """Checks every line of a BOLT profile in the text format llvm-bolt's
    -data= and merge-fdata read (DataReader), and collects the functions it
    names. Stricter than BOLT, which stops silently at a line it does not
    expect: a corrupt line fails here, named with its number."""
    path = Path(path)
    lines = path.read_text(errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[0].startswith("---"):
        return BoltProfile(path, -1, set())  # BOLT's YAML form: llvm-bolt checks it itself
    functions: set[str] = set()
    first = 0
    no_lbr = bool(lines) and lines[0].startswith("no_lbr")
    first += no_lbr
    first += first < len(lines) and lines[first] == "boltedcollection"

    def bad(n: int, what: str, found: str) -> BoltError:
        binary = not found.isprintable() or "\ufffd" in found  # undecodable bytes
        shown = "binary data" if binary else repr(found if len(found) <= 60 else found[:57] + "...")
        return BoltError(f"{path}: not a valid BOLT profile: line {n}: expected {what}, found {shown}",
                         hint=RETRAIN_BOLT)

    for n, line in enumerate(lines[first:], first + 1):
        fields = _FIELD.findall(line)
        memory = bool(fields) and fields[0] in ("3", "4", "5")
        # A location is "<kind> <name> <hex offset>"; then counts.
        shape = 7 if memory else (4 if no_lbr else 8)
        kinds = ("3", "4", "5") if memory else ("0", "1", "2")
        if len(fields) != shape:
            raise bad(n, f"{shape} space-separated fields", line)
        locations = [fields[0:3]] if shape == 4 else [fields[0:3], fields[3:6]]
        for kind, name, offset in locations:
            if kind not in kinds:
                raise bad(n, f"a location kind ({', '.join(kinds)})", kind)
            if not _HEX.fullmatch(offset):
                raise bad(n, "a hexadecimal offset", offset)
            if kind in "1245" and not name.endswith("@PLT"):
                functions.add(name)
        for count in fields[len(locations) * 3:]:
            if not _NUMBER.fullmatch(count):
                raise bad(n, "a decimal count", count)
    records = len(lines) - first
    if records == 0:
        raise BoltError(f"{path}: an empty BOLT profile (no records)", hint=RETRAIN_BOLT)
    return BoltProfile(path, records, functions)


def common_name(name: str) -> str:
    """A function's name as BOLT matches it: without the '/N' or '/file/N' it
    gives local symbols, and cut after an LTO uniquing suffix."""
    name = name.split("/", 1)[0]
    for suffix in _LTO_SUFFIXES:
        at = name.find(suffix)
        if at > 0:
            return name[: at + len(suffix)]
    return name


def check_fits(runner: Runner, llvm_root: Path, binary: Path, fdata: Path, arch: str) -> BoltProfile:
    """Fails unless most functions fdata profiles (beyond start-up code) are defined in binary."""
    profile = read_fdata(fdata)
    if profile.records < 0:
        return profile
    wanted = {common_name(n) for n in profile.functions} - _EVERY_PROGRAM
    known = {common_name(s) for s in evidence.defined_symbols(runner, llvm_root, binary)}
    missing = sorted(wanted - known)
    if wanted and len(wanted) - len(missing) <= len(wanted) * MIN_KNOWN_SHARE:
        examples = ", ".join(m if len(m) <= 60 else m[:57] + "..." for m in missing[:3])
        raise BoltError(f"{fdata} was not recorded from {binary}: {len(missing)} of the {len(wanted)} "
                        f"functions it profiles are not in the binary ({examples})",
                        hint="train BOLT on this binary: "
                             f"pgokit pipeline --arch {arch} --from bolt-instrument")
    return profile


def runtime_lib_arg(llvm_root: Path, arch: str, sysroot: Path | None) -> list[str]:
    """BOLT's instrumentation runtime for a cross arch.

    The host's libbolt_rt_instr.a is x86_64 code; arm64 needs the one from
    libbolt-19-dev:arm64 in the sysroot. BOLT 19 prepends its own lib folder
    to this option's value, so an absolute path fails: pass it relative to
    <llvm_root>/lib."""
    if arch == "x86_64":
        return []
    libs = sorted(sysroot.glob("usr/lib/llvm-*/lib/libbolt_rt_instr.a")) if sysroot else []
    if not libs:
        raise BoltError(f"no arm64 BOLT runtime (libbolt_rt_instr.a) in the sysroot {sysroot}",
                        hint="run 'make setup' to rebuild the sysroot")
    rel = os.path.relpath(libs[0].resolve(), (llvm_root / "lib").resolve())
    return [f"-runtime-instrumentation-lib={rel}"]


def instrument(runner: Runner, llvm_root: Path, binary: Path, output: Path, fdata_prefix: Path,
               arch: str, sysroot: Path | None) -> None:
    """Writes an instrumented copy of binary that dumps <fdata_prefix>.<pid>.fdata at exit."""
    argv = [llvm_root / "bin" / "llvm-bolt", binary, "-o", output,
            "-instrument",
            f"-instrumentation-file={fdata_prefix}",
            # Servers fork/restart and several processes may train at once: one file each.
            "-instrumentation-file-append-pid",
            *runtime_lib_arg(llvm_root, arch, sysroot)]
    _run_bolt(runner, argv, output)


def merge_fdata(runner: Runner, llvm_root: Path, files: list[Path], output: Path) -> None:
    if not files:
        raise BoltError(f"no .fdata files were written in {output.parent}",
                        hint="the BOLT-instrumented server must exit cleanly (SIGTERM) to write its profile")
    for path in files:
        read_fdata(path)
    result = runner.run([llvm_root / "bin" / "merge-fdata", *files])
    if not result.stdout.strip():
        raise BoltError(f"merge-fdata produced an empty profile from {len(files)} file(s)")
    with staged_output(output) as tmp:
        tmp.write_text(result.stdout)


def perf_to_fdata(runner: Runner, llvm_root: Path, binary: Path, perf_data: Path, output: Path) -> None:
    """Converts perf samples of binary into BOLT's profile format."""
    with staged_output(output) as tmp:
        result = runner.run([llvm_root / "bin" / "perf2bolt", "-p", perf_data, "-o", tmp, binary], check=False)
        if result.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise BoltError(f"perf2bolt found no usable samples in {perf_data}: "
                            + " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:]))


def optimize_flags(arch: str) -> list[str]:
    """The optimization set, each for a reason."""
    flags = [
        # Lay out basic blocks for fall-through on the hot path (extended TSP model).
        "-reorder-blocks=ext-tsp",
        # Cluster hot functions by call-graph affinity and size; also defines
        # __hot_start/__hot_end around the hot text.
        "-reorder-functions=cdsort",
        # Move cold blocks out of hot functions so hot code packs into fewer lines and pages.
        "-split-functions",
        "-split-all-cold",
        # Landing pads are cold by nature: split them too.
        "-split-eh",
        # Fold functions whose machine code is identical (templates, thunks).
        "-icf",
        # Remove double jumps and other local inefficiencies the new layout exposes.
        "-peepholes=all",
        # Call hot library functions (malloc, memcpy, send...) through their GOT
        # slot instead of a PLT stub: one jump and one cache line fewer per call.
        # The optimized stage links with -z now, so the slot is final at load.
        "-plt=hot",
        # Report executed-instruction and taken-branch estimates before/after.
        "-dyno-stats",
        # Put the new text segment under a GNU_STACK-compatible header so strip/objcopy keep working.
        "-use-gnu-stack",
    ]
    if arch == "x86_64":
        flags += [
            # Split by expected cost of the call distance (x86_64 only in BOLT 19).
            "-split-strategy=cdsplit",
            # Move hot jump tables next to their code (x86_64 only).
            "-jump-tables=move",
        ]
    return flags


@dataclass
class BoltResult:
    dyno_before: dict[str, int]
    dyno_after: dict[str, int]
    log: str


def optimize(runner: Runner, llvm_root: Path, binary: Path, fdata: Path, output: Path, arch: str,
             bolt_id: str) -> BoltResult:
    """BOLTs binary with fdata into output, reproducibly: llvm-bolt records its
    command line in .note.bolt_info, so it runs from the folder holding all
    three files, names them relative to it, and writes a fixed temporary name
    (a build tree has one pipeline run at a time): the same inputs give the
    same bytes, in any checkout."""
    check_fits(runner, llvm_root, binary, fdata, arch)
    base = Path(os.path.commonpath([binary.resolve(), fdata.resolve(), output.resolve().parent]))
    tmp = output.with_name(f".{output.name}.partial")

    def rel(path: Path) -> str:
        return os.path.relpath(path.resolve(), base)

    argv = [llvm_root / "bin" / "llvm-bolt", rel(binary), "-o", rel(tmp), f"-data={rel(fdata)}",
            *optimize_flags(arch),
            # Tag .note.bolt_info with the profile it was built from.
            f"--bolt-id={bolt_id}"]
    try:
        log = _bolt(runner, argv, tmp, cwd=base)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    before, after = parse_dyno_stats(log)
    return BoltResult(before, after, log)


def _run_bolt(runner: Runner, argv: list, output: Path) -> str:
    """Runs llvm-bolt with argv, its -o redirected to a staged file."""
    with staged_output(output) as tmp:
        return _bolt(runner, [str(a) if a != output else str(tmp) for a in argv], tmp)


def _bolt(runner: Runner, argv: list, written: Path, cwd: Path | None = None) -> str:
    """Runs llvm-bolt; fails with its errors unless it exits 0 having written `written`."""
    result = runner.run([str(a) for a in argv], cwd=cwd, check=False)
    text = result.stdout + result.stderr
    if result.returncode != 0 or not written.exists():
        errors = [l for l in text.splitlines() if "error" in l.lower()] or text.splitlines()[-5:]
        raise BoltError(f"llvm-bolt failed on {argv[1]}: " + " | ".join(errors[:5]))
    return text


def parse_dyno_stats(log: str) -> tuple[dict[str, int], dict[str, int]]:
    """BOLT prints one 'program-wide dynostats ...' header followed by two
    blank-line-separated tables: before and after its optimizations."""
    lines = log.splitlines()
    start = next((i for i, l in enumerate(lines) if "program-wide dynostats" in l), None)
    if start is None:
        return {}, {}
    tables: list[dict[str, int]] = []
    current: dict[str, int] = {}
    for line in lines[start + 1:]:
        m = re.match(r"^\s+(\d+)\s+:\s+(.*?)\s*(?:\([^)]*\))?$", line)
        if m:
            current[m.group(2)] = int(m.group(1))
        elif current:
            tables.append(current)
            current = {}
            if len(tables) == 2:
                break
        elif line.strip():
            break
    if current and len(tables) < 2:
        tables.append(current)
    before = tables[0] if tables else {}
    after = tables[1] if len(tables) > 1 else {}
    return before, after
