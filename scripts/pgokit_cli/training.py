"""Training runs: start a server (natively or under qemu-user), wait until it
is ready, drive it with wrk from a scenario, stop it with SIGTERM so it
flushes its profile, and say clearly what went wrong when something does."""

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError, ToolNotFound

LISTENING = re.compile(r"listening on (\S+):(\d+)")
SCENARIO_LINE = "pgokit-scenario:"


class TrainingFailed(PgokitError):
    """The training run did not produce a trustworthy profile."""


@dataclass
class Server:
    """A running server process and where it listens."""

    proc: subprocess.Popen
    host: str
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self, during: str) -> None:
        code = self.proc.poll()
        if code is not None:
            raise TrainingFailed(
                f"the server exited with code {code} {during}; its log ({self.log_path}) ends:\n"
                + self.log_tail(),
                hint="run the instrumented binary by hand with the same arguments to see why",
            )


def start_server(argv: list[str], env: dict[str, str], log_path: Path, console: Console,
                 ready_timeout: float = 120.0) -> Server:
    """Starts argv and waits for its 'listening on HOST:PORT' line and /health."""
    console.detail("$ " + " ".join(f"{k}={v}" for k, v in env.items()) + " " + " ".join(argv))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    try:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                stderr=log, stdin=subprocess.DEVNULL, text=True)
    except OSError as exc:
        log.close()
        raise TrainingFailed(f"cannot start {argv[0]}: {exc}") from exc
    deadline = time.monotonic() + ready_timeout
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    host = port = None
    while host is None and time.monotonic() < deadline:
        if sel.select(timeout=0.5):
            line = proc.stdout.readline()
            if not line:
                break
            log.write(line)
            log.flush()
            match = LISTENING.search(line)
            if match:
                host, port = match.group(1), int(match.group(2))
        elif proc.poll() is not None:
            break
    sel.close()
    # Keep draining stdout into the log so the server never blocks on a full pipe.
    _drain_in_background(proc, log)
    server = Server(proc, host or "127.0.0.1", port or 0, log_path)
    if host is None:
        server.check_alive("before it started listening")
        stop_server(server, console, timeout=10)
        raise TrainingFailed(f"the server did not print 'listening on HOST:PORT' within {ready_timeout:.0f}s")
    wait_healthy(server, deadline)
    return server


def _drain_in_background(proc: subprocess.Popen, log) -> None:
    def pump():
        for line in proc.stdout:
            log.write(line)
        log.close()

    threading.Thread(target=pump, daemon=True).start()


def wait_healthy(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        server.check_alive("while starting")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TrainingFailed(f"{server.url}/health did not answer 200 in time; log: {server.log_path}")


def stop_server(server: Server, console: Console, timeout: float = 120.0) -> int:
    """SIGTERM, then wait: a clean exit is what writes the profile."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
    try:
        return server.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
        raise TrainingFailed(
            f"the server did not exit within {timeout:.0f}s of SIGTERM and was killed; "
            "its profile was not written",
            hint="the server must return from main (or call exit) on SIGTERM",
        )


@dataclass
class LoadResult:
    """What wrk measured, plus the scenario's own status counts."""

    requests: int
    seconds: float
    requests_per_second: float
    socket_errors: int
    non_2xx: int
    statuses: dict[str, int] = field(default_factory=dict)
    output: str = ""  # wrk's whole report (latency distribution etc.)


def parse_wrk(text: str) -> LoadResult:
    def number(pattern, default="0"):
        m = re.search(pattern, text)
        return m.group(1) if m else default

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)",
                                             number(r"Socket errors: ([^\n]+)", "")))
    statuses: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith(SCENARIO_LINE):
            statuses = json.loads(line[len(SCENARIO_LINE):]).get("statuses", {})
    return LoadResult(
        requests=int(number(r"(\d+) requests in")),
        seconds=float(number(r"requests in ([\d.]+)s")),
        requests_per_second=float(number(r"Requests/sec:\s+([\d.]+)")),
        socket_errors=errors,
        non_2xx=int(number(r"Non-2xx or 3xx responses: (\d+)")),
        statuses=statuses,
        output=text,
    )


def check_load_inputs(scenario: Path, wrk: str = "wrk") -> str:
    """The scenario exists and wrk can be run; returns wrk's path."""
    if not scenario.is_file():
        raise TrainingFailed(f"scenario file not found: {scenario}",
                             hint="name one of profiles/scenarios/*.lua or give a path")
    found = shutil.which(wrk)
    if not found:
        raise ToolNotFound("wrk", "wrk")
    return found


def run_load(wrk: str, scenario: Path, server: Server, *, duration: int, connections: int,
             threads: int, console: Console, prefix: list[str] | tuple[str, ...] = ()) -> LoadResult:
    """Drives server with wrk running scenario; fails if the server dies meanwhile.
    prefix goes before wrk's command (taskset, to pin it)."""
    wrk = check_load_inputs(scenario, wrk)
    argv = [*prefix, wrk, f"-t{threads}", f"-c{max(connections, threads)}", f"-d{duration}s",
            "--latency", "-s", str(scenario), server.url]
    console.detail("$ " + " ".join(argv))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    start = time.monotonic()
    while proc.poll() is None:
        if server.proc.poll() is not None:
            proc.kill()
            proc.wait()
            server.check_alive("during training")
        if console.interactive and not console.quiet:
            console.progress(f"training: {min(time.monotonic() - start, duration):.0f}/{duration}s")
        time.sleep(0.5)
    output = proc.stdout.read()
    console.progress_done()
    server.check_alive("during training")
    if proc.returncode != 0:
        raise TrainingFailed(f"wrk failed (exit {proc.returncode}):\n{output.strip()[-2000:]}")
    result = parse_wrk(output)
    if result.requests == 0:
        raise TrainingFailed(f"wrk sent no requests to {server.url}:\n{output.strip()[-2000:]}")
    return result
