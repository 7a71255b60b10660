"""Quick post-conditions a stage checks on its own output with llvm-readelf
and llvm-nm (the release gate is the validator; these catch a stage that
silently did nothing)."""

from pathlib import Path

from pgokit_cli.fileutil import sha256_text
from pgokit_cli.runner import Runner


def section_names(runner: Runner, llvm_root: Path, binary: Path) -> set[str]:
    out = runner.run([llvm_root / "bin" / "llvm-readelf", "--sections", "--wide", binary]).stdout
    names = set()
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("[") and "]" in line:
            fields = line.split("]", 1)[1].split()
            if fields:
                names.add(fields[0])
    return names


def defined_symbols(runner: Runner, llvm_root: Path, binary: Path) -> set[str]:
    out = runner.run([llvm_root / "bin" / "llvm-nm", "--defined-only", binary]).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()}


def symbols(runner: Runner, llvm_root: Path, binary: Path, wanted: set[str]) -> set[str]:
    return defined_symbols(runner, llvm_root, binary) & wanted


def elf_machine(runner: Runner, llvm_root: Path, binary: Path) -> str:
    out = runner.run([llvm_root / "bin" / "llvm-readelf", "--file-header", binary]).stdout
    for line in out.splitlines():
        if line.strip().startswith("Machine:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def text_hash(runner: Runner, llvm_root: Path, binary: Path) -> str:
    """sha256 over the .text* sections' bytes: the same code gives the same
    hash, whatever the notes, paths or build ids around it."""
    readelf = llvm_root / "bin" / "llvm-readelf"
    parts = []
    for name in sorted(n for n in section_names(runner, llvm_root, binary) if n.startswith(".text")):
        dump = runner.run([readelf, "--hex-dump", name, binary]).stdout
        parts.append(name + "\n" + "\n".join(dump.splitlines()[1:]))
    return sha256_text("\n".join(parts))
