"""`pgokit merge`: raw profiles (and fleet profiles) into the committed text
profile and its manifest, with optional weights per scenario or source."""

import json
from pathlib import Path

import click

from pgokit_cli import profiles
from pgokit_cli.context import ARCHES, Context
from pgokit_cli.errors import PgokitError
from pgokit_cli.pipeline import TARGET
from pgokit_cli.stages import source_commit
from pgokit_cli.toolchain import llvm_tool, parse_llvm_version


def parse_weights(values: tuple[str, ...]) -> dict[str, int]:
    weights = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep or not name or not number.isdigit() or int(number) < 1:
            raise click.BadParameter(f"'{value}' is not NAME=N with N >= 1", param_hint="--weight")
        weights[name] = int(number)
    return weights


@click.command("merge")
@click.option("--arch", type=click.Choice(list(ARCHES)), required=True)
@click.option("--raw-dir", "raw_dirs", type=click.Path(path_type=Path, file_okay=False), multiple=True,
              help="Folder of .profraw files, named after its scenario [build/pgo/ARCH/raw/*].")
@click.option("--input", "inputs", type=click.Path(path_type=Path, dir_okay=False), multiple=True,
              help="A merged profile from elsewhere (.profdata or .proftext), e.g. another machine of the fleet.")
@click.option("--weight", "weights", multiple=True, metavar="NAME=N",
              help="Weight of a scenario (raw folder name) or input (file stem); default 1.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Text profile to write [profiles/ARCH/pgokit-server.proftext]; the manifest goes beside it.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest on stdout.")
@click.pass_obj
def command(ctx: Context, arch, raw_dirs, inputs, weights, output, as_json) -> None:
    """Merge raw profiles into the committable text profile and manifest."""
    weight_of = parse_weights(weights)
    if not raw_dirs and not inputs:
        default_root = ctx.build_root / "pgo" / arch / "raw"
        raw_dirs = tuple(sorted(p for p in default_root.glob("*") if p.is_dir()))
        if not raw_dirs:
            raise PgokitError(f"no raw profile folders under {default_root}",
                              hint=f"run 'pgokit train --arch {arch}' first, or pass --raw-dir/--input")
    sources, scenarios = [], {}
    for directory in raw_dirs:
        found = profiles.RawProfiles.collect(directory, directory.name)
        weight = weight_of.pop(directory.name, 1)
        scenarios[directory.name] = weight
        sources += [(p, weight, directory.name) for p in found.files]
    for path in inputs:
        weight = weight_of.pop(path.stem, 1)
        scenarios[f"input:{path.name}"] = weight
        sources.append((path, weight, str(path)))
    if weight_of:
        raise click.BadParameter(f"no raw folder or input named {', '.join(weight_of)}", param_hint="--weight")

    tool = llvm_tool(ctx.llvm_root, "llvm-profdata")
    version = parse_llvm_version(ctx.runner.run([tool, "--version"]).stdout)
    text = output or ctx.repo_root / "profiles" / arch / f"{TARGET}.proftext"
    manifest_path = text.with_suffix(".manifest.json")
    manifest = profiles.publish(
        ctx.runner, tool, sources, work_profdata=ctx.build_root / "profiles" / arch / f"{TARGET}.profdata",
        text_profile=text, manifest_path=manifest_path, arch=arch, target=TARGET,
        llvm_version=".".join(map(str, version or ())), scenarios=scenarios,
        commit=source_commit(ctx.repo_root))
    for skipped in manifest["skipped_inputs"]:
        ctx.console.warn(f"skipped {skipped['file']}: {skipped['reason']}")
    ctx.console.ok(f"{text}: {manifest['functions']} functions, total count {manifest['total_count']}")
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
