"""OCM's ``search`` language, enough of it for what clients send: ``=``, ``!=``, ``like``,
``ilike``, ``in (...)``, ``and``, ``or``, ``not``, parentheses, single-quoted strings with
``''`` escapes, dotted field names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["SearchError", "compile_search"]

_TOKEN = re.compile(r"\s*(?:(\()|(\))|(,)|'((?:[^']|'')*)'|(!=|=)|([A-Za-z_][\w.]*))")

Predicate = Callable[[dict[str, Any]], bool]


class SearchError(ValueError):
    """The search expression cannot be parsed."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise SearchError(f"unexpected text at {pos}: {text[pos : pos + 20]!r}")
        lparen, rparen, comma, string, op, word = match.groups()
        if lparen:
            out.append(("(", "("))
        elif rparen:
            out.append((")", ")"))
        elif comma:
            out.append((",", ","))
        elif string is not None:
            out.append(("str", string.replace("''", "'")))
        elif op:
            out.append(("op", op))
        else:
            lowered = word.lower()
            kind = lowered if lowered in ("and", "or", "not", "like", "ilike", "in") else "name"
            out.append((kind, word))
        pos = match.end()
    return out


def _field(record: dict[str, Any], name: str) -> Any:
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _like(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", flags)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else "end"

    def take(self, kind: str) -> str:
        if self.peek() != kind:
            raise SearchError(f"expected {kind}, found {self.peek()}")
        value = self.tokens[self.i][1]
        self.i += 1
        return value

    def expr(self) -> Predicate:
        left = self.term()
        while self.peek() == "or":
            self.take("or")
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.peek() == "and":
            self.take("and")
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self) -> Predicate:
        if self.peek() == "not":
            self.take("not")
            inner = self.factor()
            return lambda r: not inner(r)
        if self.peek() == "(":
            self.take("(")
            inner = self.expr()
            self.take(")")
            return inner
        name = self.take("name")
        kind = self.peek()
        if kind == "op":
            op, value = self.take("op"), self.take("str")
            if op == "=":
                return lambda r: str(_field(r, name)) == value
            return lambda r: str(_field(r, name)) != value
        if kind in ("like", "ilike"):
            self.take(kind)
            pattern = _like(self.take("str"), re.IGNORECASE if kind == "ilike" else 0)
            return lambda r: bool(pattern.match(str(_field(r, name) or "")))
        if kind == "in":
            self.take("in")
            self.take("(")
            values = {self.take("str")}
            while self.peek() == ",":
                self.take(",")
                values.add(self.take("str"))
            self.take(")")
            return lambda r: str(_field(r, name)) in values
        raise SearchError(f"expected an operator after {name!r}")


def compile_search(text: str | None) -> Predicate:
    """A predicate over records for the expression (empty: everything matches)."""
    if not text or not text.strip():
        return lambda _r: True
    parser = _Parser(_tokens(text))
    predicate = parser.expr()
    if parser.peek() != "end":
        raise SearchError(f"unexpected {parser.peek()} after the expression")
    return predicate
