"""Expected failures: each is one line saying what is wrong and what to do."""

import shlex

import click


class PgokitError(click.ClickException):
    """A failure the user can fix; printed as one line plus a hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def format_message(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ToolNotFound(PgokitError):
    """A program pgokit needs is not installed."""

    def __init__(self, tool: str, package: str | None = None):
        fix = f"apt-get install {package}" if package else None
        super().__init__(
            f"{tool} not found",
            hint="run 'make setup'" + (f" (or: {fix})" if fix else ""),
        )


class NeedsRoot(PgokitError):
    """A system change needs root; says the exact command to run."""

    def __init__(self, what: str, commands: list[list[str]]):
        lines = " && ".join("sudo " + shlex.join(c) for c in commands)
        super().__init__(f"{what} needs root", hint=f"run: {lines}")


class CommandFailed(PgokitError):
    """A subprocess exited non-zero; repeats how it was run."""

    def __init__(self, argv, returncode, cwd=None, env_changes=None, output=""):
        where = f" (in {cwd})" if cwd else ""
        env = "".join(f"{k}={shlex.quote(v)} " for k, v in (env_changes or {}).items())
        message = f"command failed with exit code {returncode}{where}: {env}{shlex.join(map(str, argv))}"
        tail = "\n".join(output.strip().splitlines()[-20:]) if output else ""
        super().__init__(message + (f"\n{tail}" if tail else ""))
        self.returncode = returncode
