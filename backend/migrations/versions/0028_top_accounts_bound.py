"""top accounts: all-time won value per (company, currency), kept by statement triggers

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 00:00:00

A tenant rollup like those of migration 0023 (same trigger shape: AFTER ... FOR EACH STATEMENT
with transition tables, the net change per key upserted in the writer's transaction). Amounts are
never negative, so each row is an upper bound of that company's won value in any period; top
accounts ranks exact period sums only for the companies whose bound reaches its top N (ADR 0008).

The SQL below is frozen here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "deal_company_won_totals"
KEYS = ("organization_id", "company_id", "currency")
VALUES = {"won_count": "1", "won_amount_count": "(amount IS NOT NULL)::int", "won_amount": "amount"}
COUNTED = "deleted_at IS NULL AND status = 'won' AND company_id IS NOT NULL"
EVENTS = {  # trigger event -> transition tables it has, with the sign their rows carry
    "INSERT": (("new_rows", ""),),
    "UPDATE": (("old_rows", "-"), ("new_rows", "")),
    "DELETE": (("old_rows", "-"),),
}


def _function(event: str) -> str:
    keys = ", ".join(KEYS)
    parts = [
        f"SELECT {keys}, "
        + ", ".join(f"{sign}({expr}) AS {name}" for name, expr in VALUES.items())
        + f" FROM {relation} WHERE {COUNTED}"
        for relation, sign in EVENTS[event]
    ]
    sums = ", ".join(f"coalesce(sum({v}), 0)" for v in VALUES)
    # Writes that move no counted value (a rename, a stage move of an open deal) net to zero and
    # lock no row; keys in a fixed order, so two statements lock shared rows in the same order;
    # deltas of an organisation being deleted are dropped, not re-inserted (as in 0023).
    return f"""
        CREATE FUNCTION {TABLE}_on_{event.lower()}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {TABLE} AS r ({keys}, {", ".join(VALUES)})
            SELECT * FROM (
                SELECT {keys}, {sums}
                FROM ({" UNION ALL ".join(parts)}) AS delta
                GROUP BY {keys}
                HAVING {" OR ".join(f"coalesce(sum({v}), 0) <> 0" for v in VALUES)}
            ) AS grouped
            WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = grouped.organization_id)
            ORDER BY {keys}
            ON CONFLICT ({keys}) DO UPDATE
            SET {", ".join(f"{v} = r.{v} + excluded.{v}" for v in VALUES)};
            RETURN NULL;
        END $$
    """


def _trigger(event: str) -> str:
    transitions = " ".join(
        f"{'OLD' if relation == 'old_rows' else 'NEW'} TABLE AS {relation}" for relation, _ in EVENTS[event]
    )
    return f"""
        CREATE TRIGGER {TABLE}_{event.lower()} AFTER {event} ON deals
        REFERENCING {transitions}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_on_{event.lower()}()
    """


def backfill_sql() -> str:
    """The table's rows from deals (also run by bench/seed.py after its trigger-less load)."""
    return (
        f"INSERT INTO {TABLE} ({', '.join(KEYS)}, {', '.join(VALUES)})"
        f" SELECT {', '.join(KEYS)}, {', '.join(f'coalesce(sum({e}), 0)' for e in VALUES.values())}"
        f" FROM deals WHERE {COUNTED} GROUP BY {', '.join(KEYS)}"
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("won_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("won_amount_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("won_amount", sa.Numeric(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*KEYS),
    )
    bind = op.get_bind()
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    for statement in rls.enable_tenant_rls(TABLE, role):
        bind.exec_driver_sql(statement)
    # The triggers lock deals against writes until this migration commits, so the backfill and
    # the triggers' deltas can neither miss nor double a row.
    for event in EVENTS:
        bind.exec_driver_sql(_function(event))
        bind.exec_driver_sql(_trigger(event))
    bind.exec_driver_sql(backfill_sql())
    op.create_index(
        "ix_deal_company_won_totals_amount",
        TABLE,
        ["organization_id", "won_amount"],
        postgresql_include=["company_id", "currency"],
    )


def downgrade() -> None:
    bind = op.get_bind()
    for event in EVENTS:
        bind.exec_driver_sql(f"DROP TRIGGER {TABLE}_{event.lower()} ON deals")
        bind.exec_driver_sql(f"DROP FUNCTION {TABLE}_on_{event.lower()}()")
    op.drop_table(TABLE)
