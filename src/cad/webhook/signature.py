"""``X-PagerDuty-Signature`` verification: HMAC-SHA256 of the raw body, hex, ``v1=``."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "verify_signature"]


def sign(body: bytes, secret: str) -> str:
    """The header value PagerDuty would send for ``body`` signed with ``secret``."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secrets: list[str]) -> bool:
    """Whether any ``v1=`` entry of the header matches the body under any secret.

    Entries are comma-separated and trimmed (the original ignored an entry after ", ");
    every comparison is constant-time.
    """
    if not header or not secrets:
        return False
    candidates = [
        entry.strip()[3:] for entry in header.split(",") if entry.strip().startswith("v1=")
    ]
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate.lower())
    return matched
