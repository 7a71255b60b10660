"""Configuring and building a preset's stage into a given folder, and
counting clang's profile diagnostics instead of losing them in the log."""

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.errors import CommandFailed, PgokitError
from pgokit_cli.runner import Runner

# clang 19's profile-use warnings. They carry no file location, so each is
# attributed to the object Ninja said it was building just before.
DIAG = re.compile(r"warning: (.*) \[-W(profile-instr-(?:out-of-date|unprofiled|missing))\]")
OF_N = re.compile(r"of (\d+) functions?, (\d+) ha(?:s|ve)")
NINJA_STEP = re.compile(r"^\[\d+/\d+\] Building \S+ object (\S+)")


@dataclass
class ProfileDiagnostics:
    """What clang said about the profile while compiling.

    - stale: functions whose profile hash no longer matches their code
      (-Wprofile-instr-out-of-date); their counts are ignored.
    - without data: functions the profile does not mention
      (-Wprofile-instr-missing): new code, or code training never ran (a
      sparse profile drops never-executed functions).
    - files without profile: translation units the profile knows nothing of
      (-Wprofile-instr-unprofiled)."""

    functions_checked: int = 0
    stale_functions: int = 0
    functions_without_data: int = 0
    files_without_profile: list[str] = field(default_factory=list)
    stale_by_object: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, log: str) -> "ProfileDiagnostics":
        diags = cls()
        current = "?"
        for line in log.splitlines():
            step = NINJA_STEP.match(line)
            if step:
                current = step.group(1)
                continue
            m = DIAG.search(line)
            if not m:
                continue
            text, flag = m.groups()
            diags.messages.append(f"{current}: {text}")
            counts = OF_N.search(text)
            if flag.endswith("out-of-date") and counts:
                diags.functions_checked += int(counts.group(1))
                diags.stale_functions += int(counts.group(2))
                diags.stale_by_object[current] = diags.stale_by_object.get(current, 0) + int(counts.group(2))
            elif flag.endswith("missing") and counts:
                diags.functions_without_data += int(counts.group(2))
            elif flag.endswith("unprofiled"):
                diags.files_without_profile.append(current)
        return diags

    def summary(self) -> str:
        return (f"{self.stale_functions} stale functions, {self.functions_without_data} without data "
                f"(new or never run in training), {len(self.files_without_profile)} files without profile")

    def to_json(self) -> dict:
        data = asdict(self)
        data["messages"] = data["messages"][:50]
        return data


def configure(runner: Runner, source_dir: Path, preset: str, build_dir: Path,
              cache: dict[str, str] | None = None) -> None:
    argv = ["cmake", "--preset", preset, "-S", source_dir, "-B", build_dir]
    argv += [f"-D{k}={v}" for k, v in (cache or {}).items()]
    runner.run(argv, cwd=source_dir)


def build(runner: Runner, console: Console, build_dir: Path, target: str, clean_first: bool = False) -> str:
    """Builds target (from clean when clean_first); returns the full log
    (compiler diagnostics included)."""
    console.info(f"building {target} in {build_dir}")
    try:
        result = runner.run(["cmake", "--build", build_dir, "--target", target,
                             *(["--clean-first"] if clean_first else [])])
    except CommandFailed as exc:
        raise PgokitError(f"build of {target} failed in {build_dir}", hint=exc.format_message()) from exc
    return result.stdout + result.stderr
