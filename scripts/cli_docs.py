"""docs/cli-reference.md, generated from the Click command tree of scripts/pgokit.

Every command and subcommand gets its usage line, its help text and a table
of its options (value, default, help) and arguments. The page is generated
so it cannot drift from the CLI: scripts/tests/test_docs.py renders it in
memory and fails when the committed file differs. Run through
scripts/gen-cli-docs, which picks the same Python as scripts/pgokit."""

import argparse
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "cli-reference.md"
# How the commands are run from a checkout.
LAUNCHER = "scripts/pgokit"
REGENERATE = "scripts/gen-cli-docs"


def command_tree(group: click.Command, name: str = "pgokit") -> Iterator[click.Context]:
    """A context for every visible command, depth first, subcommands by name."""

    def walk(ctx: click.Context) -> Iterator[click.Context]:
        yield ctx
        command = ctx.command
        if isinstance(command, click.Group):
            for sub_name in command.list_commands(ctx):
                sub = command.get_command(ctx, sub_name)
                if sub is not None and not sub.hidden:
                    yield from walk(click.Context(sub, info_name=sub_name, parent=ctx))

    yield from walk(click.Context(group, info_name=name))


def text(value: str) -> str:
    """Plain text for Markdown: no accidental emphasis, tags or table cells."""
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("<", "&lt;").replace("|", "\\|")


def code(value: str) -> str:
    """A code span; inside a table a pipe still needs its backslash."""
    return f"`{value}`".replace("|", "\\|")


def paragraphs(help_text: str | None) -> list[str]:
    """Click's help text as Markdown paragraphs: what follows \\f is not shown,
    lines are joined, and a \\b paragraph (kept unwrapped by Click) keeps its
    line breaks."""
    if not help_text:
        return []
    cleaned = inspect.cleandoc(help_text.split("\f", 1)[0])
    out = []
    for block in cleaned.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if lines and lines[0] == "\b":
            out.append("  \n".join(text(line) for line in lines[1:] if line))
        elif lines:
            out.append(text(" ".join(lines)))
    return [p for p in out if p]


def describe_type(param: click.Parameter) -> str:
    """What a parameter's value is: choices, a range, a path, a number or text."""
    kind = param.type
    if isinstance(param, click.Option) and param.count:
        described = "count (repeat the flag)"
    elif isinstance(param, click.Option) and param.is_flag:
        described = "flag"
    elif isinstance(kind, click.Choice):
        described = "one of " + ", ".join(code(str(c)) for c in kind.choices)
    elif isinstance(kind, (click.IntRange, click.FloatRange)):
        noun = "integer" if isinstance(kind, click.IntRange) else "number"
        if kind.min is not None and kind.max is not None and not (kind.min_open or kind.max_open):
            described = f"{noun} from {kind.min} to {kind.max}"
        else:
            low = None if kind.min is None else f"{'>' if kind.min_open else '≥'} {kind.min}"
            high = None if kind.max is None else f"{'<' if kind.max_open else '≤'} {kind.max}"
            described = " ".join([noun, ", ".join(b for b in (low, high) if b)]).strip()
    elif isinstance(kind, click.Path):
        described = "folder" if not kind.file_okay else "file" if not kind.dir_okay else "path"
        if kind.exists:
            described += " that exists"
    elif kind is click.INT:
        described = "integer"
    elif kind is click.FLOAT:
        described = "number"
    elif kind is click.BOOL:
        described = "boolean"
    else:
        described = "text"
    if param.metavar and not (isinstance(param, click.Option) and param.is_flag):
        described = f"{code(param.metavar)}: {described}"
    if param.multiple or (param.nargs == -1):
        described += " (repeatable)" if isinstance(param, click.Option) else " (any number)"
    return described


def describe_default(param: click.Option) -> str:
    if param.required:
        return "required"
    default = param.default
    if callable(default):
        return "computed"
    if param.is_flag and not param.secondary_opts:
        return "on" if default else ""
    if param.is_flag:
        # A --x/--no-x pair: the default is the switch that is on.
        return code(param.opts[0] if default else param.secondary_opts[0])
    if default is None or default == () or default == "":
        return ""
    if isinstance(default, (list, tuple)):
        return ", ".join(code(str(d)) for d in default)
    return code(str(default))


def option_names(param: click.Option) -> str:
    names = ", ".join(code(o) for o in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(code(o) for o in param.secondary_opts)
    return names


def anchor(path: str) -> str:
    """The anchor GitHub gives a heading of that text."""
    return path.lower().replace(" ", "-")


def command_section(ctx: click.Context) -> list[str]:
    command = ctx.command
    path = ctx.command_path
    lines = [f"## {path}", ""]
    usage = " ".join([LAUNCHER, *path.split()[1:], *command.collect_usage_pieces(ctx)])
    lines += ["```text", usage, "```", ""]
    for paragraph in paragraphs(command.help):
        lines += [paragraph, ""]
    if command.deprecated:
        lines += ["Deprecated.", ""]

    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False) and p.name != "help"]
    arguments = [p for p in params if isinstance(p, click.Argument)]
    options = [p for p in params if isinstance(p, click.Option)]
    if arguments:
        lines += ["| argument | value | |", "| --- | --- | --- |"]
        for arg in arguments:
            need = "required" if arg.required else "optional"
            lines.append(f"| {code(arg.human_readable_name)} | {describe_type(arg)} | {need} |")
        lines.append("")
    if options:
        lines += ["| option | value | default | description |", "| --- | --- | --- | --- |"]
        for opt in options:
            help_text = " ".join(p.replace("  \n", " ") for p in paragraphs(opt.help))
            lines.append(f"| {option_names(opt)} | {describe_type(opt)} | {describe_default(opt)} | {help_text} |")
        lines.append("")
    if isinstance(command, click.Group):
        lines += ["| command | what it does |", "| --- | --- |"]
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                sub_path = f"{path} {sub_name}"
                lines.append(f"| [{sub_name}](#{anchor(sub_path)}) | {text(sub.get_short_help_str(limit=300))} |")
        lines.append("")
    return lines


def render(group: click.Command | None = None) -> str:
    """The whole page for the CLI's root group (the real one by default)."""
    if group is None:
        from pgokit_cli.cli import cli as group
    contexts = list(command_tree(group))
    lines = [
        "# CLI reference",
        "",
        f"<!-- Generated by {REGENERATE} from the Click commands in scripts/pgokit_cli; "
        f"do not edit. Run {REGENERATE} after changing a command. -->",
        "",
        f"Every command and option of `{LAUNCHER}`, generated from the CLI itself. "
        "[cli.md](cli.md) is the overview. Every command also takes `-h`/`--help`.",
        "",
    ]
    for ctx in contexts[1:]:
        depth = len(ctx.command_path.split()) - 2
        lines.append(f"{'  ' * depth}- [{ctx.command_path}](#{anchor(ctx.command_path)})")
    lines.append("")
    for ctx in contexts:
        lines += command_section(ctx)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Write docs/cli-reference.md from the CLI.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file is not what the CLI generates")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write it [{OUTPUT.relative_to(ROOT)}]")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = args.output.read_text() if args.output.is_file() else None
        if current != page:
            print(f"{args.output} is out of date; run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(page)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
