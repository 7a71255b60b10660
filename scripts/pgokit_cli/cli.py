"""The `pgokit` command group: builds the context, then hands over to a command."""

import sys

import click

from pgokit_cli import __version__
from pgokit_cli.commands import bench, build, doctor, merge, pipeline, profile, setup, validate
from pgokit_cli.console import Console
from pgokit_cli.context import Context


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgokit")
@click.option("-v", "--verbose", is_flag=True, help="Show every command run and every path used.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings, errors and results.")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool, debug: bool) -> None:
    """Profile-guided optimization for C++ services, x86_64 and arm64.

    \b
    Exit codes: 0 success, 1 a stage or check failed, 2 usage error,
    4 the profile is staler than --max-stale allows, 75 the build tree is
    busy with another run (--no-wait).
    """
    ctx.obj = Context(console=Console(verbose=verbose, quiet=quiet), debug=debug)


cli.add_command(setup.command)
cli.add_command(doctor.command)
cli.add_command(build.command)
cli.add_command(bench.command)
cli.add_command(merge.command)
cli.add_command(profile.group)
cli.add_command(validate.command)
cli.add_command(pipeline.command)
cli.add_command(pipeline.train_command)
cli.add_command(pipeline.bolt_command)


def main() -> None:
    debug = "--debug" in sys.argv[1:]
    try:
        # Without standalone mode ctx.exit(n) (and --help) return n here.
        code = cli.main(prog_name="pgokit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        if debug:
            raise
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: one line unless --debug
        if debug:
            raise
        click.echo(f"pgokit: internal error: {exc!r} (rerun with --debug for a traceback)", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
