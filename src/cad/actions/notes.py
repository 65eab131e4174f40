"""NoteWriter: the running account of an investigation that ends up in a PagerDuty note."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import structlog

__all__ = ["Amendment", "NoteWriter", "format_line"]

_MARKS = {"success": "✅", "warning": "⚠️", "automation": "🤖"}
_RULE = "==========================="


class NoteWriter:
    """Collects an investigation's findings in the original's note format.

    Thread-safe: lines may be appended from several threads (the executor's phase 1 runs
    actions concurrently). The rendered note is::

        🤖 Automated <name> pre-investigation 🤖
        ===========================
        ✅ <success line>
        ⚠️ <warning line>
        🤖 <automation line>
    """

    def __init__(self, name: str, *, lines: list[tuple[str, str]] | None = None) -> None:
        self.name = name
        self._lines: list[tuple[str, str]] = list(lines or [])
        self._lock = threading.Lock()
        self._log = structlog.get_logger("cad.notes")

    def success(self, message: str) -> None:
        """Append a line for something found in order (✅)."""
        self._append("success", message)

    def warning(self, message: str) -> None:
        """Append a line for a problem found (⚠️)."""
        self._append("warning", message)

    def automation(self, message: str) -> None:
        """Append a line for something CAD did (🤖)."""
        self._append("automation", message)

    def _append(self, kind: str, message: str) -> None:
        with self._lock:
            self._lines.append((kind, message))
        self._log.info("note line", note=self.name, kind=kind, line=message)

    @property
    def lines(self) -> tuple[tuple[str, str], ...]:
        """The lines so far as ``(kind, message)`` pairs."""
        with self._lock:
            return tuple(self._lines)

    def render(self) -> str:
        """The note's text as it stands now."""
        body = "".join(format_line(kind, message) for kind, message in self.lines)
        return f"🤖 Automated {self.name} pre-investigation 🤖\n{_RULE}\n{body}"

    def __str__(self) -> str:
        return self.render()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NoteWriter):
            return NotImplemented
        return self.name == other.name and self.lines == other.lines

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of the writer's state."""
        return {"name": self.name, "lines": [list(line) for line in self.lines]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoteWriter:
        """Rebuild a writer from :meth:`to_dict` output."""
        lines = data.get("lines", [])
        if not isinstance(data.get("name"), str) or not isinstance(lines, list):
            raise ValueError("a note writer needs a name and a list of lines")
        parsed: list[tuple[str, str]] = []
        for line in lines:
            if not (isinstance(line, list | tuple) and len(line) == 2 and line[0] in _MARKS):
                raise ValueError(f"invalid note line {line!r}")
            parsed.append((str(line[0]), str(line[1])))
        return cls(data["name"], lines=parsed)


@dataclass(frozen=True)
class Amendment:
    """A line the executor adds to a note: a reason, a failure, a skip, what it did.

    ``unless_contains`` suppresses the line when the note already says that text (a
    silence reason repeated verbatim in the investigation's note). ``essential`` lines
    must reach the incident: if no note carries them, the executor adds one.
    """

    kind: str
    message: str
    unless_contains: str = ""
    essential: bool = True

    def text(self) -> str:
        """The line as it appears in the note."""
        return format_line(self.kind, self.message)


def format_line(kind: str, message: str) -> str:
    """One note line in the original's format (``✅ text``, ``⚠️ text``, ``🤖 text``)."""
    return f"{_MARKS[kind]} {message}\n"
