"""Corrupt and foreign inputs are refused before they reach the compiler or
llvm-bolt: named, with the reason and the fix, a non-zero exit, and no output
(not even a temporary file) left behind. Every bad input is made here from a
real one: a profile cut short, random bytes, a header from another LLVM, a
text profile with a broken line, a BOLT profile of another program."""

import random
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import LLVM
from pgokit_cli import bolt
from pgokit_cli import cli as cli_module
from pgokit_cli.cli import cli
from pgokit_cli.console import Console
from pgokit_cli.context import Context
from pgokit_cli.runner import Runner

PROFDATA = LLVM / "llvm-profdata"
LAUNCHER = Path(__file__).resolve().parents[1] / "pgokit"
pytestmark = pytest.mark.skipif(not PROFDATA.exists(), reason="needs LLVM 19 (make setup)")


def files_under(path: Path) -> list[str]:
    """Every file below path, dot-files (staged temporaries) included."""
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*") if p.is_file()) if path.exists() else []


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """The checkout the CLI works in, so that its build/ shows anything a command wrote."""
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.setattr(cli_module, "Context", lambda **kw: Context(repo_root=root, **kw))
    return root


def invoke(*args):
    return CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args])


def version_field(data: bytes) -> int:
    return int.from_bytes(data[8:16], "little")


def with_version(data: bytes, version: int) -> bytes:
    return data[:8] + version.to_bytes(8, "little") + data[16:]


def assert_refused(result, *fragments):
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "\n  hint: " in result.stderr, result.stderr


# ---- raw profiles -------------------------------------------------------------

def bad_raw(case: str, real: Path, folder: Path) -> tuple[Path, str, str]:
    """Writes one bad .profraw into folder: (file, reason printed, hint printed)."""
    data = real.read_bytes()
    version = version_field(data) & 0xFFFFFFFF
    if case == "truncated":
        path = folder / "cut_1.profraw"
        path.write_bytes(data[: len(data) // 2])
        return path, "truncated or corrupt raw profile (file header is corrupt)", "killed mid-write"
    if case == "random bytes":
        path = folder / "noise_2.profraw"
        path.write_bytes(random.Random(7).randbytes(512))
        return path, "not an LLVM profile", "only files the instrumented program writes"
    if case == "older LLVM":
        path = folder / "old_3.profraw"
        path.write_bytes(with_version(data, version_field(data) - 1))
        return (path, f"made by a different LLVM (raw format version {version - 1}, this toolchain reads {version})",
                "re-train with this toolchain")
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["truncated", "random bytes", "older LLVM"])
def test_bad_raw_profile_is_refused_by_name(case, raw_profiles, tmp_path, repo):
    _, files = raw_profiles
    folder = tmp_path / "raw" / "mixed"
    folder.mkdir(parents=True)
    bad, reason, hint = bad_raw(case, files[0], folder)
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out)
    assert_refused(result, bad.name, reason, hint)
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


def test_a_cut_short_raw_profile_among_good_ones_is_skipped_by_name(raw_profiles, tmp_path, repo):
    """One process killed mid-write costs its own profile, loudly, not the run's."""
    raw_dir, files = raw_profiles
    folder = tmp_path / "mixed"
    folder.mkdir()
    for f in files:
        (folder / f.name).write_bytes(f.read_bytes())
    bad, reason, _ = bad_raw("truncated", files[0], folder)
    out = tmp_path / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert f"warning: skipped {bad}: {reason}" in result.stderr
    manifest = (out.with_suffix(".manifest.json")).read_text()
    assert bad.name in manifest and out.exists()


def test_a_raw_profile_from_another_llvm_fails_the_merge_even_among_good_ones(raw_profiles, tmp_path, repo):
    """The toolchain is one LLVM: a foreign profile means the training used another one."""
    _, files = raw_profiles
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / files[0].name).write_bytes(files[0].read_bytes())
    bad, reason, hint = bad_raw("older LLVM", files[0], folder)
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out)
    assert_refused(result, f"{bad}: {reason}", hint)
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


def test_foreign_raw_profile_exit_code_through_the_launcher(raw_profiles, tmp_path):
    _, files = raw_profiles
    folder = tmp_path / "mixed"
    folder.mkdir()
    bad, reason, _ = bad_raw("older LLVM", files[0], folder)
    out = tmp_path / "out" / "server.proftext"
    run = subprocess.run([LAUNCHER, "merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert f"{bad}: {reason}" in run.stderr
    assert files_under(tmp_path / "out") == []


def test_empty_folder_of_raw_profiles_asks_whether_training_ran(tmp_path, repo):
    folder = tmp_path / "mixed"
    folder.mkdir()
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out)
    assert_refused(result, f"no .profraw files in {folder}", "did the training run?")
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


def test_folder_of_empty_raw_profiles_says_the_program_was_killed(tmp_path, repo):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a_1.profraw").write_bytes(b"")
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", folder, "--output", out)
    assert_refused(result, f"every .profraw file in {folder} is empty: a_1.profraw", "killed before")
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


# ---- merged profiles given by name (fleet inputs, the committed text form) ------

@pytest.fixture
def merged(raw_profiles, tmp_path):
    """The raw profiles merged, in indexed and in text form."""
    _, files = raw_profiles
    indexed, text = tmp_path / "fleet.profdata", tmp_path / "fleet.proftext"
    subprocess.run([PROFDATA, "merge", "--output", indexed, *files], check=True)
    subprocess.run([PROFDATA, "merge", "--text", "--output", text, indexed], check=True)
    return indexed, text


def test_indexed_profile_from_a_newer_llvm_is_refused(merged, tmp_path, repo):
    indexed, _ = merged
    data = indexed.read_bytes()
    version = version_field(data) & 0xFFFFFFFF
    indexed.write_bytes(with_version(data, version_field(data) + 1))
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--input", indexed, "--output", out)
    assert_refused(result, f"{indexed}: made by a different LLVM (indexed format version {version + 1}, "
                           f"this toolchain reads up to {version})", "pass its text form")
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


def broken_text(text: Path) -> int:
    """Breaks the first counter value of text; returns its line number."""
    lines = text.read_text().split("\n")
    at = lines.index("# Counter Values:") + 1
    lines[at] += "x"
    text.write_text("\n".join(lines))
    return at + 1


def test_text_profile_with_a_syntax_error_is_refused_with_its_line(merged, tmp_path, repo):
    _, text = merged
    line = broken_text(text)
    out = tmp_path / "out" / "server.proftext"
    result = invoke("merge", "--arch", "x86_64", "--input", text, "--output", out)
    assert_refused(result, f"{text}: not a valid text profile: malformed instrumentation profile data: "
                           f"count is invalid, at line {line}: ", "fix that line")
    assert files_under(tmp_path / "out") == [] and files_under(repo) == []


def test_text_profile_with_a_merge_conflict_points_at_the_marker(merged, tmp_path, repo):
    _, text = merged
    body = text.read_text()
    text.write_text(body + "<<<<<<< ours\n" + body + "=======\n" + body + ">>>>>>> theirs\n")
    first = body.count("\n") + 1
    result = invoke("merge", "--arch", "x86_64", "--input", text, "--output", tmp_path / "out" / "p.proftext")
    assert_refused(result, f"at line {first}: '<<<<<<< ours'", "--input OURS --input THEIRS")
    assert files_under(tmp_path / "out") == []


def test_optimized_build_refuses_a_broken_text_profile_before_the_compiler(merged, tmp_path, repo):
    _, text = merged
    line = broken_text(text)
    build_dir = tmp_path / "build-optimized"
    result = invoke("build", "--arch", "x86_64", "--stage", "optimized", "--profile", text,
                    "--build-dir", build_dir)
    assert_refused(result, f"{text}: not a valid text profile: malformed instrumentation profile data: "
                           f"count is invalid, at line {line}: ")
    # Neither the indexed profile nor a CMake configuration: it stopped before both.
    assert files_under(build_dir) == []


def test_profile_show_names_a_foreign_profile(merged):
    indexed, _ = merged
    indexed.write_bytes(with_version(indexed.read_bytes(), version_field(indexed.read_bytes()) + 1))
    result = invoke("profile", "show", indexed)
    assert_refused(result, f"{indexed}: made by a different LLVM (indexed format version")


# ---- BOLT profiles -------------------------------------------------------------

BOLT = LLVM / "llvm-bolt"
needs_bolt = pytest.mark.skipif(not BOLT.exists(), reason="needs BOLT 19 (make setup)")
PROGRAM = """
#define F(name, k) __attribute__((noinline)) int name(int n) \\
  { int s = 0; for (int i = 0; i < n; i++) s += (i % k) ? i : -i; return s; }
F(F1, 3) F(F2, 5) F(F3, 7) F(F4, 11)
int main(int c, char **v) { return (F1(c * 1000) + F2(c * 900) + F3(c * 800) + F4(c * 700)) & 1; }
"""


@pytest.fixture(scope="module")
def bolt_programs(tmp_path_factory):
    """Two programs linked for BOLT, and a real .fdata of the first from BOLT's instrumentation."""
    d = tmp_path_factory.mktemp("bolt")
    binaries = {}
    for name, functions in (("ours", ["alpha", "beta", "gamma", "delta"]),
                            ("other", ["north", "south", "east", "west"])):
        src = d / f"{name}.c"
        src.write_text("".join(f"#define F{i} {f}\n" for i, f in enumerate(functions, 1)) + PROGRAM)
        binaries[name] = d / name
        # BOLT needs relocations (--emit-relocs).
        subprocess.run([LLVM / "clang", "-O1", "-fno-pie", "-no-pie", "-Wl,--emit-relocs", src,
                        "-o", binaries[name]], check=True)
    instrumented = d / "ours.instrumented"
    subprocess.run([BOLT, binaries["ours"], "-o", instrumented, "-instrument",
                    f"-instrumentation-file={d / 'ours.fdata'}"], check=True, capture_output=True)
    subprocess.run([instrumented], check=False)
    return binaries["ours"], binaries["other"], d / "ours.fdata"


def runner():
    return Runner(Console(quiet=True))


@needs_bolt
def test_bolt_profile_of_its_own_binary_is_accepted(bolt_programs, tmp_path):
    ours, _, fdata = bolt_programs
    profile = bolt.check_fits(runner(), LLVM.parent, ours, fdata, "x86_64")
    assert {"alpha", "beta", "gamma", "delta"} <= profile.functions
    out = tmp_path / "ours.bolt"
    bolt.optimize(runner(), LLVM.parent, ours, fdata, out, "x86_64", bolt_id="test")
    assert out.exists()


@needs_bolt
def test_bolt_profile_of_another_binary_is_refused_before_llvm_bolt(bolt_programs, tmp_path):
    _, other, fdata = bolt_programs
    out = tmp_path / "out" / "other.bolt"
    with pytest.raises(bolt.BoltError) as err:
        bolt.optimize(runner(), LLVM.parent, other, fdata, out, "x86_64", bolt_id="test")
    message = err.value.format_message()
    assert f"{fdata} was not recorded from {other}: 4 of the 4 functions it profiles are not in the binary " \
           "(alpha, beta, delta)" in message
    assert "hint: train BOLT on this binary: pgokit pipeline --arch x86_64 --from bolt-instrument" in message
    assert err.value.exit_code == 1
    assert files_under(tmp_path / "out") == []


def bad_fdata(case: str, good: Path, path: Path) -> str:
    """Writes a corrupt copy of good at path; returns what the error says about it."""
    text = good.read_text()
    lines = text.rstrip("\n").split("\n")
    if case == "cut short":
        path.write_text(text.rstrip("\n").rsplit(" ", 1)[0])  # the last line loses its count
        return f"line {len(lines)}: expected 8 space-separated fields, found "
    if case == "bad offset":
        fields = lines[0].split(" ")
        fields[2] = "zz"
        path.write_text("\n".join([" ".join(fields), *lines[1:]]) + "\n")
        return "line 1: expected a hexadecimal offset, found 'zz'"
    if case == "random bytes":
        path.write_bytes(random.Random(7).randbytes(512))
        return "line 1: expected 8 space-separated fields, found binary data"
    if case == "empty":
        path.write_text("")
        return "an empty BOLT profile (no records)"
    raise AssertionError(case)


@needs_bolt
@pytest.mark.parametrize("case", ["cut short", "bad offset", "random bytes", "empty"])
def test_corrupt_bolt_profile_is_refused_with_its_line(case, bolt_programs, tmp_path):
    ours, _, fdata = bolt_programs
    bad = tmp_path / "bad.fdata"
    reason = bad_fdata(case, fdata, bad)
    out = tmp_path / "out" / "ours.bolt"
    with pytest.raises(bolt.BoltError) as err:
        bolt.optimize(runner(), LLVM.parent, ours, bad, out, "x86_64", bolt_id="test")
    message = err.value.format_message()
    assert f"{bad}: " in message and reason in message, message
    assert "hint: " in message and err.value.exit_code == 1
    assert files_under(tmp_path / "out") == []


@needs_bolt
def test_corrupt_per_process_bolt_profile_stops_the_merge_by_name(bolt_programs, tmp_path):
    _, _, fdata = bolt_programs
    good = tmp_path / "ours.fdata.100.fdata"
    good.write_text(fdata.read_text())
    bad = tmp_path / "ours.fdata.101.fdata"
    reason = bad_fdata("cut short", fdata, bad)
    out = tmp_path / "out" / "ours.fdata"
    with pytest.raises(bolt.BoltError) as err:
        bolt.merge_fdata(runner(), LLVM.parent, [good, bad], out)
    assert f"{bad}: not a valid BOLT profile: {reason}" in err.value.format_message()
    assert files_under(tmp_path / "out") == []
