"""The object every command receives: where things are, and how to print."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.runner import Runner

REPO_ROOT = Path(__file__).resolve().parents[2]

# pgokit's arch names, mapped to GNU triples and ELF/Debian names.
ARCHES = {
    "x86_64": {"triple": "x86_64-linux-gnu", "debian": "amd64"},
    "arm64": {"triple": "aarch64-linux-gnu", "debian": "arm64"},
}


@dataclass
class Context:
    console: Console
    repo_root: Path = REPO_ROOT
    debug: bool = False
    llvm_root: Path = field(default_factory=lambda: Path(os.environ.get("PGOKIT_LLVM_ROOT", "/usr/lib/llvm-19")))

    @property
    def runner(self) -> Runner:
        return Runner(self.console)

    @property
    def build_root(self) -> Path:
        return self.repo_root / "build"

    @property
    def toolchains_dir(self) -> Path:
        return self.repo_root / "toolchains"

    def sysroot(self, arch: str = "arm64") -> Path:
        """Where the cross sysroot for arch lives (PGOKIT_SYSROOT overrides)."""
        override = os.environ.get("PGOKIT_SYSROOT")
        if override:
            return Path(override).resolve()
        return self.build_root / "sysroot" / ARCHES[arch]["triple"]
