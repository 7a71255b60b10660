"""The staged pipeline for one arch, each stage an artifact-to-artifact step:

    instrument -> train -> merge [-> cs-instrument -> cs-train -> cs-merge]
      -> optimize -> bolt-instrument -> bolt-train -> bolt -> verify -> dist
      -> validate

The bracketed stages run with --cspgo (context-sensitive PGO, IR profiles).

Every stage is content-addressed (see stages.py): rerunning with nothing
changed redoes nothing and says so; --from forces a stage and what follows."""

import json
import platform
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli import bolt, cmake, evidence, profiles, provenance, training, validator
from pgokit_cli.context import Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import fresh_dir, sha256_file, sha256_or_none, staged_output, write_atomically
from pgokit_cli.stages import StageCache, fingerprint, source_commit, tree_digest
from pgokit_cli.toolchain import parse_llvm_version

STAGES = ["instrument", "train", "merge", "cs-instrument", "cs-train", "cs-merge", "optimize",
          "bolt-instrument", "bolt-train", "bolt", "verify", "dist", "validate"]
CSPGO_STAGES = ("cs-instrument", "cs-train", "cs-merge")
# The arch this machine runs natively; CSPGO's second training needs it (see Options.cspgo).
HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
TARGET = "pgokit-server"
# What the reference server's build depends on (the tree digest's inputs).
SOURCE_PATHS = ["app", "cmake", "toolchains", "CMakeLists.txt", "CMakePresets.json"]


def server_binary(build_dir: Path) -> Path:
    """Where a build of the reference server puts it (app/ in the build tree)."""
    return build_dir / "app" / TARGET


# What llvm-readelf's Machine line says for each arch.
ELF_MACHINES = {"x86_64": "X86-64", "arm64": "AArch64"}


@dataclass
class Options:
    arch: str
    scenario: Path
    duration: int = 30
    connections: int = 16
    wrk_threads: int = 2
    seed_orders: int = 100_000
    server_threads: int = 2
    from_stage: str | None = None
    to_stage: str = "validate"
    reuse_profile: str | None = None
    # Context-sensitive PGO: IR instrumentation, then a second instrumented build
    # optimized with the first profile and trained again. Native arches only:
    # under emulation the second training doubles the slowest step.
    cspgo: bool = False
    perf: bool = False
    work_dir: Path | None = None
    profiles_dir: Path | None = None
    dist_dir: Path | None = None


@dataclass
class StageOutcome:
    stage: str
    status: str  # ran | up to date | skipped
    seconds: float
    details: dict = field(default_factory=dict)


class Pipeline:
    def __init__(self, ctx: Context, opts: Options):
        self.ctx = ctx
        self.opts = opts
        self.arch = opts.arch
        self.runner = ctx.runner
        self.console = ctx.console
        root = ctx.repo_root
        if opts.cspgo and opts.reuse_profile:
            raise PgokitError("--cspgo and --reuse-profile do not go together: context-sensitive (IR) "
                              "profiles are tied to the arch they were trained on")
        if opts.cspgo and self.arch != HOST_ARCH:
            raise PgokitError(f"--cspgo is for natively trained arches; {self.arch} trains under emulation here",
                              hint=f"run it on {self.arch} hardware, or drop --cspgo for {self.arch}")
        # CSPGO builds and profiles differ in kind: they get their own tree and profile name.
        self.work = (opts.work_dir or root / "build" / "pgo") / (self.arch + ("-cspgo" if opts.cspgo else ""))
        self.profiles_dir = (opts.profiles_dir or root / "profiles") / self.arch
        self.dist = (opts.dist_dir or root / "dist") / self.arch
        self.cache = StageCache(self.work / "stages")
        self.llvm = ctx.llvm_root
        self.outcomes: list[StageOutcome] = []
        self.sysroot = ctx.sysroot("arm64") if self.arch == "arm64" else None
        self._forced = False
        self._source_digest: str | None = None
        self._toolchain: dict | None = None

    # ---- shared inputs -------------------------------------------------

    def source_digest(self) -> str:
        if self._source_digest is None:
            self._source_digest = tree_digest(self.ctx.repo_root, SOURCE_PATHS)
        return self._source_digest

    def toolchain(self) -> dict:
        """Identifies the compiler (and sysroot) every build uses."""
        if self._toolchain is None:
            out = self.runner.run([self.llvm / "bin" / "clang", "--version"]).stdout
            version = parse_llvm_version(out)
            if not version:
                raise PgokitError(f"cannot tell the version of {self.llvm}/bin/clang")
            self._toolchain = {"clang": ".".join(map(str, version))}
            if self.sysroot:
                stamp = self.sysroot / ".pgokit-sysroot.json"
                if not stamp.exists():
                    raise PgokitError(f"no arm64 sysroot at {self.sysroot}", hint="run 'make setup'")
                self._toolchain["sysroot"] = json.loads(stamp.read_text())["lock_digest"]
        return self._toolchain

    def emulator(self) -> list[str]:
        if self.arch == "arm64":
            qemu = shutil.which("qemu-aarch64")
            if not qemu:
                raise PgokitError("qemu-aarch64 not found", hint="make setup (or: apt-get install qemu-user)")
            return [qemu, "-L", str(self.sysroot)]
        return []

    def scenario_name(self) -> str:
        return self.opts.scenario.stem

    @property
    def trained_under_emulation(self) -> bool:
        """arm64 is trained under qemu here, unless it reuses x86_64's profile."""
        return self.arch == "arm64" and not self.opts.reuse_profile

    # ---- running ---------------------------------------------------------

    def run(self) -> dict:
        start = time.monotonic()
        wanted = STAGES[: STAGES.index(self.opts.to_stage) + 1]
        if not self.opts.cspgo:
            wanted = [s for s in wanted if s not in CSPGO_STAGES]
        if self.opts.reuse_profile:
            wanted = [s for s in wanted if s not in ("instrument", "train", "merge")]
        if self.opts.perf:
            # Sampling needs no instrumented binary: bolt-train profiles the optimized one.
            wanted = [s for s in wanted if s != "bolt-instrument"]
        for stage in wanted:
            if stage == self.opts.from_stage:
                self._forced = True
            self._run_stage(stage)
        summary = {
            "arch": self.arch,
            "trained_under_emulation": self.trained_under_emulation,
            "scenario": self.scenario_name(),
            "seconds": round(time.monotonic() - start, 1),
            "stages": [o.__dict__ for o in self.outcomes],
        }
        return summary

    def _run_stage(self, stage: str) -> None:
        method = getattr(self, "stage_" + stage.replace("-", "_"))
        key, outputs_fn = method("key")
        begin = time.monotonic()
        record = None if self._forced else self.cache.lookup(stage, key)
        if record is not None:
            self.console.info(f"{stage:16} up to date")
            self.outcomes.append(StageOutcome(stage, "up to date", 0.0, record.get("details", {})))
            return
        # A stage that runs changes its outputs, and with them the keys of the
        # stages that read them: those rerun without being told.
        with self.console.section(f"{self.arch}: {stage}"):
            details = method("run")
        outputs = outputs_fn()
        self.cache.store(stage, key, outputs, {"details": details})
        self.outcomes.append(StageOutcome(stage, "ran", round(time.monotonic() - begin, 1), details))

    # Each stage_* returns (key, outputs) when asked for "key", and does the
    # work (returning details for the summary) when asked to "run".

    def build_dir(self, stage: str) -> Path:
        """The folder the pipeline builds a stage in (build/pgo/ARCH/build-STAGE)."""
        return self.work / f"build-{stage}"

    def _binary(self, stage: str) -> Path:
        return server_binary(self.build_dir(stage))

    @property
    def instrumentation(self) -> str:
        """Front-end profiles (portable between arches) unless CSPGO needs IR ones."""
        return "ir" if self.opts.cspgo else "frontend"

    def _configure_and_build(self, stage: str, cache: dict[str, str] | None = None) -> tuple[Path, str]:
        build_dir = self.build_dir(stage)
        cmake.configure(self.runner, self.ctx.repo_root, f"{self.arch}-{stage}", build_dir,
                        {"BUILD_TESTING": "OFF", "PGOKIT_INSTRUMENTATION": self.instrumentation,
                         **(cache or {})})
        log = cmake.build(self.runner, self.console, build_dir, TARGET)
        binary = self._binary(stage)
        if not binary.exists():
            raise PgokitError(f"the build of {TARGET} in {build_dir} left no {binary}")
        return binary, log

    @property
    def instrumented_binary(self) -> Path:
        return self._binary("instrumented")

    @property
    def raw_dir(self) -> Path:
        return self.work / "raw" / self.scenario_name()

    @property
    def profile_name(self) -> str:
        return f"{TARGET}.cspgo" if self.opts.cspgo else TARGET

    @property
    def text_profile(self) -> Path:
        arch = self.opts.reuse_profile or self.arch
        return (self.opts.profiles_dir or self.ctx.repo_root / "profiles") / arch / f"{self.profile_name}.proftext"

    @property
    def manifest(self) -> Path:
        return self.profiles_dir / f"{self.profile_name}.manifest.json"

    @property
    def ir_profdata(self) -> Path:
        """CSPGO's first profile: what the cs-instrumented build is optimized with."""
        return self.work / "profile" / f"{TARGET}.ir.profdata"

    @property
    def cs_instrumented_binary(self) -> Path:
        return self._binary("cs-instrumented")

    @property
    def cs_raw_dir(self) -> Path:
        return self.work / "raw-cs" / self.scenario_name()

    @property
    def profdata(self) -> Path:
        return self.work / "profile" / f"{TARGET}.profdata"

    @property
    def optimized_binary(self) -> Path:
        return self._binary("optimized")

    @property
    def bolt_instrumented(self) -> Path:
        return self.work / "bolt" / f"{TARGET}.bolt-instrumented"

    @property
    def fdata(self) -> Path:
        return self.work / "bolt" / f"{TARGET}.fdata"

    @property
    def bolted(self) -> Path:
        return self.work / "bolt" / f"{TARGET}.bolt"

    def _load_key(self) -> dict:
        return {"scenario": sha256_or_none(self.opts.scenario),
                "duration": self.opts.duration, "connections": self.opts.connections,
                "seed_orders": self.opts.seed_orders, "threads": self.opts.server_threads}

    def stage_instrument(self, mode):
        if mode == "key":
            return fingerprint({"src": self.source_digest(), "tc": self.toolchain(),
                                "kind": self.instrumentation}), \
                lambda: [self.instrumented_binary]
        binary, _ = self._configure_and_build("instrumented")
        sections = evidence.section_names(self.runner, self.llvm, binary)
        if "__llvm_prf_cnts" not in sections:
            raise PgokitError(f"{binary} has no __llvm_prf_cnts section: it is not instrumented")
        return {"binary": str(binary)}

    def _server_argv(self, binary: Path, prefix: tuple[str, ...] = ()) -> list[str]:
        """The server's command line; prefix wraps it (e.g. in perf record)."""
        return [*prefix, *self.emulator(), str(binary), "--port", "0",
                "--seed-orders", str(self.opts.seed_orders),
                "--threads", str(self.opts.server_threads)]

    def _train(self, binary: Path, env: dict[str, str], log_name: str,
               prefix: tuple[str, ...] = ()) -> training.LoadResult:
        # Before the server starts: a missing scenario or wrk should not cost a start-up.
        wrk = training.check_load_inputs(self.opts.scenario)
        if self.arch == "arm64":
            self.console.info("training under emulation (qemu-aarch64): timings are not arm64 hardware's")
        server = training.start_server(self._server_argv(binary, prefix), env,
                                       self.work / "logs" / log_name, self.console)
        try:
            load = training.run_load(wrk, self.opts.scenario, server, duration=self.opts.duration,
                                     connections=self.opts.connections, threads=self.opts.wrk_threads,
                                     console=self.console)
        except BaseException:
            try:
                training.stop_server(server, self.console, timeout=30)
            except PgokitError:
                pass
            raise
        code = training.stop_server(server, self.console)
        if code != 0:
            raise training.TrainingFailed(f"the server exited with code {code} on SIGTERM; log: {server.log_path}")
        self.console.info(f"{load.requests} requests in {load.seconds:.0f}s "
                          f"({load.requests_per_second:.0f}/s), {load.socket_errors} socket errors")
        return load

    def stage_train(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.instrumented_binary), **self._load_key()}), \
                lambda: [self.raw_dir]
        raw = fresh_dir(self.raw_dir)
        # %m: one file per binary signature, %p: one per process; never clobbered.
        env = {"LLVM_PROFILE_FILE": str(raw / f"{TARGET}_%m_%p.profraw")}
        load = self._train(self.instrumented_binary, env, "train.log")
        found = profiles.RawProfiles.collect(raw, self.scenario_name())
        return {"requests": load.requests, "requests_per_second": load.requests_per_second,
                "socket_errors": load.socket_errors, "statuses": load.statuses,
                "raw_profiles": [p.name for p in found.files]}

    def stage_merge(self, mode):
        if mode == "key":
            raw = sorted(self.raw_dir.glob("*.profraw")) if self.raw_dir.exists() else []
            outputs = [self.ir_profdata] if self.opts.cspgo else [self.text_profile, self.manifest]
            return fingerprint({"raw": [sha256_file(p) for p in raw], "cspgo": self.opts.cspgo}), \
                lambda: outputs
        found = profiles.RawProfiles.collect(self.raw_dir, self.scenario_name())
        if self.opts.cspgo:
            # Only a step: cs-merge publishes the profile, with the context-sensitive part.
            merged = profiles.merge(self.runner, self.llvm / "bin" / "llvm-profdata",
                                    [(p, 1, found.scenario) for p in found.files], self.ir_profdata)
            for skipped in merged.skipped:
                self.console.warn(f"skipped {skipped['file']}: {skipped['reason']}")
            self.console.info(f"{merged.stats.functions} functions in the first (IR) profile")
            return {"functions": merged.stats.functions, "total_count": merged.stats.total_count,
                    "skipped": merged.skipped}
        return self._publish([(p, 1, found.scenario) for p in found.files])

    def stage_cs_instrument(self, mode):
        if mode == "key":
            return fingerprint({"src": self.source_digest(), "tc": self.toolchain(),
                                "profile": sha256_or_none(self.ir_profdata)}), \
                lambda: [self.cs_instrumented_binary]
        binary, _ = self._configure_and_build("cs-instrumented", {"PGOKIT_PROFILE": str(self.ir_profdata)})
        if "__llvm_prf_cnts" not in evidence.section_names(self.runner, self.llvm, binary):
            raise PgokitError(f"{binary} has no __llvm_prf_cnts section: it is not instrumented")
        return {"binary": str(binary)}

    def stage_cs_train(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.cs_instrumented_binary), **self._load_key()}), \
                lambda: [self.cs_raw_dir]
        raw = fresh_dir(self.cs_raw_dir)
        env = {"LLVM_PROFILE_FILE": str(raw / f"{TARGET}_cs_%m_%p.profraw")}
        load = self._train(self.cs_instrumented_binary, env, "cs-train.log")
        found = profiles.RawProfiles.collect(raw, self.scenario_name())
        return {"requests": load.requests, "requests_per_second": load.requests_per_second,
                "raw_profiles": [p.name for p in found.files]}

    def stage_cs_merge(self, mode):
        if mode == "key":
            raw = sorted(self.cs_raw_dir.glob("*.profraw")) if self.cs_raw_dir.exists() else []
            return fingerprint({"ir": sha256_or_none(self.ir_profdata), "raw": [sha256_file(p) for p in raw]}), \
                lambda: [self.text_profile, self.manifest]
        found = profiles.RawProfiles.collect(self.cs_raw_dir, self.scenario_name())
        # The first profile and the context-sensitive counts, in one profile.
        return self._publish([(self.ir_profdata, 1, found.scenario),
                              *((p, 1, found.scenario) for p in found.files)])

    def _publish(self, sources: list[tuple[Path, int, str]]) -> dict:
        """Merges sources into the committed text profile and its manifest."""
        manifest = profiles.publish(
            self.runner, self.llvm / "bin" / "llvm-profdata", sources,
            work_profdata=self.work / "profile" / "merged-from-raw.profdata", text_profile=self.text_profile,
            manifest_path=self.manifest, arch=self.arch, target=TARGET,
            llvm_version=self.toolchain()["clang"], scenarios={self.scenario_name(): 1},
            commit=source_commit(self.ctx.repo_root))
        for skipped in manifest["skipped_inputs"]:
            self.console.warn(f"skipped {skipped['file']}: {skipped['reason']}")
        self.console.info(f"{manifest['functions']} functions, total count {manifest['total_count']}; "
                          f"wrote {self.text_profile}")
        return {"functions": manifest["functions"], "total_count": manifest["total_count"],
                "skipped": manifest["skipped_inputs"], "text_profile": str(self.text_profile)}

    def stage_optimize(self, mode):
        if mode == "key":
            return fingerprint({"src": self.source_digest(), "tc": self.toolchain(),
                                "profile": sha256_or_none(self.text_profile), "kind": self.instrumentation}), \
                lambda: [self.optimized_binary, self.profdata]
        tool = self.llvm / "bin" / "llvm-profdata"
        # The build reads the committed text form, so a build from git alone is the same build.
        profiles.from_text(self.runner, tool, self.text_profile, self.profdata)
        binary, log = self._configure_and_build("optimized", {"PGOKIT_PROFILE": str(self.profdata)})
        diags = cmake.ProfileDiagnostics.parse(log)
        self.console.info(f"profile diagnostics: {diags.summary()}")
        sections = evidence.section_names(self.runner, self.llvm, binary)
        if ".text.hot" not in sections:
            raise PgokitError(f"{binary} has no .text.hot section: the profile did not reach code generation",
                              hint=f"check {self.text_profile} matches this source (pgokit profile show)")
        return {"profile_sha256": sha256_file(self.profdata), "diagnostics": diags.to_json(),
                "text_sha256": evidence.text_hash(self.runner, self.llvm, binary),
                "text_hot": True, "reused_profile_from": self.opts.reuse_profile}

    def stage_bolt_instrument(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.optimized_binary)}), \
                lambda: [self.bolt_instrumented]
        fresh_dir(self.bolt_instrumented.parent / "fdata")
        bolt.instrument(self.runner, self.llvm, self.optimized_binary, self.bolt_instrumented,
                        self.bolt_instrumented.parent / "fdata" / f"{TARGET}.fdata", self.arch, self.sysroot)
        return {"binary": str(self.bolt_instrumented)}

    def stage_bolt_train(self, mode):
        if mode == "key":
            b = self.optimized_binary if self.opts.perf else self.bolt_instrumented
            return fingerprint({"bin": sha256_or_none(b), "perf": self.opts.perf,
                                **self._load_key()}), lambda: [self.fdata]
        if self.opts.perf:
            return self._bolt_train_perf()
        fdata_dir = fresh_dir(self.bolt_instrumented.parent / "fdata")
        load = self._train(self.bolt_instrumented, {}, "bolt-train.log")
        files = sorted(fdata_dir.glob("*.fdata"))
        bolt.merge_fdata(self.runner, self.llvm, files, self.fdata)
        return {"requests": load.requests, "fdata_files": len(files)}

    def _bolt_train_perf(self) -> dict:
        """Samples the optimized binary with perf (LBR branch stacks) and converts with perf2bolt."""
        perf_data = self.work / "bolt" / "perf.data"
        perf_data.parent.mkdir(parents=True, exist_ok=True)
        # cycles:u with -j any,u records taken branches: what BOLT's layout needs.
        perf = ("perf", "record", "-e", "cycles:u", "-j", "any,u", "-o", str(perf_data), "--")
        load = self._train(self.optimized_binary, {}, "bolt-train-perf.log", prefix=perf)
        bolt.perf_to_fdata(self.runner, self.llvm, self.optimized_binary, perf_data, self.fdata)
        return {"requests": load.requests, "mode": "perf"}

    def stage_bolt(self, mode):
        if mode == "key":
            parts = {"bin": sha256_or_none(self.optimized_binary), "fdata": sha256_or_none(self.fdata),
                     "flags": bolt.optimize_flags(self.arch)}
            return fingerprint(parts), lambda: [self.bolted]
        profile_sha = sha256_file(self.profdata)[:16]
        result = bolt.optimize(self.runner, self.llvm, self.optimized_binary, self.fdata, self.bolted,
                               self.arch, bolt_id=f"pgokit:{TARGET}:{self.arch}:{profile_sha}")
        has_note = ".note.bolt_info" in evidence.section_names(self.runner, self.llvm, self.bolted)
        syms = evidence.symbols(self.runner, self.llvm, self.bolted, {"__hot_start", "__hot_end"})
        if not has_note or syms != {"__hot_start", "__hot_end"}:
            raise PgokitError(f"{self.bolted} lacks BOLT's note or hot-text symbols "
                              f"(.note.bolt_info: {has_note}; symbols: {sorted(syms)})")
        for name in ("taken branches", "executed instructions"):
            b, a = result.dyno_before.get(name), result.dyno_after.get(name)
            if b:
                self.console.info(f"{name}: {b} -> {a} ({(a - b) * 100 / b:+.1f}%)")
        return {"dyno_before": result.dyno_before, "dyno_after": result.dyno_after,
                "size_before": self.optimized_binary.stat().st_size, "size_after": self.bolted.stat().st_size}

    def stage_verify(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.bolted)}), lambda: []
        machine = evidence.elf_machine(self.runner, self.llvm, self.bolted)
        if ELF_MACHINES[self.arch] not in machine:
            raise PgokitError(f"{self.bolted} is {machine}, expected {ELF_MACHINES[self.arch]}")
        server = training.start_server(self._server_argv(self.bolted), {}, self.work / "logs" / "verify.log",
                                       self.console)
        try:
            checks = functional_checks(server.url, self.arch)
        finally:
            code = training.stop_server(server, self.console)
        if code != 0:
            raise PgokitError(f"the optimized server exited with code {code} on SIGTERM")
        self.console.info(f"{len(checks)} functional checks passed")
        return {"checks": checks, "machine": machine}

    def provenance_record(self) -> dict:
        stages = ["instrumented", "trained", "pgo", "thinlto", "bolt"]
        if self.opts.cspgo:
            stages = ["instrumented", "trained", "cs-instrumented", "cs-trained", "pgo", "cspgo", "thinlto", "bolt"]
        if self.opts.reuse_profile:
            stages = [f"profile-from-{self.opts.reuse_profile}", "pgo", "thinlto", "bolt"]
        return {
            "target": TARGET,
            "arch": self.arch,
            "stages": stages,
            "trained_under_emulation": self.trained_under_emulation,
            "scenario": self.scenario_name(),
            "profile_sha256": sha256_file(self.profdata),
            "text_profile_sha256": sha256_file(self.text_profile),
            "llvm_version": self.toolchain()["clang"],
            "source_commit": source_commit(self.ctx.repo_root),
            "source_digest": self.source_digest(),
        }

    def stage_dist(self, mode):
        final = self.dist / TARGET
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.bolted), "provenance": self.provenance_record()}), \
                lambda: [final]
        with staged_output(final) as tmp:
            provenance.embed(self.runner, self.llvm, self.bolted, tmp, self.provenance_record())
        self.console.ok(f"{final} ({final.stat().st_size} bytes)")
        return {"binary": str(final), "sha256": sha256_file(final)}

    def stage_validate(self, mode):
        final = self.dist / TARGET
        # With a reused profile, the manifest describes the other arch's training.
        manifest = None if self.opts.reuse_profile else self.manifest
        if mode == "key":
            tool = validator.binary(self.ctx)
            self._validator = tool
            return fingerprint({"bin": sha256_or_none(final), "validator": sha256_file(tool),
                                "profile": sha256_or_none(self.profdata),
                                "manifest": sha256_or_none(manifest) if manifest else None}), \
                lambda: []
        code, report = validator.run(self._validator, self.arch, final, expect="dist", profile=self.profdata,
                                     manifest=manifest)
        if code != 0:
            # Not left in dist/ as if it were good: renamed, so nothing ships it by accident.
            rejected = final.with_name(final.name + ".rejected")
            final.replace(rejected)
            raise PgokitError(f"{final} failed validation (exit {code}): " + "; ".join(validator.failures(report))
                              + f"; moved to {rejected}",
                              hint=f"scripts/pgokit validate --arch {self.arch} --expect dist {rejected}")
        self.console.info(f"validated: {report.get('passed')} checks passed, {report.get('skipped')} skipped")
        return {"passed": report.get("passed"), "skipped": report.get("skipped"),
                "findings": [{k: f.get(k) for k in ("id", "status", "reason")} for f in report.get("findings", [])]}

    def write_summary(self, summary: dict) -> Path:
        path = self.dist / f"{TARGET}.summary.json"
        inputs = {"source_digest": self.source_digest(), "toolchain": self.toolchain(),
                  "source_commit": source_commit(self.ctx.repo_root)}
        if self.text_profile.exists():
            inputs["text_profile_sha256"] = sha256_file(self.text_profile)
        write_atomically(path, json.dumps({**summary, "inputs": inputs}, indent=2, default=str) + "\n")
        return path


def _get(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, dict | str]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def functional_checks(base: str, arch: str) -> list[str]:
    """The reference scenario's request shapes, each with its expected answer."""
    passed = []

    def expect(name, ok, detail):
        if not ok:
            raise PgokitError(f"functional check failed: {name}: {detail}")
        passed.append(name)

    status, body = _get(base + "/health")
    expect("health", status == 200 and isinstance(body, dict) and body.get("arch") == arch
           and body.get("stage") == "optimized", f"{status} {body}")
    status, body = _get(base + "/api/orders/42")
    expect("order by id", status == 200 and isinstance(body, dict) and body.get("id") == 42, f"{status}")
    status, _ = _get(base + "/api/order?id=42")
    expect("legacy order", status == 200, f"{status}")
    status, body = _get(base + "/api/orders?limit=5")
    expect("listing", status == 200 and isinstance(body, dict) and len(body.get("orders", [])) == 5, f"{status}")
    status, _ = _get(base + "/api/orders/999999999")
    expect("unknown order is 404", status == 404, f"{status}")
    status, _ = _get(base + "/api/orders", "POST", b"{not json", {"Content-Type": "application/json"})
    expect("invalid JSON is 400", status == 400, f"{status}")
    status, body = _get(base + "/metrics")
    expect("metrics", status == 200 and isinstance(body, str) and "# TYPE" in body, f"{status}")
    return passed
