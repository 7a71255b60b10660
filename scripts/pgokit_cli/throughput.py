"""Throughput and latency under wrk for several server binaries, measured in one
run so they share the machine's conditions: interleaved rounds (every variant
once per round, so drift hits all of them alike), the server and wrk pinned to
different cores, and a warm-up before each measured run.

wrk running a Lua scenario can use up its core before the server uses up its
own: then requests per second measure the load generator. So each round also
records the server's CPU time (/proc/PID/stat), and the report gives its
capacity — requests per server CPU-second — and says when wrk was the limit."""

import os
import re
import shutil
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

from pgokit_cli import training
from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError, ToolNotFound

PERCENTILES = ("50", "90", "99")
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


# Below this share of its core the server was not the bottleneck of a round.
SATURATED = 0.9


@dataclass
class Round:
    requests_per_second: float
    latency_ms: dict[str, float]  # "p50", "p90", "p99"
    socket_errors: int
    server_errors: int  # 5xx answers other than 503 (back-pressure); 4xx are part of the scenario
    requests: int
    seconds: float
    server_cpu_seconds: float

    @property
    def capacity(self) -> float:
        """Requests per server CPU-second."""
        return self.requests / self.server_cpu_seconds if self.server_cpu_seconds else 0.0

    @property
    def utilization(self) -> float:
        """Share of one core the server used during the round."""
        return self.server_cpu_seconds / self.seconds if self.seconds else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_latency(wrk_output: str) -> dict[str, float]:
    """The percentiles of wrk --latency's 'Latency Distribution', in ms."""
    found = {}
    for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", wrk_output, re.M):
        if pct in PERCENTILES:
            found[f"p{pct}"] = float(value) * _UNITS_MS[unit]
    missing = [f"p{p}" for p in PERCENTILES if f"p{p}" not in found]
    if missing:
        raise PgokitError(f"wrk printed no latency distribution ({', '.join(missing)} missing); "
                          f"was it run with --latency?")
    return found


def summarize(values: list[float]) -> dict:
    """Median and spread of one figure over the rounds."""
    return {"rounds": [round(v, 3) for v in values], "median": round(statistics.median(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


def pinning() -> tuple[list[str], list[str], dict]:
    """taskset prefixes for the server and for wrk: different cores when there
    are two or more, else none (and the report says so)."""
    cores = sorted(os.sched_getaffinity(0))
    taskset = shutil.which("taskset")
    if len(cores) < 2 or not taskset:
        return [], [], {"server_cpu": None, "load_cpu": None,
                        "note": "not pinned: needs two cores and taskset"}
    server, load = str(cores[0]), str(cores[1])
    return [taskset, "-c", server], [taskset, "-c", load], {"server_cpu": server, "load_cpu": load}


def measure(servers: dict[str, list[str]], scenario: Path, work: Path, console: Console, *,
            rounds: int, duration: int, warmup: int, connections: int) -> tuple[dict[str, list[Round]], dict]:
    """Runs every server command `rounds` times, interleaved, under wrk with the
    scenario. Returns the rounds by variant and the settings used."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise ToolNotFound("wrk", "wrk")
    server_prefix, load_prefix, pins = pinning()
    results: dict[str, list[Round]] = {name: [] for name in servers}
    for n in range(1, rounds + 1):
        for name, argv in servers.items():
            console.info(f"round {n}/{rounds}: {name}")
            log = work / re.sub(r"[^A-Za-z0-9.-]+", "_", name) / f"round-{n}.log"
            server = training.start_server([*server_prefix, *argv], {}, log, console)
            try:
                if warmup:
                    training.run_load(wrk, scenario, server, duration=warmup, connections=connections,
                                      threads=1, console=console, prefix=load_prefix)
                before = cpu_seconds(server.proc.pid)
                load = training.run_load(wrk, scenario, server, duration=duration, connections=connections,
                                         threads=1, console=console, prefix=load_prefix)
                used = cpu_seconds(server.proc.pid) - before
            finally:
                code = training.stop_server(server, console)
            if code != 0:
                raise PgokitError(f"{name} exited with code {code} after a load round; log: {log}")
            failed = sum(n for status, n in load.statuses.items()
                         if str(status).isdigit() and int(status) >= 500 and int(status) != 503)
            results[name].append(Round(load.requests_per_second, parse_latency(load.output),
                                       load.socket_errors, failed, load.requests, load.seconds, used))
    settings = {"duration_s": duration, "connections": connections, "rounds": rounds, "warmup_s": warmup,
                "threads": 1, **pins}
    return results, settings


def to_json(rounds: list[Round]) -> dict:
    """The report's throughput, latency and error figures for one variant."""
    return {
        "throughput": summarize([r.requests_per_second for r in rounds]),
        "capacity": summarize([r.capacity for r in rounds]),
        "server_utilization": round(statistics.median(r.utilization for r in rounds), 3),
        "latency_ms": {p: summarize([r.latency_ms[p] for r in rounds]) for p in rounds[0].latency_ms},
        "errors": {"socket": sum(r.socket_errors for r in rounds),
                   "5xx": sum(r.server_errors for r in rounds)},
        "raw_rounds": [{**asdict(r), "capacity": round(r.capacity, 1)} for r in rounds],
    }
