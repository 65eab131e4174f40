"""Pieces every simulator shares: JWT-shaped tokens, write journals, list pagination."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["TokenBook", "WriteJournal", "WriteRecord", "page_of"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenBook:
    """Mints JWT-shaped access tokens with ``exp`` and remembers which are valid."""

    def __init__(self, clock_epoch: Any, lifetime_s: float = 900.0) -> None:
        self._epoch = clock_epoch
        self.lifetime_s = lifetime_s
        self._valid: dict[str, float] = {}
        self._lock = threading.Lock()
        self.minted = 0

    def mint(self, subject: str, email: str) -> tuple[str, float]:
        """A new token and its lifetime in seconds."""
        now = self._epoch()
        payload = {
            "sub": subject,
            "email": email,
            "iat": int(now),
            "exp": int(now + self.lifetime_s),
        }
        token = ".".join(
            [
                _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
                _b64(json.dumps(payload).encode()),
                _b64(secrets.token_bytes(16)),
            ]
        )
        with self._lock:
            self._valid[token] = now + self.lifetime_s
            self.minted += 1
        return token, self.lifetime_s

    def valid(self, token: str) -> bool:
        """Whether the token was minted here and has not expired."""
        with self._lock:
            expires = self._valid.get(token)
        return expires is not None and self._epoch() < expires

    def expire_all(self) -> None:
        """Make every token minted so far invalid (to force refreshes)."""
        with self._lock:
            self._valid.clear()

    def bearer_ok(self, header: str | None) -> bool:
        """Whether an ``Authorization: Bearer ...`` header carries a valid token."""
        if not header or not header.startswith("Bearer "):
            return False
        return self.valid(header[7:])


@dataclass(frozen=True)
class WriteRecord:
    """One write a simulator accepted."""

    method: str
    path: str
    body: Any
    at: datetime


@dataclass
class WriteJournal:
    """The writes a simulator accepted, in order."""

    records: list[WriteRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, body: Any, at: datetime) -> None:
        """Record a write."""
        with self._lock:
            self.records.append(WriteRecord(method, path, body, at))

    def matching(self, method: str, contains: str = "") -> list[WriteRecord]:
        """Writes of ``method`` whose path contains ``contains``."""
        with self._lock:
            return [r for r in self.records if r.method == method and contains in r.path]

    def clear(self) -> None:
        """Forget every write."""
        with self._lock:
            self.records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self.records)


def page_of(items: list[Any], page: int, size: int) -> list[Any]:
    """One page (1-based) of ``items``; ``size`` of -1 means everything."""
    if size < 0:
        return items
    start = (max(page, 1) - 1) * size
    return items[start : start + size]
