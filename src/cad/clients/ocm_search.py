"""Building OCM ``search`` expressions safely from values CAD did not choose."""

from __future__ import annotations

__all__ = ["all_of", "any_of", "equals", "quote"]


def quote(value: str) -> str:
    """Quote a value as an OCM search string literal (single quotes, ``'`` doubled)."""
    return "'" + value.replace("'", "''") + "'"


def equals(field: str, value: str) -> str:
    """``field = 'value'`` with the value quoted."""
    return f"{field} = {quote(value)}"


def any_of(*clauses: str) -> str:
    """Clauses joined with ``or``, parenthesised."""
    return "(" + " or ".join(clauses) + ")"


def all_of(*clauses: str) -> str:
    """Clauses joined with ``and``."""
    return " and ".join(clauses)
