"""Finding the LLVM 19 tools every stage uses, and what version they are."""

import re
import shutil
from pathlib import Path

from pgokit_cli.errors import ToolNotFound

LLVM_MAJOR = 19

# tool -> Debian package that ships it
LLVM_TOOLS = {
    "clang": "clang-19",
    "clang++": "clang-19",
    "ld.lld": "lld-19",
    "llvm-profdata": "llvm-19",
    "llvm-readelf": "llvm-19",
    "llvm-objcopy": "llvm-19",
    "llvm-bolt": "bolt-19",
    "merge-fdata": "bolt-19",
    "perf2bolt": "bolt-19",
}


def llvm_tool(llvm_root: Path, name: str) -> Path:
    """Path of an LLVM tool in llvm_root/bin, or ToolNotFound with its package."""
    path = llvm_root / "bin" / name
    if path.exists():
        return path
    raise ToolNotFound(f"{name} (in {llvm_root}/bin)", LLVM_TOOLS.get(name))


def host_tool(name: str, package: str) -> Path:
    found = shutil.which(name)
    if not found:
        raise ToolNotFound(name, package)
    return Path(found)


def parse_llvm_version(text: str) -> tuple[int, int, int] | None:
    """'... version 19.1.7 ...' -> (19, 1, 7)."""
    match = re.search(r"(?:version|LLD) (\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(g) for g in match.groups()) if match else None
