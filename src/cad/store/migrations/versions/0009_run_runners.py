"""Who runs an operator's run: ``runs`` gain ``runner_host`` (its host name), ``runner_pid``
and ``runner_process`` (the process's identity: boot id, PID namespace, start time), so that
a run whose ``cadctl`` process was killed is marked ``interrupted`` from the same host
(:mod:`cad.store.runners`). Runs recorded before, and the service's runs, have none.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("runner_host", sa.String(255)))
        runs.add_column(sa.Column("runner_pid", sa.Integer()))
        runs.add_column(sa.Column("runner_process", sa.String(200)))
    op.create_index("ix_runs_runner_host", "runs", ["runner_host"])


def downgrade() -> None:
    op.drop_index("ix_runs_runner_host", table_name="runs")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("runner_process")
        runs.drop_column("runner_pid")
        runs.drop_column("runner_host")
