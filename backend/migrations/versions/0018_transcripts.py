"""transcripts of voice notes and calls, and the field updates they propose

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("transcripts", "transcript_proposals")


def _tenant_columns(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("segments", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("sentiment_label", sa.String(length=10), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("sentiment_drivers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("activity_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        *_tenant_columns("transcripts"),
        sa.CheckConstraint(
            "status IN ('pending', 'ready', 'no_speech', 'failed')", name=op.f("ck_transcripts_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_transcripts_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_transcripts_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_transcripts_created_by_users"), ondelete="SET NULL"
        ),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_transcripts_attachment_id")),
    )
    op.create_index(op.f("ix_transcripts_organization_id"), "transcripts", ["organization_id"], unique=False)
    op.create_index(
        "ix_transcripts_record",
        "transcripts",
        ["organization_id", "object_type", "record_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "transcript_proposals",
        sa.Column("transcript_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("target_field", sa.String(length=40), nullable=True),
        sa.Column("current_value", sa.Text(), nullable=True),
        sa.Column("proposed_value", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_start", sa.Float(), nullable=True),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        *_tenant_columns("transcript_proposals"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected')", name=op.f("ck_transcript_proposals_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_proposals_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_transcript_proposals_decided_by_users"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        op.f("ix_transcript_proposals_organization_id"),
        "transcript_proposals",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_transcript_proposals_transcript", "transcript_proposals", ["transcript_id"], unique=False
    )
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    for table in TENANT_TABLES:
        for statement in rls.enable_tenant_rls(table, role):
            op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_index("ix_transcript_proposals_transcript", table_name="transcript_proposals")
    op.drop_index(op.f("ix_transcript_proposals_organization_id"), table_name="transcript_proposals")
    op.drop_table("transcript_proposals")
    op.drop_index("ix_transcripts_record", table_name="transcripts")
    op.drop_index(op.f("ix_transcripts_organization_id"), table_name="transcripts")
    op.drop_table("transcripts")
