"""Runs `pgokit pipeline --arch all` with short training on the reference
server into a scratch folder, then checks the results and that a second run
is a no-op. The folder is kept when the test fails."""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ELF_MACHINE = {"x86_64": 62, "arm64": 183}  # EM_X86_64, EM_AARCH64


def run(argv: list[str]) -> subprocess.CompletedProcess:
    print("$", " ".join(argv), flush=True)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    return proc


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not ELF"
    return int.from_bytes(header[18:20], "little")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pgokit", required=True)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    common = [args.pgokit, "pipeline", "--arch", "all", "--duration", "5", "--seed-orders", "20000",
              "--work-dir", str(args.work / "work"), "--profiles-dir", str(args.work / "profiles"),
              "--dist-dir", str(args.work / "dist"), "--json"]
    ok = False
    try:
        first = run(common)
        assert first.returncode == 0, f"pipeline failed with exit {first.returncode}"
        summaries = json.loads(first.stdout)
        for summary in summaries:
            arch = summary["arch"]
            statuses = {s["stage"]: s["status"] for s in summary["stages"]}
            assert all(v == "ran" for v in statuses.values()), statuses
            binary = args.work / "dist" / arch / "pgokit-server"
            assert elf_machine(binary) == ELF_MACHINE[arch], f"{binary}: wrong machine"
            for name in ("pgokit-server.proftext", "pgokit-server.manifest.json"):
                assert (args.work / "profiles" / arch / name).is_file(), f"no {name} for {arch}"
            assert summary["trained_under_emulation"] == (arch == "arm64")
            print(f"{arch}: {summary['seconds']}s, all stages ran", flush=True)

        # The optimized build from the committed text profile alone is the same code.
        x86 = next(s for s in summaries if s["arch"] == "x86_64")
        pipeline_text = next(s for s in x86["stages"] if s["stage"] == "optimize")["details"]["text_sha256"]
        rebuild = run([args.pgokit, "build", "--arch", "x86_64", "--stage", "optimized", "--json",
                       "--profile", str(args.work / "profiles" / "x86_64" / "pgokit-server.proftext"),
                       "--build-dir", str(args.work / "rebuild-optimized")])
        assert rebuild.returncode == 0, "rebuild from the text profile failed"
        rebuilt_text = json.loads(rebuild.stdout)["text_sha256"]
        assert rebuilt_text == pipeline_text, f".text differs: {rebuilt_text} != {pipeline_text}"
        print(f"rebuilt from the text profile alone: same .text ({pipeline_text[:16]})", flush=True)

        start = time.monotonic()
        second = run(common)
        assert second.returncode == 0
        for summary in json.loads(second.stdout):
            statuses = {s["stage"]: s["status"] for s in summary["stages"]}
            assert all(v == "up to date" for v in statuses.values()), statuses
        elapsed = time.monotonic() - start
        assert elapsed < 60, f"the no-op rerun took {elapsed:.0f}s"
        print(f"second run: every stage up to date in {elapsed:.1f}s", flush=True)
        ok = True
    finally:
        if ok:
            shutil.rmtree(args.work, ignore_errors=True)
        else:
            print(f"kept {args.work} for inspection", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
