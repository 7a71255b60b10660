"""The root group and commands through Click's runner."""

import json

from click.testing import CliRunner

from pgokit_cli import apt as apt_module
from pgokit_cli.cli import cli


def test_help_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "setup" in result.output and "doctor" in result.output


def test_doctor_reports_a_broken_toolchain_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PGOKIT_LLVM_ROOT", str(tmp_path / "no-llvm"))
    monkeypatch.setenv("PGOKIT_SYSROOT", str(tmp_path / "no-sysroot"))
    result = CliRunner(mix_stderr=False).invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    clang = next(f for f in report["findings"] if f["check"] == "clang++")
    assert clang["status"] == "fail" and "clang-19" in clang["fix"]
    sysroot = next(f for f in report["findings"] if f["check"] == "arm64 sysroot")
    assert sysroot["status"] == "fail" and sysroot["fix"] == "make setup"


def test_setup_as_non_root_prints_the_exact_command(monkeypatch):
    monkeypatch.setattr(apt_module.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(apt_module.Apt, "missing", lambda self, names: ["wrk"])
    result = CliRunner(mix_stderr=False).invoke(cli, ["setup", "--no-sysroot"])
    assert result.exit_code == 1
    assert "installing wrk needs root" in result.stderr
    assert "sudo apt-get update && sudo apt-get install -y -q --no-install-recommends wrk" in result.stderr


def test_bolt_perf_mode_without_counters_says_why(monkeypatch):
    from pgokit_cli.commands import doctor

    monkeypatch.setattr(doctor, "check_perf", lambda: doctor.Finding(
        "perf", "warn", "no hardware performance counters here"))
    result = CliRunner(mix_stderr=False).invoke(cli, ["bolt", "--arch", "x86_64", "--perf"])
    assert result.exit_code == 1
    assert "needs hardware performance counters" in result.stderr
    assert "run without --perf" in result.stderr


def test_bolt_perf_mode_is_refused_for_emulated_arm64():
    result = CliRunner(mix_stderr=False).invoke(cli, ["bolt", "--arch", "arm64", "--perf"])
    assert result.exit_code == 1
    assert "qemu" in result.stderr


def test_pipeline_rejects_reusing_its_own_arch_profile():
    result = CliRunner(mix_stderr=False).invoke(cli, ["pipeline", "--arch", "arm64", "--reuse-profile", "arm64"])
    assert result.exit_code == 2
    assert "other arch" in result.stderr


def test_pipeline_keeps_each_kind_of_profile_apart(tmp_path):
    """Front-end, IR and CSPGO profiles cannot stand in for one another: each kind
    gets its own build tree and committed file, and the retrain hint names the kind."""
    from pgokit_cli.console import Console
    from pgokit_cli.context import Context
    from pgokit_cli.pipeline import Options, Pipeline

    def pipeline(**kind) -> Pipeline:
        return Pipeline(Context(console=Console(quiet=True)),
                        Options(arch="x86_64", scenario=tmp_path / "none.lua", work_dir=tmp_path / "work",
                                profiles_dir=tmp_path / "profiles", **kind))

    layout = {name: (p.instrumentation, p.work.name, p.text_profile.name, p.retrain_hint())
              for name, p in {"default": pipeline(), "frontend": pipeline(instrumentation="frontend"),
                              "ir": pipeline(instrumentation="ir"), "cspgo": pipeline(cspgo=True)}.items()}
    assert layout["default"] == layout["frontend"]
    assert layout["default"][:3] == ("frontend", "x86_64", "pgokit-server.proftext")
    assert layout["ir"][:3] == ("ir", "x86_64-ir", "pgokit-server.ir.proftext")
    assert layout["cspgo"][:3] == ("ir", "x86_64-cspgo", "pgokit-server.cspgo.proftext")
    assert "--instrumentation ir --from train" in layout["ir"][3]


def test_pipeline_refuses_profile_kinds_that_cannot_work():
    def refused(*args):
        result = CliRunner(mix_stderr=False).invoke(cli, ["pipeline", *args])
        assert result.exit_code == 1, result.output
        return result.stderr

    assert "--cspgo needs IR instrumentation" in refused("--arch", "x86_64", "--cspgo",
                                                         "--instrumentation", "frontend")
    assert "reuse a front-end profile instead" in refused("--arch", "arm64", "--instrumentation", "ir",
                                                          "--reuse-profile", "x86_64")


def test_launcher_exit_code_is_the_commands(tmp_path):
    """Through scripts/pgokit, not Click's runner: a failed doctor exits 1."""
    import os
    import subprocess
    from pathlib import Path

    launcher = Path(__file__).resolve().parents[1] / "pgokit"
    env = {**os.environ, "PGOKIT_LLVM_ROOT": str(tmp_path / "no-llvm"),
           "PGOKIT_SYSROOT": str(tmp_path / "no-sysroot")}
    proc = subprocess.run([launcher, "doctor", "--json"], env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert subprocess.run([launcher, "--help"], capture_output=True).returncode == 0
