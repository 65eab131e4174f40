"""Checks of single settings: URLs, the store's URL, webhook event types, listen addresses.

Each check returns the value it was given (or a normal form of it) and raises ``ValueError``
with a message that names the problem but never repeats a secret (a store URL's password).
:class:`cad.config.settings.Settings` applies them; its errors name the variable.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = [
    "INCIDENT_EVENT_TYPES",
    "check_address",
    "check_event_types",
    "check_file",
    "check_http_url",
    "check_image",
    "check_pushgateway",
    "check_store_url",
    "is_loopback",
]

# PagerDuty webhooks v3 events whose ``data`` is an incident (the only shape CAD can run on);
# the other ``incident.*`` events (annotated, responder.*, status_update_published) carry a
# note, a responder or a status update instead.
INCIDENT_EVENT_TYPES = frozenset(
    {
        "incident.acknowledged",
        "incident.delegated",
        "incident.escalated",
        "incident.priority_updated",
        "incident.reassigned",
        "incident.reopened",
        "incident.resolved",
        "incident.service_updated",
        "incident.triggered",
        "incident.unacknowledged",
    }
)

# Backend -> drivers CAD installs (``None``: the URL names no driver; CAD picks psycopg 3).
_STORE_BACKENDS = {
    "sqlite": (None, "pysqlite"),
    "postgresql": (None, "psycopg"),
    "postgres": (None,),
}


def check_http_url(url: str, *, https_only: bool = False) -> str:
    """``url`` if it is an absolute http(s) URL with a host (https only if asked)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ValueError(f"not a URL: {error}") from None
    if any(character.isspace() for character in url):
        raise ValueError(f"not a URL: {url!r} holds white space")
    allowed = ("https",) if https_only else ("http", "https")
    if parsed.scheme not in allowed or not parsed.host:
        raise ValueError(f"expected an {' or '.join(allowed)} URL with a host, got {url!r}")
    return url


# What a must-gather action accepts as its image (cad.actions.mustgather): a registry path with
# a tag or a digest, lower case.
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


def check_image(image: str) -> str:
    """``image`` if it is a container image reference: not empty, no white space, the
    characters a must-gather action accepts (``registry/repository:tag`` or ``@sha256:...``)."""
    if not image:
        raise ValueError("empty: expected an image reference such as registry/repository:tag")
    if any(character.isspace() for character in image):
        raise ValueError(f"not an image reference: {image!r} holds white space")
    if not _IMAGE.match(image):
        raise ValueError(
            f"not an image reference: {image!r} (expected lower-case registry/repository:tag "
            "or registry/repository@sha256:digest)"
        )
    return image


def check_pushgateway(gateway: str) -> str:
    """``gateway`` if it is an http(s) URL or ``host:port`` (as ``prometheus_client`` takes)."""
    check_http_url(gateway if "://" in gateway else f"http://{gateway}")
    return gateway


def check_store_url(url: str) -> str:
    """``url`` if SQLAlchemy parses it and it is SQLite or PostgreSQL (psycopg 3)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(
            "not a database URL (expected postgresql+psycopg://user@host/db or sqlite:///file)"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if (driver or None) not in _STORE_BACKENDS.get(backend, ()):
        raise ValueError(
            f"unsupported database {parsed.drivername!r}: CAD runs on postgresql "
            "(postgresql:// or postgresql+psycopg://) or sqlite"
        )
    return url


def check_event_types(raw: str) -> str:
    """``raw`` (comma-separated) if it names at least one event type, each one CAD can run."""
    names = [part.strip() for part in raw.split(",") if part.strip()]
    if not names:
        raise ValueError("no event type given: every delivery would be ignored")
    for name in names:
        if name not in INCIDENT_EVENT_TYPES:
            close = difflib.get_close_matches(name, sorted(INCIDENT_EVENT_TYPES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(sorted(INCIDENT_EVENT_TYPES))
            raise ValueError(f"unknown event type {name!r}{hint}; known: {known}")
    return raw


def check_address(address: str) -> str:
    """``address`` if it is an IP address or ``localhost`` (an interface to listen on)."""
    if address == "localhost":
        return address
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(
            f"not an IP address to listen on: {address!r} (e.g. 127.0.0.1, 0.0.0.0, ::1)"
        ) from None
    return address


def is_loopback(address: str) -> bool:
    """Whether only this machine can reach a listener on ``address``."""
    return address == "localhost" or ipaddress.ip_address(address).is_loopback


def check_file(path: str) -> str:
    """``path`` if it names a readable file."""
    if not Path(path).is_file():
        raise ValueError(f"no such file: {path}")
    return path
