"""Merging real profiles written by a tiny instrumented program."""

import json
from pathlib import Path

import pytest

from pgokit_cli import profiles
from pgokit_cli.console import Console
from pgokit_cli.runner import Runner

from conftest import LLVM
PROFDATA = LLVM / "llvm-profdata"
pytestmark = pytest.mark.skipif(not PROFDATA.exists(), reason="needs LLVM 19 (make setup)")


def runner():
    return Runner(Console(quiet=True))


def test_merge_writes_profile_with_stats(raw_profiles, tmp_path):
    _, files = raw_profiles
    out = tmp_path / "m.profdata"
    merged = profiles.merge(runner(), PROFDATA, [(f, 1, "s") for f in files], out)
    assert out.exists() and merged.sha256
    assert merged.stats.functions == 2
    assert {t["function"] for t in merged.stats.top} == {"hot", "main"}
    assert merged.skipped == []


def test_bad_raw_file_is_named_and_skipped(raw_profiles, tmp_path):
    _, files = raw_profiles
    bad = tmp_path / "junk_1.profraw"
    bad.write_bytes(b"\x00garbage" * 10)
    truncated = tmp_path / "cut_2.profraw"
    truncated.write_bytes(files[0].read_bytes()[:40])
    merged = profiles.merge(runner(), PROFDATA, [(files[0], 1, "s"), (bad, 1, "s"), (truncated, 1, "s")],
                            tmp_path / "m.profdata")
    assert {Path(s["file"]).name for s in merged.skipped} == {"junk_1.profraw", "cut_2.profraw"}


def test_all_bad_fails_and_leaves_no_output(tmp_path):
    bad = tmp_path / "junk.profraw"
    bad.write_bytes(b"not a profile")
    out = tmp_path / "m.profdata"
    with pytest.raises(profiles.ProfileError, match="no usable profile among 1 input.*junk.profraw"):
        profiles.merge(runner(), PROFDATA, [(bad, 1, "s")], out)
    assert not out.exists()
    assert list(tmp_path.glob(".m.profdata*")) == []


def test_empty_directory_asks_whether_training_ran(tmp_path):
    with pytest.raises(profiles.ProfileError, match="no .profraw files") as err:
        profiles.RawProfiles.collect(tmp_path, "mixed")
    assert "did the training run" in err.value.format_message()


def test_text_round_trip_keeps_the_profile(raw_profiles, tmp_path):
    _, files = raw_profiles
    merged = profiles.merge(runner(), PROFDATA, [(f, 1, "s") for f in files], tmp_path / "m.profdata")
    text = tmp_path / "m.proftext"
    profiles.to_text(runner(), PROFDATA, merged.path, text)
    back = tmp_path / "back.profdata"
    profiles.from_text(runner(), PROFDATA, text, back)
    again = profiles.read_stats(runner(), PROFDATA, back)
    assert again.functions == merged.stats.functions
    assert again.total_count == merged.stats.total_count


def test_text_profile_with_syntax_error_is_refused(tmp_path):
    text = tmp_path / "bad.proftext"
    text.write_text("hot\n# Func Hash:\nnot-a-number\n")
    out = tmp_path / "out.profdata"
    with pytest.raises(profiles.ProfileError, match="not a valid text profile"):
        profiles.from_text(runner(), PROFDATA, text, out)
    assert not out.exists()


def test_manifest_records_hash_and_counts(raw_profiles, tmp_path):
    _, files = raw_profiles
    merged = profiles.merge(runner(), PROFDATA, [(f, 1, "s") for f in files], tmp_path / "m.profdata")
    text = tmp_path / "m.proftext"
    profiles.to_text(runner(), PROFDATA, merged.path, text)
    manifest = profiles.write_manifest(tmp_path / "m.json", merged, arch="x86_64", target="hot",
                                       llvm_version="19.1.7", scenarios={"mixed": 1},
                                       source_commit="abc", text_profile=text)
    on_disk = json.loads((tmp_path / "m.json").read_text())
    assert on_disk == manifest
    assert on_disk["profile_sha256"] == merged.sha256 and on_disk["functions"] == 2


@pytest.mark.parametrize("readable, qualified, library", [
    ("pgokit::Order::to_json[abi:cxx11]() const", "pgokit::Order::to_json[abi:cxx11]", False),
    ("char const* boost::json::basic_parser<boost::json::detail::handler>::parse_object<true, false>"
     "(char const*, std::integral_constant<bool, true>)", "boost::json::basic_parser::parse_object", True),
    ("Text.cpp:pgokit::(anonymous namespace)::decimal_backwards(char*, unsigned long)",
     "pgokit::{anonymous}::decimal_backwards", False),
    ("OrderStore.cpp:std::__glibcxx_rwlock_unlock(pthread_rwlock_t*)", "std::__glibcxx_rwlock_unlock", True),
    ("OrderStore.cpp:__gthread_active_p()", "__gthread_active_p", True),
    ("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char>>::_M_data() const",
     "std::__cxx11::basic_string::_M_data", True),
    ("pgokit::Api::handle(pgokit::Request, std::function<void (pgokit::Response)>)::$_0::operator()() const",
     "pgokit::Api::handle", False),
    ("main", "main", False),
])
def test_library_functions_are_told_from_the_projects_own(readable, qualified, library):
    """The report lists the project's hottest functions apart from std:: and boost:: ones."""
    assert profiles.qualified_name(readable) == qualified
    assert profiles.is_library(readable) is library


def test_demangle_keeps_order_and_drops_the_file_of_ir_names():
    names = ["_ZN6pgokit5Order7to_jsonEv", "Order.cpp;_ZN6pgokit5Order7to_jsonEv", "main"]
    assert profiles.demangle(LLVM.parent, names) == ["pgokit::Order::to_json()"] * 2 + ["main"]
