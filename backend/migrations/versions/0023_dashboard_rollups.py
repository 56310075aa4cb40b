"""dashboard rollups kept by statement triggers; covering indexes for closing and top accounts

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 21:00:00

Four tenant tables hold running totals of what the dashboard widgets and the board's column
totals aggregate. Statement-level AFTER triggers with transition tables add each statement's net
change (new rows minus old rows, grouped by the rollup's key) in the writer's own transaction,
so a rollup is exactly the aggregate of the committed source rows. See ADR 0008.

The SQL below is frozen here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_OWNER = "'00000000-0000-0000-0000-000000000000'::uuid"
OWNER = f"coalesce(owner_id, {NO_OWNER})"


# A NamedTuple, not a dataclass: Alembic loads this file outside sys.modules.
class Rollup(NamedTuple):
    table: str
    source: str
    keys: dict[str, str]  # rollup column -> expression over a source row
    values: dict[str, str]  # rollup column -> per-row addend (NULL adds nothing)
    counted: str  # which source rows are counted


ROLLUPS = (
    Rollup(
        table="deal_stage_totals",
        source="deals",
        keys={
            "organization_id": "organization_id",
            "pipeline_id": "pipeline_id",
            "stage_id": "stage_id",
            "currency": "currency",
            "status": "status",
            "owner_id": OWNER,
        },
        values={
            "deal_count": "1",
            "amount_count": "(amount IS NOT NULL)::int",
            "amount_sum": "amount",
            "weighted_sum": "amount * coalesce(probability, 0)",
        },
        counted="deleted_at IS NULL",
    ),
    Rollup(
        table="deal_close_totals",
        source="deals",
        keys={
            "organization_id": "organization_id",
            "day": "(closed_at AT TIME ZONE 'UTC')::date",
            "currency": "currency",
            "owner_id": OWNER,
        },
        values={
            "won_count": "(status = 'won')::int",
            "lost_count": "(status = 'lost')::int",
            "won_amount_count": "(status = 'won' AND amount IS NOT NULL)::int",
            "won_amount": "CASE WHEN status = 'won' THEN amount END",
        },
        counted="deleted_at IS NULL AND status IN ('won', 'lost') AND closed_at IS NOT NULL",
    ),
    Rollup(
        table="open_task_totals",
        source="activities",
        keys={
            "organization_id": "organization_id",
            "day": "(due_at AT TIME ZONE 'UTC')::date",
            "owner_id": OWNER,
        },
        values={"task_count": "1"},
        counted="kind = 'task' AND completed_at IS NULL AND deleted_at IS NULL AND due_at IS NOT NULL",
    ),
    Rollup(
        table="lead_source_totals",
        source="leads",
        keys={
            "organization_id": "organization_id",
            "day": "(created_at AT TIME ZONE 'UTC')::date",
            "source": "coalesce(source, 'unknown')",
        },
        values={"lead_count": "1", "converted_count": "(status = 'converted')::int"},
        counted="deleted_at IS NULL",
    ),
)

EVENTS = {  # trigger event -> transition tables it has, with the sign their rows carry
    "INSERT": (("new_rows", ""),),
    "UPDATE": (("old_rows", "-"), ("new_rows", "")),
    "DELETE": (("old_rows", "-"),),
}


def _function(rollup: Rollup, event: str) -> str:
    keys, values = list(rollup.keys), list(rollup.values)
    parts = []
    for relation, sign in EVENTS[event]:
        columns = [f"{expr} AS {name}" for name, expr in rollup.keys.items()]
        columns += [f"{sign}({expr}) AS {name}" for name, expr in rollup.values.items()]
        parts.append(f"SELECT {', '.join(columns)} FROM {relation} WHERE {rollup.counted}")
    sums = ", ".join(f"coalesce(sum({v}), 0)" for v in values)
    # Rows whose counted values did not change (a rename, a board move within a stage) net to zero
    # and are dropped, so such writes never lock a rollup row.
    changed = " OR ".join(f"coalesce(sum({v}), 0) <> 0" for v in values)
    # Keys in a fixed order, so two statements upserting the same rows lock them in the same order.
    # Deleting an organisation cascades to the source rows after its rollup rows may already be
    # gone: their deltas are dropped rather than re-inserted against a deleted organisation.
    return f"""
        CREATE FUNCTION {rollup.table}_on_{event.lower()}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {rollup.table} AS r ({", ".join(keys + values)})
            SELECT * FROM (
                SELECT {", ".join(keys)}, {sums}
                FROM ({" UNION ALL ".join(parts)}) AS delta
                GROUP BY {", ".join(keys)}
                HAVING {changed}
            ) AS grouped
            WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = grouped.organization_id)
            ORDER BY {", ".join(keys)}
            ON CONFLICT ({", ".join(keys)}) DO UPDATE
            SET {", ".join(f"{v} = r.{v} + excluded.{v}" for v in values)};
            RETURN NULL;
        END $$
    """


def _trigger(rollup: Rollup, event: str) -> str:
    transitions = " ".join(
        f"{'OLD' if relation == 'old_rows' else 'NEW'} TABLE AS {relation}" for relation, _ in EVENTS[event]
    )
    return f"""
        CREATE TRIGGER {rollup.table}_{event.lower()} AFTER {event} ON {rollup.source}
        REFERENCING {transitions}
        FOR EACH STATEMENT EXECUTE FUNCTION {rollup.table}_on_{event.lower()}()
    """


def backfill_sql(rollup: Rollup) -> str:
    """The rollup's rows from its source table (also run by bench/seed.py after its trigger-less load)."""
    keys, values = rollup.keys, rollup.values
    return f"""
        INSERT INTO {rollup.table} ({", ".join([*keys, *values])})
        SELECT {", ".join(keys.values())}, {", ".join(f"coalesce(sum({e}), 0)" for e in values.values())}
        FROM {rollup.source} WHERE {rollup.counted}
        GROUP BY {", ".join(keys.values())}
    """


def _organization() -> sa.Column[object]:
    return sa.Column(
        "organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False
    )


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(), server_default="0", nullable=False)


def _org_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "deal_stage_totals",
        _organization(),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        _count("deal_count"),
        _count("amount_count"),
        _money("amount_sum"),
        _money("weighted_sum"),
        _org_fk(),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipelines.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "organization_id", "pipeline_id", "stage_id", "currency", "status", "owner_id"
        ),
    )
    op.create_table(
        "deal_close_totals",
        _organization(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        _count("won_count"),
        _count("lost_count"),
        _count("won_amount_count"),
        _money("won_amount"),
        _org_fk(),
        sa.PrimaryKeyConstraint("organization_id", "day", "currency", "owner_id"),
    )
    op.create_table(
        "open_task_totals",
        _organization(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        _count("task_count"),
        _org_fk(),
        sa.PrimaryKeyConstraint("organization_id", "day", "owner_id"),
    )
    op.create_table(
        "lead_source_totals",
        _organization(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        _count("lead_count"),
        _count("converted_count"),
        _org_fk(),
        sa.PrimaryKeyConstraint("organization_id", "day", "source"),
    )
    # Widgets that read a range of rows rather than a sum: the index alone answers them.
    op.create_index(
        "ix_deals_open_closing",
        "deals",
        ["organization_id", "expected_close_date"],
        postgresql_include=["currency", "amount", "probability", "owner_id", "id"],
        postgresql_where=sa.text("deleted_at IS NULL AND status = 'open'"),
    )
    op.create_index(
        "ix_deals_won_closed",
        "deals",
        ["organization_id", "closed_at"],
        postgresql_include=["company_id", "currency", "amount", "owner_id"],
        postgresql_where=sa.text("deleted_at IS NULL AND status = 'won'"),
    )
    bind = op.get_bind()
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    for rollup in ROLLUPS:
        for statement in rls.enable_tenant_rls(rollup.table, role):
            bind.exec_driver_sql(statement)
        # Creating the triggers locks the source table against writes until this migration
        # commits, so the backfill below and the triggers' deltas cannot miss or double a row.
        for event in EVENTS:
            bind.exec_driver_sql(_function(rollup, event))
            bind.exec_driver_sql(_trigger(rollup, event))
        bind.exec_driver_sql(backfill_sql(rollup))


def downgrade() -> None:
    bind = op.get_bind()
    for rollup in ROLLUPS:
        for event in EVENTS:
            bind.exec_driver_sql(f"DROP TRIGGER {rollup.table}_{event.lower()} ON {rollup.source}")
            bind.exec_driver_sql(f"DROP FUNCTION {rollup.table}_on_{event.lower()}()")
        op.drop_table(rollup.table)
    op.drop_index("ix_deals_won_closed", table_name="deals")
    op.drop_index("ix_deals_open_closing", table_name="deals")
