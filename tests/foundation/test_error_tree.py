"""One error tree: every CAD error derives from CADError, each name once, and the tree drawn in
``cad.errors``'s docstring is the tree of the classes."""

from __future__ import annotations

import importlib
import pkgutil
import re

import cad
import cad.errors
from cad.errors import CADError

# Stand-ins for other systems: their errors become those systems' HTTP answers.
NOT_CAD = ("cad.simulators",)
TREE_LINE = re.compile(r"^(?P<indent>[ │├└─]*)(?P<name>[A-Z]\w*Error)\b")


def every_module() -> list[str]:
    """Import every module of the ``cad`` package; their names."""
    names = []
    for found in pkgutil.walk_packages(cad.__path__, "cad."):
        importlib.import_module(found.name)
        names.append(found.name)
    return names


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in a ``cad`` module."""
    every_module()
    seen: list[type[BaseException]] = []
    pending: list[type[BaseException]] = [BaseException]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                pending.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] == "cad"]


def drawn_tree() -> dict[str, str | None]:
    """``{class name: parent name}`` as the docstring draws it (each level indents four)."""
    doc = cad.errors.__doc__ or ""
    block = doc.split("::", 1)[1]
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            if parents:
                break
            continue
        match = TREE_LINE.match(line[4:])
        assert match, f"cannot read this line of the tree: {line!r}"
        depth = len(match["indent"]) // 4
        assert depth <= len(path), f"{match['name']} is drawn deeper than under a parent"
        path[depth:] = [match["name"]]
        assert match["name"] not in parents, f"{match['name']} is drawn twice"
        parents[match["name"]] = path[depth - 1] if depth else None
    return parents


def actual_tree() -> dict[str, str | None]:
    """``{class name: parent name}`` of CADError and its subclasses."""
    tree: dict[str, str | None] = {"CADError": None}
    for cls in exception_classes():
        if issubclass(cls, CADError) and cls is not CADError:
            parent = next(base for base in cls.__bases__ if issubclass(base, CADError))
            tree[cls.__name__] = parent.__name__
    return tree


def test_every_cad_error_derives_from_cad_error() -> None:
    # Given every exception class the cad package defines (the simulators' aside)
    outside = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in exception_classes()
        if not issubclass(cls, CADError) and not cls.__module__.startswith(NOT_CAD)
    ]
    # Then each one is a CADError
    assert outside == []


def test_each_error_name_is_used_once() -> None:
    # Given every CAD error class
    names: dict[str, list[str]] = {}
    for cls in exception_classes():
        if issubclass(cls, CADError):
            names.setdefault(cls.__name__, []).append(cls.__module__)
    # Then no two classes share a name
    assert {name: where for name, where in names.items() if len(where) > 1} == {}


def test_the_docstring_draws_the_tree_of_the_classes() -> None:
    # Given the tree drawn in cad.errors's docstring and the classes as they are
    drawn, actual = drawn_tree(), actual_tree()
    # Then every class is drawn, under its parent, and nothing else is
    missing = sorted(f"{name} (under {actual[name]})" for name in actual.keys() - drawn.keys())
    extra = sorted(drawn.keys() - actual.keys())
    misplaced = sorted(
        f"{name}: drawn under {drawn[name]}, derives from {actual[name]}"
        for name in actual.keys() & drawn.keys()
        if drawn[name] != actual[name]
    )
    assert (missing, extra, misplaced) == ([], [], []), (
        f"classes missing from the docstring's tree: {missing}; "
        f"drawn but not CAD errors: {extra}; misplaced: {misplaced}"
    )
