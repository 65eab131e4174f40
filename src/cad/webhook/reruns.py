"""The body of ``POST /incidents/{id}/rerun`` (the web UI's "re-run" button): why, who, and
whether effects applied before are applied again."""

from __future__ import annotations

from cad.store.records import RunRequest
from cad.webhook.validation import BadDeliveryError, check_text, parse_body

__all__ = ["MAX_REASON", "parse_rerun"]

MAX_REASON = 1000
"""The longest reason kept, as ``cadctl rerun --reason``."""


def parse_rerun(body: bytes) -> RunRequest:
    """``{"reason": "...", "requested_by": "...", "repeat_effects": false}`` as a re-run's
    request (``requested_by`` defaults to ``api``); :class:`BadDeliveryError` naming what is
    wrong."""
    _, data = parse_body(body)
    if not isinstance(data, dict):
        raise BadDeliveryError("the body must be a JSON object")
    unknown = set(data) - {"reason", "requested_by", "repeat_effects"}
    if unknown:
        raise BadDeliveryError(f"unknown field(s): {', '.join(sorted(unknown))}")
    reason, who = data.get("reason"), data.get("requested_by", "api")
    repeat = data.get("repeat_effects", False)
    if not isinstance(reason, str) or not reason.strip():
        raise BadDeliveryError("a re-run needs a reason: a non-empty string")
    if not isinstance(who, str) or not who.strip():
        raise BadDeliveryError("requested_by must be a non-empty string")
    if not isinstance(repeat, bool):
        raise BadDeliveryError("repeat_effects must be true or false")
    check_text("reason", reason, MAX_REASON)
    check_text("requested_by", who, 200)
    return RunRequest(
        trigger="rerun", reason=reason.strip(), requested_by=who.strip(), repeat_effects=repeat
    )
