"""The organization a cluster belongs to, as the run history records it: each run's cluster
carries its ``organization_id`` (the web UI's runs list filters on it).

A cluster's organization is its OCM subscription's. A run reads the subscription at most once
(organization routing and the filters' ``OrganizationID`` and ``OwnerID`` share that read). A
run that needs it for nothing else asks the process's :class:`OrganizationCache` first, so
recording the organization costs one OCM read per cluster and hour, not one per incident.
Organization routing always reads it fresh: a cluster moved to another organization is routed
by its new one at once.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache

__all__ = ["ORGANIZATION_TTL_S", "OrganizationCache"]

ORGANIZATION_TTL_S = 3600.0
"""How long a process trusts a subscription's organization for the history."""


class OrganizationCache:
    """Subscription id → organization id, each kept for ``ttl_s`` seconds (monotonic time,
    like deadlines: the cache's age is no scenario's business). Safe across threads."""

    def __init__(self, *, ttl_s: float = ORGANIZATION_TTL_S, size: int = 10_000) -> None:
        self._known: TTLCache[str, str] = TTLCache(maxsize=size, ttl=ttl_s)
        self._lock = threading.Lock()

    def get(self, subscription_id: str) -> str | None:
        """The organization remembered for ``subscription_id``, if it is still fresh."""
        with self._lock:
            return self._known.get(subscription_id)

    def put(self, subscription_id: str, organization_id: str) -> None:
        """Remember what the subscription just read said."""
        with self._lock:
            self._known[subscription_id] = organization_id
