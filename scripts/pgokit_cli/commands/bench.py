"""`pgokit bench`: what each stage bought, measured side by side in one run.

x86_64 variants: clang -O2, GCC -O2, PGO alone, PGO+ThinLTO, PGO+ThinLTO+BOLT.
For each: wrk throughput and latency (interleaved rounds, pinned cores) and
deterministic per-request counts (cachegrind on a fixed replay). arm64 gets
what can be known without arm64 hardware: BOLT's dyno-stats, sizes and the
functional check under qemu. Results go to dist/report/ (JSON, HTML,
Markdown, charts)."""

import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path

import click

from pgokit_cli import cmake, lock, measure, profiles, report, throughput
from pgokit_cli.commands.pipeline import load_project, project_options, scenario_path
from pgokit_cli.context import Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_file, write_atomically
from pgokit_cli.pipeline import TARGET, Options, Pipeline, server_binary
from pgokit_cli.project import ExternalProject

BASELINE = "clang -O2"
PRE_BOLT = "PGO+ThinLTO"
BEST = "PGO+ThinLTO+BOLT"
# One server thread and one task worker: under valgrind the counts then do not
# depend on scheduling, and under wrk the server owns exactly its pinned core.
SERVER_ARGS = ["--port", "0", "--threads", "1", "--workers", "1"]
# The targets a release of the reference server is held to (x86_64, mixed scenario).
MIN_SPEEDUP = 1.25
MIN_INSTRUCTION_CUT = 0.20
MIN_I1_FACTOR = 5.0


def build_variant(ctx: Context, pipeline: Pipeline, name: str, preset: str, cache: dict[str, str]) -> Path:
    """Configures and builds one extra variant in the pipeline's work tree (incremental)."""
    build_dir = pipeline.build_dir(name)
    with ctx.console.section(f"build: {name} ({preset})"):
        cmake.configure(ctx.runner, ctx.repo_root, preset, build_dir, {"BUILD_TESTING": "OFF", **cache})
        cmake.build(ctx.runner, ctx.console, build_dir, TARGET)
    return server_binary(build_dir)


def variants(ctx: Context, pipeline: Pipeline) -> dict[str, Path]:
    """Every x86_64 binary compared, baseline first."""
    return {
        BASELINE: build_variant(ctx, pipeline, "release", "x86_64-release", {}),
        "GCC -O2": build_variant(ctx, pipeline, "gcc-release", "x86_64-gcc-release", {}),
        "PGO": build_variant(ctx, pipeline, "optimized-nolto", "x86_64-optimized",
                             {"PGOKIT_PROFILE": str(pipeline.profdata), "PGOKIT_LTO": "OFF"}),
        PRE_BOLT: pipeline.optimized_binary,
        BEST: pipeline.bolted,
    }


def sizes(ctx: Context, binary: Path) -> dict:
    """Code size: .text (all output sections holding code) and the hot part of it."""
    out = ctx.runner.run([ctx.llvm_root / "bin" / "llvm-readelf", "--sections", "--wide", binary]).stdout
    text = hot = 0
    for line in out.splitlines():
        fields = line.split("]", 1)[1].split() if line.strip().startswith("[") and "]" in line else []
        if len(fields) >= 6 and fields[0].startswith(".text"):
            size = int(fields[4], 16)
            text += size
            if fields[0] == ".text.hot":
                hot += size
    symbols = ctx.runner.run([ctx.llvm_root / "bin" / "llvm-nm", "--defined-only", binary]).stdout
    marks = {}
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in ("__hot_start", "__hot_end"):
            marks[parts[2]] = int(parts[0], 16)
    if len(marks) == 2:
        hot = marks["__hot_end"] - marks["__hot_start"]  # BOLT's hot text
    return {"text": text, "hot_text": hot or None}


def profile_section(ctx: Context, pipeline: Pipeline, diagnostics: dict | None, top: int = 12) -> dict:
    tool = ctx.llvm_root / "bin" / "llvm-profdata"
    weights = profiles.function_weights(ctx.runner, tool, pipeline.profdata)
    total = sum(weights.values())
    counted = [(name, count) for name, count in weights.items() if count > 0]
    readable = dict(zip((name for name, _ in counted), profiles.demangle(ctx.llvm_root, [n for n, _ in counted])))
    # Profiled system headers put std::string accessors at the top of any list;
    # the project's own functions are the ones a reader can act on.
    library = sum(count for name, count in counted if profiles.is_library(readable[name]))
    own = sorted(((readable[name], count) for name, count in counted if not profiles.is_library(readable[name])),
                 key=lambda kv: kv[1], reverse=True)[:top]
    return {
        "path": str(pipeline.text_profile.relative_to(ctx.repo_root)),
        "total_count": total,
        "functions": len(weights),
        "functions_with_counts": len(counted),
        "library_share": library / total if total else 0.0,
        "top_functions": [{"name": name, "count": count, "share": count / total if total else 0.0}
                          for name, count in own],
        "stale_functions": (diagnostics or {}).get("stale_functions"),
        "unprofiled_functions": (diagnostics or {}).get("functions_without_data"),
    }


def stage_details(summary: dict, stage: str) -> dict:
    for outcome in summary.get("stages", []):
        if outcome["stage"] == stage:
            return outcome.get("details") or {}
    return {}


def arm64_section(ctx: Context, pipeline: Pipeline, summary: dict) -> dict:
    bolt_stage = stage_details(summary, "bolt")
    verify = stage_details(summary, "verify")
    checks = verify.get("checks") or []
    # The verify stage fails the pipeline on any failed check, so a summary with checks means they passed.
    functional = "ok" if checks else "failed: no functional checks ran"
    return {
        "dyno_stats": {"before": bolt_stage.get("dyno_before", {}), "after": bolt_stage.get("dyno_after", {})},
        "size": {"before_bolt": sizes(ctx, pipeline.optimized_binary), "after_bolt": sizes(ctx, pipeline.bolted)},
        "functional": functional,
        "functional_checks": checks,
        "trained_under_emulation": summary.get("trained_under_emulation"),
        "note": "absolute arm64 speed needs arm64 hardware; run the same command there",
    }


def targets(by_name: dict[str, dict], l1i: int | None = None) -> list[dict]:
    """The reference server's release targets, each with its verdict. The I1
    targets are judged at the host's L1i only: with --l1i they are reported, not met.
    Against clang -O2 they measure the whole pipeline; the last one, BOLT
    against its own input, measures what BOLT adds to a PGO+ThinLTO build."""
    base, best = by_name[BASELINE], by_name[BEST]
    found = []
    if base.get("throughput") and best.get("throughput"):
        p99_base, p99_best = base["latency_ms"]["p99"]["median"], best["latency_ms"]["p99"]["median"]
        load_bound = min(v.get("server_utilization") or 0 for v in by_name.values()) < throughput.SATURATED
        if load_bound:
            # wrk ran out of core first: what the server can do is its requests per CPU-second.
            speedup = best["capacity"]["median"] / base["capacity"]["median"]
            measure_text = (f"requests per server CPU-second (wrk saturated its core first: server busy "
                            f"{base['server_utilization']:.0%} of the time at -O2)")
        else:
            speedup = best["throughput"]["median"] / base["throughput"]["median"]
            measure_text = "wrk requests per second"
        figure = "capacity" if load_bound else "throughput"
        rounds = (f"rounds: {base[figure]['min']:,.0f}–{base[figure]['max']:,.0f} at -O2, "
                  f"{best[figure]['min']:,.0f}–{best[figure]['max']:,.0f} with BOLT")
        found.append({"name": f"throughput >= {MIN_SPEEDUP}x clang -O2, p99 no worse",
                      "value": round(speedup, 3), "met": speedup >= MIN_SPEEDUP and p99_best <= p99_base,
                      "why": f"{measure_text}; {rounds}; p99 {p99_best:.3f} ms vs {p99_base:.3f} ms"})
    if base.get("counts") and best.get("counts"):
        cut = 1 - best["counts"]["instructions"] / base["counts"]["instructions"]
        found.append({"name": f">= {MIN_INSTRUCTION_CUT:.0%} fewer instructions per request than clang -O2",
                      "value": round(cut, 3), "met": cut >= MIN_INSTRUCTION_CUT, "why": ""})
        found.append(i1_target("than clang -O2", base["counts"], best["counts"], l1i))
        before = (by_name.get(PRE_BOLT) or {}).get("counts")
        if before:
            found.append(i1_target(f"after BOLT than before it ({PRE_BOLT})", before, best["counts"], l1i))
    return found


def i1_target(against: str, before: dict, after: dict, l1i: int | None) -> dict:
    misses = after["i1_misses"]
    factor = before["i1_misses"] / misses if misses else float("inf")
    if l1i is not None:
        why = f"simulated with a {l1i // 1024} KiB L1i (--l1i), not the host's: no verdict"
    elif after.get("hot_code_kib") is not None:
        why = f"hot code {before['hot_code_kib']:,.1f} KiB before, {after['hot_code_kib']:,.1f} KiB after"
        if after.get("l1i_bytes"):
            why += f", against a {after['l1i_bytes'] // 1024} KiB L1i"
    else:
        why = ""
    return {"name": f">= {MIN_I1_FACTOR:g}x fewer simulated I1 misses per request {against}",
            "value": round(factor, 3), "met": factor >= MIN_I1_FACTOR and l1i is None, "why": why}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "kernel": platform.release(),
            "compiler": "clang 19 / gcc (Debian)"}


def print_table(results: dict) -> None:
    click.echo(f"{'variant':18} {'req/s':>9} {'p99 ms':>8} {'instr/req':>10} {'I1 miss/req':>12} "
               f"{'hot KiB':>8} {'br miss/req':>12} {'.text':>9}")
    for v in results["variants"]:
        t, c = v.get("throughput"), v.get("counts")
        rps = f"{t['median']:.0f}" if t else "-"
        p99 = f"{v['latency_ms']['p99']['median']:.2f}" if t else "-"
        hot = f"{c['hot_code_kib']:.1f}" if c and c.get("hot_code_kib") is not None else "-"
        counts = (f"{c['instructions']:10.0f} {c['i1_misses']:12.1f} {hot:>8} {c['branch_mispredicts']:12.1f}"
                  if c else f"{'-':>10} {'-':>12} {'-':>8} {'-':>12}")
        click.echo(f"{v['name']:18} {rps:>9} {p99:>8} {counts} {v['size']['text']:9d}")
    for t in results["targets"]:
        click.echo(f"target {'met   ' if t['met'] else 'MISSED'} {t['name']}: {t['value']}")


@click.command("bench")
@click.option("--scenario", default="mixed", show_default=True, help="Load the variants are measured with.")
@click.option("--rounds", type=click.IntRange(1, 20), default=3, show_default=True,
              help="wrk rounds per variant (interleaved).")
@click.option("--duration", type=click.IntRange(1, 600), default=8, show_default=True,
              help="Seconds of each measured wrk round.")
@click.option("--warmup", type=click.IntRange(0, 60), default=2, show_default=True,
              help="Seconds of load before each measured round.")
@click.option("--connections", type=click.IntRange(1, 10000), default=32, show_default=True)
@click.option("--requests", type=click.IntRange(100), default=2000, show_default=True,
              help="Replay requests counted under cachegrind (the difference of two runs).")
@click.option("--seed-orders", type=click.IntRange(1), default=100_000, show_default=True,
              help="Orders each server seeds at start.")
@click.option("--l1i", type=click.Choice([str(1 << n) for n in range(12, 21)]), default=None,
              help="Simulate an L1 instruction cache of this many bytes (8-way, 64-byte lines) "
                   "instead of the host's.")
@click.option("--wrk/--no-wrk", "with_wrk", default=True, help="Measure throughput and latency with wrk.")
@click.option("--counts/--no-counts", "with_counts", default=True, help="Measure per-request counts (valgrind).")
@click.option("--arm64/--no-arm64", "with_arm64", default=True,
              help="Run the arm64 pipeline and report its BOLT figures.")
@click.option("--ir", "ir_pgo", is_flag=True,
              help="Also run the pipeline with IR instrumentation and measure IR-PGO+ThinLTO and "
                   "IR-PGO+ThinLTO+BOLT.")
@click.option("--cspgo", is_flag=True,
              help="Also run the CSPGO pipeline and measure CSPGO+ThinLTO and CSPGO+ThinLTO+BOLT.")
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the report goes [dist/report].")
@click.option("--screenshot/--no-screenshot", default=True,
              help="Open the HTML report in headless Chromium and keep a screenshot (checks it renders).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@project_options
@click.pass_obj
def command(ctx: Context, scenario: str, rounds: int, duration: int, warmup: int, connections: int,
            requests: int, seed_orders: int, l1i: str | None, with_wrk: bool, with_counts: bool, with_arm64: bool, ir_pgo: bool,
            cspgo: bool, output_dir: Path | None, screenshot: bool, as_json: bool, **project_args) -> None:
    """Measure every build variant side by side and write the report.

    Runs the pipeline first (each stage only if out of date), builds the
    baselines, then measures. With --source-dir, measures a project of your
    own instead (generic mode; its training command, run under cachegrind).
    See docs/bench.md for what each figure means."""
    project = load_project(ctx, **project_args)
    if project is not None:
        bench_project(ctx, project, output_dir, as_json)
        return
    scenario_file = scenario_path(ctx, scenario)
    summaries, pipelines = {}, {}
    for arch in ["x86_64", "arm64"] if with_arm64 else ["x86_64"]:
        pipeline = Pipeline(ctx, Options(arch=arch, scenario=scenario_file))
        with lock.hold(pipeline.work, wait=True, console=ctx.console):
            summaries[arch] = pipeline.run()
        pipelines[arch] = pipeline
    x86 = pipelines["x86_64"]
    with lock.hold(x86.work, wait=True, console=ctx.console):
        binaries = variants(ctx, x86)
    # Other kinds of profile, each from its own pipeline (build tree and committed profile).
    # They stop after verify: dist/ keeps the front-end pipeline's binary.
    kinds = {"IR-PGO": {"instrumentation": "ir"}} if ir_pgo else {}
    if cspgo:
        kinds["CSPGO"] = {"cspgo": True}
    for label, kind in kinds.items():
        other = Pipeline(ctx, Options(arch="x86_64", scenario=scenario_file, to_stage="verify", **kind))
        with lock.hold(other.work, wait=True, console=ctx.console):
            other.run()
        binaries[f"{label}+ThinLTO"] = other.optimized_binary
        binaries[f"{label}+ThinLTO+BOLT"] = other.bolted
    missing = [name for name, path in binaries.items() if not path.exists()]
    if missing:
        raise PgokitError(f"no binary for {', '.join(missing)}", hint="scripts/pgokit pipeline --arch x86_64")
    work = ctx.build_root / "bench"
    servers = {name: [str(path), *SERVER_ARGS, "--seed-orders", str(seed_orders)]
               for name, path in binaries.items()}

    counts = {}
    if with_counts:
        with ctx.console.section(f"per-request counts: cachegrind, {requests} replayed requests"):
            counts = measure.per_request_all(servers, scenario_file, work / "counts", ctx.console,
                                             warmup=300, requests=requests, jobs=2,
                                             l1i=int(l1i) if l1i else None)
    load, wrk_settings = {}, None
    if with_wrk and rounds < 3:
        ctx.console.warn(f"{rounds} round(s): too few to know the spread, so no difference is marked as noise; "
                         "throughput on a shared machine moves by tens of percent between runs")
    if with_wrk:
        with ctx.console.section(f"throughput: wrk, {rounds} interleaved rounds of {duration}s"):
            load, wrk_settings = throughput.measure(servers, scenario_file, work / "wrk", ctx.console,
                                                    rounds=rounds, duration=duration, warmup=warmup,
                                                    connections=connections)

    rows = []
    for name, binary in binaries.items():
        row = {"name": name, "binary": str(binary.relative_to(ctx.repo_root)),
               "sha256": sha256_file(binary), "size": sizes(ctx, binary),
               "throughput": None, "latency_ms": None, "errors": None, "counts": None}
        if name in load:
            row.update(throughput.to_json(load[name]))
        if name in counts:
            row["counts"] = counts[name].to_json()
        rows.append(row)
    by_name = {row["name"]: row for row in rows}
    results = {
        "schema": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "scripts/pgokit bench " + shlex.join(sys.argv[2:]) if sys.argv[1:2] == ["bench"]
        else "scripts/pgokit " + shlex.join(sys.argv[1:]),
        "machine": machine(),
        "scenario": scenario,
        "baseline": BASELINE,
        "variants": rows,
        "wrk": wrk_settings or {"skipped": "--no-wrk"},
        "counts": {"requests": requests, "tool": "cachegrind", "l1i_bytes": int(l1i) if l1i else "host"}
        if with_counts else {"skipped": "--no-counts"},
        "profile": profile_section(ctx, x86, stage_details(summaries["x86_64"], "optimize").get("diagnostics")),
        "arm64": arm64_section(ctx, pipelines["arm64"], summaries["arm64"]) if with_arm64
        else {"skipped": "--no-arm64"},
        "targets": targets(by_name, int(l1i) if l1i else None),
    }
    out_dir = output_dir or ctx.repo_root / "dist" / "report"
    files = report.render(results, out_dir)
    if screenshot:
        report.screenshot(files["report.html"], out_dir / "screenshot.png", runner=ctx.runner)
    print_table(results)
    ctx.console.info(f"wrote {out_dir}/ (report.html, report.md, bench.json)")
    if as_json:
        click.echo(json.dumps(results, indent=2))


def bench_project(ctx: Context, project: ExternalProject, output_dir: Path | None, as_json: bool) -> None:
    """A generic-mode project's -O2 build against its optimized ones: cachegrind
    counts of one run of its training command (x86_64)."""
    if not project.train_spec.command:
        raise PgokitError("bench measures a project by its training command; this one trains as a server",
                          hint="give the project a [train] command, or measure the server with your own load")
    pipeline = Pipeline(ctx, Options(arch="x86_64", scenario=Path(project.scenario_name), project=project))
    with lock.hold(pipeline.work, wait=True, console=ctx.console):
        pipeline.run()
        release_dir = pipeline.build_dir("release")
        with ctx.console.section(f"build: {project.target} at -O2, no profile"):
            project.configure(pipeline, "release", release_dir, {})
            cmake.build(ctx.runner, ctx.console, release_dir, project.target)
    binaries = {BASELINE: project.binary(release_dir), "PGO+ThinLTO": pipeline.optimized_binary,
                BEST: pipeline.bolted}
    work = ctx.build_root / "bench" / project.target
    scratch = work / "run"
    scratch.mkdir(parents=True, exist_ok=True)
    counts = {}
    with ctx.console.section("counts: one run of the training command under cachegrind, per variant"):
        for name, binary in binaries.items():
            argv = project.expand(pipeline, project.train_spec.command, binary, scratch)
            counts[name] = measure.per_run(argv, work / name.replace(" ", "_").replace("+", "_"), scratch,
                                           ctx.console).to_json()
    base = counts[BASELINE]
    rows = [{"name": name, "binary": str(binaries[name]), **c,
             "instructions_vs_O2": round(c["instructions"] / base["instructions"], 4),
             "i1_misses_vs_O2": round(c["i1_misses"] / base["i1_misses"], 4) if base["i1_misses"] else None}
            for name, c in counts.items()]
    results = {"schema": 1, "target": project.target, "source_dir": str(project.source_dir),
               "command": project.train_spec.command, "tool": "cachegrind", "variants": rows}
    out_dir = (output_dir or ctx.repo_root / "dist" / "report") / project.target
    lines = [f"### {project.target}: one run of `{project.train_spec.command}` (cachegrind)", "",
             "| variant | instructions | vs -O2 | I1 misses | vs -O2 | branch mispredicts |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['instructions']:,} | {r['instructions_vs_O2']:.3f} | {r['i1_misses']:,} | "
                     f"{r['i1_misses_vs_O2'] or 0:.3f} | {r['branch_mispredicts']:,} |")
    write_atomically(out_dir / "bench.json", json.dumps(results, indent=2) + "\n")
    write_atomically(out_dir / "report.md", "\n".join(lines) + "\n")
    click.echo("\n".join(lines))
    ctx.console.info(f"wrote {out_dir}/bench.json and report.md")
    if as_json:
        click.echo(json.dumps(results, indent=2))
