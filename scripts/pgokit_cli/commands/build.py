"""`pgokit build`: one stage's build of the reference server for one arch,
in the preset's own folder (build/ARCH-STAGE)."""

import json

import click

from pgokit_cli import cmake, evidence, profiles
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.fileutil import sha256_text
from pgokit_cli.pipeline import TARGET
from pgokit_cli.toolchain import llvm_tool

STAGES = ["release", "instrumented", "optimized"]


def text_section_hash(ctx: Context, binary) -> str:
    """sha256 of the code (.text* sections): equal code, whatever the notes or paths."""
    readelf = llvm_tool(ctx.llvm_root, "llvm-readelf")
    digest = []
    for name in sorted(n for n in evidence.section_names(ctx.runner, ctx.llvm_root, binary) if n.startswith(".text")):
        dump = ctx.runner.run([readelf, "--hex-dump", name, binary]).stdout
        digest.append(name + "\n" + "\n".join(dump.splitlines()[1:]))
    return sha256_text("\n".join(digest))


@click.command("build")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True)
@click.option("--stage", type=click.Choice(STAGES), required=True)
@click.option("--profile", type=click.Path(dir_okay=False), default=None,
              help="Text or indexed profile for --stage optimized [profiles/ARCH/pgokit-server.proftext].")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def command(ctx: Context, arch: str, stage: str, profile: str | None, as_json: bool) -> None:
    """Configure and build pgokit-server for ARCH at STAGE with its preset."""
    preset = f"{arch}-{stage}"
    build_dir = ctx.build_root / preset
    cache = {}
    if stage == "optimized":
        from pathlib import Path

        source = Path(profile) if profile else ctx.repo_root / "profiles" / arch / f"{TARGET}.proftext"
        indexed = ctx.build_root / "profiles" / arch / f"{TARGET}.profdata"
        profiles.from_text(ctx.runner, llvm_tool(ctx.llvm_root, "llvm-profdata"), source, indexed)
        cache["PGOKIT_PROFILE"] = str(indexed)
    cmake.configure(ctx.runner, ctx.repo_root, preset, build_dir, cache)
    log = cmake.build(ctx.runner, ctx.console, build_dir, TARGET)
    binary = cmake.target_file(ctx.runner, build_dir, TARGET)
    result = {"arch": arch, "stage": stage, "binary": str(binary), "text_sha256": text_section_hash(ctx, binary)}
    if stage == "optimized":
        diags = cmake.ProfileDiagnostics.parse(log)
        ctx.console.info(f"profile diagnostics: {diags.summary()}")
        result["diagnostics"] = diags.to_json()
    ctx.console.ok(f"{binary} (.text sha256 {result['text_sha256'][:16]})")
    if as_json:
        click.echo(json.dumps(result, indent=2))
