"""SMS outbox: text messages with the recipient's number encrypted, delivered by a job

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "sms_messages",
        sa.Column("to_number", sa.LargeBinary(), nullable=False),
        sa.Column("to_number_bidx", sa.LargeBinary(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("driver", sa.String(length=20), nullable=True),
        sa.Column("provider_message_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sms_messages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )
    op.create_index(
        op.f("ix_sms_messages_organization_id"), "sms_messages", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_sms_messages_to_number_bidx", "sms_messages", ["organization_id", "to_number_bidx"], unique=False
    )
    bind = op.get_bind()
    for statement in rls.enable_tenant_rls("sms_messages", role):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_index("ix_sms_messages_to_number_bidx", table_name="sms_messages")
    op.drop_index(op.f("ix_sms_messages_organization_id"), table_name="sms_messages")
    op.drop_table("sms_messages")
