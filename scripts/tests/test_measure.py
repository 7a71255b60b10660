"""The replay generator and valgrind result parsing."""

import shutil
import socket
import threading
from pathlib import Path

import pytest

from pgokit_cli import measure, replay
from pgokit_cli.errors import PgokitError

SCENARIO = Path(__file__).resolve().parents[2] / "profiles" / "scenarios" / "mixed.lua"
needs_luajit = pytest.mark.skipif(not shutil.which("luajit"), reason="needs luajit (make setup)")


@needs_luajit
def test_replay_is_the_same_every_time():
    first = replay.generate(SCENARIO, 200)
    assert first == replay.generate(SCENARIO, 200)
    assert all(r.startswith((b"GET ", b"POST ", b"DELETE ")) for r in first)
    assert any(b"/api/tasks" in r for r in first) and any(b"/api/orders?" in r for r in first)


@needs_luajit
def test_replay_bodies_carry_their_length():
    for req in replay.generate(SCENARIO, 300):
        head, _, body = req.partition(b"\r\n\r\n")
        if b"Content-Length:" in head:
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            assert length == len(body)


@needs_luajit
def test_broken_scenario_is_reported(tmp_path):
    bad = tmp_path / "bad.lua"
    bad.write_text("function request( return nil end")
    with pytest.raises(PgokitError, match="could not generate requests"):
        replay.generate(bad, 3)


def test_send_counts_statuses_and_reconnects_after_close():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        for close_after in (True, False):
            conn, _ = listener.accept()
            with conn, conn.makefile("rb") as reader:
                while True:
                    line = reader.readline()
                    if not line:
                        break
                    while reader.readline() not in (b"\r\n", b""):
                        pass
                    if close_after:
                        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
                        break
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert replay.send("127.0.0.1", port, [request] * 3) == {404: 1, 200: 2}
    listener.close()


def test_totals_are_read_by_event_name(tmp_path):
    out = tmp_path / "cg.out"
    out.write_text("desc: I1 cache: 32768 B\ncmd: x\nevents: Ir I1mr Bc Bcm\nfl=a\n1 2 3 4 5\nsummary: 100 7 20 3\n")
    assert measure.parse_totals(out) == {"Ir": 100, "I1mr": 7, "Bc": 20, "Bcm": 3}


def test_unfinished_valgrind_output_is_an_error(tmp_path):
    out = tmp_path / "cg.out"
    out.write_text("events: Ir\n")
    with pytest.raises(PgokitError, match="no event totals"):
        measure.parse_totals(out)


# Two objects, a call whose inclusive cost must not count as the caller's own,
# relative and repeated addresses, and a name given once and then by number.
CALLGRIND_OUT = """\
desc: I1 cache: 32768 B, 64 B, 8-way associative
positions: instr line
events: Ir Dr I1mr
ob=(1) /srv/app
fn=(1) hot
0x1000 10 2000 5 1
+4 11 2000
+60 12 2000
* 12 10
calls=2000 0x9000 40
+4 13 900000
0x1100 20 1999
ob=(2) /lib/libc.so.6
fn=(2) memcpy
0x1000 0 4000
cob=(1)
cfn=(1)
calls=1 0x1000 10
0x1010 0 77
"""


def test_footprint_counts_lines_by_their_most_run_instruction(tmp_path):
    out = tmp_path / "callgrind.out"
    out.write_text(CALLGRIND_OUT)
    footprint = measure.code_footprint(out, requests=2000)
    # /srv/app: lines 0x1000 (hot), 0x1040 (hot: 0x1040 ran 2000 times), 0x1100 (1,999: not hot);
    # libc: line 0x1000 (hot). The call's 900,000 is the callee's inclusive cost.
    assert footprint.code_kib == 4 * 64 / 1024
    assert footprint.hot_code_kib == 3 * 64 / 1024
    assert footprint.l1i_bytes == 32768


def test_footprint_needs_instruction_addresses(tmp_path):
    out = tmp_path / "callgrind.out"
    out.write_text("positions: line\nevents: Ir\nfl=a\n1 5\n")
    with pytest.raises(PgokitError, match="no instruction addresses"):
        measure.code_footprint(out, requests=1)


def test_l1i_option_simulates_the_asked_cache_or_the_hosts():
    assert measure.l1i_option(None) == []
    assert measure.l1i_option(65536) == ["--I1=65536,8,64"]


def test_i1_target_is_judged_at_the_hosts_cache_only():
    """A bigger simulated L1i can turn any layout into a 5x win: that is no verdict."""
    from pgokit_cli.commands.bench import BASELINE, BEST, targets

    def counts(instructions, i1_misses):
        return {"counts": {"instructions": instructions, "i1_misses": i1_misses}}

    by_name = {BASELINE: counts(39_462, 19.4), BEST: counts(35_269, 3.1)}
    host, bigger = targets(by_name)[-1], targets(by_name, l1i=131072)[-1]
    assert host["met"] and host["value"] == pytest.approx(6.258, abs=1e-3)
    assert not bigger["met"] and "128 KiB L1i (--l1i)" in bigger["why"]


def test_bolt_is_also_judged_against_its_own_input():
    from pgokit_cli.commands.bench import BASELINE, BEST, PRE_BOLT, targets

    def counts(i1_misses, hot):
        return {"counts": {"instructions": 1000, "i1_misses": i1_misses, "hot_code_kib": hot, "l1i_bytes": 32768}}

    by_name = {BASELINE: counts(750, 46.4), PRE_BOLT: counts(560, 38.4), BEST: counts(440, 34.9)}
    against_o2, against_input = targets(by_name)[-2:]
    assert "than clang -O2" in against_o2["name"] and against_o2["value"] == pytest.approx(1.705, abs=1e-3)
    assert "after BOLT than before it" in against_input["name"] and not against_input["met"]
    assert against_input["value"] == pytest.approx(1.273, abs=1e-3)
    assert against_input["why"] == "hot code 38.4 KiB before, 34.9 KiB after, against a 32 KiB L1i"
