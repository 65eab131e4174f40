"""The suite's own rules: one shared sandbox, the slow test marked but never skipped, and the
test helpers that need a server or a subprocess live with the tests, not in the package."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

from tests.service import test_scale_out

ROOT = Path(__file__).resolve().parents[2]
# Who may start simulators of their own, and why.
OWN_SANDBOX = {
    "tests/conftest.py": "the suite's one sandbox",
    "tests/clients/test_sandbox.py": "tests a sandbox's own start, close and moto isolation",
    "tests/service/test_scale_out.py": "minutes of random faults and killed worker processes",
}


def test_every_test_takes_the_one_sandbox_of_the_suite() -> None:
    # Given every test module
    starting = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path != Path(__file__).resolve() and "Sandbox()" in path.read_text()
    }
    # Then only the suite's conftest (and the named exceptions) start simulators
    assert starting <= set(OWN_SANDBOX), starting - set(OWN_SANDBOX)


def test_the_slow_marker_is_registered_and_make_test_still_runs_it() -> None:
    # Given the pytest configuration and the Makefile
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    options = pytest_options["ini_options"]
    makefile = (ROOT / "Makefile").read_text()
    # Then `slow` is a registered marker, and nothing deselects it
    assert any(marker.startswith("slow:") for marker in options["markers"])
    assert not re.search(r"(^|\s)-m\b|not slow", options["addopts"])
    [unit] = re.findall(r"^unit:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert unit.strip() == "$(BIN)/pytest -n auto"  # every test, on every core
    # And the subprocess scale-out test carries it
    marks = test_scale_out.test_three_workers_with_faults_and_a_killed_worker_apply_every_effect_exactly_once.pytestmark  # type: ignore[attr-defined]
    assert "slow" in {mark.name for mark in marks}


def test_the_package_ships_only_the_in_memory_fakes() -> None:
    # Then the PostgreSQL and subprocess helpers are the tests' (tests/postgres.py,
    # tests/workers.py), not cad.testing's
    assert importlib.util.find_spec("cad.testing") is not None
    assert importlib.util.find_spec("cad.testing.postgres") is None
    assert importlib.util.find_spec("cad.testing.workers") is None
