"""Training failures, each with a message that names the cause."""

import sys
import textwrap
from pathlib import Path

import pytest

from pgokit_cli import training
from pgokit_cli.console import Console

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:4000
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   210.00us  100.00us   5.00ms   90.00%
  812345 requests in 10.00s, 300.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 4321
Requests/sec:  81234.50
Transfer/sec:     30.00MB
pgokit-scenario: {"statuses":{"200":800000,"404":4321},"p50_us":190,"p90_us":300,"p99_us":900}
"""


def fake_server(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


HEALTHY = """\
    import http.server, signal, sys, threading
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(f"fake listening on 127.0.0.1:{srv.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    srv.serve_forever()
    sys.exit(EXIT)
"""


def test_parse_wrk_reads_counts_errors_and_statuses():
    r = training.parse_wrk(WRK_OUTPUT)
    assert r.requests == 812345 and r.seconds == 10.0
    assert r.requests_per_second == 81234.5
    assert r.socket_errors == 6 and r.non_2xx == 4321
    assert r.statuses == {"200": 800000, "404": 4321}


def test_server_that_dies_at_start_is_reported_with_its_log(tmp_path):
    argv = fake_server(tmp_path, "import sys\nprint('cannot bind', file=sys.stderr)\nsys.exit(3)\n")
    with pytest.raises(training.TrainingFailed, match="exited with code 3") as err:
        training.start_server(argv, {}, tmp_path / "log", Console(quiet=True), ready_timeout=10)
    assert "cannot bind" in err.value.format_message()


def test_server_that_crashes_during_load_stops_training(tmp_path):
    body = HEALTHY.replace("srv.serve_forever()", "threading.Timer(1.0, lambda: __import__('os')._exit(9)).start()\n"
                           "    srv.serve_forever()").replace("EXIT", "0")
    server = training.start_server(fake_server(tmp_path, body), {}, tmp_path / "log", Console(quiet=True),
                                   ready_timeout=10)
    scenario = tmp_path / "s.lua"
    scenario.write_text("")
    with pytest.raises(training.TrainingFailed, match="exited with code 9 during training"):
        training.run_load("wrk", scenario, server, duration=5, connections=2, threads=1,
                          console=Console(quiet=True))


def test_missing_scenario_is_named(tmp_path):
    server = training.start_server(fake_server(tmp_path, HEALTHY.replace("EXIT", "0")), {},
                                   tmp_path / "log", Console(quiet=True), ready_timeout=10)
    try:
        with pytest.raises(training.TrainingFailed, match="scenario file not found: .*nope.lua"):
            training.run_load("wrk", tmp_path / "nope.lua", server, duration=1, connections=1, threads=1,
                              console=Console(quiet=True))
    finally:
        assert training.stop_server(server, Console(quiet=True), timeout=10) == 0


def test_missing_wrk_says_how_to_install(tmp_path):
    server = training.start_server(fake_server(tmp_path, HEALTHY.replace("EXIT", "0")), {},
                                   tmp_path / "log", Console(quiet=True), ready_timeout=10)
    scenario = tmp_path / "s.lua"
    scenario.write_text("")
    try:
        with pytest.raises(training.ToolNotFound, match="wrk not found") as err:
            training.run_load("/nonexistent/wrk", scenario, server, duration=1, connections=1, threads=1,
                              console=Console(quiet=True))
        assert "apt-get install wrk" in err.value.format_message()
    finally:
        training.stop_server(server, Console(quiet=True), timeout=10)


def test_sigterm_exit_code_is_returned(tmp_path):
    server = training.start_server(fake_server(tmp_path, HEALTHY.replace("EXIT", "5")), {},
                                   tmp_path / "log", Console(quiet=True), ready_timeout=10)
    assert training.stop_server(server, Console(quiet=True), timeout=10) == 5
