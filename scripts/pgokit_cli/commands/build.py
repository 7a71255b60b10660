"""`pgokit build`: one stage's build of the reference server for one arch,
in the preset's own folder (build/ARCH-STAGE)."""

import json
from pathlib import Path

import click

from pgokit_cli import cmake, evidence, profiles
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.fileutil import sha256_file
from pgokit_cli.pipeline import TARGET, server_binary
from pgokit_cli.toolchain import llvm_tool

STAGES = ["release", "instrumented", "optimized"]


@click.command("build")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True)
@click.option("--stage", type=click.Choice(STAGES), required=True)
@click.option("--profile", type=click.Path(dir_okay=False), default=None,
              help="Text or indexed profile for --stage optimized [profiles/ARCH/pgokit-server.proftext].")
@click.option("--build-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Build folder [build/ARCH-STAGE, the preset's].")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def command(ctx: Context, arch: str, stage: str, profile: str | None, build_dir: Path | None,
            as_json: bool) -> None:
    """Configure and build pgokit-server for ARCH at STAGE with its preset."""
    preset = f"{arch}-{stage}"
    build_dir = build_dir or ctx.build_root / preset
    cache = {}
    if stage == "optimized":
        source = Path(profile) if profile else ctx.repo_root / "profiles" / arch / f"{TARGET}.proftext"
        # Where the optimized preset looks for it (PGOKIT_PROFILE in CMakePresets.json).
        indexed = build_dir / f"{TARGET}.profdata"
        profiles.from_text(ctx.runner, llvm_tool(ctx.llvm_root, "llvm-profdata"), source, indexed)
        cache["PGOKIT_PROFILE"] = str(indexed)
    cmake.configure(ctx.runner, ctx.repo_root, preset, build_dir, cache)
    log = cmake.build(ctx.runner, ctx.console, build_dir, TARGET)
    binary = server_binary(build_dir)
    if not binary.exists():
        raise PgokitError(f"the build of {TARGET} in {build_dir} left no {binary}")
    result = {"arch": arch, "stage": stage, "binary": str(binary), "sha256": sha256_file(binary),
              "text_sha256": evidence.text_hash(ctx.runner, ctx.llvm_root, binary)}
    if stage == "optimized":
        diags = cmake.ProfileDiagnostics.parse(log)
        ctx.console.info(f"profile diagnostics: {diags.summary()}")
        result["diagnostics"] = diags.to_json()
    ctx.console.ok(f"{binary} (.text sha256 {result['text_sha256'][:16]})")
    if as_json:
        click.echo(json.dumps(result, indent=2))
