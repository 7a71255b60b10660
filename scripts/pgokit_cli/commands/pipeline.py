"""`pgokit pipeline` (and its partial forms `train`, `bolt`): every stage for
one or both arches, ending with a stage table and a JSON summary."""

import json
from pathlib import Path

import click

from pgokit_cli import lock, staleness
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.pipeline import INSTRUMENTATIONS, STAGES, Options, Pipeline
from pgokit_cli.project import ExternalProject


def scenario_path(ctx: Context, scenario: str) -> Path:
    """A scenario by name (profiles/scenarios/NAME.lua) or by path."""
    as_path = Path(scenario)
    if as_path.suffix == ".lua" or "/" in scenario:
        return as_path.resolve()
    return ctx.repo_root / "profiles" / "scenarios" / f"{scenario}.lua"


def load_options(f):
    """Options every training stage shares."""
    for decorator in reversed([
        click.option("--scenario", default="mixed", show_default=True,
                     help="Training load: a name under profiles/scenarios/ or a .lua path."),
        click.option("--duration", type=click.IntRange(1, 3600), default=30, show_default=True,
                     help="Seconds of load per training run."),
        click.option("--connections", type=click.IntRange(1, 10000), default=16, show_default=True,
                     help="Concurrent connections wrk keeps open."),
        click.option("--seed-orders", type=click.IntRange(1), default=100_000, show_default=True,
                     help="Orders the server seeds at start."),
        click.option("--work-dir", type=click.Path(path_type=Path), default=None,
                     help="Where stage builds and artifacts go [build/pgo]."),
        click.option("--profiles-dir", type=click.Path(path_type=Path), default=None,
                     help="Where committed text profiles live [profiles]."),
        click.option("--dist-dir", type=click.Path(path_type=Path), default=None,
                     help="Where final binaries go [dist]."),
        click.option("--json", "as_json", is_flag=True, help="Print the JSON summary on stdout."),
        click.option("--no-wait", is_flag=True,
                     help="If another run is using the build tree, fail at once (exit 75) instead of waiting."),
    ]):
        f = decorator(f)
    return f


def project_options(f):
    """Generic mode: a user's CMake project instead of the reference server."""
    for decorator in reversed([
        click.option("--source-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
                     help="Optimize this CMake project (generic mode) instead of the reference server; "
                          "reads its pgokit.toml."),
        click.option("--target", default=None, help="The project's executable target to optimize."),
        click.option("--train-cmd", default=None,
                     help="Training command, run to completion; {binary} is the stage's binary "
                          "(run under qemu for arm64), {source_dir} and {work_dir} are folders."),
        click.option("--start-cmd", default=None, help="Server mode: starts the server ({binary} as above)."),
        click.option("--ready-url", default=None, help="Server mode: ready once this URL answers."),
        click.option("--ready-port", type=click.IntRange(1, 65535), default=None,
                     help="Server mode: ready once this local port accepts."),
        click.option("--load-cmd", default=None, help="Server mode: the load to train with; must exit 0."),
        click.option("--stop-signal", default=None, help="Server mode: how to stop it [TERM]."),
        click.option("--cmake-arg", "cmake_args", multiple=True,
                     help="Extra argument for the project's configure (repeatable), e.g. -DFOO=ON."),
    ]):
        f = decorator(f)
    return f


# The gate before the optimized build (staleness.py), as `profile check --max-stale`.
max_stale_option = click.option(
    "--max-stale", type=click.FloatRange(0, 100), default=staleness.DEFAULT_MAX_STALE, show_default=True,
    help="Refuse to optimize (exit 4) when more than this percent of the profile's total count is on "
         "functions whose code changed since training; 100 skips the check.")


def load_project(ctx: Context, source_dir, target, train_cmd, start_cmd, ready_url, ready_port, load_cmd,
                 stop_signal, cmake_args) -> ExternalProject | None:
    given = {"--target": target, "--train-cmd": train_cmd, "--start-cmd": start_cmd, "--ready-url": ready_url,
             "--ready-port": ready_port, "--load-cmd": load_cmd, "--stop-signal": stop_signal,
             "--cmake-arg": cmake_args}
    if source_dir is None:
        stray = [name for name, value in given.items() if value]
        if stray:
            raise click.UsageError(f"{', '.join(stray)} need --source-dir (generic mode)")
        return None
    return ExternalProject.load(ctx, source_dir, target=target, train_cmd=train_cmd, start_cmd=start_cmd,
                                ready_url=ready_url, ready_port=ready_port, load_cmd=load_cmd,
                                stop_signal=stop_signal, cmake_args=tuple(cmake_args))


def run_pipeline(ctx: Context, arches: list[str], to_stage: str, *, from_stage=None, reuse_profile=None,
                 perf=False, instrumentation=None, cspgo=False, project=None, max_stale=staleness.DEFAULT_MAX_STALE,
                 scenario="mixed", duration=30, connections=16, seed_orders=100_000, work_dir=None,
                 profiles_dir=None, dist_dir=None, as_json=False, no_wait=False) -> None:
    summaries = []
    for arch in arches:
        opts = Options(arch=arch, scenario=scenario_path(ctx, scenario), duration=duration,
                       connections=connections, seed_orders=seed_orders, from_stage=from_stage,
                       to_stage=to_stage, reuse_profile=reuse_profile, perf=perf, instrumentation=instrumentation,
                       cspgo=cspgo, project=project,
                       max_stale=max_stale, work_dir=work_dir,
                       profiles_dir=profiles_dir, dist_dir=dist_dir)
        pipeline = Pipeline(ctx, opts)
        # One run per build tree: a second one would rebuild and retrain under the first.
        with lock.hold(pipeline.work, wait=not no_wait, console=ctx.console):
            summary = pipeline.run()
            if STAGES.index(to_stage) >= STAGES.index("dist"):
                path = pipeline.write_summary(summary)
                ctx.console.detail(f"summary: {path}")
        summaries.append(summary)
        print_table(ctx, summary)
    if as_json:
        click.echo(json.dumps(summaries if len(summaries) > 1 else summaries[0], indent=2, default=str))


def print_table(ctx: Context, summary: dict) -> None:
    ctx.console.info(f"{summary['arch']}: {summary['seconds']}s"
                     + (" (trained under emulation)" if summary["trained_under_emulation"] else ""))
    for stage in summary["stages"]:
        ctx.console.info(f"  {stage['stage']:16} {stage['status']:11} {stage['seconds']:7.1f}s")


@click.command("pipeline")
@click.option("--arch", type=click.Choice([*ARCHES, "all"]), required=True, help="Arch to build for.")
@click.option("--from", "from_stage", type=click.Choice(STAGES), default=None,
              help="Redo this stage and every later one, even if up to date.")
@click.option("--to", "to_stage", type=click.Choice(STAGES), default="validate", show_default=True,
              help="Stop after this stage.")
@click.option("--reuse-profile", type=click.Choice(list(ARCHES)), default=None,
              help="Optimize with the other arch's committed profile instead of training this one.")
@click.option("--instrumentation", type=click.Choice(INSTRUMENTATIONS), default=None,
              help="Where clang counts: 'frontend' (-fprofile-instr-generate; the default, portable between "
                   "arches) or 'ir' (-fprofile-generate, after early inlining; profile: "
                   "profiles/ARCH/*.ir.proftext).")
@click.option("--cspgo", is_flag=True,
              help="Context-sensitive PGO: IR profiles, plus a second instrumented build (optimized with "
                   "the first profile) trained again. Native arches only; profile: profiles/ARCH/*.cspgo.proftext.")
@max_stale_option
@project_options
@load_options
@click.pass_obj
def command(ctx: Context, arch, from_stage, to_stage, reuse_profile, instrumentation, cspgo, max_stale, source_dir, target,
            train_cmd, start_cmd, ready_url, ready_port, load_cmd, stop_signal, cmake_args, **kwargs) -> None:
    """Run every stage: instrument, train, merge, [cs-instrument, cs-train, cs-merge,]
    optimize, BOLT, verify, dist, validate.

    The reference server by default; with --source-dir, a CMake project of
    your own (generic mode: --scenario, --duration, --connections and
    --seed-orders then do not apply; its training is pgokit.toml's or
    --train-cmd/--start-cmd's)."""
    arches = list(ARCHES) if arch == "all" else [arch]
    if reuse_profile and reuse_profile in arches:
        raise click.BadParameter("must name the other arch", param_hint="--reuse-profile")
    project = load_project(ctx, source_dir, target, train_cmd, start_cmd, ready_url, ready_port, load_cmd,
                           stop_signal, cmake_args)
    run_pipeline(ctx, arches, to_stage, from_stage=from_stage, reuse_profile=reuse_profile,
                 instrumentation=instrumentation, cspgo=cspgo,
                 project=project, max_stale=max_stale, **kwargs)


@click.command("train")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True)
@load_options
@click.pass_obj
def train_command(ctx: Context, arch, **kwargs) -> None:
    """Build the instrumented server (if needed) and train it under load."""
    run_pipeline(ctx, [arch], "train", **kwargs)


@click.command("bolt")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True)
@click.option("--perf", is_flag=True, help="Profile with perf (hardware LBR) instead of instrumentation.")
@max_stale_option
@load_options
@click.pass_obj
def bolt_command(ctx: Context, arch, perf, max_stale, **kwargs) -> None:
    """BOLT the optimized server: instrument, train, rewrite (runs earlier stages if needed)."""
    if perf:
        from pgokit_cli.commands.doctor import check_perf
        finding = check_perf()
        if finding.status != "ok" or arch != "x86_64":
            raise click.ClickException(
                "BOLT perf mode needs hardware performance counters on the target machine: "
                + (finding.detail if arch == "x86_64" else "arm64 runs under qemu here, which has none")
                + "; run without --perf to use instrumentation")
    run_pipeline(ctx, [arch], "bolt", perf=perf, max_stale=max_stale, **kwargs)
