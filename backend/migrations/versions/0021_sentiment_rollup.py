"""sentiment rolled up per contact and company: columns, list indexes, backfill

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contacts", "companies")

# The rule of crm.ai.sentiment_rollup, frozen here (a migration must not follow later code):
# recency-weighted mean of the last 20 analysed activities, weights 0.8^(rank-1), newest first.
_RANKED_AGG = """
ranked AS (
    SELECT linked.*,
           row_number() OVER (PARTITION BY owner ORDER BY occurred_at DESC, aid DESC) AS rank,
           count(*) OVER (PARTITION BY owner) AS n
    FROM linked
),
agg AS (
    SELECT owner AS id, sum(score * power(0.8, rank - 1)) / sum(power(0.8, rank - 1)) AS score,
           max(n) AS n, max(occurred_at) AS at
    FROM ranked WHERE rank <= 20 GROUP BY owner
)
"""
_SET = """sentiment_score = agg.score,
    sentiment_label = CASE WHEN agg.score >= 0.05 THEN 'positive'
        WHEN agg.score <= -0.05 THEN 'negative' ELSE 'neutral' END,
    sentiment_count = agg.n, sentiment_at = agg.at"""
_ANALYSED = "a.deleted_at IS NULL AND a.sentiment_label IS NOT NULL"


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("sentiment_label", sa.String(length=10), nullable=True))
        op.add_column(table, sa.Column("sentiment_score", sa.Float(), nullable=True))
        op.add_column(table, sa.Column("sentiment_count", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("sentiment_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(
            f"ix_{table}_org_sentiment",
            table,
            ["organization_id", "sentiment_score", "id"],
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        op.create_index(
            f"ix_{table}_org_sentiment_label",
            table,
            ["organization_id", "sentiment_label", "sentiment_score", "id"],
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    # Backfill: run as the owner (row-level security does not apply), every organisation at once.
    op.execute(
        f"""
        WITH linked AS (
            SELECT a.contact_id AS owner, a.id AS aid, a.sentiment_score AS score, a.occurred_at
            FROM activities a WHERE a.contact_id IS NOT NULL AND {_ANALYSED}
        ),
        {_RANKED_AGG}
        UPDATE contacts t SET {_SET} FROM agg WHERE t.id = agg.id
        """
    )
    op.execute(
        f"""
        WITH linked AS (
            SELECT a.company_id AS owner, a.id AS aid, a.sentiment_score AS score, a.occurred_at
            FROM activities a WHERE a.company_id IS NOT NULL AND {_ANALYSED}
            UNION
            SELECT c.company_id, a.id, a.sentiment_score, a.occurred_at
            FROM contacts c JOIN activities a ON a.contact_id = c.id
            WHERE c.company_id IS NOT NULL AND c.deleted_at IS NULL AND {_ANALYSED}
        ),
        {_RANKED_AGG}
        UPDATE companies t SET {_SET} FROM agg WHERE t.id = agg.id
        """
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_sentiment_label", table_name=table)
        op.drop_index(f"ix_{table}_org_sentiment", table_name=table)
        for name in ("sentiment_at", "sentiment_count", "sentiment_score", "sentiment_label"):
            op.drop_column(table, name)
