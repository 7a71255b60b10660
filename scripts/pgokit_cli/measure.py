"""Deterministic per-request figures from valgrind: instructions (callgrind),
simulated I1 misses and branch mispredictions (cachegrind).

Each figure is a difference of two runs that differ only in how many replay
requests they serve, (count(large) - count(small)) / (large - small), so the
server's start-up, seeding and shutdown cancel out."""

import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from pgokit_cli import replay, training
from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError, ToolNotFound

TOOLS = {
    "callgrind": ["--tool=callgrind"],
    # Explicit: cache and branch simulation are what this run is for.
    "cachegrind": ["--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes"],
}


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
    totals = re.search(r"^(?:summary|totals):\s*(.+)$", text, re.M)
    if not events or not totals:
        raise PgokitError(f"{out_file} has no event totals (did valgrind finish?)")
    return dict(zip(events.group(1).split(), (int(n) for n in totals.group(1).split())))


def _run_once(tool: str, server_argv: list[str], requests: list[bytes], out_file: Path,
              console: Console) -> dict[str, int]:
    argv = ["valgrind", *TOOLS[tool], f"--{tool}-out-file={out_file}", *server_argv]
    server = training.start_server(argv, {}, out_file.with_suffix(".log"), console, ready_timeout=900)
    try:
        statuses = replay.send(server.host, server.port, requests)
    finally:
        code = training.stop_server(server, console, timeout=900)
    if code != 0:
        raise PgokitError(f"the server under {tool} exited with code {code}; log: {out_file.with_suffix('.log')}")
    if any(s >= 500 and s != 503 for s in statuses):
        raise PgokitError(f"the replay got server errors: {statuses}")
    return parse_totals(out_file)


def per_request(server_argv: list[str], scenario: Path, work: Path, console: Console,
                small: int = 1000, large: int = 4000) -> PerRequest:
    """Instructions, I1 misses and branch mispredictions per replayed request."""
    if not shutil.which("valgrind"):
        raise ToolNotFound("valgrind", "valgrind")
    requests = replay.generate(scenario, large)
    work.mkdir(parents=True, exist_ok=True)
    figures = {}
    for tool in TOOLS:
        counts = {}
        for n in (small, large):
            console.info(f"{tool}: replaying {n} requests")
            counts[n] = _run_once(tool, server_argv, requests[:n], work / f"{tool}.{n}.out", console)
        figures[tool] = {k: (counts[large][k] - counts[small][k]) / (large - small) for k in counts[large]}
    cache = figures["cachegrind"]
    return PerRequest(
        instructions=figures["callgrind"]["Ir"],
        i1_misses=cache["I1mr"],
        branch_mispredicts=cache.get("Bcm", 0.0) + cache.get("Bim", 0.0),
        requests=large - small,
    )
