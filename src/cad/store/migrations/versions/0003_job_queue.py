"""The job queue (PostgreSQL only): procrastinate's schema, as the installed version ships it.

A later procrastinate release that changes its schema comes with its migration files
(``procrastinate.schema.SchemaManager.get_migrations_path()``); CAD applies them in a
migration of its own, pinned to that release, so ``cadctl db upgrade`` stays the one step.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite runs the embedded worker: no job queue
    exists = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
    if exists is None:
        # On psycopg's own cursor, without parameters: the schema's text holds '%' and ':'
        # that any placeholder parsing would misread.
        with bind.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Everything the schema created is named procrastinate_*: tables (their triggers and
    # indexes go with them), then functions (looked up, their signatures vary by release),
    # then types.
    bind.exec_driver_sql(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )
    bind.exec_driver_sql(
        "DO $$ DECLARE f regprocedure; BEGIN "
        "FOR f IN SELECT oid::regprocedure FROM pg_proc "
        "WHERE starts_with(proname, 'procrastinate_') "
        "LOOP EXECUTE 'DROP FUNCTION ' || f || ' CASCADE'; END LOOP; END $$"
    )
    bind.exec_driver_sql(
        "DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type, "
        "procrastinate_job_to_defer_v1 CASCADE"
    )
