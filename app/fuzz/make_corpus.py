#!/usr/bin/env python3
"""Regenerates the server fuzzer's corpus in corpus/: one raw client byte stream per file,
as a connection would receive it. Valid requests of every route are the fuzzer's seeds; the
rest are one file per way a stream can go wrong (framing, limits, JSON, versions). The
suite replays every file through the sanitized fuzz target (app.corpus): no crash, and the
target's own invariants hold.

    make_corpus.py

File names say what the stream holds: get-*, head-*, post-* and delete-* are single
requests, pipelined-* several on one connection, chunked-* chunked bodies, limit-* streams
over the fuzzer's limits (1024 header bytes, 4096 body bytes), bad-* malformed HTTP,
incomplete-* streams that end inside a request, and raw-* bytes that are not HTTP at all.
"""

import json
import random
import struct
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

# Must match HttpCodecFuzzer.cpp's kLimits.
MAX_HEADER_BYTES = 1024
MAX_BODY_BYTES = 4096

ORDER = {"currency": "EUR", "items": [{"sku": "SKU-00042", "qty": 2, "price": 1999},
                                       {"sku": "SKU-31337", "qty": 1, "price": 500}],
         "metadata": {"channel": "web", "campaign": "c7"}}


def fnv1a64(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def cursor(after_id: int) -> str:
    """OrderStore::encode_cursor, so listings can be resumed by the seeds."""
    value = ((after_id * 0x9e3779b97f4a7c15) & 0xFFFFFFFFFFFFFFFF) ^ 0x5bd1e9955bd1e995
    h = fnv1a64(struct.pack("<Q", value))
    check = (h ^ (h >> 32)) & 0xFFFFFFFF
    return f"{value:016x}{check:08x}"


def request(method: str, target: str, body: bytes | None = None, *,
            version: str = "1.1", headers: list[str] | None = None,
            content_type: str | None = "application/json") -> bytes:
    lines = [f"{method} {target} HTTP/{version}", "Host: fuzz"]
    if body is not None and content_type:
        lines.append(f"Content-Type: {content_type}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines += headers or []
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def chunked(method: str, target: str, chunks: list[bytes], *, tail: bytes = b"0\r\n\r\n",
            sizes: list[str] | None = None) -> bytes:
    head = (f"{method} {target} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    body = b""
    for i, chunk in enumerate(chunks):
        size = sizes[i] if sizes else f"{len(chunk):x}"
        body += size.encode() + b"\r\n" + chunk + b"\r\n"
    return head + body + tail


def js(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def corpus() -> dict[str, bytes]:
    order = js(ORDER)
    task = js({"data": "hello, fuzzer", "rounds": 3, "encoding": "hex"})
    files = {
        # Every route, answered 2xx.
        "get-health": request("GET", "/health"),
        "get-metrics": request("GET", "/metrics"),
        "get-order": request("GET", "/api/orders/7"),
        "get-order-legacy": request("GET", "/api/order?id=7"),
        "get-orders": request("GET", "/api/orders"),
        "get-orders-filtered": request("GET", "/api/orders?status=paid&limit=5"),
        "get-orders-cursor": request("GET", f"/api/orders?limit=3&cursor={cursor(8)}"),
        "get-orders-limit-capped": request("GET", "/api/orders?limit=1000"),
        "get-percent-encoded": request("GET", "/api/orders?status=%70aid&limit=%32"),
        "head-order": request("HEAD", "/api/orders/1"),
        # Obsolete line folding: Beast unfolds it, as RFC 9112 5.2 allows.
        "get-obs-fold-header": b"GET /health HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n",
        "post-order": request("POST", "/api/orders", order),
        "post-order-with-status": request("POST", "/api/orders", js(
            {"currency": "USD", "status": "paid", "items": [{"sku": "A", "qty": 1, "price": 1}]})),
        "post-order-charset": request("POST", "/api/orders", order,
                                      content_type="Application/JSON; charset=utf-8"),
        "post-task-hex": request("POST", "/api/tasks", task),
        "post-task-base64": request("POST", "/api/tasks", js(
            {"data": "\u00e9t\u00e9 \u2603", "rounds": 2, "encoding": "base64"})),
        "post-task-max-rounds": request("POST", "/api/tasks", js({"data": "x" * 64, "rounds": 1000})),
        # The API's own 4xx answers.
        "get-order-missing": request("GET", "/api/orders/999999"),
        "get-order-not-numeric": request("GET", "/api/orders/abc"),
        "get-order-overflow": request("GET", "/api/orders/99999999999999999999999"),
        "get-order-legacy-no-id": request("GET", "/api/order"),
        "get-orders-bad-status": request("GET", "/api/orders?status=lost"),
        "get-orders-bad-limit": request("GET", "/api/orders?limit=0"),
        "get-orders-bad-cursor": request("GET", "/api/orders?cursor=" + "0" * 24),
        "get-bad-escape": request("GET", "/api/orders?status=%zz"),
        "get-unknown-route": request("GET", "/api/unknown/1"),
        "get-absolute-target": request("GET", "http://fuzz/health"),
        "get-asterisk-target": request("OPTIONS", "*"),
        "delete-order": request("DELETE", "/api/orders/1"),
        "post-health": request("POST", "/health", b"{}"),
        "post-order-invalid-json": request("POST", "/api/orders", b'{"currency":"EUR","items":[{'),
        "post-order-not-object": request("POST", "/api/orders", b"[1,2,3]"),
        "post-order-deep-nesting": request("POST", "/api/orders", b"[" * 2000 + b"]" * 2000),
        "post-order-bad-currency": request("POST", "/api/orders", js(
            {"currency": "EURO", "items": [{"sku": "A", "qty": 1, "price": 1}]})),
        "post-order-no-items": request("POST", "/api/orders", js({"currency": "EUR", "items": []})),
        "post-order-wrong-type": request("POST", "/api/orders", js(
            {"currency": "EUR", "items": [{"sku": "A", "qty": 1, "price": "12"}]})),
        "post-order-unknown-field": request("POST", "/api/orders", js({**ORDER, "coupon": "x"})),
        "post-order-bad-utf8": request("POST", "/api/orders",
                                       b'{"currency":"EUR","items":[{"sku":"\xff\xfe","qty":1,"price":1}]}'),
        "post-order-text-plain": request("POST", "/api/orders", order, content_type="text/plain"),
        "post-order-no-content-type": request("POST", "/api/orders", order, content_type=None),
        "post-task-bad-rounds": request("POST", "/api/tasks", js({"data": "x", "rounds": 1001})),
        "post-task-negative-rounds": request("POST", "/api/tasks", js({"data": "x", "rounds": -1})),
        "post-task-float-rounds": request("POST", "/api/tasks", js({"data": "x", "rounds": 1.5})),
        "post-task-bad-encoding": request("POST", "/api/tasks", js({"data": "x", "encoding": "rot13"})),
        "post-task-missing-data": request("POST", "/api/tasks", js({"rounds": 1})),
        "post-task-unknown-field": request("POST", "/api/tasks", js({"data": "x", "extra": 1})),
        # Several requests on one connection.
        "pipelined-routes": request("GET", "/health") + request("POST", "/api/orders", order)
        + request("GET", "/api/orders/33") + request("HEAD", "/api/orders?limit=2")
        + request("POST", "/api/tasks", task),
        "pipelined-close-then-more": request("GET", "/health", headers=["Connection: close"])
        + request("GET", "/health"),
        "pipelined-error-then-more": request("GET", "/nope") + request("POST", "/api/orders", b"{")
        + request("GET", "/health"),
        "pipelined-then-garbage": request("GET", "/health") + b"\x00\x01 not http\r\n\r\n",
        "pipelined-then-incomplete": request("GET", "/health") + b"GET /hea",
        "http10": request("GET", "/health", version="1.0"),
        "http10-keep-alive": request("GET", "/health", version="1.0", headers=["Connection: keep-alive"])
        + request("GET", "/api/orders/2", version="1.0"),
        "expect-100-continue": request("POST", "/api/orders", order, headers=["Expect: 100-continue"]),
        # Chunked bodies.
        "chunked-order": chunked("POST", "/api/orders", [order[:10], order[10:40], order[40:]]),
        "chunked-task": chunked("POST", "/api/tasks", [task[:5], task[5:]]),
        "chunked-extension": chunked("POST", "/api/tasks", [task], sizes=[f"{len(task):x};name=value"]),
        "chunked-trailer": chunked("POST", "/api/tasks", [task], tail=b"0\r\nX-Trailer: 1\r\n\r\n"),
        "chunked-upper-hex": chunked("POST", "/api/orders", [order], sizes=[f"{len(order):X}"]),
        "chunked-bad-size": chunked("POST", "/api/orders", [order], sizes=["zz"]),
        "chunked-size-overflow": chunked("POST", "/api/orders", [b"x"], sizes=["f" * 20]),
        "chunked-short-chunk": chunked("POST", "/api/orders", [order], sizes=[f"{len(order) + 5:x}"]),
        "chunked-missing-crlf": chunked("POST", "/api/orders", [order], tail=b"0\r\n"),
        "chunked-and-length": request("POST", "/api/orders", None, headers=[
            "Content-Type: application/json", "Transfer-Encoding: chunked", "Content-Length: 5"])
        + b"5\r\nhello\r\n0\r\n\r\n",
        "chunked-not-last": request("POST", "/api/orders", None, headers=[
            "Content-Type: application/json", "Transfer-Encoding: chunked, gzip"]) + b"0\r\n\r\n",
        # Over the limits: 431 and 413.
        "limit-header": request("GET", "/health", headers=["X-Big: " + "a" * MAX_HEADER_BYTES]),
        "limit-many-headers": request("GET", "/health", headers=[f"X-{i}: {i}" for i in range(150)]),
        "limit-long-target": request("GET", "/api/orders?status=" + "p" * MAX_HEADER_BYTES),
        "limit-declared-body": request("POST", "/api/orders", None, headers=[
            "Content-Type: application/json", f"Content-Length: {MAX_BODY_BYTES + 1}"]),
        "limit-chunked-body": chunked("POST", "/api/tasks", [b"x" * 3000, b"y" * 3000]),
        "limit-body-exact": request("POST", "/api/tasks", b" " * (MAX_BODY_BYTES - 12) + b'{"data":"x"}'),
        # Malformed HTTP: 400.
        "bad-request-line": b"GARBAGE\r\n\r\n",
        "bad-method-chars": b"G(T /health HTTP/1.1\r\n\r\n",
        "bad-version": b"GET /health HTTP/2.0\r\n\r\n",
        "bad-version-text": b"GET /health HTTX/1.1\r\n\r\n",
        "bad-header-no-colon": b"GET /health HTTP/1.1\r\nHost\r\n\r\n",
        "bad-header-space-before-colon": b"GET /health HTTP/1.1\r\nHost : x\r\n\r\n",
        "bad-content-length": request("POST", "/api/orders", None, headers=["Content-Length: x"]),
        "bad-content-length-twice": request("POST", "/api/orders", None, headers=[
            "Content-Length: 1", "Content-Length: 2"]) + b"ab",
        "bad-content-length-negative": request("POST", "/api/orders", None, headers=["Content-Length: -1"]),
        "bad-bare-lf": b"GET /health HTTP/1.1\nHost: x\n\n",
        "bad-nul-in-target": b"GET /he\x00alth HTTP/1.1\r\n\r\n",
        "bad-del-in-target": b"GET /a\x7f HTTP/1.1\r\n\r\n",
        "bad-leading-crlf": b"\r\n\r\n" + request("GET", "/health"),
        # Streams that end inside a request: no response.
        "incomplete-empty": b"",
        "incomplete-header": b"GET /health HTTP/1.1\r\nHost: x\r\n",
        "incomplete-body": request("POST", "/api/orders", None, headers=[
            "Content-Type: application/json", "Content-Length: 10"]) + b"abc",
        "incomplete-chunk": chunked("POST", "/api/orders", [order], tail=b"")[:-10],
        # Not HTTP at all.
        "raw-tls-client-hello": bytes.fromhex("160301002e0100002a0303") + bytes(32) + b"\x00\x00\x02\x00\x2f\x01\x00",
        "raw-http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "raw-binary": random.Random(20261203).randbytes(512),
    }
    return files


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()
    for name, data in sorted(corpus().items()):
        (CORPUS / name).write_bytes(data)
    print(f"wrote {len(corpus())} files to {CORPUS}")


if __name__ == "__main__":
    main()
