"""`pgokit doctor`: is this machine ready for every stage? Each finding says
how to fix it. Works even when the toolchain is broken."""

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from pgokit_cli.context import Context
from pgokit_cli.sysroot import Lock, SysrootStatus
from pgokit_cli.toolchain import LLVM_MAJOR, LLVM_TOOLS, parse_llvm_version

HOST_TOOLS = {
    "cmake": "cmake",
    "ninja": "ninja-build",
    "qemu-aarch64": "qemu-user",
    "wrk": "wrk",
    "valgrind": "valgrind",
}


@dataclass
class Finding:
    check: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def _probe(argv: list[str]) -> tuple[int, str]:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stdout + proc.stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)


def check_llvm(llvm_root: Path) -> list[Finding]:
    findings = []
    for tool, package in LLVM_TOOLS.items():
        path = llvm_root / "bin" / tool
        if not path.exists():
            findings.append(Finding(tool, "fail", f"missing: {path}", f"make setup (or: apt-get install {package})"))
            continue
        code, out = _probe([str(path), "--version"])
        version = parse_llvm_version(out)
        if version and version[0] != LLVM_MAJOR:
            findings.append(Finding(tool, "fail", f"{path} is LLVM {version[0]}, need {LLVM_MAJOR}",
                                    "set PGOKIT_LLVM_ROOT to an LLVM 19 prefix"))
        elif code != 0 and not version:
            findings.append(Finding(tool, "fail", f"{path} --version failed: {out.strip()[:200]}",
                                    f"reinstall {package}"))
        else:
            shown = ".".join(map(str, version)) if version else "present"
            findings.append(Finding(tool, "ok", f"{path} ({shown})"))
    return findings


def check_host_tools() -> list[Finding]:
    findings = []
    for tool, package in HOST_TOOLS.items():
        found = shutil.which(tool)
        if found:
            findings.append(Finding(tool, "ok", found))
        else:
            findings.append(Finding(tool, "fail", "not on PATH", f"make setup (or: apt-get install {package})"))
    return findings


def check_sysroot(ctx: Context) -> list[Finding]:
    path = ctx.sysroot("arm64")
    lock_path = ctx.toolchains_dir / "sysroot-aarch64.lock.json"
    status = SysrootStatus.read(path)
    if status.lock_digest is None:
        return [Finding("arm64 sysroot", "fail", f"none at {path}", "make setup")]
    findings = []
    try:
        lock = Lock.load(lock_path, "arm64")
        if lock.digest() == status.lock_digest:
            findings.append(Finding("arm64 sysroot", "ok", f"{path} matches {lock_path.name}"))
        else:
            findings.append(Finding("arm64 sysroot", "warn", f"{path} was built from another lock",
                                    "make setup"))
    except click.ClickException as exc:
        findings.append(Finding("arm64 sysroot", "fail", exc.format_message(), "restore the lock from git"))
    runtimes = {
        "arm64 profile runtime": "usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.profile-aarch64.a",
        "arm64 BOLT runtime": "usr/lib/llvm-*/lib/libbolt_rt_instr.a",
    }
    for name, pattern in runtimes.items():
        hits = sorted(path.glob(pattern))
        if hits:
            findings.append(Finding(name, "ok", str(hits[0])))
        else:
            findings.append(Finding(name, "fail", f"no {pattern} under {path}", "make setup"))
    return findings


def check_perf() -> Finding:
    """BOLT's perf mode needs hardware counters (and LBR on x86 for best results)."""
    code, out = _probe(["perf", "stat", "-e", "instructions", "-x,", "true"])
    if code == 127:
        return Finding("perf", "warn", "perf not installed: BOLT perf mode unavailable, "
                       "instrumentation mode is used", "apt-get install linux-perf (only useful with hardware counters)")
    if code != 0 or "not supported" in out or "<not counted>" in out:
        return Finding("perf", "warn", "no hardware performance counters here: BOLT perf mode "
                       "unavailable, instrumentation mode is used")
    return Finding("perf", "ok", "hardware counters available: BOLT perf mode possible")


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON on stdout.")
@click.pass_obj
def command(ctx: Context, as_json: bool) -> None:
    """Check the toolchain, sysroot, emulator and profiling support."""
    findings = check_llvm(ctx.llvm_root) + check_host_tools() + check_sysroot(ctx) + [check_perf()]
    failed = [f for f in findings if f.status == "fail"]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        colours = {"ok": "green", "warn": "yellow", "fail": "red"}
        for f in findings:
            mark = click.style(f"{f.status:4}", fg=colours[f.status])
            line = f"{mark}  {f.check:22} {f.detail}"
            if f.fix:
                line += f"\n      fix: {f.fix}"
            click.echo(line)
    if failed:
        ctx_exit = click.get_current_context()
        ctx_exit.exit(1)
