"""The receiver's one statement (PostgreSQL only): ``cad_receive_delivery`` stores a delivery
and queues its incident's job in one round trip: the incident's advisory lock, the insert,
and procrastinate's own ``procrastinate_defer_jobs_v1`` in a block that takes a job already
waiting (the queueing lock's unique violation) as done, as ``IncidentQueue`` does.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"

_FUNCTION = """
CREATE OR REPLACE FUNCTION cad_receive_delivery(
    _webhook_id varchar, _event_id varchar, _incident_id varchar, _event_type varchar,
    _received_at timestamptz, _payload text, _queue varchar, _task varchar, _lock text
) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    delivery integer;
    refused text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('cad:incident:' || _incident_id, 0));
    INSERT INTO deliveries (webhook_id, event_id, incident_id, event_type, received_at,
                            payload, status, attempts)
    VALUES (_webhook_id, _event_id, _incident_id, _event_type, _received_at, _payload,
            'queued', 0)
    RETURNING id INTO delivery;
    BEGIN
        PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
            _queue, _task, 0, _lock, _lock, jsonb_build_object('incident_id', _incident_id),
            NULL
        )::procrastinate_job_to_defer_v1]);
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS refused = CONSTRAINT_NAME;
        IF refused <> 'procrastinate_jobs_queueing_lock_idx_v1' THEN
            RAISE;
        END IF;
        -- A job waiting for the incident takes this delivery too.
    END;
    RETURN delivery;
END;
$$;
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_FUNCTION)  # no parameter parsing: the body holds ':'s


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            "DROP FUNCTION IF EXISTS cad_receive_delivery("
            "varchar, varchar, varchar, varchar, timestamptz, text, varchar, varchar, text)"
        )
