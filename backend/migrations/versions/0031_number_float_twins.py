"""float8 twins of the standard number columns filters compare: deals.amount, companies.annual_revenue

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-28 05:15:00

Numeric comparisons are not leakproof, so under RLS PostgreSQL will not bound an index scan with
``amount >= x``: a rare threshold ("deals over 1M") walked the organisation's deals in the page's
order. Each column gets a generated float8 twin with an index over live records; the list states
every number condition on the twin as well (``crm.kit.listing.float_bounds``: the cast keeps order,
so the twin only bounds and the numeric column decides), as custom-field numbers do (0029).
Integer and float columns need none: their comparisons are leakproof.

The definitions below are frozen here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TWINS = {"deals": "amount", "companies": "annual_revenue"}


def upgrade() -> None:
    for table, column in TWINS.items():
        op.add_column(
            table,
            sa.Column(
                f"{column}_float", sa.Double(), sa.Computed(f"{column}::double precision", persisted=True)
            ),
        )
        op.create_index(
            f"ix_{table}_org_{column}_float",
            table,
            ["organization_id", f"{column}_float"],
            postgresql_where=sa.text("deleted_at IS NULL"),
        )


def downgrade() -> None:
    for table, column in TWINS.items():
        op.drop_index(f"ix_{table}_org_{column}_float", table_name=table)
        op.drop_column(table, f"{column}_float")
