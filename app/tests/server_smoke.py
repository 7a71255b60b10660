#!/usr/bin/env python3
"""Smoke test of the real pgokit-server executable, standard library only.

Starts the server on an ephemeral port (under the cross-compiling emulator when one is
given), checks /health and /metrics, throws garbage at it, checks that it still answers,
then sends SIGTERM while requests are in flight and expects every one of them answered and
the process to exit 0. Timeouts are generous: arm64 builds run under qemu, ~10x slower.
"""

import argparse
import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

TIMEOUT = 120.0  # seconds, for anything that waits on the server
LISTENING = re.compile(r"^pgokit-server listening on 127\.0\.0\.1:(\d+)$")
IN_FLIGHT = re.compile(r"^pgokit_http_requests_in_flight (\d+)$", re.MULTILINE)


class SmokeFailure(Exception):
    """A check failed; the message says which and what was seen."""


def check(condition, message):
    if not condition:
        raise SmokeFailure(message)


def step(message):
    print(f"smoke: {message}", flush=True)


class ServerProcess:
    """The server under test, its port, and its stderr collected in the background."""

    def __init__(self, command):
        self.command = command
        step("starting: " + " ".join(command))
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stderr_lines = []
        self._stdout = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, self._stdout.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, self.stderr_lines.append),
                         daemon=True).start()
        self.port = self._read_port()

    @staticmethod
    def _pump(stream, sink):
        for raw in iter(stream.readline, b""):
            sink(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def _read_port(self):
        try:
            line = self._stdout.get(timeout=TIMEOUT)
        except queue.Empty:
            raise SmokeFailure(f"no 'listening' line within {TIMEOUT:.0f}s") from None
        match = LISTENING.match(line)
        check(match is not None, f"unexpected first line on stdout: {line!r}")
        return int(match.group(1))

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stderr(self):
        return "\n".join(self.stderr_lines)


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def raw_exchange(port, data):
    """Sends raw bytes and returns whatever comes back before the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and hang up before reading everything
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        return received


def check_health(port, expect_arch):
    status, headers, body = request(port, "GET", "/health")
    check(status == 200, f"/health answered {status}: {body!r}")
    content_type = headers.get("Content-Type", "")
    check(content_type == "application/health+json",
          f"/health Content-Type is {content_type!r}")
    health = json.loads(body)
    check(health.get("status") == "ok", f"/health status: {health}")
    check(health.get("arch") == expect_arch,
          f"/health arch is {health.get('arch')!r}, expected {expect_arch!r}")
    check(health.get("stage") in ("release", "instrumented", "optimized"), f"/health stage: {health}")
    return health


def in_flight(port):
    status, _, body = request(port, "GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    match = IN_FLIGHT.search(body.decode())
    check(match is not None, "/metrics has no pgokit_http_requests_in_flight")
    return int(match.group(1)) - 1  # the scrape itself is in flight too


def run_checks(server, args):
    port = server.port
    health = check_health(port, args.expect_arch)
    step(f"/health ok: {health}")

    status, headers, body = request(port, "GET", "/metrics")
    check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          f"/metrics answered {status} {headers.get('Content-Type')}")
    check(b'pgokit_http_requests_total{route="/health",code="200"}' in body,
          "/metrics does not count the /health request")
    step("/metrics ok")

    status, _, body = request(port, "GET", "/api/orders/123")
    check(status == 200 and json.loads(body)["id"] == 123, f"/api/orders/123 answered {status}")
    step("/api/orders/123 ok")

    reply = raw_exchange(port, os.urandom(100_000))
    check(reply == b"" or reply.startswith(b"HTTP/1.1 4"), f"random bytes got {reply[:80]!r}")
    first_line = reply.split(b"\r\n", 1)[0].decode() if reply else "connection closed"
    step(f"100000 random bytes: {first_line}")

    status, _, body = request(port, "POST", "/api/orders", body=b"{not json",
                              headers={"Content-Type": "application/json"})
    check(status == 400 and json.loads(body)["error"]["code"] == "invalid_json",
          f"invalid JSON answered {status}: {body!r}")
    step("invalid JSON POST: 400 invalid_json")

    malformed = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost\r\n\r\n",
        b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
        b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n",
        b"POST /api/orders HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
    ]
    for data in malformed:
        reply = raw_exchange(port, data)
        status_line = reply.split(b"\r\n", 1)[0]
        check(re.match(rb"^HTTP/1\.1 (400|413|431) ", status_line) is not None,
              f"{data[:40]!r} got {status_line!r}")
        step(f"{data[:30]!r}: {status_line.decode()}")

    check_health(port, args.expect_arch)
    step("/health still ok after bad input")

    # Graceful shutdown: SIGTERM while tasks are running (one worker: they queue up).
    task = json.dumps({"data": "a" * 32768, "rounds": 300}).encode()
    results = [None] * 3

    def run_task(index):
        try:
            results[index] = request(port, "POST", "/api/tasks", body=task,
                                     headers={"Content-Type": "application/json"})[0]
        except Exception as error:  # reported below with the others
            results[index] = error

    threads = [threading.Thread(target=run_task, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    while True:
        # Answers first: a request answered after this count was still in flight below.
        answered = sum(1 for result in results if result is not None)
        busy = in_flight(port)
        if answered + busy >= len(results):
            break
        check(time.monotonic() < deadline, "tasks never showed up as in flight")
        time.sleep(0.01)
    step(f"SIGTERM with {busy} request(s) in flight, {answered} answered")
    server.process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(TIMEOUT)
    check(results == [200] * len(results), f"in-flight tasks got {results}")
    try:
        code = server.process.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SmokeFailure(f"server still running {TIMEOUT:.0f}s after SIGTERM") from None
    check(code == 0, f"server exited with {code} after SIGTERM")
    step("in-flight tasks answered, exit status 0")


def check_startup_errors(prefix, server_path, port):
    bad = subprocess.run(prefix + [server_path, "--port", "nope"], capture_output=True,
                         timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    check(bad.returncode == 2, f"bad option exited {bad.returncode}")
    check(b"--port" in bad.stderr, f"bad option message: {bad.stderr!r}")
    step("bad option: exit 2")

    busy = subprocess.run(prefix + [server_path, "--port", str(port), "--seed-orders", "0"],
                          capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    check(busy.returncode != 0, "a second server on a busy port did not fail")
    check(b"cannot listen" in busy.stderr, f"port in use message: {busy.stderr!r}")
    step(f"port in use: exit {busy.returncode}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="path to pgokit-server")
    parser.add_argument("--expect-arch", required=True, choices=["x86_64", "arm64"])
    parser.add_argument("--emulator", default="",
                        help="CMake list (';'-separated) to prefix the command with, e.g. qemu")
    args = parser.parse_args()
    prefix = [part for part in args.emulator.split(";") if part]

    server = None
    try:
        server = ServerProcess(prefix + [args.server, "--port", "0", "--seed-orders", "20000",
                                         "--workers", "1", "--shutdown-timeout-ms", "120000"])
        check_startup_errors(prefix, args.server, server.port)
        run_checks(server, args)
    except (SmokeFailure, OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
        print(f"smoke: FAILED: {error}", file=sys.stderr)
        if server is not None:
            server.stop()
            print("smoke: server stderr:\n" + server.stderr(), file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
