"""What a pipeline optimizes, and how: the bundled reference server, or a
user's own CMake project (generic mode).

A project says where its source is, how one stage of it is configured and
built, where the binary lands, what its build depends on, how it is trained
and how a finished binary is shown to work. The pipeline (pipeline.py) does
the rest the same way for both."""

import json
import os
import shlex
import signal
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pgokit_cli import cmake, training
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_or_none
from pgokit_cli.stages import fingerprint, tree_digest

REFERENCE_TARGET = "pgokit-server"
# What the reference server's build depends on (its tree digest's inputs).
REFERENCE_SOURCES = ["app", "cmake", "toolchains/clang-common.cmake", "toolchains/clang-x86_64-linux-gnu.cmake",
                     "toolchains/clang-aarch64-linux-gnu.cmake", "CMakeLists.txt", "CMakePresets.json"]
CONFIG_FILE = "pgokit.toml"
# PGOKIT_STAGE for each pipeline build.
STAGE_VALUES = {"release": "none", "instrumented": "instrumented", "cs-instrumented": "cs-instrumented",
                "optimized": "optimized"}


def reference_binary(build_dir: Path) -> Path:
    """Where a build of the reference server puts it (app/ in the build tree)."""
    return build_dir / "app" / REFERENCE_TARGET


class ReferenceServer:
    """The bundled server (app/), built with the repository's presets and
    trained with wrk running a scenario from profiles/scenarios/."""

    target = REFERENCE_TARGET

    def __init__(self, ctx: Context, opts):
        self.ctx = ctx
        self.opts = opts
        self.source_dir = ctx.repo_root

    @property
    def scenario_name(self) -> str:
        return self.opts.scenario.stem

    def default_work_root(self) -> Path:
        return self.ctx.build_root / "pgo"

    def default_profiles_root(self) -> Path:
        return self.ctx.repo_root / "profiles"

    def source_digest(self) -> str:
        return tree_digest(self.ctx.repo_root, REFERENCE_SOURCES)

    def configure(self, pipeline, stage: str, build_dir: Path, cache: dict[str, str]) -> None:
        cmake.configure(pipeline.runner, self.ctx.repo_root, f"{pipeline.arch}-{stage}", build_dir,
                        {"BUILD_TESTING": "OFF", **cache})

    def binary(self, build_dir: Path) -> Path:
        return reference_binary(build_dir)

    def load_key(self) -> dict:
        o = self.opts
        return {"scenario": sha256_or_none(self.opts.scenario),
                "duration": o.duration, "connections": o.connections, "seed_orders": o.seed_orders,
                "threads": o.server_threads}

    def _argv(self, pipeline, binary: Path, prefix: tuple[str, ...] = ()) -> list[str]:
        return [*prefix, *pipeline.emulator(), str(binary), "--port", "0",
                "--seed-orders", str(self.opts.seed_orders), "--threads", str(self.opts.server_threads)]

    def train(self, pipeline, binary: Path, env: dict[str, str], log_name: str,
              prefix: tuple[str, ...] = ()) -> dict:
        """Serves the scenario under wrk for the configured duration."""
        # Before the server starts: a missing scenario or wrk should not cost a start-up.
        wrk = training.check_load_inputs(self.opts.scenario)
        server = training.start_server(self._argv(pipeline, binary, prefix), env,
                                       pipeline.work / "logs" / log_name, pipeline.console)
        try:
            load = training.run_load(wrk, self.opts.scenario, server, duration=self.opts.duration,
                                     connections=self.opts.connections, threads=self.opts.wrk_threads,
                                     console=pipeline.console)
        except BaseException:
            try:
                training.stop_server(server, pipeline.console, timeout=30)
            except PgokitError:
                pass
            raise
        code = training.stop_server(server, pipeline.console)
        if code != 0:
            raise training.TrainingFailed(f"the server exited with code {code} on SIGTERM; log: {server.log_path}")
        pipeline.console.info(f"{load.requests} requests in {load.seconds:.0f}s "
                              f"({load.requests_per_second:.0f}/s), {load.socket_errors} socket errors")
        return {"requests": load.requests, "requests_per_second": load.requests_per_second,
                "socket_errors": load.socket_errors, "statuses": load.statuses}

    def verify(self, pipeline, binary: Path) -> dict:
        """The reference scenario's request shapes, each with its expected answer."""
        server = training.start_server(self._argv(pipeline, binary), {}, pipeline.work / "logs" / "verify.log",
                                       pipeline.console)
        try:
            checks = functional_checks(server.url, pipeline.arch)
        finally:
            code = training.stop_server(server, pipeline.console)
        if code != 0:
            raise PgokitError(f"the optimized server exited with code {code} on SIGTERM")
        pipeline.console.info(f"{len(checks)} functional checks passed")
        return {"checks": checks}


# ---- generic mode ---------------------------------------------------------


@dataclass
class TrainSpec:
    """How a user's binary is trained: one command run to completion, or a
    server started, waited for, loaded by another command and stopped."""

    command: str | None = None
    start: str | None = None
    ready_url: str | None = None
    ready_port: int | None = None
    load: str | None = None
    stop_signal: str = "TERM"
    timeout: float = 600.0

    def check(self, where: str) -> None:
        if bool(self.command) == bool(self.start):
            raise PgokitError(f"{where}: give either a training command ([train] command / --train-cmd) "
                              "or a server ([train.server] start / --start-cmd), not both or neither")
        if self.start:
            if not (self.ready_url or self.ready_port):
                raise PgokitError(f"{where}: a server needs ready-url or ready-port (--ready-url/--ready-port) "
                                  "to know when it can take load")
            if not self.load:
                raise PgokitError(f"{where}: a server needs a load command ([train.server] load / --load-cmd)")
        if not hasattr(signal, "SIG" + self.stop_signal.upper().removeprefix("SIG")):
            raise PgokitError(f"{where}: unknown stop signal {self.stop_signal!r} (TERM, INT, HUP, ...)")
        for text in (self.command, self.start):
            if text and "{binary}" not in text:
                raise PgokitError(f"{where}: {text!r} does not name {{binary}}, so it would not run the "
                                  "binary being trained", hint="e.g. command = \"{binary} --input data.csv\"")
        for text in (self.command, self.start, self.load):
            if text:
                try:
                    shlex.split(text)
                except ValueError as exc:
                    raise PgokitError(f"{where}: cannot split {text!r} into arguments: {exc}") from exc


@dataclass
class ExternalProject:
    """A user's CMake project, optimized without changing it: configured out of
    tree with pgokit's toolchain file, and cmake/PGOKitProject.cmake injected
    (CMAKE_PROJECT_INCLUDE) so every target it builds — static libraries
    included — gets the stage's flags. With inject = false the project applies
    them itself (find_package(PGOKit) and pgokit_optimize())."""

    ctx: Context
    source_dir: Path
    target: str
    train_spec: TrainSpec
    cmake_args: list[str] = field(default_factory=list)
    profiles_subdir: str = "pgo-profiles"
    inject: bool = True

    scenario_name = "train"

    @classmethod
    def load(cls, ctx: Context, source_dir: Path, *, target: str | None = None, train_cmd: str | None = None,
             start_cmd: str | None = None, ready_url: str | None = None, ready_port: int | None = None,
             load_cmd: str | None = None, stop_signal: str | None = None,
             cmake_args: tuple[str, ...] = ()) -> "ExternalProject":
        """The project at source_dir, from its pgokit.toml with the command line's values on top."""
        source_dir = source_dir.resolve()
        if not (source_dir / "CMakeLists.txt").is_file():
            raise PgokitError(f"{source_dir} has no CMakeLists.txt: --source-dir must name a CMake project's top folder")
        config, where = {}, f"{source_dir / CONFIG_FILE}"
        if (source_dir / CONFIG_FILE).is_file():
            try:
                config = tomllib.loads((source_dir / CONFIG_FILE).read_text())
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise PgokitError(f"{where} is not valid TOML: {exc}") from exc
        else:
            where = "the command line"
        known = {"target", "cmake-args", "profiles-dir", "inject", "train"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise PgokitError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        train = config.get("train", {})
        server = train.get("server", {})
        spec = TrainSpec(
            command=train_cmd or train.get("command"),
            start=start_cmd or server.get("start"),
            ready_url=ready_url or server.get("ready-url"),
            ready_port=ready_port or server.get("ready-port"),
            load=load_cmd or server.get("load"),
            stop_signal=stop_signal or server.get("stop-signal", "TERM"),
            timeout=float(train.get("timeout", 600)),
        )
        if train_cmd:  # the command line chose command mode
            spec.start = None
        elif start_cmd:
            spec.command = None
        spec.check(where)
        name = target or config.get("target")
        if not name:
            raise PgokitError(f"{where}: no target: name the executable to optimize (target = \"...\" or --target)")
        extra = config.get("cmake-args", [])
        if not isinstance(extra, list) or not all(isinstance(a, str) for a in extra):
            raise PgokitError(f"{where}: cmake-args must be a list of strings")
        return cls(ctx, source_dir, name, spec, [*extra, *cmake_args],
                   config.get("profiles-dir", "pgo-profiles"), bool(config.get("inject", True)))

    def default_work_root(self) -> Path:
        return self.ctx.build_root / "projects" / self.target

    def default_profiles_root(self) -> Path:
        return self.source_dir / self.profiles_subdir

    def source_digest(self) -> str:
        # Everything git would track; build folders and the profiles pgokit writes are not inputs.
        builds = tuple(p.name for p in self.source_dir.iterdir() if p.is_dir() and p.name.startswith("build"))
        digest = tree_digest(self.source_dir, ["."], exclude=(self.profiles_subdir, *builds))
        return fingerprint({"tree": digest, "cmake_args": self.cmake_args, "inject": self.inject,
                            "module": tree_digest(self.ctx.repo_root, ["cmake"])})

    def configure(self, pipeline, stage: str, build_dir: Path, cache: dict[str, str]) -> None:
        repo = self.ctx.repo_root
        triple = ARCHES[pipeline.arch]["triple"]
        argv = ["cmake", "-S", self.source_dir, "-B", build_dir, "-G", "Ninja",
                f"-DCMAKE_TOOLCHAIN_FILE={repo / 'toolchains' / f'clang-{triple}.cmake'}",
                "-DCMAKE_BUILD_TYPE=Release",
                # The same level for every stage, so a stage's only difference is the profile.
                "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG",
                f"-DPGOKIT_STAGE={STAGE_VALUES[stage]}",
                # find_package(PGOKit) finds the module in this checkout.
                f"-DPGOKit_DIR={repo / 'cmake'}"]
        if self.inject:
            argv.append(f"-DCMAKE_PROJECT_INCLUDE={repo / 'cmake' / 'PGOKitProject.cmake'}")
        if pipeline.sysroot:
            argv.append(f"-DPGOKIT_SYSROOT={pipeline.sysroot}")
        argv += [f"-D{k}={v}" for k, v in cache.items()]
        argv += self.cmake_args
        try:
            pipeline.runner.run(argv)
        except PgokitError as exc:
            raise PgokitError(f"configuring {self.source_dir} for the {stage} stage failed",
                              hint=exc.format_message()) from exc

    def binary(self, build_dir: Path) -> Path:
        """The target's executable: the one file of that name the build wrote."""
        found = sorted((p for p in build_dir.rglob(self.target)
                        if p.is_file() and os.access(p, os.X_OK) and "CMakeFiles" not in p.parts),
                       key=lambda p: (len(p.parts), str(p)))
        if not found:
            return build_dir / self.target  # absent: the caller reports it
        return found[0]

    def load_key(self) -> dict:
        s = self.train_spec
        return {"command": s.command, "start": s.start, "load": s.load, "ready": [s.ready_url, s.ready_port],
                "stop": s.stop_signal}

    def expand(self, pipeline, text: str, binary: Path, scratch: Path) -> list[str]:
        argv = []
        for token in shlex.split(text):
            if token == "{binary}":
                argv += [*pipeline.emulator(), str(binary)]
                continue
            argv.append(token.replace("{binary}", str(binary)).replace("{source_dir}", str(self.source_dir))
                        .replace("{work_dir}", str(scratch)))
        return argv

    def train(self, pipeline, binary: Path, env: dict[str, str], log_name: str,
              prefix: tuple[str, ...] = ()) -> dict:
        scratch = pipeline.work / "run" / Path(log_name).stem
        scratch.mkdir(parents=True, exist_ok=True)
        log = pipeline.work / "logs" / log_name
        log.parent.mkdir(parents=True, exist_ok=True)
        spec = self.train_spec
        start = time.monotonic()
        if spec.command:
            argv = [*prefix, *self.expand(pipeline, spec.command, binary, scratch)]
            pipeline.console.detail("$ " + shlex.join(argv))
            with log.open("w") as out:
                try:
                    proc = subprocess.run(argv, env={**os.environ, **env}, cwd=scratch, stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=spec.timeout)
                except subprocess.TimeoutExpired as exc:
                    raise training.TrainingFailed(f"the training command ran longer than {spec.timeout:.0f}s; "
                                                  f"log: {log}") from exc
                except OSError as exc:
                    raise training.TrainingFailed(f"cannot run {argv[0]}: {exc}") from exc
            if proc.returncode != 0:
                raise training.TrainingFailed(f"the training command exited with {describe_exit(proc.returncode)}: "
                                              f"{shlex.join(argv)}\n{tail(log)}",
                                              hint="it must succeed with the instrumented binary; log: " + str(log))
        else:
            self._train_server(pipeline, binary, env, scratch, log, prefix)
        seconds = round(time.monotonic() - start, 1)
        pipeline.console.info(f"training ran for {seconds}s")
        return {"seconds": seconds, "log": str(log)}

    def _train_server(self, pipeline, binary: Path, env: dict[str, str], scratch: Path, log: Path,
                      prefix: tuple[str, ...]) -> None:
        spec = self.train_spec
        argv = [*prefix, *self.expand(pipeline, spec.start, binary, scratch)]
        pipeline.console.detail("$ " + shlex.join(argv))
        with log.open("w") as out:
            try:
                proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=scratch, stdout=out,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            except OSError as exc:
                raise training.TrainingFailed(f"cannot start {argv[0]}: {exc}") from exc
            try:
                wait_ready(proc, spec, log, timeout=120)
                load = self.expand(pipeline, spec.load, binary, scratch)
                pipeline.console.detail("$ " + shlex.join(load))
                result = subprocess.run(load, cwd=scratch, capture_output=True, text=True, timeout=spec.timeout)
                if proc.poll() is not None:
                    raise training.TrainingFailed(f"the server died during the load ({describe_exit(proc.returncode)})"
                                                  f"\n{tail(log)}")
                if result.returncode != 0:
                    raise training.TrainingFailed(f"the load command exited with {describe_exit(result.returncode)}: "
                                                  f"{shlex.join(load)}\n{(result.stdout + result.stderr)[-2000:]}")
            except BaseException:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                raise
            sig = getattr(signal, "SIG" + spec.stop_signal.upper().removeprefix("SIG"))
            proc.send_signal(sig)
            try:
                code = proc.wait(timeout=120)
            except subprocess.TimeoutExpired as exc:
                proc.kill()
                proc.wait()
                raise training.TrainingFailed(f"the server did not exit within 120s of SIG{spec.stop_signal.upper()}"
                                              " and was killed; its profile was not written",
                                              hint="the server must return from main (or call exit) on that "
                                                   "signal") from exc
        if code != 0:
            raise training.TrainingFailed(
                f"the server ended with {describe_exit(code)} after SIG{spec.stop_signal.upper()}\n{tail(log)}",
                hint="an instrumented program writes its profile only when it exits normally: handle the "
                     "stop signal and return from main, or name the signal it does handle (--stop-signal)")

    def verify(self, pipeline, binary: Path) -> dict:
        """The training run, once more with the final binary: it must still succeed."""
        self.train(pipeline, binary, {}, "verify.log")
        return {"checks": ["training command succeeds with the optimized binary"]}


def wait_ready(proc: subprocess.Popen, spec: TrainSpec, log: Path, timeout: float) -> None:
    """Until the server answers on its ready URL (any HTTP answer) or accepts on its port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise training.TrainingFailed(f"the server exited ({describe_exit(proc.returncode)}) before it was "
                                          f"ready\n{tail(log)}")
        try:
            if spec.ready_url:
                with urllib.request.urlopen(spec.ready_url, timeout=5):
                    return
            else:
                with socket.create_connection(("127.0.0.1", int(spec.ready_port)), timeout=5):
                    return
        except urllib.error.HTTPError:
            return  # it answered: ready, whatever the status
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise training.TrainingFailed(f"the server was not ready within {timeout:.0f}s "
                                  f"({spec.ready_url or f'port {spec.ready_port}'}); log: {log}")


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---- the reference server's functional checks -------------------------------


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
