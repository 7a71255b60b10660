import pytest

from pgokit_cli.console import Console
from pgokit_cli.errors import CommandFailed
from pgokit_cli.runner import Runner


def test_failed_command_repeats_argv_cwd_and_env(tmp_path):
    runner = Runner(Console(quiet=True))
    with pytest.raises(CommandFailed) as err:
        runner.run(["sh", "-c", "echo boom >&2; exit 3"], cwd=tmp_path, env={"X": "1 2"})
    text = err.value.format_message()
    assert "exit code 3" in text
    assert str(tmp_path) in text
    assert "X='1 2' sh -c" in text
    assert "boom" in text
    assert err.value.returncode == 3


def test_missing_program_is_a_command_failure():
    runner = Runner(Console(quiet=True))
    with pytest.raises(CommandFailed, match="exit code 127"):
        runner.run(["/nonexistent/tool", "--version"])


def test_unchecked_run_returns_output():
    result = Runner(Console(quiet=True)).run(["sh", "-c", "echo out; exit 4"], check=False)
    assert result.returncode == 4 and result.stdout == "out\n"
