"""AI fields: sentiment stored on activities; organisation look-ups for the AI sweeps

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-27 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.core.config import get_settings

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Scheduled AI jobs run as the app role and must learn which organisations have work before they
# scope a transaction to each: these return ids and counts, never a row's content.
DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
FUNCTIONS = {
    "ai_orgs_with_leads()": f"""
        CREATE OR REPLACE FUNCTION ai_orgs_with_leads()
        RETURNS TABLE (organization_id uuid, open_leads bigint, converted bigint, lost bigint) {DEFINER}
        AS $$ SELECT organization_id,
                     count(*) FILTER (WHERE status NOT IN ('converted', 'lost', 'disqualified', 'unqualified')
                                      AND converted_at IS NULL),
                     count(*) FILTER (WHERE status = 'converted' OR converted_at IS NOT NULL),
                     count(*) FILTER (WHERE status IN ('lost', 'disqualified', 'unqualified')
                                      AND converted_at IS NULL)
              FROM leads WHERE deleted_at IS NULL GROUP BY organization_id $$""",
    "ai_orgs_with_pending_sentiment()": f"""
        CREATE OR REPLACE FUNCTION ai_orgs_with_pending_sentiment()
        RETURNS SETOF uuid {DEFINER}
        AS $$ SELECT DISTINCT organization_id FROM activities
              WHERE sentiment_at IS NULL AND deleted_at IS NULL AND kind <> 'task' $$""",
}


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.add_column("activities", sa.Column("sentiment_label", sa.String(length=10), nullable=True))
    op.add_column("activities", sa.Column("sentiment_score", sa.Float(), nullable=True))
    op.add_column("activities", sa.Column("sentiment_confidence", sa.Float(), nullable=True))
    op.add_column(
        "activities",
        sa.Column("sentiment_drivers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column("activities", sa.Column("sentiment_model", sa.String(length=80), nullable=True))
    op.add_column("activities", sa.Column("sentiment_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_activities_sentiment_known"),
        "activities",
        "sentiment_label IS NULL OR sentiment_label IN ('negative', 'neutral', 'positive')",
    )
    # Filters ("unhappy notes this month") and per-record trends read analysed rows only.
    op.create_index(
        "ix_activities_org_sentiment",
        "activities",
        ["organization_id", "sentiment_label", sa.text("occurred_at DESC")],
        unique=False,
        postgresql_where=sa.text("sentiment_label IS NOT NULL AND deleted_at IS NULL"),
    )
    # What the sentiment sweep still has to read (the activity code clears sentiment_at on edit).
    op.create_index(
        "ix_activities_sentiment_pending",
        "activities",
        ["organization_id"],
        unique=False,
        postgresql_where=sa.text("sentiment_at IS NULL AND deleted_at IS NULL AND kind <> 'task'"),
    )
    bind = op.get_bind()
    for signature, statement in FUNCTIONS.items():
        bind.exec_driver_sql(statement)
        bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"')


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_index(
        "ix_activities_sentiment_pending",
        table_name="activities",
        postgresql_where=sa.text("sentiment_at IS NULL AND deleted_at IS NULL AND kind <> 'task'"),
    )
    op.drop_index(
        "ix_activities_org_sentiment",
        table_name="activities",
        postgresql_where=sa.text("sentiment_label IS NOT NULL AND deleted_at IS NULL"),
    )
    op.drop_constraint(op.f("ck_activities_sentiment_known"), "activities", type_="check")
    for column in (
        "sentiment_at",
        "sentiment_model",
        "sentiment_drivers",
        "sentiment_confidence",
        "sentiment_score",
        "sentiment_label",
    ):
        op.drop_column("activities", column)
