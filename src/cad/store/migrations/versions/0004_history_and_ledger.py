"""The run history and the ledger in tables of their own: ``run_actions`` and ``ledger``
replace ``action_records``, which kept both (history rows marked by the outcome ``reported``
and a ``<type>:history`` dedupe key, the facts inside the content under ``"facts"``).

Revision ID: 0004
Revises: 0003
"""

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_OLD = sa.table(
    "action_records",
    sa.column("id", sa.Integer),
    sa.column("run_id", sa.Integer),
    sa.column("scope", sa.String),
    sa.column("type", sa.String),
    sa.column("dedupe_key", sa.String),
    sa.column("description", sa.Text),
    sa.column("content", sa.Text),
    sa.column("outcome", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("duration_s", sa.Float),
    sa.column("error", sa.Text),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
)
_RUNS = sa.table(
    "runs",
    sa.column("id", sa.Integer),
    sa.column("incident_id", sa.String),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("finished_at", sa.DateTime(timezone=True)),
)


_RUN_ACTIONS = sa.table(
    "run_actions",
    *(sa.column(name) for name in ("id", "run_id", "position", "type", "description")),
    *(sa.column(name) for name in ("outcome", "attempts", "duration_s", "error")),
)
_LEDGER = sa.table(
    "ledger",
    *(sa.column(name) for name in ("id", "run_id", "scope", "dedupe_key", "type")),
    *(sa.column(name) for name in ("description", "content", "facts", "attempts")),
    sa.column("duration_s"),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
)


def _create_old() -> None:
    op.create_table(
        "action_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), index=True),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_action_records_applied",
        "action_records",
        ["scope", "dedupe_key"],
        unique=True,
        sqlite_where=sa.text("outcome = 'succeeded'"),
        postgresql_where=sa.text("outcome = 'succeeded'"),
    )


def _create_new() -> None:
    op.create_table(
        "run_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), index=True),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("scope", "dedupe_key", name="uq_ledger_scope_key"),
    )


def _split_facts(content: str) -> tuple[str, str]:
    """An old record's content as (content, facts), both JSON."""
    try:
        stored = json.loads(content)
    except ValueError:
        return content, "{}"
    if not isinstance(stored, dict):
        return content, "{}"
    facts = stored.pop("facts", None)
    return json.dumps(stored, ensure_ascii=False), json.dumps(
        facts if isinstance(facts, dict) else {}, ensure_ascii=False
    )


def upgrade() -> None:
    bind = op.get_bind()
    _create_new()
    old = bind.execute(sa.select(_OLD).order_by(_OLD.c.id)).mappings().all()
    applied: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    positions: defaultdict[int, int] = defaultdict(int)
    for row in old:
        if row["outcome"] == "succeeded":
            content, facts = _split_facts(row["content"])
            applied.append(
                {
                    **{k: row[k] for k in ("run_id", "scope", "dedupe_key", "type")},
                    **{k: row[k] for k in ("description", "attempts", "duration_s")},
                    "content": content,
                    "facts": facts,
                    "recorded_at": row["recorded_at"],
                }
            )
        if row["run_id"] is not None:  # the history showed every record of a run, in order
            history.append(
                {
                    **{k: row[k] for k in ("run_id", "type", "description", "attempts")},
                    "position": positions[row["run_id"]],
                    "outcome": "succeeded" if row["outcome"] == "reported" else row["outcome"],
                    "duration_s": row["duration_s"],
                    "error": row["error"],
                }
            )
            positions[row["run_id"]] += 1
    if applied:
        bind.execute(sa.insert(_LEDGER), applied)
    if history:
        bind.execute(sa.insert(_RUN_ACTIONS), history)
    op.drop_index("ix_action_records_applied", table_name="action_records")
    op.drop_table("action_records")


def downgrade() -> None:
    bind = op.get_bind()
    _create_old()
    records: list[dict[str, Any]] = []
    shown: set[tuple[int, str]] = set()
    for row in bind.execute(sa.select(_LEDGER).order_by(_LEDGER.c.id)).mappings():
        content = json.loads(row["content"])
        facts = json.loads(row["facts"])
        if facts and isinstance(content, dict):
            content["facts"] = facts
        records.append(
            {
                **{k: row[k] for k in ("run_id", "scope", "type", "dedupe_key", "description")},
                **{k: row[k] for k in ("attempts", "duration_s", "recorded_at")},
                "content": json.dumps(content, ensure_ascii=False),
                "outcome": "succeeded",
                "error": None,
            }
        )
        if row["run_id"] is not None:
            shown.add((row["run_id"], row["description"]))
    runs = {r.id: r for r in bind.execute(sa.select(_RUNS))}
    for row in bind.execute(
        sa.select(_RUN_ACTIONS).order_by(_RUN_ACTIONS.c.run_id, _RUN_ACTIONS.c.position)
    ).mappings():
        succeeded = row["outcome"] == "succeeded"
        if succeeded and (row["run_id"], row["description"]) in shown:
            continue  # the old history showed the ledger's record of it instead
        run = runs[row["run_id"]]
        records.append(
            {
                **{k: row[k] for k in ("run_id", "type", "description", "attempts")},
                **{k: row[k] for k in ("duration_s", "error")},
                "scope": f"incident:{run.incident_id}" if run.incident_id else "manual",
                "dedupe_key": f"{row['type']}:history",
                "content": "{}",
                "outcome": "reported" if succeeded else row["outcome"],
                "recorded_at": run.finished_at or run.started_at,
            }
        )
    if records:
        bind.execute(sa.insert(_OLD), records)
    op.drop_table("run_actions")
    op.drop_table("ledger")
