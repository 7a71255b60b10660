"""The one place subprocesses are started: argument lists, logged exactly,
repeated in the error when they fail."""

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.errors import CommandFailed


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class Runner:
    def __init__(self, console: Console):
        self.console = console

    def run(
        self,
        argv: list,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        capture: bool = True,
        check: bool = True,
    ) -> Result:
        """Runs argv; raises CommandFailed on a non-zero exit when check is set."""
        argv = [str(a) for a in argv]
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
        self.console.detail(f"$ {prefix}{shlex.join(argv)}" + (f"   (in {cwd})" if cwd else ""))
        full_env = {**os.environ, **env} if env else None
        try:
            proc = subprocess.run(
                argv,
                cwd=cwd,
                env=full_env,
                text=True,
                stdout=subprocess.PIPE if capture else None,
                stderr=subprocess.PIPE if capture else None,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            raise CommandFailed(argv, 127, cwd, env, output=str(exc)) from exc
        result = Result(proc.returncode, proc.stdout or "", proc.stderr or "")
        if check and proc.returncode != 0:
            raise CommandFailed(argv, proc.returncode, cwd, env, output=result.stderr or result.stdout)
        return result
