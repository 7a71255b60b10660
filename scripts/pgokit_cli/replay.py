"""A fixed request replay: the scenario's first N requests, generated once by
running the wrk scenario under luajit, then sent in order over one
keep-alive connection. The same bytes every time, so instruction and
cache-miss counts repeat."""

import shutil
import socket
import subprocess
from pathlib import Path

from pgokit_cli.errors import PgokitError, ToolNotFound

HARNESS = Path(__file__).resolve().parent / "data" / "replay.lua"


def generate(scenario: Path, count: int) -> list[bytes]:
    """The first count requests scenario makes (deterministic: it seeds its RNG)."""
    luajit = shutil.which("luajit")
    if not luajit:
        raise ToolNotFound("luajit", "luajit")
    if not scenario.is_file():
        raise PgokitError(f"scenario file not found: {scenario}")
    proc = subprocess.run([luajit, str(HARNESS), str(scenario), str(count)], capture_output=True)
    if proc.returncode != 0:
        raise PgokitError(f"could not generate requests from {scenario}: {proc.stderr.decode().strip()}")
    requests, data, pos = [], proc.stdout, 0
    while pos < len(data):
        newline = data.index(b"\n", pos)
        size = int(data[pos:newline])
        requests.append(data[newline + 1:newline + 1 + size])
        pos = newline + 1 + size
    if len(requests) != count:
        raise PgokitError(f"{scenario} produced {len(requests)} requests, expected {count}")
    return requests


def _read_response(sock_file) -> int:
    status_line = sock_file.readline()
    if not status_line:
        raise PgokitError("the server closed the connection during the replay")
    status = int(status_line.split()[1])
    length, close = 0, False
    while True:
        line = sock_file.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
        elif name.strip().lower() == "connection" and "close" in value.lower():
            close = True
    if length:
        sock_file.read(length)
    return status if not close else -status


def send(host: str, port: int, requests: list[bytes], timeout: float = 120.0) -> dict[int, int]:
    """Sends requests in order, each after the previous answer; reconnects when
    the server closes (e.g. after an error). Returns counts by status."""
    statuses: dict[int, int] = {}
    sock = None
    try:
        for req in requests:
            if sock is None:
                sock = socket.create_connection((host, port), timeout=timeout)
                reader = sock.makefile("rb")
            sock.sendall(req)
            status = _read_response(reader)
            if status < 0:
                status = -status
                reader.close()
                sock.close()
                sock = None
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        if sock is not None:
            sock.close()
    return statuses
