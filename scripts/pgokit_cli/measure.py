"""Deterministic figures from valgrind's cache and branch simulation:
instructions, simulated I1 misses and branch mispredictions.

Per request: the server runs under callgrind with instrumentation off; a
warm-up replay goes first (lazy symbol binding, first-touch paths), then
instrumentation is switched on (callgrind_control) for exactly the measured
replay and off again, so start-up, seeding and shutdown (freeing the store,
malloc consolidation) never enter the count.

Callgrind also keeps the count of every instruction (--dump-instr=yes), from
which the code footprint follows: the 64-byte lines the replay ran at all, and
the hot ones, which ran on average at least once per request. The hot
footprint against the L1i size is what decides the I1 misses, whatever the
cache simulation's details."""

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
CALLGRIND = ["--tool=callgrind", "--cache-sim=yes", "--branch-sim=yes", "--instr-atstart=no", "--dump-instr=yes"]
CACHE_LINE = 64


@dataclass
class PerRequest:
    instructions: float
    i1_misses: float
    branch_mispredicts: float
    requests: int
    code_kib: float | None = None  # 64-byte code lines the measured requests ran
    hot_code_kib: float | None = None  # of those, the lines run on average once per request or more
    l1i_bytes: int | None = None  # the L1i valgrind simulated

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


@dataclass(frozen=True)
class Footprint:
    code_kib: float
    hot_code_kib: float
    l1i_bytes: int | None  # the L1i it was measured against, from 'desc: I1 cache: N B, ...'


def _name_id(line: str) -> tuple[str, str | None]:
    """'ob=(3) /lib/libc.so.6' -> ('3', '/lib/libc.so.6'); 'ob=(3)' -> ('3', None).
    Callgrind names an object in full once and by its number afterwards."""
    match = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line)
    if not match:
        raise PgokitError(f"unreadable object line in callgrind output: {line[:80]!r}")
    return match.group(1), match.group(2)


def code_footprint(out_file: Path, requests: int) -> Footprint:
    """Code footprint of a callgrind run made with --dump-instr=yes, and the
    L1i size valgrind simulated.

    A line's executions are those of its most-run instruction. Cost lines
    after 'calls=' carry the callee's inclusive cost at the call site and are
    skipped; instruction addresses are absolute ('0x..'), relative ('+n'/'-n')
    or the same as before ('*')."""
    lines: dict[tuple[str, int], int] = {}
    objects: dict[str, str] = {}
    obj, address, after_call = "", 0, False
    positions, ir_column, l1i_bytes = None, None, None
    with out_file.open() as text:
        for line in text:
            head = line[:1]
            if head and head in "0123456789+-*" and ir_column is not None:
                fields = line.split()
                where = fields[0]
                if where[0] in "+-":
                    address += int(where, 0)
                elif where != "*":
                    address = int(where, 0)
                if after_call:
                    after_call = False
                elif len(fields) > ir_column:
                    key = (obj, address // CACHE_LINE)
                    runs = int(fields[ir_column])
                    if runs > lines.get(key, 0):
                        lines[key] = runs
            elif line.startswith("ob="):
                number, name = _name_id(line.strip())
                obj = objects.setdefault(number, name or number)
            elif line.startswith("cob="):
                number, name = _name_id(line.strip())
                if name:
                    objects.setdefault(number, name)
            elif line.startswith("calls="):
                after_call = True
            elif line.startswith("desc: I1 cache:"):
                l1i_bytes = int(line.split(":", 2)[2].split()[0])
            elif line.startswith("positions:"):
                positions = line.split()[1:]
                if positions[:1] != ["instr"]:
                    raise PgokitError(f"{out_file} has no instruction addresses",
                                      hint="callgrind must run with --dump-instr=yes")
            elif line.startswith("events:"):
                events = line.split()[1:]
                if positions is None or "Ir" not in events:
                    raise PgokitError(f"{out_file} does not count instructions per address")
                # A cost line is its positions, then the events in this order.
                ir_column = len(positions) + events.index("Ir")
    if ir_column is None:
        raise PgokitError(f"{out_file} has no 'events:' line (did valgrind finish?)")
    kib = CACHE_LINE / 1024
    return Footprint(code_kib=len(lines) * kib,
                     hot_code_kib=sum(1 for runs in lines.values() if runs >= requests) * kib,
                     l1i_bytes=l1i_bytes)


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
    footprint = code_footprint(out_file, requests)
    return PerRequest(
        instructions=totals["Ir"] / requests,
        i1_misses=totals["I1mr"] / requests,
        branch_mispredicts=(totals.get("Bcm", 0) + totals.get("Bim", 0)) / requests,
        requests=requests,
        code_kib=footprint.code_kib,
        hot_code_kib=footprint.hot_code_kib,
        l1i_bytes=footprint.l1i_bytes,
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
