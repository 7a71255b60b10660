"""What pgokit prints: steps, details, warnings; colour on a terminal only."""

import sys
import time
from contextlib import contextmanager

import click


class Console:
    """Prints progress to stderr so stdout stays free for --json output."""

    def __init__(self, verbose: bool = False, quiet: bool = False):
        self.verbose = verbose
        self.quiet = quiet
        self._depth = 0

    def _emit(self, text: str, **style) -> None:
        indent = "  " * self._depth
        click.secho(indent + text, err=True, color=None if sys.stderr.isatty() else False, **style)

    def step(self, text: str) -> None:
        """A unit of work that is starting."""
        if not self.quiet:
            self._emit(f"==> {text}", bold=True)

    def info(self, text: str) -> None:
        """A result worth seeing by default."""
        if not self.quiet:
            self._emit(text)

    def detail(self, text: str) -> None:
        """Shown only with --verbose (exact commands, paths)."""
        if self.verbose:
            self._emit(text, dim=True)

    def ok(self, text: str) -> None:
        if not self.quiet:
            self._emit(text, fg="green")

    @property
    def interactive(self) -> bool:
        return sys.stderr.isatty()

    def progress(self, text: str) -> None:
        """A status line rewritten in place (terminals only)."""
        if self.interactive and not self.quiet:
            sys.stderr.write("\r\033[K" + "  " * self._depth + text)
            sys.stderr.flush()

    def progress_done(self) -> None:
        if self.interactive and not self.quiet:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def warn(self, text: str) -> None:
        """Always shown: something the user should know."""
        self._emit(f"warning: {text}", fg="yellow")

    @contextmanager
    def section(self, title: str):
        """A nested, timed section."""
        self.step(title)
        self._depth += 1
        start = time.monotonic()
        try:
            yield
        finally:
            self._depth -= 1
            self.detail(f"({title}: {time.monotonic() - start:.1f}s)")
