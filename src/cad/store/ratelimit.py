"""The shared rate budgets in PostgreSQL: every worker on every machine takes its slots
from one row per API and key, timed by the database's clock (:mod:`cad.ratelimit`)."""

from __future__ import annotations

from sqlalchemy import text

from cad.ratelimit import RateLimit
from cad.store.db import Store

__all__ = ["StoreRateBuckets"]

# One statement reserves a slot atomically (the row lock orders concurrent callers): the
# first call of a bucket is granted at once; later ones get max(now, tat - tolerance) and
# push tat one interval on, unless that slot is further away than the caller may wait
# (then no row comes back and nothing is reserved). ``now`` is the database's clock, the one
# clock every machine shares; ``asked_at`` keeps it for the answer.
_RESERVE = text(
    "INSERT INTO rate_budget AS b (api, bucket_key, tat, asked_at, granted_at) "
    "SELECT :api, :key, now.t + :interval, now.t, now.t FROM "
    "(SELECT extract(epoch FROM clock_timestamp())::double precision AS t) AS now "
    "ON CONFLICT (api, bucket_key) DO UPDATE SET "
    "tat = GREATEST(b.tat, EXCLUDED.asked_at) + :interval, "
    "asked_at = EXCLUDED.asked_at, "
    "granted_at = GREATEST(EXCLUDED.asked_at, b.tat - :tolerance) "
    "WHERE b.tat - :tolerance - EXCLUDED.asked_at <= :max_wait "
    "RETURNING b.asked_at, b.granted_at"
)


class StoreRateBuckets:
    """Implements :class:`cad.ratelimit.RateBuckets` on the ``rate_budget`` table
    (PostgreSQL only: on SQLite one process runs every worker, and its buckets are in
    memory)."""

    def __init__(self, store: Store) -> None:
        if store.is_sqlite:
            raise ValueError("shared rate buckets need PostgreSQL; use InProcessBuckets")
        self.store = store

    def reserve(self, api: str, key: str, limit: RateLimit, max_wait_s: float) -> float | None:
        granted = self.reserve_slot(api, key, limit, max_wait_s)
        return None if granted is None else max(0.0, granted[1] - granted[0])

    def reserve_slot(
        self, api: str, key: str, limit: RateLimit, max_wait_s: float
    ) -> tuple[float, float] | None:
        """Like :meth:`reserve`, but the database's time of asking and of the slot granted
        (epoch seconds): what tests of the shared budget record."""
        params = {
            "api": api,
            "key": key,
            "interval": limit.interval,
            "tolerance": limit.tolerance,
            "max_wait": min(max_wait_s, 1e9),
        }
        with self.store.session() as session:
            row = session.execute(_RESERVE, params).first()
        return None if row is None else (float(row[0]), float(row[1]))
