"""notifications, reminders and follow-up work of CRM writes

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDERS_PENDING = (
    "reminder_sent_at IS NULL AND deleted_at IS NULL AND completed_at IS NULL "
    "AND owner_id IS NOT NULL AND (reminder_at IS NOT NULL OR due_at IS NOT NULL)"
)
# The per-minute reminder job runs as the app role and must learn which organisations have a
# reminder due before it scopes a transaction to each: this returns ids only, never a row.
DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
FUNCTIONS = {
    "reminders_due_orgs()": f"""
        CREATE OR REPLACE FUNCTION reminders_due_orgs()
        RETURNS SETOF uuid {DEFINER}
        AS $$ SELECT DISTINCT organization_id FROM activities
              WHERE {REMINDERS_PENDING} AND coalesce(reminder_at, due_at) <= now() $$""",
}


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "notifications",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("entity", sa.String(length=30), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notifications_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        op.f("ix_notifications_organization_id"), "notifications", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_notifications_recipient",
        "notifications",
        ["organization_id", "user_id", sa.text("created_at DESC"), sa.text("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["organization_id", "user_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.add_column("activities", sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True))
    # Reminders that fell due before this release count as sent: the first run must not flood
    # every owner with years of past reminders.
    op.execute(
        "UPDATE activities SET reminder_sent_at = now() "
        "WHERE coalesce(reminder_at, due_at) <= now() AND reminder_sent_at IS NULL"
    )
    op.create_index(
        "ix_activities_reminders_due",
        "activities",
        [sa.text("coalesce(reminder_at, due_at)")],
        unique=False,
        postgresql_where=sa.text(REMINDERS_PENDING),
    )
    bind = op.get_bind()
    for statement in rls.enable_tenant_rls("notifications", role):
        bind.exec_driver_sql(statement)
    for signature, statement in FUNCTIONS.items():
        bind.exec_driver_sql(statement)
        bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"')


def downgrade() -> None:
    bind = op.get_bind()
    for signature in FUNCTIONS:
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_index(
        "ix_activities_reminders_due",
        table_name="activities",
        postgresql_where=sa.text(REMINDERS_PENDING),
    )
    op.drop_column("activities", "reminder_sent_at")
    op.drop_index(
        "ix_notifications_unread", table_name="notifications", postgresql_where=sa.text("read_at IS NULL")
    )
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_index(op.f("ix_notifications_organization_id"), table_name="notifications")
    op.drop_table("notifications")
