"""Architecture rules that import-linter cannot state (its contracts in pyproject.toml, run by
``make lint``, state who may import whom): what an import loads at run time, and who reads the
environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "cad"


CHECKS = sorted(path.parent.name for path in (SRC / "investigations").glob("*/checks.py"))
IO_LIBRARIES = ("boto3", "botocore", "httpx", "lightkube", "pagerduty", "psycopg", "sqlalchemy")


@pytest.mark.parametrize("investigation", CHECKS)
def test_an_investigations_checks_load_no_io_library(investigation: str) -> None:
    # Given a fresh interpreter
    # When it imports only the investigation's pure checks
    module = f"cad.investigations.{investigation}.checks"
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}; print(*sorted(m.split('.')[0] for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    # Then no I/O library came with them
    assert sorted(set(loaded) & set(IO_LIBRARIES)) == []


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "config" / "settings.py":
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text or "getenv(" in text:
            readers.append(str(path.relative_to(SRC)))
    assert readers == []
