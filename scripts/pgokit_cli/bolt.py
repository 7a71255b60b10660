"""BOLT post-link optimization: instrument the optimized binary, collect
.fdata from a training run, merge, and rewrite the binary's layout."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import staged_output
from pgokit_cli.runner import Runner


class BoltError(PgokitError):
    """BOLT could not instrument or optimize the binary."""


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
    argv = [llvm_root / "bin" / "llvm-bolt", binary, "-o", output, f"-data={fdata}",
            *optimize_flags(arch),
            # Tag .note.bolt_info with the profile it was built from.
            f"--bolt-id={bolt_id}"]
    log = _run_bolt(runner, argv, output)
    before, after = parse_dyno_stats(log)
    return BoltResult(before, after, log)


def _run_bolt(runner: Runner, argv: list, output: Path) -> str:
    """Runs llvm-bolt with argv, its -o redirected to a staged file."""
    with staged_output(output) as tmp:
        argv = [str(a) if a != output else str(tmp) for a in argv]
        result = runner.run(argv, check=False)
        text = result.stdout + result.stderr
        if result.returncode != 0 or not tmp.exists():
            errors = [l for l in text.splitlines() if "ERROR" in l or "error" in l] or text.splitlines()[-5:]
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
