"""``make new-investigation`` makes a package that passes the package checks and a test that
fails until written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from cad.investigations.scaffold import main

ROOT = Path(__file__).resolve().parents[2]


def copy_of_the_project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests" / "investigations").mkdir(parents=True)
    return tmp_path


def test_a_scaffolded_investigation_is_complete_registered_and_type_clean(tmp_path: Path) -> None:
    root = copy_of_the_project(tmp_path)
    assert main(["nodediskpressurecheck", str(root)]) == 0
    package = root / "src" / "cad" / "investigations" / "nodediskpressurecheck"
    for required in ("investigation.py", "checks.py", "README.md", "metadata.yaml", "__init__.py"):
        assert (package / required).is_file()
    assert (
        yaml.safe_load((package / "metadata.yaml").read_text())["name"] == "nodediskpressurecheck"
    )
    code = (
        "from cad.investigations.registry import REGISTRY;"
        "print(REGISTRY.resolve('nodediskpressurecheck').name)"
    )
    env = {"PYTHONPATH": str(root / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.stdout.strip() == "nodediskpressurecheck", done.stderr
    lint = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "check", "--quiet", str(package)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout
    registry = root / "src" / "cad" / "investigations" / "registry.py"
    formatted = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "format", "--check", "--quiet", str(registry)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert formatted.returncode == 0, registry.read_text()
    test = root / "tests" / "investigations" / "test_nodediskpressurecheck.py"
    assert "pytest.fail(" in test.read_text()


def test_bad_or_taken_names_are_refused_with_a_reason(tmp_path: Path, capsys: object) -> None:
    root = copy_of_the_project(tmp_path)
    assert main(["Bad-Name", str(root)]) == 1
    assert main(["chgm", str(root)]) == 1
    assert main([""]) == 2
