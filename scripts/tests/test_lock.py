"""One pipeline run per build tree: a second waits, or fails at once with --no-wait."""

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgokit_cli import lock
from pgokit_cli.cli import cli
from pgokit_cli.pipeline import Pipeline

SCRIPTS = Path(__file__).resolve().parents[1]

# Another process holding a build tree's lock until its stdin closes (20 s at
# most, so that a run which wrongly waits fails its test instead of hanging it).
HOLDER = """
import select, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from pgokit_cli import lock
with lock.hold(Path(sys.argv[2])):
    print("held", flush=True)
    select.select([sys.stdin], [], [], 20)
"""


@contextmanager
def holder(tree: Path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(SCRIPTS), str(tree)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


@pytest.fixture
def stub_run(monkeypatch):
    """Pipeline.run without the stages: records which arch ran, and when."""
    ran = []

    def run(self):
        ran.append((self.arch, time.monotonic()))
        return {"arch": self.arch, "trained_under_emulation": False, "scenario": "mixed",
                "seconds": 0.0, "stages": []}

    monkeypatch.setattr(Pipeline, "run", run)
    return ran


def pipeline(work: Path, *args):
    return CliRunner(mix_stderr=False).invoke(
        cli, ["pipeline", "--to", "instrument", "--work-dir", str(work), *args])


def test_no_wait_fails_at_once_naming_the_holder(tmp_path, stub_run):
    with holder(tmp_path / "x86_64") as proc:
        start = time.monotonic()
        result = pipeline(tmp_path, "--arch", "x86_64", "--no-wait")
        elapsed = time.monotonic() - start
    assert result.exit_code == 75, result.stderr
    assert f"another pipeline run is using {tmp_path / 'x86_64'} (pid {proc.pid}, started " in result.stderr
    assert "run without --no-wait" in result.stderr
    assert elapsed < 5 and stub_run == []


def test_no_wait_exit_code_through_the_launcher(tmp_path):
    # No toolchain: should the lock ever let it through, the run stops at once instead of building.
    env = {**os.environ, "PGOKIT_LLVM_ROOT": str(tmp_path / "no-llvm")}
    with holder(tmp_path / "work" / "x86_64") as proc:
        run = subprocess.run([SCRIPTS / "pgokit", "pipeline", "--arch", "x86_64", "--no-wait",
                              "--work-dir", tmp_path / "work", "--profiles-dir", tmp_path / "profiles",
                              "--dist-dir", tmp_path / "dist"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 75, run.stderr
    assert f"(pid {proc.pid}, started " in run.stderr


def test_second_run_waits_with_a_message_then_runs(tmp_path, stub_run):
    released = []
    with holder(tmp_path / "x86_64") as proc:
        def release():
            time.sleep(1)
            released.append(time.monotonic())
            proc.stdin.close()
        threading.Thread(target=release).start()
        result = pipeline(tmp_path, "--arch", "x86_64")
    assert result.exit_code == 0, result.stderr
    assert f"waiting for the pipeline run in {tmp_path / 'x86_64'} (pid {proc.pid}, started " in result.stderr
    assert [arch for arch, _ in stub_run] == ["x86_64"]
    assert stub_run[0][1] >= released[0]


def test_arches_have_their_own_lock(tmp_path, stub_run):
    with holder(tmp_path / "x86_64"):
        result = pipeline(tmp_path, "--arch", "arm64", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert [arch for arch, _ in stub_run] == ["arm64"]


def test_lock_file_names_the_holder_only_while_held(tmp_path):
    with lock.hold(tmp_path):
        assert lock.holder(tmp_path)["pid"] == os.getpid()
    assert lock.holder(tmp_path) == {}
    with lock.hold(tmp_path, wait=False):  # released: free again
        pass


def test_programs_a_run_starts_do_not_keep_the_lock(tmp_path):
    """A server the run started may outlive it; it must not keep the build tree locked."""
    with lock.hold(tmp_path):
        # close_fds=False: the child gets every inheritable descriptor; the lock's must not be one.
        child = subprocess.Popen(["sleep", "30"], close_fds=False)
    try:
        with lock.hold(tmp_path, wait=False):
            pass
    finally:
        child.kill()
        child.wait()
