"""Reading notes CAD wrote, for tests: the text without the executor's marker line."""

from __future__ import annotations

from cad.actions.pagerduty import NOTE_MARKER_PREFIX

__all__ = ["without_marker"]


def without_marker(content: str) -> str:
    """A note's text without the marker line CAD ends every note with."""
    return "\n".join(
        line for line in content.split("\n") if not line.startswith(NOTE_MARKER_PREFIX)
    )
