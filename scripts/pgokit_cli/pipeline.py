"""The staged pipeline for one arch, each stage an artifact-to-artifact step:

    instrument -> train -> merge [-> cs-instrument -> cs-train -> cs-merge]
      -> optimize -> bolt-instrument -> bolt-train -> bolt -> verify -> dist
      -> validate

The bracketed stages run with --cspgo (context-sensitive PGO, IR profiles).
Profiles are front-end (clang's AST-level counters, portable between arches)
unless --instrumentation ir or --cspgo asks for IR ones.

Every stage is content-addressed (see stages.py): rerunning with nothing
changed redoes nothing and says so; --from forces a stage and what follows."""

import json
import platform
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli import bolt, cmake, evidence, profiles, provenance, staleness, validator
from pgokit_cli.context import Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import fresh_dir, sha256_file, sha256_or_none, staged_output, write_atomically
from pgokit_cli.project import REFERENCE_TARGET, ExternalProject, ReferenceServer, reference_binary
from pgokit_cli.stages import StageCache, fingerprint, source_commit
from pgokit_cli.toolchain import parse_llvm_version

STAGES = ["instrument", "train", "merge", "cs-instrument", "cs-train", "cs-merge", "optimize",
          "bolt-instrument", "bolt-train", "bolt", "verify", "dist", "validate"]
CSPGO_STAGES = ("cs-instrument", "cs-train", "cs-merge")
# The arch this machine runs natively; CSPGO's second training needs it (see Options.cspgo).
HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
TARGET = REFERENCE_TARGET
server_binary = reference_binary


# Where clang counts: in the front end (-fprofile-instr-generate), or in LLVM IR
# after early inlining and cleanup (-fprofile-generate).
INSTRUMENTATIONS = ("frontend", "ir")


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
    # "frontend" or "ir" (see INSTRUMENTATIONS); None: front-end, or IR with --cspgo.
    instrumentation: str | None = None
    # Context-sensitive PGO: IR instrumentation, then a second instrumented build
    # optimized with the first profile and trained again. Native arches only:
    # under emulation the second training doubles the slowest step.
    cspgo: bool = False
    perf: bool = False
    work_dir: Path | None = None
    profiles_dir: Path | None = None
    dist_dir: Path | None = None
    # A user's project (generic mode); None: the reference server.
    project: ExternalProject | None = None
    # The optimize stage refuses a profile with more than this percent of its
    # count on stale functions; 100 skips the check.
    max_stale: float = staleness.DEFAULT_MAX_STALE


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
        self.project = opts.project or ReferenceServer(ctx, opts)
        self.target = self.project.target
        if opts.cspgo and opts.instrumentation == "frontend":
            raise PgokitError("--cspgo needs IR instrumentation: drop --instrumentation frontend")
        if opts.cspgo and opts.reuse_profile:
            raise PgokitError("--cspgo and --reuse-profile do not go together: context-sensitive (IR) "
                              "profiles are tied to the arch they were trained on")
        if opts.instrumentation == "ir" and opts.reuse_profile:
            raise PgokitError("--instrumentation ir and --reuse-profile do not go together: IR profiles "
                              "count the code of one arch's build; reuse a front-end profile instead")
        if opts.cspgo and self.arch != HOST_ARCH:
            raise PgokitError(f"--cspgo is for natively trained arches; {self.arch} trains under emulation here",
                              hint=f"run it on {self.arch} hardware, or drop --cspgo for {self.arch}")
        # IR and CSPGO builds and profiles differ in kind: they get their own tree and profile name.
        work_root = self.project.default_work_root()
        if opts.work_dir:
            # Several projects may share one --work-dir: each gets its own folder in it.
            work_root = opts.work_dir if opts.project is None else opts.work_dir / self.target
        self.work = work_root / (self.arch + self.kind_suffix.replace(".", "-"))
        self.profiles_root = opts.profiles_dir or self.project.default_profiles_root()
        self.profiles_dir = self.profiles_root / self.arch
        self.dist = (opts.dist_dir or ctx.repo_root / "dist") / self.arch
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
            self._source_digest = self.project.source_digest()
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
        return self.project.scenario_name

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
        return self.project.binary(self.build_dir(stage))

    @property
    def instrumentation(self) -> str:
        """Front-end profiles (portable between arches) unless IR ones are asked
        for, or CSPGO needs them."""
        return "ir" if self.opts.cspgo else (self.opts.instrumentation or "frontend")

    @property
    def kind_suffix(self) -> str:
        """What sets this kind of profile's files apart: '', '.ir' or '.cspgo'."""
        if self.opts.cspgo:
            return ".cspgo"
        return ".ir" if self.instrumentation == "ir" else ""

    def _configure_and_build(self, stage: str, cache: dict[str, str] | None = None) -> tuple[Path, str]:
        """Builds the target for a stage. A stage only runs when its inputs
        changed, and a new profile changes what every object compiles to, so
        profile-reading stages rebuild from clean."""
        build_dir = self.build_dir(stage)
        self.project.configure(self, stage, build_dir, {"PGOKIT_INSTRUMENTATION": self.instrumentation,
                                                        **(cache or {})})
        log = cmake.build(self.runner, self.console, build_dir, self.target,
                          clean_first="PGOKIT_PROFILE" in (cache or {}))
        binary = self._binary(stage)
        if not binary.exists():
            raise PgokitError(f"the build of {self.target} in {build_dir} left no {binary}")
        return binary, log

    @property
    def instrumented_binary(self) -> Path:
        return self._binary("instrumented")

    @property
    def raw_dir(self) -> Path:
        return self.work / "raw" / self.scenario_name()

    @property
    def profile_name(self) -> str:
        return self.target + self.kind_suffix

    @property
    def text_profile(self) -> Path:
        arch = self.opts.reuse_profile or self.arch
        return self.profiles_root / arch / f"{self.profile_name}.proftext"

    @property
    def manifest(self) -> Path:
        return self.profiles_dir / f"{self.profile_name}.manifest.json"

    @property
    def ir_profdata(self) -> Path:
        """CSPGO's first profile: what the cs-instrumented build is optimized with."""
        return self.work / "profile" / f"{self.target}.ir.profdata"

    @property
    def cs_instrumented_binary(self) -> Path:
        return self._binary("cs-instrumented")

    @property
    def cs_raw_dir(self) -> Path:
        return self.work / "raw-cs" / self.scenario_name()

    @property
    def profdata(self) -> Path:
        return self.work / "profile" / f"{self.target}.profdata"

    @property
    def optimized_binary(self) -> Path:
        return self._binary("optimized")

    @property
    def bolt_instrumented(self) -> Path:
        return self.work / "bolt" / f"{self.target}.bolt-instrumented"

    @property
    def fdata(self) -> Path:
        return self.work / "bolt" / f"{self.target}.fdata"

    @property
    def bolted(self) -> Path:
        return self.work / "bolt" / f"{self.target}.bolt"

    def _load_key(self) -> dict:
        return self.project.load_key()

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

    def _train(self, binary: Path, env: dict[str, str], log_name: str, prefix: tuple[str, ...] = ()) -> dict:
        if self.arch == "arm64":
            self.console.info("training under emulation (qemu-aarch64): timings are not arm64 hardware's")
        return self.project.train(self, binary, env, log_name, prefix)

    def stage_train(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.instrumented_binary), **self._load_key()}), \
                lambda: [self.raw_dir]
        raw = fresh_dir(self.raw_dir)
        # %m: one file per binary signature, %p: one per process; never clobbered.
        env = {"LLVM_PROFILE_FILE": str(raw / f"{self.target}_%m_%p.profraw")}
        load = self._train(self.instrumented_binary, env, "train.log")
        found = profiles.RawProfiles.collect(raw, self.scenario_name())
        return {**load, "raw_profiles": [p.name for p in found.files]}

    def stage_merge(self, mode):
        if mode == "key":
            raw = sorted(self.raw_dir.glob("*.profraw")) if self.raw_dir.exists() else []
            outputs = [self.ir_profdata] if self.opts.cspgo else [self.text_profile, self.manifest]
            return fingerprint({"raw": [sha256_file(p) for p in raw], "cspgo": self.opts.cspgo,
                                "kind": self.instrumentation}), \
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
        env = {"LLVM_PROFILE_FILE": str(raw / f"{self.target}_cs_%m_%p.profraw")}
        load = self._train(self.cs_instrumented_binary, env, "cs-train.log")
        found = profiles.RawProfiles.collect(raw, self.scenario_name())
        return {**load, "raw_profiles": [p.name for p in found.files]}

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
            manifest_path=self.manifest, arch=self.arch, target=self.target,
            llvm_version=self.toolchain()["clang"], scenarios={self.scenario_name(): 1},
            commit=source_commit(self.project.source_dir))
        for skipped in manifest["skipped_inputs"]:
            self.console.warn(f"skipped {skipped['file']}: {skipped['reason']}")
        self.console.info(f"{manifest['functions']} functions, total count {manifest['total_count']}; "
                          f"wrote {self.text_profile}")
        return {"functions": manifest["functions"], "total_count": manifest["total_count"],
                "skipped": manifest["skipped_inputs"], "text_profile": str(self.text_profile)}

    def retrain_hint(self) -> str:
        """How to get a profile that fits the current source."""
        if self.opts.reuse_profile:
            other = self.opts.reuse_profile
            return (f"retrain {other}'s profile (scripts/pgokit pipeline --arch {other} --from train --to merge), "
                    f"or train {self.arch}'s own (without --reuse-profile)")
        source = f" --source-dir {self.project.source_dir}" if self.opts.project else ""
        kind = " --cspgo" if self.opts.cspgo else (" --instrumentation ir" if self.instrumentation == "ir" else "")
        command = f"scripts/pgokit pipeline --arch {self.arch}{source}{kind} --from train"
        if self.opts.project or kind:
            return f"retrain: {command}"
        return f"retrain: make pgo-{self.arch} (or {command})"

    def check_staleness(self) -> dict:
        """Before the optimized build: refuses a profile that no longer fits the
        source (staleness.py); returns the figures for the stage's details."""
        if self.opts.max_stale >= 100:
            return {"checked": False}
        if not any(o.stage == "instrument" for o in self.outcomes):
            # --reuse-profile skips that stage, but the source's hashes come from its build.
            forced, self._forced = self._forced, False
            try:
                self._run_stage("instrument")
            finally:
                self._forced = forced
        result = staleness.measure(self.runner, self.llvm, self.instrumented_binary, self.text_profile,
                                   self.arch, self.instrumentation)
        self.console.info(f"profile check: {result.summary()}")
        staleness.gate(result, self.opts.max_stale, self.retrain_hint())
        return {"checked": True, "max_stale_percent": self.opts.max_stale, **result.figures()}

    def stage_optimize(self, mode):
        if mode == "key":
            return fingerprint({"src": self.source_digest(), "tc": self.toolchain(),
                                "profile": sha256_or_none(self.text_profile), "kind": self.instrumentation}), \
                lambda: [self.optimized_binary, self.profdata]
        stale = self.check_staleness()
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
                "text_hot": True, "reused_profile_from": self.opts.reuse_profile, "staleness": stale}

    def stage_bolt_instrument(self, mode):
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.optimized_binary)}), \
                lambda: [self.bolt_instrumented]
        fresh_dir(self.bolt_instrumented.parent / "fdata")
        bolt.instrument(self.runner, self.llvm, self.optimized_binary, self.bolt_instrumented,
                        self.bolt_instrumented.parent / "fdata" / f"{self.target}.fdata", self.arch, self.sysroot)
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
        return {**load, "fdata_files": len(files)}

    def _bolt_train_perf(self) -> dict:
        """Samples the optimized binary with perf (LBR branch stacks) and converts with perf2bolt."""
        perf_data = self.work / "bolt" / "perf.data"
        perf_data.parent.mkdir(parents=True, exist_ok=True)
        # cycles:u with -j any,u records taken branches: what BOLT's layout needs.
        perf = ("perf", "record", "-e", "cycles:u", "-j", "any,u", "-o", str(perf_data), "--")
        load = self._train(self.optimized_binary, {}, "bolt-train-perf.log", prefix=perf)
        bolt.perf_to_fdata(self.runner, self.llvm, self.optimized_binary, perf_data, self.fdata)
        return {**load, "mode": "perf"}

    def stage_bolt(self, mode):
        if mode == "key":
            parts = {"bin": sha256_or_none(self.optimized_binary), "fdata": sha256_or_none(self.fdata),
                     "flags": bolt.optimize_flags(self.arch)}
            return fingerprint(parts), lambda: [self.bolted]
        profile_sha = sha256_file(self.profdata)[:16]
        result = bolt.optimize(self.runner, self.llvm, self.optimized_binary, self.fdata, self.bolted,
                               self.arch, bolt_id=f"pgokit:{self.target}:{self.arch}:{profile_sha}")
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
        return {**self.project.verify(self, self.bolted), "machine": machine}

    def provenance_record(self) -> dict:
        stages = ["instrumented", "trained", "pgo", "thinlto", "bolt"]
        if self.opts.cspgo:
            stages = ["instrumented", "trained", "cs-instrumented", "cs-trained", "pgo", "cspgo", "thinlto", "bolt"]
        if self.opts.reuse_profile:
            stages = [f"profile-from-{self.opts.reuse_profile}", "pgo", "thinlto", "bolt"]
        return {
            "target": self.target,
            "arch": self.arch,
            "stages": stages,
            "trained_under_emulation": self.trained_under_emulation,
            "scenario": self.scenario_name(),
            "profile_sha256": sha256_file(self.profdata),
            "text_profile_sha256": sha256_file(self.text_profile),
            "llvm_version": self.toolchain()["clang"],
            "source_commit": source_commit(self.project.source_dir),
            "source_digest": self.source_digest(),
        }

    def stage_dist(self, mode):
        final = self.dist / self.target
        if mode == "key":
            return fingerprint({"bin": sha256_or_none(self.bolted), "provenance": self.provenance_record()}), \
                lambda: [final]
        with staged_output(final) as tmp:
            provenance.embed(self.runner, self.llvm, self.bolted, tmp, self.provenance_record())
        self.console.ok(f"{final} ({final.stat().st_size} bytes)")
        return {"binary": str(final), "sha256": sha256_file(final)}

    def stage_validate(self, mode):
        final = self.dist / self.target
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
        path = self.dist / f"{self.target}.summary.json"
        inputs = {"source_digest": self.source_digest(), "toolchain": self.toolchain(),
                  "source_commit": source_commit(self.project.source_dir)}
        if self.text_profile.exists():
            inputs["text_profile_sha256"] = sha256_file(self.text_profile)
        write_atomically(path, json.dumps({**summary, "inputs": inputs}, indent=2, default=str) + "\n")
        return path
