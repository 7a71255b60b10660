"""Deterministic figures from valgrind's cache and branch simulation:
instructions, simulated I1 misses and branch mispredictions.

Per request: the server runs under callgrind with instrumentation off; a
warm-up replay goes first (lazy symbol binding, first-touch paths), then
instrumentation is switched on (callgrind_control) for exactly the measured
replay and off again, so start-up, seeding and shutdown (freeing the store,
malloc consolidation) never enter the count."""

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from pgokit_cli import replay, training
from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError, ToolNotFound

# Explicit: cache and branch simulation are what these runs are for.
CACHEGRIND = ["--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes"]
CALLGRIND = ["--tool=callgrind", "--cache-sim=yes", "--branch-sim=yes", "--instr-atstart=no"]


@dataclass
class PerRequest:
    instructions: float
    i1_misses: float
    branch_mispredicts: float
    requests: int

    def to_json(self) -> dict:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()}


def parse_totals(out_file: Path) -> dict[str, int]:
    """The event totals valgrind writes on its 'events:' and 'summary:'/'totals:' lines."""
    text = out_file.read_text()
    events = re.search(r"^events:\s*(.+)$", text, re.M)
    # callgrind writes "totals:" (its "summary:" stays 0 when instrumentation starts off);
    # cachegrind writes "summary:".
    totals = re.search(r"^totals:\s*(.+)$", text, re.M) or re.search(r"^summary:\s*(.+)$", text, re.M)
    if not events or not totals:
        raise PgokitError(f"{out_file} has no event totals (did valgrind finish?)")
    return dict(zip(events.group(1).split(), (int(n) for n in totals.group(1).split())))


def _toggle(pid: int, on: bool) -> None:
    tool = shutil.which("callgrind_control")
    if not tool:
        raise ToolNotFound("callgrind_control", "valgrind")
    proc = subprocess.run([tool, "-i", "on" if on else "off", str(pid)], capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise PgokitError(f"callgrind_control could not switch instrumentation {'on' if on else 'off'} "
                          f"in {pid}: {(proc.stdout + proc.stderr).strip()[-500:]}")


def l1i_option(size: int | None) -> list[str]:
    """Valgrind's option for a simulated L1i of size bytes (8-way, 64-byte
    lines); none for the host's cache, which valgrind reads itself."""
    return [] if size is None else [f"--I1={size},8,64"]


def per_request(server_argv: list[str], scenario: Path, work: Path, console: Console,
                warmup: int = 300, requests: int = 2000, l1i: int | None = None) -> PerRequest:
    """Instructions, I1 misses and branch mispredictions per replayed request."""
    if not shutil.which("valgrind"):
        raise ToolNotFound("valgrind", "valgrind")
    replayed = replay.generate(scenario, warmup + requests)
    work.mkdir(parents=True, exist_ok=True)
    out_file, log = work / "callgrind.out", work / "callgrind.log"
    argv = ["valgrind", *CALLGRIND, *l1i_option(l1i), f"--callgrind-out-file={out_file}", *server_argv]
    console.info(f"{work.name}: {warmup} warm-up requests, then {requests} counted")
    server = training.start_server(argv, {}, log, console, ready_timeout=900)
    try:
        statuses = replay.send(server.host, server.port, replayed[:warmup])
        _toggle(server.proc.pid, True)
        measured = replay.send(server.host, server.port, replayed[warmup:])
        _toggle(server.proc.pid, False)
    finally:
        code = training.stop_server(server, console, timeout=900)
    if code != 0:
        raise PgokitError(f"the server under valgrind exited with code {code}; log: {log}")
    for status, n in measured.items():
        statuses[status] = statuses.get(status, 0) + n
    if any(s >= 500 and s != 503 for s in statuses):
        raise PgokitError(f"the replay got server errors: {statuses}", hint=f"server log: {log}")
    totals = parse_totals(out_file)
    return PerRequest(
        instructions=totals["Ir"] / requests,
        i1_misses=totals["I1mr"] / requests,
        branch_mispredicts=(totals.get("Bcm", 0) + totals.get("Bim", 0)) / requests,
        requests=requests,
    )


def per_request_all(servers: dict[str, list[str]], scenario: Path, work: Path, console: Console,
                    warmup: int, requests: int, jobs: int = 2, l1i: int | None = None) -> dict[str, PerRequest]:
    """per_request for every named server command, `jobs` at a time: the counts
    do not depend on what else runs, so the cores can all be busy."""
    folders = {name: work / re.sub(r"[^A-Za-z0-9.-]+", "_", name) for name in servers}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {name: pool.submit(per_request, argv, scenario, folders[name], console, warmup, requests, l1i)
                   for name, argv in servers.items()}
        return {name: future.result() for name, future in futures.items()}


@dataclass
class PerRun:
    instructions: int
    i1_misses: int
    branch_mispredicts: int

    def to_json(self) -> dict:
        return asdict(self)


def per_run(argv: list[str], work: Path, cwd: Path, console: Console) -> PerRun:
    """Instructions, I1 misses and branch mispredictions of one whole run of argv
    (a program that runs to completion, such as a generic-mode training command)."""
    if not shutil.which("valgrind"):
        raise ToolNotFound("valgrind", "valgrind")
    work.mkdir(parents=True, exist_ok=True)
    out_file = work / "cachegrind.out"
    log = work / "cachegrind.log"
    console.info(f"{work.name}: one run under cachegrind")
    with log.open("w") as sink:
        proc = subprocess.run(["valgrind", *CACHEGRIND, f"--cachegrind-out-file={out_file}", *argv], cwd=cwd,
                              stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise PgokitError(f"{argv[0]} under valgrind exited with {proc.returncode}; log: {log}")
    totals = parse_totals(out_file)
    return PerRun(totals["Ir"], totals["I1mr"], totals.get("Bcm", 0) + totals.get("Bim", 0))
