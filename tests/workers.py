"""``cadctl worker`` subprocesses for the tests and the benchmarks: their environment, their
start, and waiting until they have joined the queue."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text

__all__ = ["CADCTL", "start_worker", "wait_for_workers", "worker_environment"]

CADCTL = str(Path(sys.executable).with_name("cadctl"))


def worker_environment(
    inherited: Mapping[str, str],
    database_url: str,
    base: Mapping[str, str] | None = None,
    **settings: str,
) -> dict[str, str]:
    """``inherited`` (the caller's environment: only the settings module reads it in CAD)
    without its ``CAD_`` variables, then ``base`` (a sandbox's ``environment()``, say), the
    database, and ``settings`` (``CAD_`` names)."""
    env = {k: v for k, v in inherited.items() if not k.startswith("CAD_")}
    env.update(base or {})
    env["CAD_DATABASE_URL"] = database_url
    env.update(settings)
    return env


def start_worker(
    env: dict[str, str], *, concurrency: int, output: IO[bytes] | int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """A ``cadctl worker --concurrency N`` process, its output (stdout and stderr) to
    ``output``."""
    return subprocess.Popen(  # our own CLI, fixed arguments
        [CADCTL, "worker", "--concurrency", str(concurrency)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def wait_for_workers(database_url: str, count: int, timeout_s: float = 60.0) -> None:
    """Return once ``count`` workers have registered with the queue; raise after
    ``timeout_s``."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                found = conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar()
            if found == count:
                return
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise TimeoutError(f"{count} worker(s) did not register within {timeout_s:.0f} s")
