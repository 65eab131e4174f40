"""The import rules of docs/architecture: who may import whom, who may read the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "cad"


def modules(package: str) -> list[Path]:
    root = SRC / package
    return sorted(root.rglob("*.py")) if root.exists() else []


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(SRC)} imports {name}"
        for path in modules(package)
        for name in sorted(imported(path))
        if name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("actions", ("cad.executor", "cad.investigations", "cad.controller")),
        ("executor", ("cad.investigations", "cad.controller")),
        ("investigations", ("cad.executor", "cad.clients.writers")),
        ("simulators", ("cad.executor", "cad.investigations", "cad.controller", "cad.actions")),
    ],
)
def test_packages_import_only_what_the_architecture_allows(
    package: str, forbidden: tuple[str, ...]
) -> None:
    assert offenders(package, forbidden) == []


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "config" / "settings.py":
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text or "getenv(" in text:
            readers.append(str(path.relative_to(SRC)))
    assert readers == []
