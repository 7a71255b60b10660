#!/usr/bin/env python3
"""Soak test of the real pgokit-server: minutes of load, slow clients and garbage at once.

Starts the server on an ephemeral port and, for --duration seconds (default 180), runs
wrk with --connections keep-alive connections (default 400) on soak.lua's mix of order
reads, listings, creates and tasks, while Python threads hold slow connections open
(slowloris: a header byte, or a body byte, every --slow-interval seconds) and others send
malformed streams (random bytes, oversized headers and bodies, broken chunked encoding,
bad request lines, truncated requests). Then it checks that:

  - the server still answers /health, every connection it held was closed, and SIGTERM
    stops it with exit status 0;
  - its resident memory (VmRSS) grew, from the value after --warmup seconds of load, by
    less than --rss-growth-mib (64 MiB) plus --rss-per-order bytes (512) for each order
    created after the warm-up: the store legitimately grows by each created order (about
    320 bytes each, measured), anything beyond is a leak (64 MiB over the ~3.5 million
    requests of a default run is under 20 bytes per request);
  - no response, to wrk or to any other client, and no count in /metrics, is a 5xx other
    than 503 (task-queue back-pressure); wrk saw no socket errors or timeouts;
  - every slow connection was cut off after --read-timeout-ms, not earlier and not much
    later; every malformed stream got its documented answer (400, 413, 431) or, when it
    ended inside a request, none;
  - nothing was lost: listing the whole store yields ids 1..N with N the pgokit_orders
    gauge, every id a 201 returned is among them, and the only stored orders beyond the
    seeded ones and the acknowledged creates are creates still in flight when wrk stopped
    (at most one per connection, and no more than were sent unanswered).

Prints a JSON summary (also written to --json) and exits 0 when every check passed, 1
when one failed (the summary lists them), 2 when the soak could not run. Standard library
and wrk only; the release build is the one to soak:

    app/tests/soak.py --server build/x86_64-release/app/pgokit-server [--duration 180]
"""

import argparse
import http.client
import json
import os
import queue
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LISTENING = re.compile(r"^pgokit-server listening on 127\.0\.0\.1:(\d+)$")
# Label values hold braces ("/api/orders/{id}"): the label set runs to the line's last '}'.
SAMPLE = re.compile(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", re.MULTILINE)
IO_TIMEOUT = 30.0  # seconds, for a single exchange with the server
MIB = 1024 * 1024


class SoakError(Exception):
    """The soak could not run at all (server or wrk would not start)."""


def log(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


class Server:
    """The server process, its port and its stderr, collected in the background."""

    def __init__(self, command):
        log("starting: " + " ".join(command))
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stderr_lines = []
        stdout = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, stdout.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, self.stderr_lines.append),
                         daemon=True).start()
        try:
            line = stdout.get(timeout=IO_TIMEOUT)
        except queue.Empty:
            raise SoakError(f"no 'listening' line within {IO_TIMEOUT:.0f}s") from None
        match = LISTENING.match(line)
        if match is None:
            raise SoakError(f"unexpected first line on stdout: {line!r}")
        self.port = int(match.group(1))

    @staticmethod
    def _pump(stream, sink):
        for raw in iter(stream.readline, b""):
            sink(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def rss_bytes(self):
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise SoakError("no VmRSS in /proc/PID/status")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Client:
    """One keep-alive HTTP connection to the server, for the checks."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)

    def get(self, path):
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the connection after its idle timeout: reconnect once.
            self.connection.close()
            return self._get(path)

    def _get(self, path):
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        return response.status, response.read()

    def metrics(self):
        """The /metrics samples as {(name, labels): value}."""
        status, body = self.get("/metrics")
        if status != 200:
            raise SoakError(f"/metrics answered {status}")
        return {(name, labels or ""): float(value)
                for name, labels, value in SAMPLE.findall(body.decode())}

    def close(self):
        self.connection.close()


def status_of(reply):
    """The status code of the first response in `reply`, or None for no response."""
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
    if reply and match is None:
        return "garbled"
    return int(match.group(1)) if match else None


# Each malformed stream, and the answers it may get (None: closed without one).
def malformed_streams(rng):
    chunked = (b"POST /api/orders HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
    return {
        "random-bytes": (rng.randbytes(rng.randint(1, 2000)), {400, None}),
        "oversized-header": (b"GET /health HTTP/1.1\r\nHost: soak\r\nX-Big: " + b"a" * 9000
                             + b"\r\n\r\n", {431}),
        "oversized-body": (b"POST /api/orders HTTP/1.1\r\nHost: soak\r\nContent-Type: "
                           b"application/json\r\nContent-Length: 2000000\r\n\r\n{", {413}),
        "bad-chunk-size": (chunked + b"zz\r\n{}\r\n0\r\n\r\n", {400}),
        "bad-chunk-framing": (chunked + b"2\r\n{}garbage\r\n0\r\n\r\n", {400}),
        "header-without-colon": (b"GET /health HTTP/1.1\r\nHost soak\r\n\r\n", {400}),
        "bad-version": (b"GET /health HTTP/3.0\r\nHost: soak\r\n\r\n", {400}),
        "truncated": (b"POST /api/orders HTTP/1.1\r\nHost: soak\r\nContent-Length: 50\r\n\r\n{\"cur",
                      {None}),
    }


def exchange(port, data):
    """Sends `data`, ends the stream, and returns everything read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading all of it
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
        return reply


def malformed_client(port, stop, seed, results):
    """Sends malformed streams until `stop`; results[kind][status] counts the answers."""
    rng = random.Random(seed)
    while not stop.is_set():
        for kind, (data, expected) in malformed_streams(rng).items():
            if stop.is_set():
                return
            try:
                status = status_of(exchange(port, data))
            except OSError as error:
                status = f"error: {error.__class__.__name__}"
            results.append((kind, status, status in expected))
            stop.wait(0.02)


def slow_client(port, stop, interval, body, results):
    """Opens connections that send one byte every `interval` seconds, and records how long
    each stayed open before the server closed it."""
    if body:
        head = (b"POST /api/orders HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                b"Content-Length: 4096\r\n\r\n")
        trickle = b"{" + b" " * 4095
    else:
        head = b""
        trickle = b"GET /health HTTP/1.1\r\nHost: soak\r\nX-Slow: " + b"s" * 4000
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        except OSError as error:
            results.append(("connect-error", str(error)))
            stop.wait(interval)
            continue
        with sock:
            start = time.monotonic()
            try:
                sock.sendall(head + trickle[:1])  # the read timeout starts with the first byte
                for byte in range(1, len(trickle)):
                    readable, _, _ = select.select([sock], [], [], interval)
                    if readable:
                        reply = sock.recv(65536)
                        results.append(("closed", time.monotonic() - start, status_of(reply)))
                        break
                    if stop.is_set():
                        break
                    sock.sendall(trickle[byte:byte + 1])
                else:
                    results.append(("never-closed", time.monotonic() - start, None))
            except (BrokenPipeError, ConnectionResetError):
                results.append(("closed", time.monotonic() - start, None))


def run_wrk(args, port, ids_path):
    command = [args.wrk, f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "10s", "-s", str(HERE / "soak.lua"), f"http://127.0.0.1:{port}"]
    env = dict(os.environ, PGOKIT_SOAK_IDS=str(ids_path), PGOKIT_SOAK_ORDERS=str(args.seed_orders))
    log("running: " + " ".join(command))
    return command, subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, text=True)


def wrk_summary(output):
    for line in output.splitlines():
        if line.startswith("pgokit-soak: "):
            return json.loads(line[len("pgokit-soak: "):])
    raise SoakError("wrk printed no 'pgokit-soak:' summary:\n" + output)


def list_store(client):
    """Every order id in the store, by paging through the listing."""
    ids, cursor = [], None
    while True:
        path = "/api/orders?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, body = client.get(path)
        if status != 200:
            raise SoakError(f"{path} answered {status}: {body[:200]!r}")
        page = json.loads(body)
        ids.extend(order["id"] for order in page["orders"])
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def server_statuses(metrics):
    counts = Counter()
    for (name, labels), value in metrics.items():
        if name == "pgokit_http_requests_total":
            code = re.search(r'code="(\d+)"', labels)
            counts[code.group(1) if code else labels] += int(value)
    return dict(sorted(counts.items()))


def bad_5xx(statuses):
    return {code: n for code, n in statuses.items()
            if str(code).startswith("5") and str(code) != "503" and n}


def soak(args, summary, failures):
    def check(condition, message):
        if not condition:
            failures.append(message)
            log("FAILED: " + message)

    server = Server([args.server, "--port", "0", "--threads", str(args.threads),
                     "--workers", str(args.workers), "--seed-orders", str(args.seed_orders),
                     "--read-timeout-ms", str(args.read_timeout_ms)])
    workdir = Path(tempfile.mkdtemp(prefix="pgokit-soak-"))
    try:
        port = server.port
        client = Client(port)
        status, _ = client.get("/health")
        if status != 200:
            raise SoakError(f"/health answered {status} before the soak")
        rss_start = server.rss_bytes()

        stop = threading.Event()
        malformed, slow = [], []
        threads = [threading.Thread(target=malformed_client, args=(port, stop, 1000 + i, malformed))
                   for i in range(args.malformed_clients)]
        threads += [threading.Thread(target=slow_client,
                                     args=(port, stop, args.slow_interval, i % 2 == 1, slow))
                    for i in range(args.slow_clients)]
        ids_path = workdir / "acknowledged-ids.txt"
        started = time.monotonic()
        wrk_command, wrk = run_wrk(args, port, ids_path)
        for thread in threads:
            thread.start()

        rss_samples = []
        rss_warm = orders_warm = None
        while wrk.poll() is None:
            time.sleep(1.0)
            rss_samples.append(server.rss_bytes())
            if rss_warm is None and time.monotonic() - started >= args.warmup:
                rss_warm = server.rss_bytes()
                orders_warm = int(client.metrics()[("pgokit_orders", "")])
                log(f"warm-up done: VmRSS {rss_warm / MIB:.1f} MiB, {orders_warm} orders")
            if time.monotonic() - started > args.duration + 120:
                wrk.kill()
                raise SoakError("wrk ran two minutes past its duration")
        wrk_output = wrk.stdout.read()
        elapsed = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(args.slow_interval + IO_TIMEOUT)
        if wrk.returncode != 0:
            raise SoakError(f"wrk exited with {wrk.returncode}:\n{wrk_output}")
        if rss_warm is None:
            raise SoakError(f"--warmup {args.warmup}s is not shorter than --duration {args.duration}s")
        load = wrk_summary(wrk_output)

        # Every connection the soak opened is closed now; the server must notice each one.
        deadline = time.monotonic() + args.read_timeout_ms / 1000 + 10
        while True:
            metrics = client.metrics()
            open_connections = int(metrics[("pgokit_http_connections_active", "")]) - 1
            if open_connections <= 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        check(open_connections <= 0,
              f"{open_connections} connection(s) still open on the server after the soak")

        status, body = client.get("/health")
        check(status == 200, f"/health answered {status} after the soak: {body[:200]!r}")
        rss_end = server.rss_bytes()
        orders_end = int(metrics[("pgokit_orders", "")])
        listed = list_store(client)
        client.close()

        # Memory: growth after warm-up, less what the orders created since then may use.
        created_after_warm = orders_end - orders_warm
        bound = args.rss_growth_mib * MIB + args.rss_per_order * created_after_warm
        growth = rss_end - rss_warm
        check(growth < bound,
              f"VmRSS grew {growth / MIB:.1f} MiB after warm-up; the bound is {bound / MIB:.1f} MiB "
              f"({args.rss_growth_mib} MiB + {args.rss_per_order} B x {created_after_warm} orders)")

        # Statuses: wrk's, the other clients', and the server's own counts.
        check(not bad_5xx(load["statuses"]), f"wrk got 5xx other than 503: {bad_5xx(load['statuses'])}")
        served = server_statuses(metrics)
        check(not bad_5xx(served), f"/metrics counts 5xx other than 503: {bad_5xx(served)}")
        errors = load["errors"]
        check(not any(errors.values()), f"wrk saw socket errors or timeouts: {errors}")
        unexpected = Counter((kind, str(got)) for kind, got, ok in malformed if not ok)
        check(not unexpected, f"malformed streams got unexpected answers: {dict(unexpected)}")
        check(len(malformed) > 0, "no malformed stream was sent")

        # Slow clients: cut off by the read timeout, measured from their first byte.
        timeout = args.read_timeout_ms / 1000
        lifetimes = [entry[1] for entry in slow if entry[0] == "closed"]
        check(len(lifetimes) > 0 or args.slow_clients == 0, "no slow connection was ever cut off")
        early = [t for t in lifetimes if t < timeout - 0.5]
        late = [t for t in lifetimes if t > timeout + args.slow_interval + 3]
        check(not early, f"{len(early)} slow connection(s) closed before the read timeout: "
                         f"{sorted(early)[:5]}")
        check(not late, f"{len(late)} slow connection(s) outlived the read timeout: {sorted(late)[-5:]}")
        slow_answers = Counter(str(entry[2]) for entry in slow if entry[0] == "closed")
        check(set(slow_answers) <= {"None"}, f"slow connections were answered: {dict(slow_answers)}")
        slow_errors = [entry for entry in slow if entry[0] not in ("closed", "never-closed")]
        check(not slow_errors, f"slow clients could not connect: {slow_errors[:3]}")

        # Orders: the store is whole, and holds every acknowledged create.
        acknowledged = ids_path.read_text().split()
        check(all(text.isdigit() for text in acknowledged),
              f"a 201 without an id: {[t for t in acknowledged if not t.isdigit()][:3]}")
        acknowledged_ids = {int(text) for text in acknowledged if text.isdigit()}
        check(len(acknowledged_ids) == len(acknowledged), "two creates were given the same id")
        check(listed == list(range(1, len(listed) + 1)),
              "the listing is not ids 1..N in order (an order is missing or repeated)")
        check(len(listed) == orders_end,
              f"the listing holds {len(listed)} orders, /metrics pgokit_orders says {orders_end}")
        stored_new = set(listed[args.seed_orders:])
        missing = acknowledged_ids - stored_new
        check(not missing, f"{len(missing)} acknowledged order(s) are not in the store: "
                           f"{sorted(missing)[:5]}")
        in_flight = len(stored_new) - len(acknowledged_ids & stored_new)
        unanswered = load["creates_sent"] - load["creates_201"]
        check(0 <= in_flight <= min(unanswered, args.connections),
              f"{in_flight} stored order(s) were never acknowledged; at most "
              f"{min(unanswered, args.connections)} creates were in flight when wrk stopped")

        # A clean stop after all that.
        server.process.send_signal(signal.SIGTERM)
        try:
            exit_status = server.process.wait(IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            exit_status = "still running"
        check(exit_status == 0, f"server exit status after SIGTERM: {exit_status}")

        summary.update({
            "command": wrk_command,
            "duration_s": round(elapsed, 1),
            "requests": load["requests"],
            "requests_per_s": round(load["requests"] / (load["duration_us"] / 1e6)),
            "latency_us": {"p50": load["p50_us"], "p99": load["p99_us"], "max": load["max_us"]},
            "wrk_statuses": load["statuses"],
            "wrk_errors": errors,
            "server_statuses": served,
            "connections": {
                "wrk": args.connections,
                "slow_clients": args.slow_clients,
                "slow_connections_cut": len(lifetimes),
                "slow_lifetime_s": [round(min(lifetimes), 2), round(max(lifetimes), 2)]
                if lifetimes else None,
                "malformed_clients": args.malformed_clients,
                "malformed_streams": len(malformed),
                "malformed_answers": {kind: dict(Counter(str(got) for k, got, _ in malformed if k == kind))
                                      for kind in malformed_streams(random.Random(0))},
            },
            "rss_mib": {
                "start": round(rss_start / MIB, 1),
                "after_warmup": round(rss_warm / MIB, 1),
                "end": round(rss_end / MIB, 1),
                "max": round(max(rss_samples) / MIB, 1),
                "growth": round(growth / MIB, 1),
                "bound": round(bound / MIB, 1),
            },
            "orders": {
                "seeded": args.seed_orders,
                "after_warmup": orders_warm,
                "end": orders_end,
                "creates_sent": load["creates_sent"],
                "creates_201": load["creates_201"],
                "stored_unacknowledged": in_flight,
                "listed": len(listed),
            },
            "server_exit_status": exit_status,
        })
    finally:
        server.kill()
        if failures:
            summary["server_stderr_tail"] = server.stderr_lines[-20:]
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--server", required=True, help="path to pgokit-server")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--warmup", type=int, default=20,
                        help="seconds of load before the baseline VmRSS is taken")
    parser.add_argument("--connections", type=int, default=400, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--slow-clients", type=int, default=40,
                        help="slowloris connections (half trickle headers, half bodies)")
    parser.add_argument("--slow-interval", type=float, default=3.0,
                        help="seconds between a slow client's bytes")
    parser.add_argument("--malformed-clients", type=int, default=4,
                        help="threads sending malformed streams")
    parser.add_argument("--threads", type=int, default=2, help="server I/O threads")
    parser.add_argument("--workers", type=int, default=2, help="server task workers")
    parser.add_argument("--seed-orders", type=int, default=100000, help="server --seed-orders")
    parser.add_argument("--read-timeout-ms", type=int, default=10000, help="server --read-timeout-ms")
    parser.add_argument("--rss-growth-mib", type=int, default=64,
                        help="allowed VmRSS growth after warm-up, besides created orders")
    parser.add_argument("--rss-per-order", type=int, default=512,
                        help="allowed VmRSS bytes per order created after warm-up")
    parser.add_argument("--wrk", default="wrk", help="the wrk executable")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()

    if shutil.which(args.wrk) is None:
        print(f"soak: no '{args.wrk}' on PATH; install it with `make setup` (Debian: apt-get install wrk)",
              file=sys.stderr)
        return 2
    summary = {"soak_command": [Path(sys.argv[0]).name] + sys.argv[1:]}
    failures = []
    try:
        soak(args, summary, failures)
    except (SoakError, OSError, subprocess.SubprocessError) as error:
        print(f"soak: could not run: {error}", file=sys.stderr)
        return 2
    summary["failures"] = failures
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    log("all checks passed" if not failures else f"{len(failures)} check(s) FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
