"""Label and field selectors as the Kubernetes API server evaluates them."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["LabelSelectorError", "match_fields", "match_labels"]


class LabelSelectorError(ValueError):
    """A selector that cannot be parsed."""


def _split(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


_SET = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_EQ = re.compile(r"^([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)$")
_EXISTS = re.compile(r"^(!?)([\w./-]+)$")


def match_labels(labels: dict[str, str], selector: str) -> bool:
    """Whether ``labels`` satisfy a label selector (``k=v``, ``k!=v``, ``k in (a,b)``,
    ``k notin (a,b)``, ``k``, ``!k``, comma meaning AND)."""
    for part in _split(selector):
        if match := _SET.match(part):
            key, op, values = match.groups()
            allowed = {v.strip() for v in values.split(",") if v.strip()}
            ok = labels.get(key) in allowed
            if (op == "in") != ok:
                return False
        elif match := _EQ.match(part):
            key, op, value = match.groups()
            if (labels.get(key) == value) != (op in ("=", "==")):
                return False
        elif match := _EXISTS.match(part):
            negate, key = match.groups()
            if (key in labels) == bool(negate):
                return False
        else:
            raise LabelSelectorError(f"unable to parse requirement: {part!r}")
    return True


def _path(obj: dict[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def match_fields(obj: dict[str, Any], selector: str) -> bool:
    """Whether the object satisfies a field selector (``a.b=v``, ``a.b!=v``, AND)."""
    for part in _split(selector):
        match = _EQ.match(part)
        if not match:
            raise LabelSelectorError(f"unable to parse field requirement: {part!r}")
        key, op, value = match.groups()
        actual = _path(obj, key)
        actual_text = (
            ""
            if actual is None
            else str(actual).lower()
            if isinstance(actual, bool)
            else str(actual)
        )
        if (actual_text == value) != (op in ("=", "==")):
            return False
    return True
