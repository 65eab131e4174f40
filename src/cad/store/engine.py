"""Connecting to the store's database with bounded waits: a connect timeout, and a statement
timeout (on SQLite, how long a statement waits for the file's write lock)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

if TYPE_CHECKING:
    from cad.config.settings import Settings

__all__ = ["StoreTimeouts", "create_store_engine", "describe_failure", "engine_url", "masked"]


@dataclass(frozen=True)
class StoreTimeouts:
    """How long the store waits for its database: to connect (PostgreSQL; at least 2 s, as
    libpq rounds it up), and for one statement, a lock included."""

    connect_s: float = 5.0
    statement_s: float = 30.0

    @classmethod
    def of(cls, settings: Settings) -> StoreTimeouts:
        """``CAD_DATABASE_CONNECT_TIMEOUT_SECONDS`` and ``CAD_DATABASE_STATEMENT_TIMEOUT_SECONDS``:
        the workers' and the CLI's waits."""
        return cls(
            connect_s=settings.database_connect_timeout_seconds,
            statement_s=settings.database_statement_timeout_seconds,
        )

    @classmethod
    def receiving(cls, settings: Settings) -> StoreTimeouts:
        """The receiver's waits: none longer than ``CAD_WEBHOOK_STORE_TIMEOUT_SECONDS``, so that
        a slow store is answered 503 well inside PagerDuty's patience."""
        bound = settings.webhook_store_timeout_seconds
        return cls(
            connect_s=min(settings.database_connect_timeout_seconds, bound),
            statement_s=min(settings.database_statement_timeout_seconds, bound),
        )


def engine_url(url: str) -> str:
    """``url`` with PostgreSQL pinned to psycopg 3 (the driver the job queue shares)."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url.removeprefix(bare)
    return url


def masked(url: str) -> str:
    """``url`` without its password, for messages."""
    return make_url(engine_url(url)).render_as_string(hide_password=True)


def describe_failure(error: BaseException) -> str:
    """What the database driver said, first line only (a driver never puts the password in
    it, and the SQL statement that follows is of no use to the reader)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def create_store_engine(url: str, timeouts: StoreTimeouts, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` whose every connection waits no longer than ``timeouts``."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, timeouts)
    statement_ms = max(1, round(timeouts.statement_s * 1000))
    engine = create_engine(
        engine_url(url),
        pool_size=pool_size,
        pool_timeout=timeouts.connect_s,
        connect_args={
            "connect_timeout": max(2, math.ceil(timeouts.connect_s)),
            "options": f"-c statement_timeout={statement_ms}",
        },
    )
    _ping_when_idle(engine)
    return engine


IDLE_PING_S = 1.0
"""A pooled connection idle longer than this is pinged before use."""


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for idle connections only: a connection back from
    use within the last second is used at once (a ping is a round trip, as much as the
    receiver's whole store call), one that waited longer (across a database restart, say)
    is pinged first and replaced when dead."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("returned_at", 0.0) <= IDLE_PING_S:
            return
        try:
            with dbapi.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi.rollback()  # end the transaction the ping opened
        except Exception as exc:  # any failure: the pool replaces the connection
            raise DisconnectionError(str(exc)) from exc


def _sqlite_engine(url: str, timeouts: StoreTimeouts) -> Engine:
    busy_ms = max(1, round(timeouts.statement_s * 1000))
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": timeouts.statement_s}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # let SQLAlchemy's BEGIN below take over
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Immediate transactions take the write lock up front: claims are atomic.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
