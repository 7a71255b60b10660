"""The CI templates against each other, the CLI and the checkout.

The GitHub workflow (jobs in `needs` order), the GitLab template (jobs in
stage order) and `ci/local-run --dry-run` must run the same `scripts/pgokit`
commands in the same order, for the reference server and for a project of
one's own (generic mode: the project options, passed only when set); every
command and option must exist in the Click CLI, and every path and make
target they call must exist. No builds run. (actionlint is not packaged for
Debian 12, so the workflow structure is checked here.)"""

import functools
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from pgokit_cli.cli import cli
from pgokit_cli.context import ARCHES

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
REUSABLE = WORKFLOWS / "pgokit-reusable.yml"
CALLER = WORKFLOWS / "pgo.yml"
GITLAB = ROOT / "ci" / "gitlab" / "pgokit.gitlab-ci.yml"
LOCAL_RUN = ROOT / "ci" / "local-run"
CI_PATHS = ROOT / "ci" / "paths"

PGOKIT = "scripts/pgokit"
# Variables the CI runners set themselves; every other one a command uses must be defined.
RUNNER_VARIABLES = re.compile(r"^(GITHUB_|RUNNER_|CI_)")
# Paths in the checkout the templates may call; dist/ and build/ are what the stages write.
REPO_PATH = re.compile(r"^(scripts|ci|toolchains|profiles|cmake|tools|docs)/")
# First-party actions the templates use, at the major version they are written for.
PINNED_ACTIONS = {"actions/checkout": "v4", "actions/cache": "v4",
                  "actions/upload-artifact": "v4", "actions/download-artifact": "v4"}
# Contexts that name the runner's paths, which are not the container's in a container job.
HOST_PATHS = re.compile(r"\b(runner\.temp|runner\.workspace|runner\.tool_cache|github\.workspace|github\.action_path)\b")
CONTROL = {"&&", "||", ";", "|", "(", ")", ">", ">>", "<"}
# The GitLab keywords that are not jobs.
GITLAB_KEYWORDS = {"stages", "variables", "include", "default", "workflow", "image", "services",
                   "cache", "before_script", "after_script", "spec"}
# The templates' project options, passed as ${VAR:+--option "$VAR"}: each
# variable, and the ci/local-run option that stands for it.
PROJECT_OPTIONS = {"PGOKIT_SOURCE_DIR": "--source-dir", "PGOKIT_TARGET": "--target"}
# A project to run them with: csvstat, from the checkout's root.
EXAMPLE_PROJECT = {"PGOKIT_SOURCE_DIR": "examples/csvstat", "PGOKIT_TARGET": "csvstat"}
# The scripts/pgokit subcommands that build or check the project, each of which
# must pass the project options (validate reads the files ci/paths names).
PROJECT_COMMANDS = (("pipeline",), ("profile", "check"), ("bench",))
# `scripts/pgokit` subcommands the templates call before the CLI has them: the
# test reports them as expected failures until they exist, and then checks their
# options like any other.
PENDING: set[tuple[str, ...]] = set()


# ---- reading the templates ---------------------------------------------------

@functools.cache
def load(path: Path):
    """A YAML file's content; callers do not change it."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads a bare `on` key as the boolean true.
    return workflow.get("on", workflow.get(True)) or {}


def inputs_of(workflow: dict) -> dict:
    on = triggers(workflow)
    found = {}
    for event in ("workflow_call", "workflow_dispatch"):
        if isinstance(on, dict) and isinstance(on.get(event), dict):
            found.update(on[event].get("inputs") or {})
    return found


def needs_of(job: dict) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def job_order(jobs: dict, needs) -> list[str]:
    """Jobs in dependency order; ties in the order the file lists them."""
    order, done, pending = [], set(), list(jobs)
    while pending:
        ready = [name for name in pending if set(needs(jobs[name])) <= done]
        assert ready, f"the jobs {pending} need each other in a cycle (or a job that does not exist)"
        order.append(ready[0])
        done.add(ready[0])
        pending.remove(ready[0])
    return order


def local_action(uses: str) -> Path:
    return ROOT / uses.removeprefix("./") / "action.yml"


def steps_of(job: dict) -> list[dict]:
    """The job's steps with the steps of local composite actions in their place."""
    steps = []
    for step in job.get("steps", []):
        uses = step.get("uses", "")
        if uses.startswith("./"):
            steps.extend(steps_of(load(local_action(uses))["runs"]))
        else:
            steps.append(step)
    return steps


def gitlab_jobs(template: dict) -> dict[str, dict]:
    """Visible jobs with `extends` resolved, in file order."""
    def merge(base: dict, over: dict) -> dict:
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
                else value
        return out

    def resolve(name: str) -> dict:
        job = template[name]
        extends = job.get("extends", [])
        resolved: dict = {}
        for base in [extends] if isinstance(extends, str) else extends:
            assert base in template, f"{name} extends {base}, which the template does not define"
            resolved = merge(resolved, resolve(base))
        return merge(resolved, {k: v for k, v in job.items() if k != "extends"})

    return {name: resolve(name) for name in template
            if name not in GITLAB_KEYWORDS and not str(name).startswith(".")}


def gitlab_order(template: dict, jobs: dict) -> list[str]:
    stages = template["stages"]
    names = list(jobs)
    return sorted(names, key=lambda n: (stages.index(jobs[n]["stage"]), names.index(n)))


def gitlab_needs(job: dict) -> list[str]:
    return [n if isinstance(n, str) else n["job"] for n in job.get("needs", [])]


# ---- commands ----------------------------------------------------------------

# ${VAR:+words}: the words only when VAR is set and not empty.
OPTIONAL = re.compile(r"\$\{(\w+):\+([^{}]*)\}")
# A word of such a group, marked with its variable until with_options() decides.
MARKED = re.compile(r"\?(\w+)\?(.*)", re.S)


def simple_commands(script: str) -> list[list[str]]:
    """Each simple command of a shell script as words, with `${{ matrix.x }}` /
    `${{ env.X }}` / `${X}` / `$X` turned into the placeholder <X>, and each
    word of a `${VAR:+...}` group marked `?VAR?word` (see with_options)."""
    script = re.sub(r"\$\{\{\s*(?:matrix|env)\.([\w-]+)\s*\}\}", lambda m: "$" + m.group(1).upper(), script)
    script = OPTIONAL.sub(lambda m: " ".join(shlex.quote(f"?{m.group(1)}?{w}") for w in shlex.split(m.group(2))),
                          script)
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in lexer:
            if token in CONTROL:
                commands.append(words)
                words = []
            else:
                words.append(re.sub(r"\$\{?(\w+)\}?", r"<\1>", token))
        commands.append(words)
    return [c for c in commands if c]


def pgokit_only(commands: list[list[str]]) -> list[tuple[str, ...]]:
    return [tuple(c) for c in commands if c[0] == PGOKIT]


def with_options(command, given) -> tuple[str, ...]:
    """The command as the shell runs it when the variables in `given` are set
    and the others empty: the words of each ${VAR:+...} group kept or dropped."""
    out = []
    for word in command:
        m = MARKED.fullmatch(word)
        if m is None:
            out.append(word)
        elif m.group(1) in given:
            out.append(m.group(2))
    return tuple(out)


def optional_groups(command) -> list[tuple[str, str]]:
    """(variable, option) of each ${VAR:+--option "$VAR"} group in a command."""
    marked = [MARKED.fullmatch(w).groups() for w in command if MARKED.fullmatch(w)]
    return [(var, word) for var, word in marked if word.startswith("-")]


def builds_the_project(command) -> bool:
    """A pipeline, profile check or bench command: one that must name the project."""
    return command[0] == PGOKIT and any(tuple(command[1:1 + len(p)]) == p for p in PROJECT_COMMANDS)


def ci_paths(arch: str, project: dict[str, str]) -> dict[str, str]:
    """What ci/paths prints for arch, with the project options in project."""
    return dict(_ci_paths(arch, tuple(sorted(project.items()))))


@functools.cache
def _ci_paths(arch: str, project: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    args = [a for var, value in project for a in (PROJECT_OPTIONS[var], value)]
    proc = subprocess.run([str(CI_PATHS), "--arch", arch, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return tuple(tuple(line.split("=", 1)) for line in proc.stdout.splitlines())


def github_jobs() -> list[list[list[str]]]:
    """Each GitHub job's commands, jobs in `needs` order."""
    workflow = load(REUSABLE)
    jobs = workflow["jobs"]
    return [[c for step in steps_of(jobs[name]) if "run" in step for c in simple_commands(step["run"])]
            for name in job_order(jobs, needs_of)]


def gitlab_job_commands() -> list[list[list[str]]]:
    """Each GitLab job's commands, jobs in stage order."""
    template = load(GITLAB)
    jobs = gitlab_jobs(template)
    return [[c for key in ("before_script", "script", "after_script") for line in jobs[name].get(key, [])
             for c in simple_commands(line)]
            for name in gitlab_order(template, jobs)]


def pgokit_jobs(jobs: list[list[list[str]]]) -> list[list[tuple[str, ...]]]:
    """The pgokit commands of each job that runs any."""
    return [p for p in (pgokit_only(job) for job in jobs) if p]


def template_defaults() -> dict[str, str]:
    """Each variable the workflow sets from an input, with that input's default."""
    workflow = load(REUSABLE)
    inputs = inputs_of(workflow)
    defaults = {}
    for var, value in workflow.get("env", {}).items():
        m = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value))
        if m:
            defaults[var] = str(inputs[m.group(1)]["default"])
    return defaults


def local_run(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """ci/local-run's --dry-run lines (run from the checkout's root), with the
    template variables from env only."""
    base = {k: v for k, v in os.environ.items() if k not in template_defaults()}
    proc = subprocess.run([str(LOCAL_RUN), *args, "--dry-run"], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **(env or {})}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def local_pgokit(arch: str, env: dict[str, str], project: dict[str, str] | None = None) -> list[tuple[str, ...]]:
    """local-run's pgokit commands for --arch arch (with the project options in
    project, given as local-run's options), each variable's value from env or
    project turned back into its placeholder."""
    project = project or {}
    options = [a for var, value in project.items() for a in (PROJECT_OPTIONS[var], value)]
    placeholder = {value: f"<{var}>" for var, value in {**env, **project}.items()}
    return pgokit_only([[placeholder.get(w, w) for w in shlex.split(line)]
                        for line in local_run("--arch", arch, *options, env=env)])


def per_arch(jobs: list[list[tuple[str, ...]]], arches: list[str],
             project: dict[str, str] | None = None) -> list[tuple[str, ...]]:
    """The templates' commands as local-run runs them with the project options
    in project (a variable not in it is empty): each job for every arch in turn
    (CI runs a job per arch), with ci/paths' values for that arch in place of
    <PGO_*>; a job without an arch (the benchmark) once, when x86_64 is among
    them."""
    project = project or {}
    out = []
    for job in jobs:
        job = [with_options(c, project) for c in job]
        if any("<ARCH>" in w for c in job for w in c):
            for a in arches:
                values = {"ARCH": a, **ci_paths(a, project)}
                out += [tuple(re.sub(r"<(ARCH|PGO_\w+)>", lambda m: values[m.group(1)], w) for w in c)
                        for c in job]
        elif "x86_64" in arches:
            out += job
    return out


def side_by_side(a: list, b: list) -> str:
    width = max(len(a), len(b))
    a, b = a + [()] * (width - len(a)), b + [()] * (width - len(b))
    return "\n".join(f"{' '.join(x) or '-':100} | {' '.join(y) or '-'}" for x, y in zip(a, b))


# ---- the templates parse and agree ---------------------------------------------

def test_templates_parse():
    for path in [*WORKFLOWS.glob("*.yml"), GITLAB, *ROOT.glob(".github/actions/*/action.yml")]:
        assert isinstance(load(path), dict), f"{path} is not a YAML mapping"
    assert os.access(LOCAL_RUN, os.X_OK), f"{LOCAL_RUN} is not executable"


def test_github_gitlab_and_local_run_run_the_same_commands_in_the_same_order():
    github, gitlab = pgokit_jobs(github_jobs()), pgokit_jobs(gitlab_job_commands())
    assert len(github) >= 7, f"found only {len(github)} jobs with scripts/pgokit commands in the GitHub workflow"
    flat_github, flat_gitlab = sum(github, []), sum(gitlab, [])
    assert flat_github == flat_gitlab, "GitHub (left) and GitLab (right) differ:\n" \
        + side_by_side(flat_github, flat_gitlab)
    assert github == gitlab, "GitHub and GitLab run the same commands, grouped in other jobs"
    # Values no default has, so each maps back to its variable unambiguously.
    env = {"SCENARIO": "ci-scenario", "DURATION": "4242", "THRESHOLD": "4343"}
    assert set(env) | set(PROJECT_OPTIONS) == set(template_defaults()), \
        "the workflow sets other variables from its inputs"
    # The reference server, then csvstat: with its pgokit.toml's target, and named.
    for project in [{}, {"PGOKIT_SOURCE_DIR": EXAMPLE_PROJECT["PGOKIT_SOURCE_DIR"]}, EXAMPLE_PROJECT]:
        for arch in [*ARCHES, "all"]:
            arches = list(ARCHES) if arch == "all" else [arch]
            expected, local = per_arch(github, arches, project), local_pgokit(arch, env, project)
            assert local == expected, f"ci/local-run --arch {arch} {project} (right) differs from CI (left):\n" \
                + side_by_side(expected, local)


def test_defaults_are_the_same_everywhere():
    defaults = template_defaults()
    gitlab = {k: str(v) for k, v in load(GITLAB)["variables"].items()}
    assert {k: gitlab.get(k) for k in defaults} == defaults, "GitLab's variables differ from GitHub's defaults"
    assert {k: defaults.get(k) for k in PROJECT_OPTIONS} == dict.fromkeys(PROJECT_OPTIONS, ""), \
        "by default the templates build the reference server"
    # Without the variables set, local-run prints the workflow's defaults.
    with_defaults = [[tuple(re.sub(r"<(\w+)>", lambda m: defaults.get(m.group(1), m.group(0)), w) for w in c)
                      for c in job] for job in pgokit_jobs(github_jobs())]
    assert local_pgokit("all", {}) == per_arch(with_defaults, list(ARCHES))


def test_local_run_and_the_templates_pass_the_project_to_every_command_that_builds_it():
    """With --source-dir, every pipeline, profile check and bench command
    local-run prints names the project; in the templates each of those lines
    (and each ci/paths line, which names the files that validate checks)
    passes the source-dir input / PGOKIT_SOURCE_DIR variable, and the target."""
    lines = [shlex.split(line) for line in local_run("--source-dir", "examples/csvstat")]
    building = [c for c in lines if builds_the_project(c)]
    assert len(building) >= 15, f"found only {len(building)} pipeline/profile check/bench commands"
    problems = [" ".join(c) for c in building
                if sum(1 for i in range(1, len(c)) if c[i - 1:i + 1] == ["--source-dir", "examples/csvstat"]) != 1]
    assert not problems, "ci/local-run --source-dir examples/csvstat does not pass it once to:\n" + "\n".join(problems)
    assert all("--target" not in c for c in lines), "--target passed without being given"

    workflow = load(REUSABLE)
    assert workflow["env"].get("PGOKIT_SOURCE_DIR") == "${{ inputs.source-dir }}"
    assert workflow["env"].get("PGOKIT_TARGET") == "${{ inputs.target }}"
    wanted = [("PGOKIT_SOURCE_DIR", "--source-dir"), ("PGOKIT_TARGET", "--target")]
    for name, jobs in [("GitHub", github_jobs()), ("GitLab", gitlab_job_commands())]:
        commands = [c for job in jobs for c in job if c[0] == "ci/paths" or builds_the_project(c)]
        assert len(commands) >= 10, f"{name}: found only {len(commands)} commands"
        problems = [" ".join(c) for c in commands if optional_groups(c) != wanted
                    or with_options(c, PROJECT_OPTIONS)[-4:] != ("--source-dir", "<PGOKIT_SOURCE_DIR>",
                                                                 "--target", "<PGOKIT_TARGET>")]
        assert not problems, f"{name}: these lines do not end in " \
            '${PGOKIT_SOURCE_DIR:+--source-dir "$PGOKIT_SOURCE_DIR"} ${PGOKIT_TARGET:+--target "$PGOKIT_TARGET"}:\n' \
            + "\n".join(problems)


def test_ci_paths_names_the_files_the_pipeline_writes():
    """The reference server's paths are the ones the templates named before
    generic mode; a project's follow its pgokit.toml (docs/adopting.md)."""
    assert ci_paths("x86_64", {}) == {
        "PGO_TARGET": "pgokit-server", "PGO_WORK_DIR": "build/pgo/x86_64", "PGO_PROFILES_DIR": "profiles/x86_64",
        "PGO_DIST_DIR": "dist/x86_64", "PGO_BINARY": "dist/x86_64/pgokit-server",
        "PGO_PROFILE": "profiles/x86_64/pgokit-server.proftext",
        "PGO_MANIFEST": "profiles/x86_64/pgokit-server.manifest.json", "PGO_REPORT": "dist/report/report.md"}
    assert ci_paths("arm64", {"PGOKIT_SOURCE_DIR": "examples/csvstat"}) == {
        "PGO_TARGET": "csvstat", "PGO_WORK_DIR": "build/projects/csvstat/arm64",
        "PGO_PROFILES_DIR": "examples/csvstat/pgo-profiles/arm64", "PGO_DIST_DIR": "dist/arm64",
        "PGO_BINARY": "dist/arm64/csvstat", "PGO_PROFILE": "examples/csvstat/pgo-profiles/arm64/csvstat.proftext",
        "PGO_MANIFEST": "examples/csvstat/pgo-profiles/arm64/csvstat.manifest.json",
        "PGO_REPORT": "dist/report/csvstat/report.md"}
    named = ci_paths("x86_64", {"PGOKIT_SOURCE_DIR": str(ROOT / "examples" / "csvstat"), "PGOKIT_TARGET": "other"})
    assert named["PGO_BINARY"] == "dist/x86_64/other" and named["PGO_WORK_DIR"] == "build/projects/other/x86_64"
    assert named["PGO_PROFILE"] == "examples/csvstat/pgo-profiles/x86_64/other.proftext"


def test_ci_paths_and_local_run_refuse_a_project_they_cannot_use(tmp_path):
    (tmp_path / "CMakeLists.txt").write_text("project(p)\n")  # no pgokit.toml: no target, no training
    for argv, message in [([str(CI_PATHS), "--arch", "x86_64", "--target", "t"], "--source-dir (generic mode)"),
                          ([str(CI_PATHS), "--arch", "x86_64", "--source-dir", str(ROOT / "scripts")],
                           "has no CMakeLists.txt"),
                          ([str(CI_PATHS), "--arch", "x86_64", "--source-dir", str(tmp_path)], "training command"),
                          ([str(LOCAL_RUN), "--dry-run", "--target", "t"], "--target needs --source-dir"),
                          ([str(LOCAL_RUN), "--dry-run", "--source-dir", str(tmp_path / "none")], "is not a folder"),
                          ([str(LOCAL_RUN), "--dry-run", "--source-dir", str(tmp_path)], "training command")]:
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert proc.returncode != 0 and message in proc.stderr, f"{argv}: {proc.returncode} {proc.stderr}"
        assert "scripts/pgokit" not in proc.stdout, f"{argv} printed commands before failing"


def test_local_run_names_a_relative_source_dir_from_where_it_was_started():
    proc = subprocess.run([str(LOCAL_RUN), "--dry-run", "--arch", "x86_64", "--source-dir", "csvstat"],
                          capture_output=True, text=True, cwd=ROOT / "examples", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "scripts/pgokit pipeline --arch x86_64 --scenario mixed --duration 30 --to instrument " \
           "--source-dir examples/csvstat" in proc.stdout.splitlines()


def test_local_run_rejects_an_unknown_arch():
    proc = subprocess.run([str(LOCAL_RUN), "--arch", "riscv64", "--dry-run"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2 and "--arch must be x86_64, arm64 or all" in proc.stderr


# ---- GitHub: structure -----------------------------------------------------------

def expressions(node, key=None):
    """Every expression in a workflow: inside ${{ }}, and whole `if:` values."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from expressions(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from expressions(v, key)
    elif isinstance(node, str):
        yield from re.findall(r"\$\{\{(.*?)\}\}", node, re.S)
        if key == "if" and "${{" not in node:
            yield node


def refs(text: str, context: str) -> set[str]:
    return set(re.findall(rf"\b{context}\.([A-Za-z_][\w-]*)", text))


def matrix_values(value, inputs: dict) -> list:
    m = re.fullmatch(r"\$\{\{\s*fromJSON\(inputs\.([\w-]+)\)\s*\}\}", str(value))
    if m:
        return json.loads(inputs[m.group(1)]["default"])
    assert isinstance(value, list), f"matrix value {value!r} is neither a list nor fromJSON(inputs.X)"
    return value


def check_step(step: dict, where: str, problems: list[str]) -> None:
    if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
        problems.append(f"{where}: a step needs exactly one of run or uses: {step!r}")
        return
    if "run" in step and "with" in step:
        problems.append(f"{where}: `with` on a run step")
    if "uses" in step:
        uses = step["uses"]
        if "shell" in step:
            problems.append(f"{where}: `shell` on a uses step")
        if uses.startswith("./"):
            action = local_action(uses)
            if not action.exists():
                problems.append(f"{where}: {uses} has no {action.relative_to(ROOT)}")
                return
            declared = load(action).get("inputs") or {}
            given = step.get("with") or {}
            problems += [f"{where}: {uses} has no input {k}" for k in given if k not in declared]
            problems += [f"{where}: {uses} needs input {k}" for k, spec in declared.items()
                         if spec.get("required") and k not in given]
        else:
            name, _, ref = uses.partition("@")
            if not ref:
                problems.append(f"{where}: {uses} names no version")
            elif name in PINNED_ACTIONS and ref != PINNED_ACTIONS[name]:
                problems.append(f"{where}: {uses}, expected @{PINNED_ACTIONS[name]}")


def check_workflow(path: Path) -> list[str]:
    workflow = load(path)
    problems = []
    on, jobs = triggers(workflow), workflow.get("jobs")
    if not on:
        problems.append(f"{path.name}: no `on`")
    if not isinstance(jobs, dict) or not jobs:
        return problems + [f"{path.name}: no jobs"]
    inputs = inputs_of(workflow)
    for name, job in jobs.items():
        where = f"{path.name}: job {name}"
        problems += [f"{where} needs {n}, which is not a job" for n in needs_of(job) if n not in jobs]
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for key, value in matrix.items():
            values = matrix_values(value, inputs)
            if not values or len(set(values)) != len(values):
                problems.append(f"{where}: matrix {key} is empty or repeats a value: {values}")
            if key == "arch":
                problems += [f"{where}: matrix arch {v!r} is not one of {list(ARCHES)}" for v in values
                             if v not in ARCHES]
        for expr in expressions(job):
            problems += [f"{where}: inputs.{x} is not an input" for x in refs(expr, "inputs") if x not in inputs]
            problems += [f"{where}: matrix.{x} is not in its matrix" for x in refs(expr, "matrix")
                         if x not in matrix]
            problems += [f"{where}: needs.{x} is not in its needs" for x in refs(expr, "needs")
                         if x not in needs_of(job)]
            if job.get("container") and HOST_PATHS.search(expr):
                problems.append(f"{where}: {expr.strip()} is the runner's path, not the container's")
        if "uses" in job:
            called = ROOT / job["uses"].removeprefix("./")
            if not called.exists():
                problems.append(f"{where}: calls {job['uses']}, which does not exist")
                continue
            declared = inputs_of(load(called))
            given = job.get("with") or {}
            problems += [f"{where}: {called.name} has no input {k}" for k in given if k not in declared]
            problems += [f"{where}: {called.name} needs input {k}" for k, spec in declared.items()
                         if spec.get("required") and k not in given]
            continue
        if job.get("runs-on") != "ubuntu-24.04":
            problems.append(f"{where}: runs-on {job.get('runs-on')!r}, expected ubuntu-24.04")
        container = job.get("container")
        if (container.get("image") if isinstance(container, dict) else container) != "debian:12":
            problems.append(f"{where}: container {container!r}, expected debian:12 (the set-up's target)")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append(f"{where}: no steps")
            continue
        for i, step in enumerate(steps):
            check_step(step, f"{where} step {i + 1}", problems)
    for expr in expressions({k: v for k, v in workflow.items() if k != "jobs"}):
        problems += [f"{path.name}: inputs.{x} is not an input" for x in refs(expr, "inputs") if x not in inputs]
    return problems


def test_github_workflows_are_well_formed():
    paths = sorted(WORKFLOWS.glob("*.yml"))
    assert REUSABLE in paths and CALLER in paths
    assert "workflow_call" in triggers(load(REUSABLE))
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers(load(CALLER)))
    problems = [p for path in paths for p in check_workflow(path)]
    assert not problems, "\n".join(problems)
    job_order(load(REUSABLE)["jobs"], needs_of)  # no cycle


def test_composite_actions_are_well_formed():
    actions = sorted(ROOT.glob(".github/actions/*/action.yml"))
    assert actions
    problems = []
    for path in actions:
        action = load(path)
        where = str(path.relative_to(ROOT))
        if not action.get("description") or action.get("runs", {}).get("using") != "composite":
            problems.append(f"{where}: needs a description and runs.using: composite")
            continue
        declared = action.get("inputs") or {}
        for i, step in enumerate(action["runs"].get("steps", [])):
            check_step(step, f"{where} step {i + 1}", problems)
            if "run" in step and "shell" not in step:
                problems.append(f"{where} step {i + 1}: a composite run step needs `shell`")
        for expr in expressions(action["runs"]):
            problems += [f"{where}: inputs.{x} is not an input" for x in refs(expr, "inputs") if x not in declared]
            if HOST_PATHS.search(expr):
                problems.append(f"{where}: {expr.strip()} is the runner's path, not the container's")
    assert not problems, "\n".join(problems)


def test_each_job_restores_the_state_a_job_it_needs_saved():
    jobs = load(REUSABLE)["jobs"]

    def with_of(job: dict, action: str) -> dict | None:
        return next((s.get("with") or {} for s in job["steps"] if s.get("uses") == action), None)

    saved = {name: (with_of(job, "./.github/actions/pgokit-save") or {}).get("stage") for name, job in jobs.items()}
    for name, job in jobs.items():
        setup = with_of(job, "./.github/actions/pgokit-setup")
        assert setup is not None, f"job {name} does not run pgokit-setup"
        restore = setup.get("restore")
        if restore:
            assert restore in {saved[n] for n in needs_of(job)}, \
                f"job {name} restores {restore!r}, which none of the jobs it needs ({needs_of(job)}) saves"
        elif any(c[0] == PGOKIT for s in steps_of(job) if "run" in s for c in simple_commands(s["run"])):
            assert not needs_of(job), f"job {name} runs pgokit after other jobs but restores no state"


# ---- GitLab: structure -----------------------------------------------------------

def test_gitlab_template_is_well_formed():
    template = load(GITLAB)
    stages, jobs = template["stages"], gitlab_jobs(template)
    assert jobs and all(isinstance(s, str) for s in stages)
    problems = []
    for name, job in jobs.items():
        if job.get("stage") not in stages:
            problems.append(f"{name}: stage {job.get('stage')!r} is not in stages")
            continue
        if job.get("image") != "debian:12":
            problems.append(f"{name}: image {job.get('image')!r}, expected debian:12")
        if not job.get("script"):
            problems.append(f"{name}: no script")
        for need in gitlab_needs(job):
            if need not in jobs:
                problems.append(f"{name} needs {need}, which is not a job")
            elif stages.index(jobs[need]["stage"]) >= stages.index(job["stage"]):
                problems.append(f"{name} needs {need}, which is not in an earlier stage")
        for entry in (job.get("parallel") or {}).get("matrix", []):
            problems += [f"{name}: matrix ARCH {v!r} is not one of {list(ARCHES)}"
                         for v in entry.get("ARCH", []) if v not in ARCHES]
    assert not problems, "\n".join(problems)


def test_caches_have_the_same_keys_on_github_and_gitlab():
    setup = load(ROOT / ".github" / "actions" / "pgokit-setup" / "action.yml")
    github = {}
    for step in setup["runs"]["steps"]:
        if step.get("uses", "").startswith("actions/cache@"):
            files = re.findall(r"'([^']+)'", re.search(r"hashFiles\((.*?)\)", step["with"]["key"]).group(1))
            github[step["with"]["path"]] = sorted(files)
    gitlab = {}
    for cache in load(GITLAB)[".pgokit"]["cache"]:
        gitlab[cache["paths"][0]] = sorted(cache["key"]["files"])
    assert sorted(github.values()) == sorted(gitlab.values()), f"GitHub {github} vs GitLab {gitlab}"
    assert github["build/sysroot"] == ["toolchains/sysroot-aarch64.lock.json", "toolchains/sysroot-aarch64.packages"]
    assert github["/var/cache/apt/archives"] == ["toolchains/host-packages.txt"]
    for files in github.values():
        for f in files:
            assert (ROOT / f).is_file(), f"the cache key hashes {f}, which does not exist"


# ---- what the templates call exists ------------------------------------------------

def all_commands() -> list[list[str]]:
    local = [shlex.split(line) for line in local_run("--arch", "all")]
    return [c for job in github_jobs() + gitlab_job_commands() for c in job] + local


def test_every_path_and_make_target_the_templates_call_exists():
    problems = []
    for command in all_commands():
        for word in command:
            if REPO_PATH.match(word):
                for arch in ARCHES:
                    if not (ROOT / word.replace("<ARCH>", arch)).exists():
                        problems.append(f"{word.replace('<ARCH>', arch)} (in: {' '.join(command)})")
        if command[0] == "make":
            for target in [w for w in command[1:] if not w.startswith("-") and "=" not in w]:
                proc = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True,
                                      timeout=30)
                if proc.returncode != 0:
                    problems.append(f"make target {target}: {proc.stderr.strip()}")
    assert not problems, "missing:\n" + "\n".join(problems)


def test_every_variable_a_pgokit_command_uses_is_defined():
    """Set by the workflow, the job or the step; or by ci/paths (PGO_*): on
    GitHub a step before that appends its output to $GITHUB_ENV, on GitLab a
    line before that exports what an earlier line read from it."""
    resolved = set(ci_paths("x86_64", {}))
    workflow = load(REUSABLE)
    problems = []
    for name, job in workflow["jobs"].items():
        defined = {*workflow.get("env", {}), *job.get("env", {})}
        for step in steps_of(job):
            commands = simple_commands(step.get("run", ""))
            for command in pgokit_only(commands):
                used = {v for w in command for v in re.findall(r"<(\w+)>", w)}
                problems += [f"GitHub job {name}: ${v} is not set" for v in used
                             if v not in defined | set(step.get("env", {})) and not RUNNER_VARIABLES.match(v)]
            if any(c[0] == "ci/paths" for c in commands) and '>> "$GITHUB_ENV"' in step["run"]:
                defined |= resolved
    template = load(GITLAB)
    for name, job in gitlab_jobs(template).items():
        defined = {*template.get("variables", {}), *job.get("variables", {}),
                   *(k for entry in (job.get("parallel") or {}).get("matrix", []) for k in entry)}
        listed = False
        for line in job.get("script", []):
            commands = simple_commands(line)
            for command in pgokit_only(commands):
                used = {v for w in command for v in re.findall(r"<(\w+)>", w)}
                problems += [f"GitLab job {name}: ${v} is not set" for v in used
                             if v not in defined and not RUNNER_VARIABLES.match(v)]
            if listed and 'export "$name=$value"' in line:
                defined |= resolved
            listed = listed or any(c[0] == "ci/paths" for c in commands)
    assert not problems, "\n".join(problems)


def check_cli(argv: list[str]) -> tuple[list[str], tuple[str, ...] | None]:
    """Problems with one `scripts/pgokit ...` argv (values concrete), and the
    subcommand path if it names a PENDING subcommand the CLI does not have yet."""
    command, path, given, positional, problems = cli, [], set(), 0, []
    words = iter(argv)
    for word in words:
        if word.startswith("-"):
            name, eq, value = word.partition("=")
            param = next((p for p in command.params if isinstance(p, click.Option)
                          and name in p.opts + p.secondary_opts), None)
            if param is None:
                problems.append(f"pgokit {' '.join(path)} has no option {name}")
                continue
            given.add(param.name)
            if not param.is_flag and not param.count:
                value = value if eq else next(words, None)
                try:
                    param.type.convert(value, param, None)
                except click.BadParameter as exc:
                    problems.append(f"pgokit {' '.join(path)} {name} {value}: {exc.message}")
        elif isinstance(command, click.Group):
            sub = command.commands.get(word)
            if sub is None:
                if (*path, word) in PENDING:
                    return problems, (*path, word)
                problems.append(f"pgokit {' '.join(path)} has no subcommand {word}")
                return problems, None
            command, path, given, positional = sub, [*path, word], set(), 0
        else:
            positional += 1
    if isinstance(command, click.Group):
        problems.append(f"pgokit {' '.join(path)} names no subcommand")
    else:
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        if positional != sum(max(p.nargs, 0) for p in arguments) and not any(p.nargs < 0 for p in arguments):
            problems.append(f"pgokit {' '.join(path)}: {positional} arguments, expects {len(arguments)}")
        problems += [f"pgokit {' '.join(path)}: missing required {p.opts[0]}" for p in command.params
                     if isinstance(p, click.Option) and p.required and p.name not in given]
    return problems, None


def test_every_pgokit_command_and_option_exists_in_the_cli(monkeypatch):
    """For the reference server and for csvstat: the inputs' defaults, or the
    project options set, and the files ci/paths names for each."""
    monkeypatch.chdir(ROOT)  # the commands' relative paths are the checkout's
    defaults = template_defaults()
    commands = {c for job in pgokit_jobs(github_jobs()) for c in job}
    problems, pending = [], set()
    for command in sorted(commands):
        for project in [{}, EXAMPLE_PROJECT]:
            for arch in ARCHES:
                values = {**defaults, **project, **ci_paths(arch, project), "ARCH": arch}
                concrete = [re.sub(r"<(\w+)>", lambda m: values.get(m.group(1), m.group(0)), w)
                            for w in with_options(command, project)[1:]]
                unknown = [w for w in concrete if re.search(r"<\w+>", w)]
                if unknown:
                    problems.append(f"{' '.join(command)}: {unknown} has no default value")
                    continue
                found, missing = check_cli(concrete)
                problems += [f"{p} (in: {' '.join(command)})" for p in found]
                if missing:
                    pending.add(" ".join(missing))
    assert not problems, "\n".join(sorted(set(problems)))
    if pending:
        pytest.xfail(f"the templates call `pgokit {', '.join(sorted(pending))}`, which the CLI does not have yet")


# ---- what the templates rely on ----------------------------------------------------

def test_a_stage_record_restored_from_a_state_tar_is_up_to_date(tmp_path):
    """CI jobs pass stage state as a tar of build/pgo/ARCH (pgokit-save); the next
    job's pipeline must find the earlier stages up to date, whatever the mtimes."""
    from pgokit_cli.stages import StageCache

    work = tmp_path / "build" / "pgo" / "x86_64"
    binary = work / "build-instrumented" / "app" / "pgokit-server"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\x7fELF instrumented")
    binary.chmod(0o755)
    (work / "raw" / "mixed").mkdir(parents=True)
    StageCache(work / "stages").store("instrument", "k1", [binary], {})
    StageCache(work / "stages").store("train", "k2", [work / "raw" / "mixed"], {})
    subprocess.run(["tar", "-cf", "state.tar", "build/pgo/x86_64"], cwd=tmp_path, check=True)
    subprocess.run(["rm", "-rf", "build"], cwd=tmp_path, check=True)
    subprocess.run(["tar", "-xf", "state.tar"], cwd=tmp_path, check=True)
    os.utime(binary, (1, 1))
    cache = StageCache(work / "stages")
    assert cache.lookup("instrument", "k1") and cache.lookup("train", "k2")
    assert os.access(binary, os.X_OK), "the next stage runs this binary"
    binary.write_bytes(b"\x7fELF other")
    assert cache.lookup("instrument", "k1") is None
