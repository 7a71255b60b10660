"""`pgokit profile show|diff|check`: what a profile says, how two differ, and
how much of one still fits the source."""

import json
from pathlib import Path

import click

from pgokit_cli import lock, profiles, staleness
from pgokit_cli.commands.pipeline import load_project, project_options, scenario_path
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.pipeline import INSTRUMENTATIONS, Options, Pipeline
from pgokit_cli.toolchain import llvm_tool


@click.group("profile")
def group() -> None:
    """Inspect merged profiles (.profdata or .proftext)."""


@group.command("show")
@click.argument("profile", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(ctx: Context, profile: Path, top: int, as_json: bool) -> None:
    """Function count, total count and the hottest functions of PROFILE."""
    tool = llvm_tool(ctx.llvm_root, "llvm-profdata")
    problem = profiles.diagnose(ctx.runner, tool, profile)
    if problem:
        raise problem.error()
    weights = profiles.function_weights(ctx.runner, tool, profile)
    total = sum(weights.values()) or 1
    hottest = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)[:top]
    names = profiles.demangle(ctx.llvm_root, [n for n, _ in hottest])
    rows = [{"function": d, "mangled": n, "weight": w, "percent": round(w * 100 / total, 2)}
            for d, (n, w) in zip(names, hottest)]
    if as_json:
        click.echo(json.dumps({"profile": str(profile), "functions": len(weights), "total": total,
                               "top": rows}, indent=2))
        return
    click.echo(f"{profile}: {len(weights)} functions, total weight {total}")
    for r in rows:
        click.echo(f"{r['percent']:7.2f}%  {r['function']}")


@group.command("diff")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def diff(ctx: Context, old: Path, new: Path, top: int, as_json: bool) -> None:
    """How similar NEW is to OLD, and whose share of the profile moved most."""
    tool = llvm_tool(ctx.llvm_root, "llvm-profdata")
    for path in (old, new):
        problem = profiles.diagnose(ctx.runner, tool, path)
        if problem:
            raise problem.error()
    similarity = profiles.overlap(ctx.runner, tool, old, new)
    changes = profiles.share_changes(profiles.function_weights(ctx.runner, tool, old),
                                     profiles.function_weights(ctx.runner, tool, new), top)
    for row, name in zip(changes, profiles.demangle(ctx.llvm_root, [r["function"] for r in changes])):
        row["demangled"] = name
    if as_json:
        click.echo(json.dumps({"overlap_percent": similarity, "changes": changes}, indent=2))
        return
    click.echo(f"overlap: {similarity:.3f}%")
    for r in changes:
        click.echo(f"{r['change']:+8.3f}%  ({r['old_percent']:.3f}% -> {r['new_percent']:.3f}%)  {r['demangled']}")


def shorten(text: str, width: int = 110) -> str:
    """text cut in the middle to width: a template's arguments go, its name and the member at the end stay."""
    if len(text) <= width:
        return text
    half = (width - 3) // 2
    return text[:half] + "..." + text[-half:]


@group.command("check")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True, help="The arch whose build is checked.")
@click.option("--max-stale", type=click.FloatRange(0, 100), default=staleness.DEFAULT_MAX_STALE, show_default=True,
              help="Fail (exit 4) when more than this percent of the profile's total count is on "
                   "functions whose code changed since training.")
@click.option("--profile", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="The profile to check [the one the pipeline builds with: profiles/ARCH/pgokit-server.proftext, "
                   "or the project's].")
@click.option("--binary", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="An instrumented build of the current source [the pipeline's instrument stage, "
                   "built if not up to date].")
@click.option("--instrumentation", type=click.Choice(INSTRUMENTATIONS), default=None,
              help="Check the IR profile (profiles/ARCH/*.ir.proftext) against the IR-instrumented build with "
                   "'ir' [frontend].")
@click.option("--cspgo", is_flag=True,
              help="Check the context-sensitive (IR) profile against the IR-instrumented build.")
@click.option("--work-dir", type=click.Path(path_type=Path), default=None,
              help="The pipeline's build tree, if it ran with --work-dir [build/pgo].")
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True,
              help="How many of the heaviest stale and removed functions to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures and every function without data as JSON.")
@project_options
@click.pass_obj
def check(ctx: Context, arch, max_stale, profile, binary, instrumentation, cspgo, work_dir, top, as_json, source_dir, target,
          train_cmd, start_cmd, ready_url, ready_port, load_cmd, stop_signal, cmake_args) -> None:
    """How much of the profile still fits the current source.

    Compares the profile's functions with the instrumented build of the
    current source, by name and control-flow hash: matching, stale (code
    changed: clang drops their counts), removed (no longer in the source) and
    functions without data (new, or never run in training). Lists the
    heaviest stale and removed functions and exits 4 when the stale ones hold
    more than --max-stale percent of the profile's total count."""
    project = load_project(ctx, source_dir, target, train_cmd, start_cmd, ready_url, ready_port, load_cmd,
                           stop_signal, cmake_args)
    pipeline = Pipeline(ctx, Options(arch=arch, scenario=scenario_path(ctx, "mixed"), to_stage="instrument",
                                     instrumentation=instrumentation, cspgo=cspgo, project=project,
                                     work_dir=work_dir))
    profile = profile or pipeline.text_profile
    if not profile.is_file():
        raise profiles.ProfileError(f"profile not found: {profile}",
                                    hint=f"train one (scripts/pgokit pipeline --arch {arch} --to merge), or "
                                         "name it with --profile")
    if binary is None:
        # The stage is content-addressed: free when the build is up to date.
        with lock.hold(pipeline.work, console=ctx.console):
            pipeline.run()
        binary = pipeline.instrumented_binary
    result = staleness.measure(ctx.runner, ctx.llvm_root, binary, profile, arch, pipeline.instrumentation)
    figures = result.figures(top)
    split = [staleness.split_name(r["name"]) for r in figures["offenders"]]
    shown_names = profiles.demangle(ctx.llvm_root, [symbol for _, symbol in split])
    for row, (file, _), shown in zip(figures["offenders"], split, shown_names):
        row["file"], row["function"] = file, shown
    passed = result.passes(max_stale)
    if as_json:
        figures["without_data"]["names"] = result.without_data
        click.echo(json.dumps({"arch": arch, **figures, "max_stale_percent": max_stale, "passed": passed},
                              indent=2))
    else:
        click.echo(f"{arch}: {profile} against {binary}")
        click.echo(result.summary())
        if figures["offenders"]:
            click.echo(f"  {'status':8} {'weight':>14} {'share':>8}  function")
            for r in figures["offenders"]:
                where = f"  [{r['file']}]" if r["file"] else ""
                share = r["weight"] * 100 / (figures["total_count"] or 1)
                click.echo(f"  {r['status']:8} {r['weight']:>14} {share:7.2f}%  {shorten(r['function'])}{where}")
        if passed:
            click.echo(f"ok: {result.stale_percent:.2f}% stale, at most {max_stale:g}% allowed")
    staleness.gate(result, max_stale, pipeline.retrain_hint())
