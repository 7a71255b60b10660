"""`pgokit setup`: install the host toolchain and build the arm64 sysroot."""

import json
import time

import click

from pgokit_cli.apt import Apt, read_package_list
from pgokit_cli.context import Context
from pgokit_cli.sysroot import SysrootBuilder


@click.command("setup")
@click.option("--frozen", is_flag=True,
              help="Fail if any sysroot package differs from the lock (release builds).")
@click.option("--no-sysroot", is_flag=True, help="Only install host packages.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_obj
def command(ctx: Context, frozen: bool, no_sysroot: bool, as_json: bool) -> None:
    """Install what builds and tests need, idempotently.

    Host packages come from toolchains/host-packages.txt. The arm64 sysroot is
    unpacked from the Debian arm64 packages in toolchains/sysroot-aarch64.packages,
    at the versions recorded in toolchains/sysroot-aarch64.lock.json; newer
    archive versions are used and written back to the lock unless --frozen.
    """
    console = ctx.console
    runner = ctx.runner
    apt = Apt(runner)
    start = time.monotonic()
    summary: dict = {}

    with console.section("host packages"):
        wanted = read_package_list(ctx.toolchains_dir / "host-packages.txt")
        missing = apt.missing(wanted)
        if missing:
            console.info(f"installing {len(missing)} package(s): {' '.join(missing)}")
            apt.install(missing)
        else:
            console.ok(f"all {len(wanted)} host packages installed")
        summary["host_packages_installed"] = missing

    if not no_sysroot:
        with console.section("arm64 sysroot"):
            builder = SysrootBuilder(
                apt, runner, console,
                arch="arm64",
                package_list=ctx.toolchains_dir / "sysroot-aarch64.packages",
                lock_path=ctx.toolchains_dir / "sysroot-aarch64.lock.json",
                dest=ctx.sysroot("arm64"),
                deb_cache=ctx.build_root / "sysroot" / "debs",
                llvm_root=ctx.llvm_root,
            )
            wanted_sysroot = read_package_list(builder.package_list)
            summary["sysroot"] = builder.ensure(wanted_sysroot, frozen=frozen)

    summary["seconds"] = round(time.monotonic() - start, 2)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
