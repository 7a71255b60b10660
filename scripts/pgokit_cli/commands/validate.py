"""`pgokit validate`: the release gate on one binary (pgokit-validate)."""

import os

import click

from pgokit_cli import validator
from pgokit_cli.context import ARCHES, Context


@click.command("validate", context_settings={"ignore_unknown_options": False})
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True, help="The arch the binary must be for.")
@click.option("--expect", default=None,
              help="Required evidence: pgo,lto,bolt,provenance,release,instrumented or a stage "
                   "(release, optimized, bolt, dist). Default: release.")
@click.option("--profile", type=click.Path(dir_okay=False), default=None,
              help="The .profdata or .proftext it should have been built from.")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="The profile's manifest (profiles/ARCH/*.manifest.json).")
@click.option("--top", type=click.IntRange(1), default=None, help="How many hot functions to judge.")
@click.option("--json", "as_json", is_flag=True, help="JSON report on stdout.")
@click.argument("binary", type=click.Path())
@click.pass_obj
def command(ctx: Context, arch, expect, profile, manifest, top, as_json, binary) -> None:
    """Check BINARY's arch, stage, PGO/BOLT evidence and provenance.

    \b
    Exit codes: 0 every required check passed, 1 a check failed,
    2 usage error, 3 an input could not be read."""
    tool = validator.binary(ctx)
    argv = [str(tool), "--arch", arch]
    for flag, value in (("--expect", expect), ("--profile", profile), ("--manifest", manifest),
                        ("--top", top)):
        if value is not None:
            argv += [flag, str(value)]
    if as_json:
        argv.append("--json")
    argv.append(binary)
    ctx.console.detail("$ " + " ".join(argv))
    # The validator's own report and exit code are the result.
    os.execv(argv[0], argv)
