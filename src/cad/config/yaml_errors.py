"""Strict YAML loading whose errors name the file, the line and the key.

Aliases (``*name``) are refused where they appear: they are never needed in CAD's files, and
they make documents that refer to themselves or expand to billions of nodes (an alias bomb).
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cad.errors import ConfigurationError

__all__ = ["YamlError", "load_yaml_model", "location_of", "yaml_lines"]

M = TypeVar("M", bound=BaseModel)
Path_ = tuple[Any, ...]


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing every alias before it is followed."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases are not allowed (*name): write the value out",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)


class YamlError(ConfigurationError):
    """A YAML document that does not load or validate; ``problems`` are ``file:line: key: msg``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(problems))


def yaml_lines(text: str) -> dict[Path_, int]:
    """The line of every key and item of a YAML document, by path."""
    lines: dict[Path_, int] = {}

    def walk(node: yaml.Node, path: Path_) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                walk(value, child)
                lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=_NoAliasLoader)
    if root is not None:
        walk(root, ())
    return lines


def _clean(loc: Path_) -> Path_:
    return tuple(
        p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "literal[")))
    )


def location_of(loc: Path_, lines: dict[Path_, int]) -> tuple[int, str]:
    """The line and the dotted key (``a.b[0].c``) of a validation error's location."""
    path = _clean(loc)
    key = "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path)
    )
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1), key or "(top level)"


def load_yaml_model(model: type[M], text: str, source: str) -> M:
    """Parse ``text`` and validate it as ``model``; :class:`YamlError` on any error."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506  # a safe loader
        lines = yaml_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(
            source, [f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]
        ) from None
    if not isinstance(data, dict):
        raise YamlError(source, [f"{source}:1: expected a mapping at the top level"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            line, key = location_of(error["loc"], lines)
            problems.append(f"{source}:{line}: {key}: {error['msg']}")
        raise YamlError(source, problems) from None
