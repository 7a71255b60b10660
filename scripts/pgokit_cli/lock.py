"""One pipeline run per build tree at a time.

The lock is an flock on <build tree>/.lock, held for the whole run. The kernel
releases it when the process ends, however it ends, so a crashed run leaves
nothing to clean up. The file also says who holds it (pid, start time,
command), for the message the next run prints while it waits."""

import datetime
import fcntl
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from pgokit_cli.console import Console
from pgokit_cli.errors import PgokitError

LOCK_NAME = ".lock"


class BuildTreeBusy(PgokitError):
    """Another run holds the build tree, and this one was told not to wait."""

    # sysexits' EX_TEMPFAIL: nothing is wrong, try again later (CI can retry on it).
    exit_code = 75


def holder(directory: Path) -> dict:
    """What the lock file says about the run holding it ({} if nothing yet)."""
    try:
        return json.loads((directory / LOCK_NAME).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict) -> str:
    if not info.get("pid"):
        return "a run that is just starting"
    return f"pid {info['pid']}, started {info.get('started', 'at an unknown time')}"


@contextmanager
def hold(directory: Path, *, wait: bool = True, console: Console | None = None):
    """Holds directory's lock for the block; waits for another holder, or with
    wait=False raises BuildTreeBusy at once."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    # Python opens it non-inheritable, so the programs a run starts (the
    # training server) never keep the lock alive after the run.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = describe(holder(directory))
            if not wait:
                raise BuildTreeBusy(f"another pipeline run is using {directory} ({who})",
                                    hint="wait for it to finish, or run without --no-wait to queue behind it")
            if console:
                console.info(f"waiting for the pipeline run in {directory} ({who})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        started = datetime.datetime.now().astimezone().replace(microsecond=0).isoformat(sep=" ")
        record = {"pid": os.getpid(), "started": started, "command": " ".join(sys.argv)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        try:
            yield
        finally:
            # Whoever reads the file next sees no stale holder.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
