"""merge and profile commands end to end on real profiles."""

import json

import pytest
from click.testing import CliRunner

from conftest import LLVM
from pgokit_cli.cli import cli

pytestmark = pytest.mark.skipif(not (LLVM / "llvm-profdata").exists(), reason="needs LLVM 19")


def invoke(*args):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def test_merge_weights_scenarios_and_fleet_inputs(raw_profiles, tmp_path):
    raw_dir, _ = raw_profiles
    out = tmp_path / "p" / "hot.proftext"
    first = invoke("merge", "--arch", "x86_64", "--raw-dir", str(raw_dir), "--output", str(out), "--json")
    assert first.exit_code == 0, first.stderr
    fleet = tmp_path / "fleet.proftext"
    fleet.write_text(out.read_text())
    second = invoke("merge", "--arch", "x86_64", "--raw-dir", str(raw_dir), "--input", str(fleet),
                    "--weight", f"{raw_dir.name}=3", "--weight", "fleet=2", "--output", str(out), "--json")
    assert second.exit_code == 0, second.stderr
    manifest = json.loads(second.stdout)
    assert {"name": raw_dir.name, "weight": 3} in manifest["scenarios"]
    assert {"name": "input:fleet.proftext", "weight": 2} in manifest["scenarios"]
    assert manifest["total_count"] == 5 * json.loads(first.stdout)["total_count"]
    assert json.loads(out.with_suffix(".manifest.json").read_text()) == manifest


def test_merge_rejects_weight_for_unknown_source(raw_profiles, tmp_path):
    raw_dir, _ = raw_profiles
    result = invoke("merge", "--arch", "x86_64", "--raw-dir", str(raw_dir), "--weight", "nope=2",
                    "--output", str(tmp_path / "x.proftext"))
    assert result.exit_code == 2 and "no raw folder or input named nope" in result.stderr
    assert not (tmp_path / "x.proftext").exists()


def test_merge_of_empty_folder_asks_whether_training_ran(tmp_path):
    out = tmp_path / "x.proftext"
    result = invoke("merge", "--arch", "arm64", "--raw-dir", str(tmp_path), "--output", str(out))
    assert result.exit_code == 1 and "did the training run" in result.stderr
    assert not out.exists()


def test_profile_show_and_diff(raw_profiles, tmp_path):
    raw_dir, files = raw_profiles
    out = tmp_path / "hot.proftext"
    assert invoke("merge", "--arch", "x86_64", "--raw-dir", str(raw_dir), "--output", str(out)).exit_code == 0
    shown = json.loads(invoke("profile", "show", str(out), "--json").stdout)
    assert shown["functions"] == 2 and shown["top"][0]["function"] == "hot"
    single = tmp_path / "single.proftext"
    assert invoke("merge", "--arch", "x86_64", "--input", str(files[0]), "--output", str(single)).exit_code == 0
    diffed = json.loads(invoke("profile", "diff", str(out), str(single), "--json").stdout)
    assert 0 < diffed["overlap_percent"] <= 100
    assert {r["function"] for r in diffed["changes"]} == {"hot", "main"}


def test_profile_show_names_a_corrupt_file(tmp_path):
    bad = tmp_path / "bad.profdata"
    bad.write_bytes(b"\xff" * 64)
    result = invoke("profile", "show", str(bad))
    assert result.exit_code == 1 and "bad.profdata" in result.stderr
