"""JSON round trip of actions: actions are queued, stored and shown.

Every registered action class (see :func:`cad.actions.base.action_classes`) decodes by its
``type``; a class defined later is known from then on.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from cad.actions.base import Action, action_classes

__all__ = [
    "action_from_dict",
    "action_from_json",
    "action_to_dict",
    "action_to_json",
    "actions_from_json",
    "actions_to_json",
]

_adapters: dict[tuple[type[Action], ...], tuple[TypeAdapter[Any], TypeAdapter[Any]]] = {}
_lock = threading.Lock()


def _adapters_now() -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    """Adapters for one action and a list of actions, over the classes registered now."""
    classes = action_classes()
    with _lock:
        if classes not in _adapters:
            one: Any = Annotated[Union[classes], Field(discriminator="type")]  # noqa: UP007
            _adapters.clear()
            _adapters[classes] = (TypeAdapter(one), TypeAdapter(list[one]))
        return _adapters[classes]


def action_to_dict(action: Action) -> dict[str, object]:
    """The action as a JSON-ready dict, ``type`` included."""
    return action.model_dump(mode="json")


def action_to_json(action: Action) -> str:
    """The action as JSON text."""
    return action.model_dump_json()


def action_from_dict(data: object) -> Action:
    """Rebuild an action from :func:`action_to_dict` output (raises ``ValidationError``)."""
    action: Action = _adapters_now()[0].validate_python(data)
    return action


def action_from_json(text: str | bytes) -> Action:
    """Rebuild an action from :func:`action_to_json` output (raises ``ValidationError``)."""
    action: Action = _adapters_now()[0].validate_json(text)
    return action


def actions_to_json(actions: list[Action]) -> str:
    """A list of actions as one JSON array."""
    return "[" + ",".join(a.model_dump_json() for a in actions) + "]"


def actions_from_json(text: str | bytes) -> list[Action]:
    """Rebuild a list of actions from :func:`actions_to_json` output."""
    return list(_adapters_now()[1].validate_json(text))
