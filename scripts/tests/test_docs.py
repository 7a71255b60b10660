"""The docs against the code they describe, so that they cannot drift.

- docs/cli-reference.md must be what scripts/gen-cli-docs generates from the
  Click command tree today.
- Every command in a fenced `sh` block of README.md, docs/*.md and
  examples/*/README.md that starts with scripts/pgokit, make, cmake, ctest or
  ci/local-run must name things that exist: `scripts/pgokit` argv is parsed
  by the real Click commands with `make_context` (unknown commands, options
  and choices, missing required options and missing input files fail), make
  targets must be Makefile targets, presets must be in CMakePresets.json,
  ci/local-run's arguments must pass its parser (`--dry-run`), and paths in
  the checkout must exist (build/ and dist/ are what the commands make).
- Commands in a block preceded by `<!-- docs-test: run -->` are run from the
  checkout's root and must exit 0. Only cheap commands are marked so.

Heavy commands (`make pgo-ARCH`, `make test`, pipeline runs, builds) are
parsed here, not run: the end-to-end ctest `pipeline.e2e` (label `pipeline`,
tests/pipeline_e2e.py) runs the real pipeline.

Documented features that the CLI (or the checkout) does not have yet are
listed in PENDING_*: the commands that use them are reported as expected
failures, naming the feature and the pages, and every other check on those
pages still applies. Once a feature exists, test_pending_features_are_still_missing
fails until its entry is removed, so nothing stays excused by accident.
"""

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import click
import pytest

from pgokit_cli.cli import cli
from pgokit_cli.context import ARCHES

import cli_docs

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").glob("*/README.md")])
RUN_MARKER = "<!-- docs-test: run -->"
SHELL_LANGUAGES = {"sh", "shell", "bash"}
CHECKED = ("scripts/pgokit", "make", "cmake", "ctest", "ci/local-run")
# Example values of the shell variables the docs use; $ARCH takes each arch in turn.
VARIABLES = {"PWD": str(ROOT), "PGOKIT": str(ROOT), "SCENARIO": "mixed", "DURATION": "30", "THRESHOLD": "10"}
# What the commands create; a documented path there need not exist in the checkout.
OUTPUT_DIRS = ("build", "dist")
RUN_TIMEOUT = 120

# Subcommands the docs describe before the CLI has them: "pgokit <path>" -> what it is.
PENDING_COMMANDS: dict[str, str] = {}
# Options the docs describe before the CLI has them: "pgokit <path> --option" -> values it takes.
PENDING_OPTIONS: dict[str, int] = {}
# Files in the checkout the docs name before they are committed: path -> what makes them.
PENDING_PATHS: dict[str, str] = {}


# ---- the generated CLI reference ---------------------------------------------------

def test_cli_reference_is_current():
    """docs/cli-reference.md is what the CLI generates now."""
    generated = cli_docs.render(cli)
    committed = cli_docs.OUTPUT.read_text() if cli_docs.OUTPUT.is_file() else ""
    if committed != generated:
        import difflib
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), generated.splitlines(True),
                                                 "docs/cli-reference.md", "generated", n=1))[:60])
        pytest.fail(f"docs/cli-reference.md is out of date with the CLI; run scripts/gen-cli-docs\n{diff}")


def test_cli_reference_covers_every_command_and_option():
    page = cli_docs.render(cli)
    for ctx in cli_docs.command_tree(cli):
        assert f"## {ctx.command_path}\n" in page
        for param in ctx.command.get_params(ctx):
            if isinstance(param, click.Option) and param.name != "help":
                assert f"`{param.opts[0]}`" in page.split(f"## {ctx.command_path}\n", 1)[1], \
                    f"{ctx.command_path} {param.opts[0]}"


# ---- reading the pages ---------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    page: str  # relative to the checkout
    line: int
    source: str  # as written (continuations joined)
    words: tuple[str, ...]  # one simple command, variables unexpanded
    run: bool

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_CONTROL = {"&&", "||", ";", "|", "&", "(", ")", ";;"}
_REDIRECT = re.compile(r"^(>|>>|<|>&|<&|&>|>\|)$")


def shell_blocks(path: Path) -> list[tuple[int, list[str], bool]]:
    """(first line number, lines, marked to run) of each fenced shell block."""
    blocks, lines = [], path.read_text().splitlines()
    i, previous = 0, ""
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        language = (m["info"].split() or [""])[0].lower()
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence[0] * len(fence)):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j].lstrip())
            j += 1
        if language in SHELL_LANGUAGES:
            blocks.append((i + 2, body, previous == RUN_MARKER))
        previous = ""
        i = j + 1
    return blocks


def simple_commands(text: str) -> list[list[str]]:
    """The simple commands of one shell line: split at && || ; | &, with
    comments, redirections and leading VAR=value assignments removed."""
    # A file descriptor written against its redirection (2>&1) is part of it.
    lexer = shlex.shlex(re.sub(r"(^|\s)\d+(?=[<>])", r"\1", text), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    commands, current, skip = [], [], False
    for token in tokens:
        if skip:
            skip = False
            continue
        if token in _CONTROL:
            commands.append(current)
            current = []
        elif _REDIRECT.match(token):
            skip = True
        else:
            current.append(token)
    commands.append(current)
    out = []
    for words in commands:
        while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
            words = words[1:]
        if words:
            out.append(words)
    return out


@cache
def documented_commands() -> tuple[Command, ...]:
    found = []
    for path in PAGES:
        page = str(path.relative_to(ROOT))
        for first, body, run in shell_blocks(path):
            logical, start = "", None
            for n, line in enumerate(body, first):
                start = n if not logical else start
                if line.rstrip().endswith("\\"):
                    logical += line.rstrip()[:-1] + " "
                    continue
                logical += line
                if logical.strip():
                    for words in simple_commands(logical):
                        found.append(Command(page, start, logical.strip(), tuple(words), run))
                logical = ""
    return tuple(found)


def expansions(words: tuple[str, ...]) -> tuple[list[list[str]], list[str]]:
    """The command with its variables given example values (once per arch if
    it uses $ARCH), and the variables that have no example value."""
    used = {m.group(1) for w in words for m in re.finditer(r"\$\{?(\w+)\}?", w)}
    unknown = sorted(used - set(VARIABLES) - {"ARCH"})
    variants = []
    for arch in (ARCHES if "ARCH" in used else [None]):
        values = {**VARIABLES, **({"ARCH": arch} if arch else {})}
        variants.append([re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), w) for w in words])
    return variants, unknown


def program(words: list[str]) -> str | None:
    """Which checked program a command runs, as CHECKED names it."""
    first = words[0]
    if first.startswith(str(ROOT) + "/"):
        first = first[len(str(ROOT)) + 1:]
    first = first.removeprefix("./")
    return first if first in CHECKED else None


# ---- the checks per program ------------------------------------------------------------

def repo_path(word: str) -> str | None:
    """The checkout-relative path a word (or the value after its '=') names,
    if it names one: commands run from the checkout's root, so a relative
    path with a slash is a path in the checkout."""
    for candidate in (word, word.partition("=")[2]):
        if not candidate or " " in candidate or "://" in candidate or candidate.startswith(("-", "{")):
            continue  # a command string, a URL, an option, a placeholder
        if candidate.startswith(str(ROOT) + "/"):
            return candidate[len(str(ROOT)) + 1:].rstrip("/")
        if not candidate.startswith(("/", "~", "$")) and "/" in candidate:
            return candidate.removeprefix("./").rstrip("/")
    return None


def check_paths(words: list[str]) -> tuple[list[str], list[str]]:
    problems, pending = [], []
    for word in words[1:]:
        path = repo_path(word)
        if not path or path.split("/", 1)[0] in OUTPUT_DIRS or (ROOT / path).exists():
            continue
        if path in PENDING_PATHS:
            pending.append(f"{path} ({PENDING_PATHS[path]})")
        else:
            problems.append(f"{path} does not exist")
    return problems, pending


def placeholder(param: click.Parameter, scratch: Path) -> str:
    """An existing path of the kind a Path parameter accepts."""
    if param.type.file_okay:
        path = scratch / "placeholder.proftext"
        path.touch()
        return str(path)
    return str(scratch)


def is_output(value: str) -> bool:
    """A path the documented commands create before using it (build/, dist/, or outside the checkout)."""
    path = Path(value) if Path(value).is_absolute() else ROOT / value
    try:
        relative = path.resolve().relative_to(ROOT)
    except ValueError:
        return True
    return relative.parts[:1] in [(d,) for d in OUTPUT_DIRS]


def parse_pgokit(args: list[str]) -> tuple[str | None, list[str]]:
    """Click's verdict on `pgokit ARGS` (None if it parses), and the pending
    features it uses. Pending options are dropped and the rest parsed again;
    an input that an earlier documented command creates is stood in for."""
    args, pending = list(args), []
    with tempfile.TemporaryDirectory(prefix="pgokit-docs-") as scratch, contextlib.chdir(ROOT), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for _ in range(len(args) + 1):
            try:
                ctx = cli.make_context("pgokit", list(args), resilient_parsing=False)
                while isinstance(ctx.command, click.Group):
                    rest = [*ctx.protected_args, *ctx.args]
                    if not rest:
                        return f"{ctx.command_path} names no subcommand", pending
                    name = ctx.command_path + " " + rest[0]
                    if ctx.command.get_command(ctx, rest[0]) is None and name in PENDING_COMMANDS:
                        return None, [*pending, f"`{name}` ({PENDING_COMMANDS[name]})"]
                    sub_name, sub, rest = ctx.command.resolve_command(ctx, rest)
                    ctx = sub.make_context(sub_name, rest, parent=ctx)
                return None, pending
            except click.exceptions.Exit as exc:
                return (None if exc.exit_code == 0 else f"exits with {exc.exit_code}"), pending
            except click.NoSuchOption as exc:
                name = f"{exc.ctx.command_path} {exc.option_name}" if exc.ctx else exc.option_name
                if name not in PENDING_OPTIONS:
                    return exc.format_message(), pending
                pending.append(f"`{name}`")
                at = next(i for i, a in enumerate(args) if a == exc.option_name or a.startswith(exc.option_name + "="))
                del args[at:at + 1 + (0 if "=" in args[at] else PENDING_OPTIONS[name])]
            except click.BadParameter as exc:
                missing = re.search(r"'([^']*)' does not exist", exc.format_message())
                if not (missing and exc.param is not None and isinstance(exc.param.type, click.Path)
                        and is_output(missing[1])):
                    return f"{exc.ctx.command_path if exc.ctx else 'pgokit'}: {exc.format_message()}", pending
                args = [placeholder(exc.param, Path(scratch)) if a == missing[1] else a for a in args]
            except click.ClickException as exc:
                where = exc.ctx.command_path if getattr(exc, "ctx", None) else "pgokit"
                return f"{where}: {exc.format_message()}", pending
    return "parsing did not settle", pending


@cache
def presets() -> dict[str, set[str]]:
    """Preset names by kind, from CMakePresets.json and the files it includes."""
    kinds: dict[str, set[str]] = {}

    def load(path: Path) -> None:
        data = json.loads(path.read_text())
        for kind in ("configurePresets", "buildPresets", "testPresets", "packagePresets", "workflowPresets"):
            kinds.setdefault(kind, set()).update(p["name"] for p in data.get(kind, []))
        for included in data.get("include", []):
            load(path.parent / included)

    load(ROOT / "CMakePresets.json")
    return kinds


def check_cmake(words: list[str]) -> list[str]:
    if "--preset" not in words and not any(w.startswith("--preset=") for w in words):
        return []
    at = next(i for i, w in enumerate(words) if w == "--preset" or w.startswith("--preset="))
    name = words[at].partition("=")[2] or (words[at + 1] if at + 1 < len(words) else "")
    if words[0] == "ctest":
        kind = "testPresets"
    elif "--build" in words:
        kind = "buildPresets"
    elif "--workflow" in words:
        kind = "workflowPresets"
    else:
        kind = "configurePresets"
    return [] if name in presets()[kind] else [f"no {kind[:-1]} named {name!r} in CMakePresets.json"]


@cache
def make_target_ok(target: str) -> str | None:
    proc = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, timeout=60)
    return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["make failed"])[-1]


def check_make(words: list[str]) -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    problems = []
    for word in words[1:]:
        if word.startswith("-"):
            continue
        name, eq, _ = word.partition("=")
        if eq:
            if not re.search(rf"\$[({{]{re.escape(name)}[)}}]", makefile):
                problems.append(f"the Makefile does not use {name}")
        else:
            error = make_target_ok(word)
            if error:
                problems.append(f"make {word}: {error}")
    return problems


def check_local_run(words: list[str]) -> list[str]:
    argv = [str(ROOT / "ci" / "local-run"), *words[1:]]
    if "--dry-run" not in argv:
        argv.append("--dry-run")
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **{k: v for k, v in VARIABLES.items() if k not in ("PWD",)}})
    return [] if proc.returncode == 0 else [f"ci/local-run --dry-run exits {proc.returncode}: "
                                            + (proc.stderr.strip().splitlines() or [""])[-1]]


def check(command: Command) -> tuple[list[str], list[str]]:
    """Problems with one documented command, and the pending features it uses."""
    variants, unknown = expansions(command.words)
    if unknown:
        return [f"uses ${', $'.join(unknown)}, which has no example value (add it to VARIABLES in "
                "scripts/tests/test_docs.py)"], []
    problems, pending = [], []
    for words in variants:
        which = program(words)
        if which is None:
            continue
        found, waiting = check_paths(words)
        problems += found
        pending += waiting
        if which == "scripts/pgokit":
            error, waiting = parse_pgokit(words[1:])
            pending += waiting
            if error:
                problems.append(error)
        elif which == "make":
            problems += check_make(words)
        elif which in ("cmake", "ctest"):
            problems += check_cmake(words)
        elif which == "ci/local-run":
            problems += check_local_run(words)
    return sorted(set(problems)), sorted(set(pending))


# ---- the tests ----------------------------------------------------------------------------

def test_the_pages_have_checked_commands():
    """The extraction works: a page we know holds commands yields them."""
    pages = {c.page for c in documented_commands() if program(list(c.words))}
    assert {"README.md", "docs/adopting.md", "docs/profiles.md", "examples/csvstat/README.md"} <= pages
    assert any(c.run for c in documented_commands())


@pytest.mark.parametrize("page", [str(p.relative_to(ROOT)) for p in PAGES])
def test_documented_commands_exist(page):
    problems, pending = [], {}
    for command in documented_commands():
        if command.page != page:
            continue
        found, waiting = check(command)
        problems += [f"{command.where}: {p}\n    {command.source}" for p in found]
        for feature in waiting:
            pending.setdefault(feature, []).append(command.where)
    assert not problems, "documented commands that do not match the checkout:\n" + "\n".join(problems)
    if pending:
        pytest.xfail("documented, not in the checkout yet: "
                     + "; ".join(f"{feature} at {', '.join(where)}" for feature, where in sorted(pending.items())))


def test_pending_features_are_still_missing():
    """An entry in PENDING_* is an excuse; once the feature exists it must go."""
    landed = []
    for name in PENDING_COMMANDS:
        group: click.Command = cli
        for word in name.split()[1:]:
            group = group.get_command(click.Context(group), word) if isinstance(group, click.Group) else None
            if group is None:
                break
        if group is not None:
            landed.append(f"PENDING_COMMANDS[{name!r}]")
    for name in PENDING_OPTIONS:
        *path, option = name.split()
        command: click.Command | None = cli
        for word in path[1:]:
            command = command.get_command(click.Context(command), word) if isinstance(command, click.Group) else None
        if command is not None and any(option in p.opts for p in command.params if isinstance(p, click.Option)):
            landed.append(f"PENDING_OPTIONS[{name!r}]")
    landed += [f"PENDING_PATHS[{p!r}]" for p in PENDING_PATHS if (ROOT / p).exists()]
    assert not landed, ("these exist now; remove them from scripts/tests/test_docs.py so the docs "
                        "that use them are checked in full: " + ", ".join(landed))


def runnable() -> list[Command]:
    return [c for c in documented_commands() if c.run]


@pytest.mark.parametrize("command", runnable(), ids=lambda c: f"{c.where}:{' '.join(c.words[:3])}")
def test_runnable_commands_exit_zero(command):
    """Commands marked `<!-- docs-test: run -->` run as a reader would run them."""
    env = {**os.environ, **{k: v for k, v in VARIABLES.items() if k != "PWD"}, "ARCH": next(iter(ARCHES))}
    proc = subprocess.run(["sh", "-c", shlex.join(command.words)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (f"{command.where}: `{command.source}` exited {proc.returncode}\n"
                                  f"{(proc.stdout + proc.stderr)[-2000:]}")


# ---- the checks themselves --------------------------------------------------------------

def test_shell_lines_split_into_simple_commands():
    assert simple_commands("A=1 B=2 make pgo-arm64 PGO_FLAGS='--duration 60'  # comment") == \
        [["make", "pgo-arm64", "PGO_FLAGS=--duration 60"]]
    assert simple_commands("cmake --preset x && cmake --build --preset x 2>&1 | tee log") == \
        [["cmake", "--preset", "x"], ["cmake", "--build", "--preset", "x"], ["tee", "log"]]
    assert simple_commands("build/x/csvstat --rows 1 > /dev/null") == [["build/x/csvstat", "--rows", "1"]]


def test_the_checks_catch_what_they_are_for():
    def problems(text: str) -> list[str]:
        return [p for words in simple_commands(text)
                for p in check(Command("t.md", 1, text, tuple(words), False))[0]]

    assert problems("scripts/pgokit pipeline --arch x86_64 --source-dir examples/csvstat") == []
    assert any("No such option" in p for p in problems("scripts/pgokit pipeline --arch x86_64 --fast"))
    assert any("sparc" in p for p in problems("scripts/pgokit pipeline --arch sparc"))
    assert any("Missing option" in p for p in problems("scripts/pgokit pipeline --to merge"))
    assert any("No such command" in p for p in problems("scripts/pgokit frobnicate"))
    assert any("does not exist" in p for p in problems("scripts/pgokit profile show profiles/x86_64/nothing.proftext"))
    assert problems("scripts/pgokit profile show build/new.proftext") == [], "an output made by an earlier step"
    assert any("nothing" in p for p in problems("cmake -S examples/nothing -B build/x"))
    assert any("configurePreset" in p for p in problems("cmake --preset sparc-release"))
    assert any("buildPreset" in p for p in problems("cmake --build --preset sparc-release"))
    assert any("testPreset" in p for p in problems("ctest --preset sparc-release"))
    assert any("no-such-target" in p for p in problems("make no-such-target"))
    assert any("NO_SUCH_VARIABLE" in p for p in problems("make pgo-arm64 NO_SUCH_VARIABLE=1"))
    assert any("local-run" in p for p in problems("ci/local-run --arch sparc"))
    assert any("$NOPE" in p for p in problems("scripts/pgokit pipeline --arch $NOPE"))
    assert problems("$PGOKIT/scripts/pgokit pipeline --arch $ARCH --to merge") == []
    assert any("exampels" in p for p in problems("scripts/pgokit pipeline --arch x86_64 --source-dir exampels/csvstat"))


def test_pending_features_are_reported_not_hidden(monkeypatch):
    monkeypatch.setitem(PENDING_COMMANDS, "pgokit frobnicate", "a future command")
    monkeypatch.setitem(PENDING_OPTIONS, "pgokit pipeline --turbo", 1)
    assert parse_pgokit(["frobnicate", "--fast"]) == (None, ["`pgokit frobnicate` (a future command)"])
    assert parse_pgokit(["pipeline", "--arch", "x86_64", "--turbo", "9"]) == (None, ["`pgokit pipeline --turbo`"])
    assert parse_pgokit(["pipeline", "--arch", "x86_64", "--turbo=9"]) == (None, ["`pgokit pipeline --turbo`"])
    error, pending = parse_pgokit(["pipeline", "--turbo", "9", "--arch", "sparc"])
    assert "sparc" in error, "the rest of the command is still checked"
    assert pending == ["`pgokit pipeline --turbo`"]
