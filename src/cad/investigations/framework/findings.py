"""Findings every investigation that reads the cluster's API shares."""

from __future__ import annotations

from cad.actions import escalate, note_from
from cad.actions.notes import NoteWriter
from cad.investigations.framework.base import Result
from cad.investigations.framework.errors import (
    KubeClientError,
    RestConfigError,
    cluster_access_message,
)

__all__ = ["cluster_unreachable"]


def cluster_unreachable(notes: NoteWriter, error: RestConfigError | KubeClientError) -> Result:
    """The cluster's API could not be opened: the original's note saying so (with the
    cause) and an escalation. Use it where ``resources.kube`` raises."""
    message = cluster_access_message(error) or str(error)
    notes.warning(f"{message} ({error.cause})")
    return Result(actions=[note_from(notes), escalate(message)])
