"""`pgokit profile show|diff`: what a profile says, and how two differ."""

import json
from pathlib import Path

import click

from pgokit_cli import profiles
from pgokit_cli.context import Context
from pgokit_cli.toolchain import llvm_tool


def demangle(ctx: Context, names: list[str]) -> list[str]:
    if not names:
        return []
    tool = llvm_tool(ctx.llvm_root, "llvm-cxxfilt")
    out = ctx.runner.run([tool, *names]).stdout.splitlines()
    return out if len(out) == len(names) else names


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
    names = demangle(ctx, [n for n, _ in hottest])
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
    for row, name in zip(changes, demangle(ctx, [r["function"] for r in changes])):
        row["demangled"] = name
    if as_json:
        click.echo(json.dumps({"overlap_percent": similarity, "changes": changes}, indent=2))
        return
    click.echo(f"overlap: {similarity:.3f}%")
    for r in changes:
        click.echo(f"{r['change']:+8.3f}%  ({r['old_percent']:.3f}% -> {r['new_percent']:.3f}%)  {r['demangled']}")
