"""Debian package queries and installs (dpkg-query, apt-cache, apt-get)."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pgokit_cli.errors import NeedsRoot, PgokitError
from pgokit_cli.runner import Runner

APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


def read_package_list(path: Path) -> list[str]:
    """Package names from a list file: one per line, '#' comments."""
    names = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def is_root() -> bool:
    return os.geteuid() == 0


def parse_policy(text: str) -> dict[str, str | None]:
    """Candidate version per package from `apt-cache policy` output.

    A package apt does not know is absent from the result; one with no
    installable version maps to None.
    """
    candidates: dict[str, str | None] = {}
    current = None
    for line in text.splitlines():
        header = re.match(r"^(\S+):$", line)
        if header:
            current = header.group(1)
            continue
        cand = re.match(r"^\s+Candidate:\s*(\S+)", line)
        if cand and current:
            candidates[current] = None if cand.group(1) == "(none)" else cand.group(1)
    return candidates


@dataclass
class Apt:
    runner: Runner

    def missing(self, names: list[str]) -> list[str]:
        """Those of names that are not installed."""
        result = self.runner.run(
            ["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Package}\n", *names], check=False
        )
        installed = {
            line.split()[1]
            for line in result.stdout.splitlines()
            if line.startswith("ii") and len(line.split()) > 1
        }
        return [n for n in names if n not in installed]

    def install(self, names: list[str]) -> None:
        """apt-get install names, refreshing the package lists first."""
        argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *names]
        if not is_root():
            raise NeedsRoot(f"installing {' '.join(names)}", [["apt-get", "update"], argv])
        self.runner.run(["apt-get", "update", "-q"], env=APT_ENV)
        self.runner.run(argv, env=APT_ENV)

    def foreign_architectures(self) -> list[str]:
        return self.runner.run(["dpkg", "--print-foreign-architectures"]).stdout.split()

    def add_architecture(self, arch: str) -> None:
        """Lets apt fetch packages of arch (needed for apt-get download NAME:arch)."""
        if arch in self.foreign_architectures():
            return
        if not is_root():
            raise NeedsRoot(
                f"adding the {arch} package architecture",
                [["dpkg", "--add-architecture", arch], ["apt-get", "update"]],
            )
        self.runner.run(["dpkg", "--add-architecture", arch])
        self.runner.run(["apt-get", "update", "-q"], env=APT_ENV)

    def update(self) -> None:
        if not is_root():
            raise NeedsRoot("refreshing the package lists", [["apt-get", "update"]])
        self.runner.run(["apt-get", "update", "-q"], env=APT_ENV)

    def candidates(self, names: list[str], arch: str) -> dict[str, str | None]:
        """The version apt would fetch now for each NAME:arch."""
        qualified = [f"{n}:{arch}" for n in names]
        text = self.runner.run(["apt-cache", "policy", *qualified], check=False).stdout
        found = parse_policy(text)
        return {n: found.get(f"{n}:{arch}") for n in names}

    def download(self, name: str, arch: str, version: str, dest: Path) -> Path:
        """Fetches NAME:arch=version into dest (apt checks the archive signature)."""
        dest.mkdir(parents=True, exist_ok=True)
        before = set(dest.glob("*.deb"))
        self.runner.run(["apt-get", "download", "-q", f"{name}:{arch}={version}"], cwd=dest)
        fetched = set(dest.glob("*.deb")) - before
        expected = deb_filename(name, version, arch)
        if (dest / expected).exists():
            return dest / expected
        if len(fetched) == 1:
            return fetched.pop()
        raise PgokitError(
            f"apt-get download {name}:{arch}={version} did not leave {expected} in {dest}"
        )


def deb_filename(name: str, version: str, arch: str) -> str:
    """The file name apt-get download gives a package (epoch ':' becomes %3a)."""
    return f"{name}_{version.replace(':', '%3a')}_{arch}.deb"
