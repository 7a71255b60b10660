"""Running pgokit-validate (tools/validate), building it first when needed."""

import json
import subprocess
from pathlib import Path

from pgokit_cli import cmake
from pgokit_cli.context import Context
from pgokit_cli.errors import PgokitError

TARGET = "pgokit-validate"


def binary(ctx: Context) -> Path:
    """The validator, built from this checkout for the build machine (x86_64)."""
    build_dir = ctx.build_root / "pgo" / "tools"
    if not (build_dir / "CMakeCache.txt").exists():
        cmake.configure(ctx.runner, ctx.repo_root, "x86_64-release", build_dir, {"BUILD_TESTING": "OFF"})
    # Ninja re-runs CMake itself when the build files changed; a no-op takes a moment.
    ctx.runner.run(["cmake", "--build", build_dir, "--target", TARGET])
    path = build_dir / "tools" / "validate" / TARGET
    if not path.exists():
        raise PgokitError(f"built {TARGET} but found no {path}")
    return path


def run(validator: Path, arch: str, target: Path, *, expect: str | None = None,
        profile: Path | None = None, manifest: Path | None = None) -> tuple[int, dict]:
    """Runs the validator with --json; returns its exit code and report."""
    argv = [str(validator), "--arch", arch, "--json"]
    if expect:
        argv += ["--expect", expect]
    if profile:
        argv += ["--profile", str(profile)]
    if manifest:
        argv += ["--manifest", str(manifest)]
    argv.append(str(target))
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {"result": "error", "message": (proc.stderr or proc.stdout).strip()}
    return proc.returncode, report


def failures(report: dict) -> list[str]:
    """One line per failed check, or the read error."""
    if report.get("result") == "error":
        return [report.get("error") or report.get("message") or "unreadable input"]
    return [f"{f['id']}: {f['reason']}" for f in report.get("findings", []) if f.get("status") == "fail"]
