"""Every setting does something: a field of ``Settings`` that no code reads is a setting
that silently does nothing (as ``CAD_SERVICE_LOG_DEDUPE_DAYS`` once did).

The check reads the source, not names in text: it parses every module of ``cad`` and
collects the attributes read (``settings.executor_max_attempts``) outside ``settings.py``,
plus those read by the public methods of ``Settings`` (``store_url`` reads
``database_url``), which the rest of CAD calls. Validators do not count: checking a value
is not using it. Whether a read value then reaches the runs is shown by behavioural tests
(tests/controller/test_runtime_config.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import cad
from cad.config.settings import Settings

SOURCE = Path(cad.__file__).parent
SETTINGS_MODULE = SOURCE / "config" / "settings.py"


def _attributes_read(tree: ast.AST) -> set[str]:
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _read_by_public_settings_methods() -> set[str]:
    tree = ast.parse(SETTINGS_MODULE.read_text())
    settings = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "Settings"
    )
    return {
        attr
        for method in settings.body
        if isinstance(method, ast.FunctionDef) and not method.name.startswith("_")
        for attr in _attributes_read(method)
    }


def _read_outside_settings() -> set[str]:
    read: set[str] = set()
    for module in SOURCE.rglob("*.py"):
        if module != SETTINGS_MODULE:
            read |= _attributes_read(ast.parse(module.read_text()))
    return read


def test_every_setting_is_read_by_the_code() -> None:
    # Given every field of Settings
    fields = set(Settings.model_fields)
    # When we collect what CAD's modules read of them
    read = _read_outside_settings() | _read_by_public_settings_methods()
    # Then none is left unread
    assert sorted(fields - read) == []


def test_the_check_sees_a_setting_nobody_reads() -> None:
    # Given a name no module reads
    read = _read_outside_settings() | _read_by_public_settings_methods()
    # Then the check would report it (the test above cannot pass vacuously)
    assert "a_setting_nobody_reads" not in read
    assert "executor_max_attempts" in read
