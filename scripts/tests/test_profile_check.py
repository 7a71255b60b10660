"""`pgokit profile check` and the pipeline's gate before the optimized build,
on a small program instrumented, trained and then changed: a function's body
(stale), a function added (no data) and one deleted (removed)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import LLVM
from pgokit_cli import evidence, profiles, staleness
from pgokit_cli.cli import cli
from pgokit_cli.commands import pipeline as pipeline_command
from pgokit_cli.console import Console
from pgokit_cli.context import Context
from pgokit_cli.pipeline import Options, Pipeline, StageOutcome
from pgokit_cli.runner import Runner

CLANG = LLVM / "clang++"
LAUNCHER = Path(__file__).resolve().parents[1] / "pgokit"
pytestmark = pytest.mark.skipif(not CLANG.exists(), reason="needs clang 19 (make setup)")

# hot carries most of the profile's count, warm about 8%, cold and main little.
PROGRAM = """
static int hot(int n) { int s = 0; for (int i = 0; i < n; i++) s += i % 7; return s; }
int warm(int n) { return n > 2 ? n * 3 : n; }
int cold(int n) { return n - 1; }
int main(int argc, char **) {
  int s = hot(argc * 1000);
  for (int i = 0; i < 50; i++) s += warm(i);
  return (s + cold(argc)) & 1;
}
"""
HOT = "prog.cpp:_ZL3hoti"  # internal linkage: the file name is part of its profile name


def build(folder: Path, source: str) -> Path:
    """prog.cpp with source, instrumented at the front end, linked in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prog.cpp").write_text(source)
    subprocess.run([CLANG, "-O1", "-fprofile-instr-generate", "prog.cpp", "-o", "prog"], cwd=folder, check=True)
    return folder / "prog"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The program's instrumented build and its trained text profile."""
    d = tmp_path_factory.mktemp("trained")
    binary = build(d / "v1", PROGRAM)
    subprocess.run([binary], env={"LLVM_PROFILE_FILE": str(d / "prog.profraw")}, check=False)
    profile = d / "prog.proftext"
    subprocess.run([LLVM / "llvm-profdata", "merge", "--sparse", "--text", "--output", profile,
                    d / "prog.profraw"], check=True)
    return binary, profile


@pytest.fixture(scope="module")
def weights(trained):
    _, profile = trained
    return profiles.function_weights(Runner(Console(quiet=True)), LLVM / "llvm-profdata", profile)


def check(binary, profile, *args):
    return CliRunner(mix_stderr=False).invoke(
        cli, ["profile", "check", "--arch", "x86_64", "--binary", str(binary), "--profile", str(profile),
              *map(str, args)])


def check_json(binary, profile, *args) -> tuple[int, dict]:
    result = check(binary, profile, "--json", *args)
    assert result.exit_code in (0, 4), (result.exit_code, result.stderr, result.output)
    return result.exit_code, json.loads(result.stdout)


def test_an_unchanged_source_has_no_stale_functions(trained, weights):
    binary, profile = trained
    code, report = check_json(binary, profile)
    assert code == 0 and report["passed"]
    assert report["matching"] == {"functions": 4, "count": sum(weights.values())}
    assert report["stale"] == {"functions": 0, "count": 0, "percent": 0.0}
    assert report["removed"]["functions"] == 0 and report["offenders"] == []
    result = check(binary, profile)
    assert result.exit_code == 0, result.stderr
    assert "4 matching, 0 stale = 0.00% of the profile's count, 0 removed = 0.00%" in result.stdout
    assert "ok: 0.00% stale, at most 10% allowed" in result.stdout


def test_a_changed_function_is_stale_with_its_weight_and_share(trained, weights, tmp_path):
    """warm gains a branch: its hash changes, and its ~8% of the count no longer applies."""
    _, profile = trained
    binary = build(tmp_path, PROGRAM.replace("n > 2 ? n * 3 : n", "n > 2 ? (n > 40 ? n : n * 3) : n"))
    share = weights["_Z4warmi"] * 100 / sum(weights.values())
    assert 5 < share < 10
    code, report = check_json(binary, profile)
    assert code == 0 and report["passed"]
    assert report["stale"] == {"functions": 1, "count": weights["_Z4warmi"], "percent": round(share, 3)}
    assert report["offenders"] == [{"name": "_Z4warmi", "status": "stale", "weight": weights["_Z4warmi"],
                                    "percent": round(share, 3), "file": None, "function": "warm(int)"}]
    assert report["matching"]["functions"] == 3
    # Above the threshold: exit 4, the table, and what to do.
    result = check(binary, profile, "--max-stale", 5)
    assert result.exit_code == 4, result.stderr
    assert f"1 stale = {share:.2f}% of the profile's count" in result.stdout
    assert f"  {'stale':8} {weights['_Z4warmi']:>14} {share:7.2f}%  warm(int)\n" in result.stdout
    assert f"{profile} is stale: {share:.2f}% of its count is on 1 function(s) whose code changed " \
           "since it was trained (--max-stale 5%)" in result.stderr
    assert "hint: retrain: make pgo-x86_64 (or scripts/pgokit pipeline --arch x86_64 --from train); " \
           "or accept it with --max-stale 9" in result.stderr


def test_the_hot_function_changed_fails_the_default_threshold(trained, weights, tmp_path):
    _, profile = trained
    binary = build(tmp_path, PROGRAM.replace("s += i % 7;", "if (i & 1) s += i % 7;"))
    share = weights[HOT] * 100 / sum(weights.values())
    code, report = check_json(binary, profile)
    assert code == 4 and not report["passed"]
    assert report["stale"]["percent"] == round(share, 3) > 80
    assert report["offenders"][0] | {"percent": 0} == {"name": HOT, "status": "stale", "weight": weights[HOT],
                                                      "percent": 0, "file": "prog.cpp", "function": "hot(int)"}
    result = check(binary, profile)
    assert result.exit_code == 4
    assert "hot(int)  [prog.cpp]\n" in result.stdout
    assert check(binary, profile, "--max-stale", 95).exit_code == 0


def test_a_new_function_has_no_data_and_is_not_stale(trained, tmp_path):
    _, profile = trained
    binary = build(tmp_path, PROGRAM + "int fresh(int n) { return n ? n : 1; }\n")
    code, report = check_json(binary, profile)
    assert code == 0
    assert report["without_data"] == {"functions": 1, "names": ["_Z5freshi"]}
    assert report["stale"]["functions"] == 0 and report["matching"]["functions"] == 4
    assert "1 functions without data (new, or never run in training: built without a profile)" in \
        check(binary, profile).stdout


def test_a_deleted_function_is_removed_not_stale(trained, weights, tmp_path):
    _, profile = trained
    binary = build(tmp_path, PROGRAM.replace("int cold(int n) { return n - 1; }\n", "")
                   .replace("s + cold(argc)", "s + argc"))
    code, report = check_json(binary, profile)
    assert code == 0
    share = weights["_Z4coldi"] * 100 / sum(weights.values())
    assert report["removed"] == {"functions": 1, "count": weights["_Z4coldi"], "percent": round(share, 3)}
    assert report["stale"]["functions"] == 0
    assert [r["status"] for r in report["offenders"]] == ["removed"]


def test_stale_exit_code_through_the_launcher(trained, tmp_path):
    _, profile = trained
    binary = build(tmp_path, PROGRAM.replace("s += i % 7;", "if (i & 1) s += i % 7;"))
    run = subprocess.run([LAUNCHER, "profile", "check", "--arch", "x86_64", "--binary", binary,
                          "--profile", profile], capture_output=True, text=True, timeout=120)
    assert run.returncode == 4, run.stderr
    assert "is stale: " in run.stderr


def test_a_binary_that_is_not_instrumented_or_not_the_arch_is_refused(trained, tmp_path):
    _, profile = trained
    (tmp_path / "plain.cpp").write_text("int main() { return 0; }\n")
    subprocess.run([CLANG, "plain.cpp", "-o", "plain"], cwd=tmp_path, check=True)
    result = check(tmp_path / "plain", profile)
    assert result.exit_code == 1
    assert f"{tmp_path / 'plain'} has no __llvm_prf_data section: it is not an instrumented build" in result.stderr
    binary, _ = trained
    result = CliRunner(mix_stderr=False).invoke(cli, ["profile", "check", "--arch", "arm64", "--binary",
                                                      str(binary), "--profile", str(profile)])
    assert result.exit_code == 1 and "is not an arm64 binary" in result.stderr


def test_an_ir_profile_is_not_checked_against_a_front_end_build(trained, tmp_path):
    """Their hashes are of different kinds: everything would look stale."""
    binary, _ = trained
    (tmp_path / "prog.cpp").write_text(PROGRAM)
    subprocess.run([CLANG, "-O1", "-fprofile-generate", "prog.cpp", "-o", "prog-ir"], cwd=tmp_path, check=True)
    subprocess.run([tmp_path / "prog-ir"], env={"LLVM_PROFILE_FILE": str(tmp_path / "ir.profraw")}, check=False)
    ir = tmp_path / "ir.proftext"
    subprocess.run([LLVM / "llvm-profdata", "merge", "--text", "--output", ir, tmp_path / "ir.profraw"], check=True)
    result = check(binary, ir)
    assert result.exit_code == 1
    assert f"{ir} holds IR counts, checked against a front-end-instrumented build: their hashes cannot match" \
        in result.stderr
    assert "hint: IR profiles are checked with --instrumentation ir" in result.stderr
    code, report = check_json(tmp_path / "prog-ir", ir, "--instrumentation", "ir")
    assert code == 0 and report["stale"]["functions"] == 0 and report["matching"]["functions"] > 0, report


def test_names_decode_as_llvm_writes_them():
    """Blobs of ULEB128 sizes, zlib or plain, \\x01 between names, zero padding between blobs."""
    import zlib
    plain = b"main\x01foo.cpp:_ZL1fv"
    packed = zlib.compress(b"_Z1gv\x01_Z1hv")
    blob = bytes([len(plain), 0]) + plain + b"\0\0" + bytes([11, len(packed)]) + packed
    assert staleness.decode_names(blob) == ["main", "foo.cpp:_ZL1fv", "_Z1gv", "_Z1hv"]
    # What clang 19 wrote as main's NameRef in a real build (llvm::MD5Hash: the MD5's low 64 bits, little-endian).
    assert staleness.name_ref("main") == 0xDB956436E78DD5FA


# ---- the pipeline's gate before the optimized build ----------------------------

def gated_pipeline(tmp_path, binary: Path, profile: Path, max_stale: float) -> Pipeline:
    """A pipeline whose instrument stage produced binary and whose profile is profile;
    its optimized build is a stub that records it was asked for."""
    pipeline = Pipeline(Context(console=Console(quiet=True)),
                        Options(arch="x86_64", scenario=tmp_path / "none.lua", work_dir=tmp_path / "work",
                                profiles_dir=tmp_path / "profiles", max_stale=max_stale))
    pipeline.instrumented_binary.parent.mkdir(parents=True)
    shutil.copy(binary, pipeline.instrumented_binary)
    pipeline.text_profile.parent.mkdir(parents=True)
    shutil.copy(profile, pipeline.text_profile)
    pipeline.outcomes.append(StageOutcome("instrument", "up to date", 0.0))
    pipeline.built = []

    def build_stub(stage, cache=None):
        pipeline.built.append(stage)
        return binary, ""
    pipeline._configure_and_build = build_stub
    return pipeline


@pytest.fixture
def no_elf_evidence(monkeypatch):
    """The stub build's binary passes the optimize stage's own post-conditions."""
    monkeypatch.setattr(evidence, "section_names", lambda runner, llvm, binary: {
        ".text.hot", "__llvm_prf_data", "__llvm_prf_names"})
    monkeypatch.setattr(evidence, "text_hash", lambda runner, llvm, binary: "0" * 64)


def test_the_pipeline_refuses_to_optimize_with_a_stale_profile(trained, tmp_path):
    _, profile = trained
    binary = build(tmp_path / "v2", PROGRAM.replace("s += i % 7;", "if (i & 1) s += i % 7;"))
    pipeline = gated_pipeline(tmp_path, binary, profile, max_stale=10)
    with pytest.raises(staleness.ProfileStale) as err:
        pipeline.stage_optimize("run")
    assert err.value.exit_code == 4
    assert f"{pipeline.text_profile} is stale: " in err.value.format_message()
    assert "make pgo-x86_64" in err.value.format_message()
    assert pipeline.built == [] and not pipeline.profdata.exists()


def test_the_pipeline_optimizes_with_a_fitting_profile_and_records_the_figures(trained, tmp_path, no_elf_evidence):
    binary, profile = trained
    pipeline = gated_pipeline(tmp_path, binary, profile, max_stale=10)
    details = pipeline.stage_optimize("run")
    assert pipeline.built == ["optimized"]
    assert details["staleness"]["checked"] and details["staleness"]["stale"]["functions"] == 0
    assert details["staleness"]["matching"]["functions"] == 4


def test_max_stale_100_skips_the_gate(trained, tmp_path, no_elf_evidence):
    _, profile = trained
    binary = build(tmp_path / "v2", PROGRAM.replace("s += i % 7;", "if (i & 1) s += i % 7;"))
    pipeline = gated_pipeline(tmp_path, binary, profile, max_stale=100)
    details = pipeline.stage_optimize("run")
    assert pipeline.built == ["optimized"] and details["staleness"] == {"checked": False}


def test_a_reused_profile_is_checked_against_this_arch_s_instrumented_build(trained, tmp_path, no_elf_evidence):
    """--reuse-profile skips the instrument stage; the gate runs it (cached when up to date)."""
    binary, profile = trained
    pipeline = gated_pipeline(tmp_path, binary, profile, max_stale=10)
    pipeline.outcomes.clear()
    ran = []
    pipeline._run_stage = ran.append
    pipeline.stage_optimize("run")
    assert ran == ["instrument"]


def test_pipeline_passes_max_stale_on(monkeypatch, tmp_path):
    seen = []

    class Recorder:
        def __init__(self, ctx, opts):
            seen.append(opts)
            self.work = tmp_path

        def run(self):
            return {"arch": "x86_64", "seconds": 0, "trained_under_emulation": False, "stages": []}

    monkeypatch.setattr(pipeline_command, "Pipeline", Recorder)
    result = CliRunner(mix_stderr=False).invoke(cli, ["pipeline", "--arch", "x86_64", "--to", "merge",
                                                      "--max-stale", "3.5"])
    assert result.exit_code == 0, result.stderr
    assert seen[0].max_stale == 3.5
