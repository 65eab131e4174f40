"""Structured logging: structlog with CAD's context keys bound, and secrets redacted.

Call :func:`configure_logging` once at start. Tracebacks are rendered as plain text (no local
variables) before redaction, so a secret in an exception's message is cut out too. Bind context with
``structlog.contextvars.bound_contextvars(incident=..., cluster=..., investigation=...)``;
the executor binds ``action`` per action.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

__all__ = ["REDACTED", "SecretRedactor", "configure_logging", "get_logger"]

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"(token|secret|password|authorization|signature|credential)", re.I)


class SecretRedactor:
    """A structlog processor that hides secret values.

    Values of keys that name a secret (token, secret, password, authorization, ...) are
    replaced whatever they hold; known secret strings are cut out of every other value, in
    lists and mappings too (which stay lists and mappings: JSON arrays and objects).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """Recognise one more secret value from now on."""
        if len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """Return ``text`` with every known secret replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __call__(
        self, _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in list(event_dict.items()):
            if _SECRET_KEY.search(key) and key != "event":
                event_dict[key] = REDACTED
            else:
                event_dict[key] = self._clean(value)
        return event_dict

    def _clean(self, value: Any, depth: int = 0) -> Any:
        if value is None or isinstance(value, int | float | bool):
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if depth < 4 and isinstance(value, list | tuple):
            return [self._clean(item, depth + 1) for item in value]
        if depth < 4 and isinstance(value, dict):
            return {
                str(k): REDACTED if _SECRET_KEY.search(str(k)) else self._clean(v, depth + 1)
                for k, v in value.items()
            }
        return self.scrub(str(value))


_redactor = SecretRedactor()


_WRITE_LOCK = threading.Lock()


class _StderrLogger:
    """Writes each line to whatever ``sys.stderr`` is now (loggers are cached; streams are
    replaced by test runners and daemons), whole: ``print`` writes the text and its newline
    apart, so two threads' JSON lines could share a line and neither would parse."""

    def msg(self, message: str) -> None:
        with _WRITE_LOCK:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


def configure_logging(
    level: str = "info", *, fmt: str = "console", secrets: Iterable[str] = ()
) -> SecretRedactor:
    """Configure structlog for the process; returns the redactor so callers can add secrets.
    ``ValueError`` for a level other than debug, info, warning or error."""
    if level.lower() not in ("debug", "info", "warning", "error"):
        raise ValueError(f"unknown log level {level!r}: debug, info, warning or error")
    for secret in secrets:
        _redactor.add(secret)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Render tracebacks to text here, before the redactor reads every value: plain
            # (never a frame's local variables), and in the JSON line too.
            structlog.processors.format_exc_info,
            _redactor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
    return _redactor


def get_logger(name: str) -> Any:
    """A structlog logger named after the calling module."""
    return structlog.get_logger(name)
