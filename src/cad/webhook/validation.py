"""What the receiver refuses in a signed delivery before it reaches the store, with a message
naming the problem: the same answer whichever database is behind (SQLite keeps what
PostgreSQL refuses)."""

from __future__ import annotations

import json

from cad.errors import CADError
from cad.store.models import EVENT_ID_LENGTH, INCIDENT_ID_LENGTH

__all__ = ["BadDeliveryError", "check_ids", "check_text", "parse_body"]


class BadDeliveryError(CADError):
    """A signed delivery CAD cannot take; the message names the problem (answered 400)."""


def parse_body(body: bytes) -> tuple[str, object]:
    """The body as text (PagerDuty sends UTF-8; a leading byte-order mark is dropped) and its
    JSON."""
    try:
        text = body.decode("utf-8-sig")  # a byte-order mark is allowed, and dropped
    except UnicodeDecodeError:
        raise BadDeliveryError("the body is not UTF-8 text") from None
    try:
        return text, json.loads(text)
    except json.JSONDecodeError:
        raise BadDeliveryError("the body is not JSON") from None
    except RecursionError:
        raise BadDeliveryError("the body's JSON is nested too deeply") from None


def check_text(name: str, value: str, max_length: int | None = None) -> None:
    """Raise :class:`BadDeliveryError` when ``value`` cannot be stored or looked up as text."""
    if "\x00" in value:
        raise BadDeliveryError(f"the {name} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadDeliveryError(f"the {name} is not valid Unicode (a lone surrogate)") from None
    if max_length is not None and len(value) > max_length:
        raise BadDeliveryError(f"the {name} is longer than {max_length} characters")


def check_ids(*, incident_id: str, event_id: str | None, webhook_id: str | None) -> None:
    """The ids the store keeps of a delivery fit its columns."""
    check_text("incident id", incident_id, INCIDENT_ID_LENGTH)
    if event_id:
        check_text("event id", event_id, EVENT_ID_LENGTH)
    if webhook_id:
        check_text("X-Webhook-Id header", webhook_id, EVENT_ID_LENGTH)
