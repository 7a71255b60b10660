"""`pgokit bench`: what each stage bought, as deterministic per-request
counts (valgrind) on a fixed replay of the scenario."""

import json
from pathlib import Path

import click

from pgokit_cli import cmake, measure
from pgokit_cli.commands.pipeline import scenario_path
from pgokit_cli.context import Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import write_atomically
from pgokit_cli.pipeline import TARGET, Options, Pipeline, server_binary

# The server runs single-threaded under valgrind so counts do not depend on scheduling.
SERVER_ARGS = ["--port", "0", "--threads", "1", "--workers", "1", "--seed-orders", "100000"]


def variants(pipeline: Pipeline) -> dict[str, Path]:
    """The binaries compared: baseline -O2, PGO+ThinLTO, PGO+ThinLTO+BOLT."""
    return {
        "clang -O2": server_binary(pipeline.build_dir("release")),
        "PGO+ThinLTO": pipeline.optimized_binary,
        "PGO+ThinLTO+BOLT": pipeline.bolted,
    }


@click.command("bench")
@click.option("--scenario", default="mixed", show_default=True, help="Scenario the replay is drawn from.")
@click.option("--requests", type=click.IntRange(100), default=3000, show_default=True,
              help="Replay requests counted (the difference between two runs).")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="JSON results [dist/report/bench-counts.json].")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def command(ctx: Context, scenario: str, requests: int, output: Path | None, as_json: bool) -> None:
    """Instructions, I1 misses and branch mispredictions per request, x86_64.

    Run 'make pgo-x86_64' first; the -O2 baseline is built here if missing."""
    pipeline = Pipeline(ctx, Options(arch="x86_64", scenario=scenario_path(ctx, scenario)))
    binaries = variants(pipeline)
    baseline_dir = pipeline.build_dir("release")
    cmake.configure(ctx.runner, ctx.repo_root, "x86_64-release", baseline_dir, {"BUILD_TESTING": "OFF"})
    cmake.build(ctx.runner, ctx.console, baseline_dir, TARGET)
    missing = [name for name, path in binaries.items() if not path.exists()]
    if missing:
        raise PgokitError(f"no binary for {', '.join(missing)}", hint="run 'make pgo-x86_64' first")
    results = {}
    for name, binary in binaries.items():
        with ctx.console.section(f"{name}: {binary}"):
            figures = measure.per_request([str(binary), *SERVER_ARGS], scenario_path(ctx, scenario),
                                          ctx.build_root / "bench" / name.replace(" ", "_").replace("+", "_"),
                                          ctx.console, small=500, large=500 + requests)
        results[name] = figures.to_json()
    base = results["clang -O2"]
    for name, r in results.items():
        r["instructions_vs_O2"] = round(r["instructions"] / base["instructions"], 3)
        r["i1_misses_vs_O2"] = round(r["i1_misses"] / base["i1_misses"], 3) if base["i1_misses"] else None
    report = {"scenario": scenario, "requests": requests, "server_args": SERVER_ARGS, "variants": results}
    output = output or ctx.repo_root / "dist" / "report" / "bench-counts.json"
    write_atomically(output, json.dumps(report, indent=2) + "\n")
    click.echo(f"{'variant':18} {'instr/req':>12} {'I1 miss/req':>12} {'br miss/req':>12} {'instr vs O2':>12}")
    for name, r in results.items():
        click.echo(f"{name:18} {r['instructions']:12.0f} {r['i1_misses']:12.1f} "
                   f"{r['branch_mispredicts']:12.1f} {r['instructions_vs_O2']:12.3f}")
    ctx.console.info(f"wrote {output}")
    if as_json:
        click.echo(json.dumps(report, indent=2))
