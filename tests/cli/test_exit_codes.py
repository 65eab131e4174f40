"""The exit codes docs/cli.md lists that no other test shows: one line on stderr, no
traceback, the documented code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.serving import free_port, production_env
from tests.cli.test_cadctl import CLEAN_ENV, cadctl


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["demo", "no-such-scenario"], 2, "unknown scenario(s): no-such-scenario"),
        (["sandbox", "trigger", "x", "--url", "http://127.0.0.1:{port}"], 1, "cannot reach"),
        (["serve", "--workers", "0"], 2, "--workers 0 needs PostgreSQL"),
        (["serve", "--port", "0"], 2, "--port"),
        (["actions", "--no-such-option"], 2, "No such option"),
    ],
    ids=["demo-unknown", "trigger-unreachable", "receiver-only-on-sqlite", "port", "option"],
)
def test_each_documented_exit_code_comes_with_one_clear_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    port = free_port()  # nothing listens there
    argv = [arg.format(port=port) for arg in args]
    env = production_env(tmp_path) if argv[0] == "serve" else CLEAN_ENV
    done = cadctl(*argv, env=env)
    assert done.returncode == code, done.stderr
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_help_and_version_exit_0() -> None:
    assert cadctl("--help").returncode == 0
    assert cadctl("--version").returncode == 0
