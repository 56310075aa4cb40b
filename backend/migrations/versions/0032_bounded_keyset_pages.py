"""every keyset page an index range: amount and revenue sort by their float twins, a lead's score by a stored column

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-28 07:00:00

A keyset page sorted by ``amount`` continued with ``(amount, id) < (x, y)``: a numeric comparison,
not leakproof, so under RLS the index could not start at the cursor and page n read the n - 1
pages before it (an export of 300k deals by amount read about 900 million index entries). The
lists now sort by (float twin, number, id), and every page is bounded by the twin
(``crm.kit.listing.keyset_after``). The new index also serves the filters' float bounds, so it
replaces both the sort index of 0030 and the filter index of 0031.

Leads sorted by score continued with ``coalesce(score, -1.0) < x``, which PostgreSQL takes for
leaky (coalesce is not a leakproof function call), with the same effect. The expression becomes a
stored generated column, ``score_sort``, and the sort index (0015) is rebuilt on it.

The definitions below are frozen here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TWINS = {"deals": "amount", "companies": "annual_revenue"}
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.add_column(
        "leads",
        sa.Column(
            "score_sort", sa.Float(), sa.Computed("coalesce(score, -1.0)", persisted=True), nullable=False
        ),
    )
    op.drop_index("ix_leads_org_score", table_name="leads")
    op.create_index(
        "ix_leads_org_score",
        "leads",
        ["organization_id", sa.literal_column("score_sort DESC"), sa.literal_column("id DESC")],
        postgresql_where=LIVE,
    )
    for table, column in TWINS.items():
        op.drop_index(f"ix_{table}_org_{column}", table_name=table)
        op.drop_index(f"ix_{table}_org_{column}_float", table_name=table)
        op.create_index(
            f"ix_{table}_org_{column}_float",
            table,
            ["organization_id", f"{column}_float", column, "id"],
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    op.drop_index("ix_leads_org_score", table_name="leads")
    op.create_index(
        "ix_leads_org_score",
        "leads",
        ["organization_id", sa.literal_column("coalesce(score, -1.0) DESC"), sa.literal_column("id DESC")],
        postgresql_where=LIVE,
    )
    op.drop_column("leads", "score_sort")
    for table, column in TWINS.items():
        op.drop_index(f"ix_{table}_org_{column}_float", table_name=table)
        op.create_index(
            f"ix_{table}_org_{column}_float",
            table,
            ["organization_id", f"{column}_float"],
            postgresql_where=LIVE,
        )
        op.create_index(
            f"ix_{table}_org_{column}", table, ["organization_id", column, "id"], postgresql_where=LIVE
        )
