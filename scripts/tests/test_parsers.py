"""Reading what clang and BOLT print."""

from pgokit_cli.bolt import optimize_flags, parse_dyno_stats, runtime_lib_arg
from pgokit_cli.cmake import ProfileDiagnostics
from pgokit_cli.stages import StageCache, fingerprint

CLANG_LOG = """\
[1/4] Building CXX object app/CMakeFiles/pgokit_app.dir/src/Router.cpp.o
warning: profile data may be out of date: of 40 functions, 3 have mismatched data that will be ignored [-Wprofile-instr-out-of-date]
[2/4] Building CXX object app/CMakeFiles/pgokit_app.dir/src/Order.cpp.o
warning: profile data may be out of date: of 10 functions, 1 has mismatched data that will be ignored [-Wprofile-instr-out-of-date]
warning: profile data may be incomplete: of 10 functions, 2 have no data [-Wprofile-instr-missing]
1 warning generated.
[3/4] Building CXX object app/CMakeFiles/pgokit_app.dir/src/New.cpp.o
warning: no profile data available for file "New.cpp" [-Wprofile-instr-unprofiled]
"""

BOLT_LOG = """\
BOLT-INFO: 0 Functions were reordered by LoopInversionPass
BOLT-INFO: program-wide dynostats after all optimizations before SCTC and FOP:

               1000 : executed forward branches
                400 : taken forward branches
              50000 : executed instructions

               1000 : executed forward branches (=)
                 60 : taken forward branches (-85.0%)
              48000 : executed instructions (-4.0%)

BOLT-INFO: padding code to 0x600000 to accommodate hot text
"""


def test_profile_diagnostics_are_counted_per_object():
    d = ProfileDiagnostics.parse(CLANG_LOG)
    assert d.stale_functions == 4 and d.functions_checked == 50
    assert d.stale_by_object == {"app/CMakeFiles/pgokit_app.dir/src/Router.cpp.o": 3,
                                 "app/CMakeFiles/pgokit_app.dir/src/Order.cpp.o": 1}
    assert d.functions_without_data == 2
    assert d.files_without_profile == ["app/CMakeFiles/pgokit_app.dir/src/New.cpp.o"]
    assert d.summary().startswith("4 stale functions, 2 without data")


def test_dyno_stats_before_and_after():
    before, after = parse_dyno_stats(BOLT_LOG)
    assert before["taken forward branches"] == 400
    assert after["taken forward branches"] == 60
    assert after["executed instructions"] == 48000
    assert before["executed forward branches"] == after["executed forward branches"] == 1000


def test_x86_only_bolt_flags_stay_off_arm64():
    assert "-split-strategy=cdsplit" in optimize_flags("x86_64")
    assert not any("cdsplit" in f or "jump-tables" in f for f in optimize_flags("arm64"))


def test_arm64_bolt_runtime_is_passed_relative_to_llvm_lib(tmp_path):
    llvm = tmp_path / "llvm"
    (llvm / "lib").mkdir(parents=True)
    rt = tmp_path / "sysroot/usr/lib/llvm-19/lib/libbolt_rt_instr.a"
    rt.parent.mkdir(parents=True)
    rt.write_text("")
    (arg,) = runtime_lib_arg(llvm, "arm64", tmp_path / "sysroot")
    assert arg == "-runtime-instrumentation-lib=../../sysroot/usr/lib/llvm-19/lib/libbolt_rt_instr.a"
    assert runtime_lib_arg(llvm, "x86_64", None) == []


def test_stage_cache_hits_only_with_same_key_and_intact_outputs(tmp_path):
    cache = StageCache(tmp_path / "stages")
    out = tmp_path / "out.bin"
    out.write_text("v1")
    key = fingerprint({"a": 1})
    cache.store("build", key, [out], {"details": {}})
    assert cache.lookup("build", key) is not None
    assert cache.lookup("build", fingerprint({"a": 2})) is None
    out.write_text("tampered")
    assert cache.lookup("build", key) is None


def test_provenance_note_layout():
    import json
    import struct

    from pgokit_cli.provenance import note_bytes

    raw = note_bytes({"arch": "arm64", "profile_sha256": "ab" * 32})
    namesz, descsz, kind = struct.unpack("<III", raw[:12])
    assert (namesz, kind) == (7, 1) and raw[12:19] == b"pgokit\0"
    assert len(raw) % 4 == 0
    desc = json.loads(raw[20:20 + descsz])
    assert desc == {"format": 1, "arch": "arm64", "profile_sha256": "ab" * 32}
