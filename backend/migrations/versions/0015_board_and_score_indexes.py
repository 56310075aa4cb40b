"""board totals covering index; lead score index matching the list's sort

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 15:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deals_board_totals",
        "deals",
        ["organization_id", "stage_id", "currency"],
        postgresql_include=["amount", "probability", "owner_id", "expected_close_date"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_leads_org_score", table_name="leads")
    op.create_index(
        "ix_leads_org_score",
        "leads",
        ["organization_id", sa.literal_column("coalesce(score, -1.0) DESC"), sa.literal_column("id DESC")],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_leads_org_score", table_name="leads")
    op.create_index(
        "ix_leads_org_score",
        "leads",
        ["organization_id", sa.literal_column("score DESC NULLS LAST"), sa.literal_column("id DESC")],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_deals_board_totals", table_name="deals")
