"""Every registered investigation is a complete package, and none writes anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from cad.investigations.registry import REGISTRY

PACKAGES = Path(__file__).resolve().parents[2] / "src" / "cad" / "investigations"
WRITE_METHODS = {
    "post_service_log",
    "post_limited_support_reason",
    "delete_limited_support_reason",
    "add_note",
    "silence",
    "escalate",
    "update_title",
    "create_report",
    "create_remediation",
    "delete_remediation",
    "execute",
}
FORBIDDEN_IMPORTS = (
    "cad.executor",
    "cad.clients.writers",
    "cad.clients.factory",
    "cad.clients.ocm.client",
    "cad.clients.pagerduty",
    "cad.clients.backplane",
    "cad.simulators",
)


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_investigation_has_its_four_files_and_names_agree(name: str) -> None:
    package = PACKAGES / name
    for required in ("investigation.py", "checks.py", "README.md", "metadata.yaml"):
        assert (package / required).is_file(), f"{name} lacks {required}"
    metadata = yaml.safe_load((package / "metadata.yaml").read_text())
    assert metadata["name"] == name == REGISTRY.resolve(name).name
    assert "rbac" in metadata
    readme = (package / "README.md").read_text()
    for section in ("## Alert", "## Logic", "## Outcomes", "sandbox"):
        assert section in readme or section.lower() in readme.lower(), (
            f"{name} README lacks {section}"
        )


def investigation_modules() -> list[Path]:
    return [p for p in PACKAGES.rglob("*.py") if "framework" not in p.parts]


def test_investigation_code_holds_no_write_call() -> None:
    offenders = []
    for path in investigation_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in WRITE_METHODS:
                offenders.append(f"{path.relative_to(PACKAGES)}:{node.lineno} .{node.func.attr}()")
    assert offenders == []


def test_investigation_code_imports_no_executor_and_no_client_write_side() -> None:
    offenders = []
    for path in [*investigation_modules(), *(PACKAGES / "framework").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN_IMPORTS)]
    # the framework's production access broker is the one place that wires backplane
    assert [o for o in offenders if not o.startswith("access.py")] == []
