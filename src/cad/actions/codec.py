"""JSON round trip of actions: actions are queued, stored and shown."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from cad.actions.backplane import BackplaneReport
from cad.actions.base import Action
from cad.actions.ocm import LimitedSupport, ServiceLog
from cad.actions.pagerduty import EscalateIncident, PagerDutyNote, SilenceIncident, TitleUpdate

__all__ = [
    "ACTION_CLASSES",
    "action_from_dict",
    "action_from_json",
    "action_to_dict",
    "action_to_json",
    "actions_from_json",
    "actions_to_json",
]

ACTION_CLASSES: tuple[type[Action], ...] = (
    ServiceLog,
    LimitedSupport,
    PagerDutyNote,
    SilenceIncident,
    EscalateIncident,
    TitleUpdate,
    BackplaneReport,
)

AnyAction = Annotated[
    ServiceLog
    | LimitedSupport
    | PagerDutyNote
    | SilenceIncident
    | EscalateIncident
    | TitleUpdate
    | BackplaneReport,
    Field(discriminator="type"),
]
_one = TypeAdapter[AnyAction](AnyAction)
_many = TypeAdapter[list[AnyAction]](list[AnyAction])


def action_to_dict(action: Action) -> dict[str, object]:
    """The action as a JSON-ready dict, ``type`` included."""
    return action.model_dump(mode="json")


def action_to_json(action: Action) -> str:
    """The action as JSON text."""
    return action.model_dump_json()


def action_from_dict(data: object) -> Action:
    """Rebuild an action from :func:`action_to_dict` output (raises ``ValidationError``)."""
    return _one.validate_python(data)


def action_from_json(text: str | bytes) -> Action:
    """Rebuild an action from :func:`action_to_json` output (raises ``ValidationError``)."""
    return _one.validate_json(text)


def actions_to_json(actions: list[Action]) -> str:
    """A list of actions as one JSON array."""
    return "[" + ",".join(a.model_dump_json() for a in actions) + "]"


def actions_from_json(text: str | bytes) -> list[Action]:
    """Rebuild a list of actions from :func:`actions_to_json` output."""
    return list(_many.validate_json(text))
