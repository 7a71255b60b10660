"""Runs `pgokit pipeline --arch all` with short training on the reference
server into a scratch folder, then checks the results and that a second run
is a no-op; then generic mode on two throwaway CMake projects written to a
temporary folder outside the repository (one optimized without any change to
it, one that uses find_package(PGOKit) and is trained as a server), for both
arches, each result checked by the validator. Folders are kept when the test
fails."""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
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
        rebuilt = json.loads(rebuild.stdout)
        assert rebuilt["text_sha256"] == pipeline_text, f".text differs: {rebuilt['text_sha256']} != {pipeline_text}"
        print(f"rebuilt from the text profile alone: same .text ({pipeline_text[:16]})", flush=True)
        check_reproducible(args, Path(rebuilt["binary"]))

        start = time.monotonic()
        second = run(common)
        assert second.returncode == 0
        for summary in json.loads(second.stdout):
            statuses = {s["stage"]: s["status"] for s in summary["stages"]}
            assert all(v == "up to date" for v in statuses.values()), statuses
        elapsed = time.monotonic() - start
        assert elapsed < 60, f"the no-op rerun took {elapsed:.0f}s"
        print(f"second run: every stage up to date in {elapsed:.1f}s", flush=True)
        check_generic_mode(args)
        ok = True
    finally:
        if ok:
            shutil.rmtree(args.work, ignore_errors=True)
        else:
            print(f"kept {args.work} for inspection", file=sys.stderr)
    return 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_reproducible(args, rebuilt: Path) -> None:
    """Same commit, same committed profile: byte-identical optimized binaries.
    And BOLT, as the pipeline runs it, given the same .fdata in two separate
    work trees (as two pipeline runs have), writes byte-identical output."""
    work = args.work / "work" / "x86_64"
    optimized = work / "build-optimized" / "app" / "pgokit-server"
    assert sha256(rebuilt) == sha256(optimized), f"{rebuilt} and {optimized} differ"
    sys.path.insert(0, str(Path(args.pgokit).resolve().parent))
    from pgokit_cli import bolt
    from pgokit_cli.console import Console
    from pgokit_cli.runner import Runner

    outputs = []
    for n, binary in enumerate((optimized, rebuilt)):
        tree = args.work / f"bolt-again-{n}"
        (tree / "build-optimized" / "app").mkdir(parents=True)
        (tree / "bolt").mkdir()
        shutil.copy2(binary, tree / "build-optimized" / "app" / "pgokit-server")
        shutil.copy2(work / "bolt" / "pgokit-server.fdata", tree / "bolt" / "pgokit-server.fdata")
        out = tree / "bolt" / "pgokit-server.bolt"
        bolt.optimize(Runner(Console(quiet=True)), Path("/usr/lib/llvm-19"),
                      tree / "build-optimized" / "app" / "pgokit-server", tree / "bolt" / "pgokit-server.fdata",
                      out, "x86_64", bolt_id="pgokit:e2e")
        outputs.append(sha256(out))
    assert outputs[0] == outputs[1], f"BOLT with the same .fdata gave different binaries: {outputs}"
    print(f"reproducible: optimized {sha256(optimized)[:16]} twice, BOLT output {outputs[0][:16]} twice", flush=True)


# A plain project: the hot code is in a static library, and nothing in it knows pgokit.
PLAIN_PROJECT = {
    "CMakeLists.txt": """
        cmake_minimum_required(VERSION 3.20)
        project(wordcount LANGUAGES CXX)
        set(CMAKE_CXX_STANDARD 20)
        add_library(wordcore STATIC wordcore.cpp)
        target_include_directories(wordcore PUBLIC .)
        add_executable(wordcount main.cpp)
        target_link_libraries(wordcount PRIVATE wordcore)
        """,
    "wordcore.hpp": """
        #pragma once
        #include <cstdint>
        #include <string>
        #include <vector>
        std::uint64_t count_words(const std::vector<std::string>& words);
        """,
    "wordcore.cpp": """
        #include "wordcore.hpp"
        #include <unordered_map>
        std::uint64_t count_words(const std::vector<std::string>& words) {
          std::unordered_map<std::string, std::uint64_t> counts;
          for (const auto& w : words) {
            counts[w] += w.size() > 3 && w[0] == 'q' ? 7 : 1;
          }
          std::uint64_t h = 1469598103934665603ULL;
          for (const auto& [w, n] : counts) h = (h ^ (n * w.size())) * 1099511628211ULL;
          return h;
        }
        """,
    "main.cpp": """
        #include <cstdio>
        #include <cstdlib>
        #include "wordcore.hpp"
        int main(int argc, char** argv) {
          const long n = argc > 1 ? std::atol(argv[1]) : 1000;
          std::vector<std::string> words;
          std::uint64_t x = 88172645463325252ULL;
          for (long i = 0; i < n; ++i) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            std::string w;
            for (int k = 0; k < 2 + static_cast<int>(x % 5); ++k) w += static_cast<char>('a' + (x >> (8 * k)) % 26);
            words.push_back(std::move(w));
          }
          std::printf("%llx\\n", static_cast<unsigned long long>(count_words(words)));
          return 0;
        }
        """,
    "pgokit.toml": """
        target = "wordcount"
        [train]
        command = "{binary} 100000"
        """,
}

# A project that applies pgokit's module itself, and is trained as a server.
MODULE_PROJECT = {
    "CMakeLists.txt": """
        cmake_minimum_required(VERSION 3.20)
        project(echo LANGUAGES CXX)
        set(CMAKE_CXX_STANDARD 20)
        find_package(PGOKit REQUIRED)
        add_library(echocore STATIC echocore.cpp)
        target_include_directories(echocore PUBLIC .)
        add_executable(echod main.cpp)
        target_link_libraries(echod PRIVATE echocore)
        pgokit_optimize(echocore)
        pgokit_optimize(echod)
        """,
    "echocore.hpp": """
        #pragma once
        #include <string>
        std::string answer(const std::string& request);
        """,
    "echocore.cpp": """
        #include "echocore.hpp"
        std::string answer(const std::string& request) {
          std::string body;
          for (char c : request) body += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
          return "HTTP/1.0 200 OK\\r\\nContent-Length: " + std::to_string(body.size()) + "\\r\\n\\r\\n" + body;
        }
        """,
    "main.cpp": """
        #include <csignal>
        #include <cstdlib>
        #include <string>
        #include <netinet/in.h>
        #include <sys/socket.h>
        #include <unistd.h>
        #include "echocore.hpp"
        static volatile std::sig_atomic_t stop = 0;
        int main(int argc, char** argv) {
          struct sigaction sa {};
          sa.sa_handler = [](int) { stop = 1; };
          sigaction(SIGTERM, &sa, nullptr);  // no SA_RESTART: accept() returns EINTR
          int fd = socket(AF_INET, SOCK_STREAM, 0);
          int one = 1;
          setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
          sockaddr_in addr {};
          addr.sin_family = AF_INET;
          addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          addr.sin_port = htons(static_cast<unsigned short>(std::atoi(argv[1])));
          if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) return 2;
          while (!stop) {
            int client = accept(fd, nullptr, nullptr);
            if (client < 0) continue;
            char buffer[4096];
            const ssize_t n = read(client, buffer, sizeof buffer);
            const std::string reply = answer(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0));
            (void)!write(client, reply.data(), reply.size());
            close(client);
          }
          close(fd);
          return 0;  // a clean exit writes the profile
        }
        """,
    "pgokit.toml": """
        target = "echod"
        inject = false
        [train.server]
        start = "{binary} {port}"
        ready-port = {port}
        load = "curl -s --retry 3 -o /dev/null http://127.0.0.1:{port}/hello"
        """,
}


def write_project(root: Path, files: dict[str, str], port: int) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip().replace("{port}", str(port)))
    return root


def check_generic_mode(args) -> None:
    """Generic mode on throwaway projects, both arches, each result validated."""
    scratch = Path(tempfile.mkdtemp(prefix="pgokit-e2e-projects-"))
    projects = [(write_project(scratch / "wordcount", PLAIN_PROJECT, 0), "wordcount", "count_words"),
                (write_project(scratch / "echo", MODULE_PROJECT, 18431), "echod", "answer")]
    for source, target, hot_function in projects:
        for arch in ("x86_64", "arm64"):
            run_dir = args.work / "generic"
            proc = run([args.pgokit, "pipeline", "--arch", arch, "--source-dir", str(source), "--json",
                        "--work-dir", str(run_dir / "work"), "--dist-dir", str(run_dir / "dist")])
            assert proc.returncode == 0, f"generic mode failed for {target} on {arch} (exit {proc.returncode})"
            binary = run_dir / "dist" / arch / target
            assert elf_machine(binary) == ELF_MACHINE[arch], f"{binary}: wrong machine"
            profile = source / "pgo-profiles" / arch / f"{target}.proftext"
            # The hot function lives in a static library: it must have been instrumented too.
            assert hot_function in profile.read_text(), f"{profile} has no counts for {hot_function}"
            check = run([args.pgokit, "validate", "--arch", arch, "--expect", "dist", str(binary)])
            assert check.returncode == 0, f"the validator refused {binary}"
            print(f"generic mode: {target} ({arch}) optimized and validated", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
