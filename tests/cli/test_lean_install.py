"""`pip install cad` without extras, as production installs it: CAD's wheel in a fresh virtual
environment brings no moto, and `cadctl` validates a config and serves on SQLite without ever
importing the simulators, the scenarios, the test fakes or moto (Python's own import log,
``PYTHONPROFILEIMPORTTIME``, lists every module a process imports); the sandbox commands
answer with one line naming the extra to install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.serving import production_env, serving
from tests.cli.test_cadctl import CLEAN_ENV, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# What production must never load: the sandbox's code and the extra's library.
NEVER_IMPORTED = ("moto", "cad.simulators", "cad.scenarios", "cad.testing", "cad.sandbox_service")
INSTALL_HINT = "pip install 'cad[sandbox]'"


@dataclass(frozen=True)
class LeanInstall:
    wheel: Path
    bin: Path

    def cadctl(self, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "cadctl"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )


def _run(*command: str) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, env=CLEAN_ENV, timeout=420, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> LeanInstall:
    """CAD's wheel, built from this checkout, installed without extras into a new venv."""
    root = tmp_path_factory.mktemp("lean")
    wheels = root / "wheels"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--wheel-dir",
        str(wheels),
        str(ROOT),
    )
    [wheel] = wheels.glob("cad-*.whl")
    _run(sys.executable, "-m", "venv", str(root / "venv"))
    bin_dir = root / "venv" / "bin"
    _run(str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel))
    return LeanInstall(wheel, bin_dir)


def imported_modules(stderr: Iterable[str]) -> set[str]:
    """The modules a process imported, from the lines ``PYTHONPROFILEIMPORTTIME`` writes."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr
        if line.startswith("import time:") and "|" in line
    }


def never_imported(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules if any(m == n or m.startswith(f"{n}.") for n in NEVER_IMPORTED)
    )


def traced(env: dict[str, str]) -> dict[str, str]:
    return {**env, "PYTHONPROFILEIMPORTTIME": "1"}


def test_the_wheel_installs_without_moto_but_ships_the_sandbox_for_the_extra(
    lean: LeanInstall,
) -> None:
    # Given the lean venv
    python = str(lean.bin / "python")
    # Then moto is not installed at all
    probe = "import importlib.util as u; print(u.find_spec('moto') is None)"
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
    # And the wheel still carries the simulators, the scenario library and the fakes, so that
    # `pip install 'cad[sandbox]'` has a working demo
    names = zipfile.ZipFile(lean.wheel).namelist()
    assert "cad/simulators/sandbox.py" in names
    assert any(n.startswith("cad/scenarios/library/") and n.endswith(".yaml") for n in names)
    assert "cad/testing/fakes.py" in names
    # And the web UI's templates and stylesheet
    assert {"cad/webhook/ui/templates/run.html", "cad/webhook/ui/static/cad.css"} <= set(names)
    # And the wheel declares moto only under extras (the sandbox's, and the tests' that holds it)
    [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
    requires = [
        line
        for line in zipfile.ZipFile(lean.wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "moto" in line
    ]
    assert any("extra == 'sandbox'" in line for line in requires), requires
    assert all("; extra == " in line for line in requires), requires


def test_help_and_config_validate_work_without_importing_the_sandbox(
    lean: LeanInstall,
) -> None:
    # When cadctl answers --help and validates the example config
    helped = lean.cadctl("--help", env=traced(CLEAN_ENV))
    config = str(ROOT / "docs" / "investigation-config.example.yaml")
    validated = lean.cadctl("config", "validate", config, env=traced(CLEAN_ENV))
    # Then both succeed
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "serve" in helped.stdout
    assert validated.returncode == 0, validated.stderr[-2000:]
    # And neither imported the sandbox, while the import log shows what they did import
    for done in (helped, validated):
        modules = imported_modules(done.stderr.splitlines())
        assert "cad.cli.main" in modules
        assert never_imported(modules) == []
    assert "cad.config.investigation_config" in imported_modules(validated.stderr.splitlines())


def test_serve_on_sqlite_answers_healthz_without_importing_the_sandbox_or_moto(
    lean: LeanInstall, tmp_path: Path
) -> None:
    # Given production settings on SQLite
    env = traced(production_env(tmp_path))
    # When the lean install's cadctl serves, answers its probes and stops
    with serving(env=env, cadctl=str(lean.bin / "cadctl")) as served:
        health = httpx.get(f"{served.url}/healthz", timeout=10)
        login = httpx.get(f"{served.url}/ui/login", timeout=10)
        sandbox_route = httpx.post(f"{served.url}/sandbox/scenarios/anything", timeout=10)
    # Then /healthz answered, the web UI renders from the installed package's templates, and
    # there is no /sandbox route outside sandbox mode
    assert health.status_code == 200
    assert login.status_code == 200
    assert "/ui/static/cad.css" in login.text
    assert sandbox_route.status_code == 404
    assert served.process.returncode == 0, served.stderr[-20:]
    # And over its whole life the process imported the receiver but nothing of the sandbox
    modules = imported_modules(served.stderr)
    assert {"uvicorn", "cad.service", "cad.webhook.app"} <= modules
    assert never_imported(modules) == []


@pytest.mark.parametrize("command", [["demo"], ["serve", "--sandbox"]])
def test_the_sandbox_commands_name_the_extra_to_install_in_one_line(
    lean: LeanInstall, tmp_path: Path, command: list[str]
) -> None:
    # When a sandbox command runs without the extra
    done = lean.cadctl(*command, env=production_env(tmp_path))
    # Then it exits 2 with one line naming what to install, and no traceback
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert INSTALL_HINT in lines[0]
    assert "moto" in lines[0]
    assert "Traceback" not in done.stderr
