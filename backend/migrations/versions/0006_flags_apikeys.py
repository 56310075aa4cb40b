"""feature-flag overrides and API keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = ("api_keys", "flag_overrides")

# A presented key names its row by public id before the tenant is known: this returns that one
# row's few columns (the hash is compared by the caller, in constant time), never a scan.
LOOKUPS = {
    "auth_api_key(text)": """
        CREATE OR REPLACE FUNCTION auth_api_key(p_public_id text)
        RETURNS TABLE (id uuid, organization_id uuid, secret_hash bytea, permissions jsonb,
                       expires_at timestamptz, revoked_at timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT id, organization_id, secret_hash, permissions, expires_at, revoked_at
              FROM api_keys WHERE public_id = p_public_id $$""",
}


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("permissions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_ip", postgresql.INET(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_api_keys_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_api_keys_revoked_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_keys_public_id")),
    )
    op.create_index(op.f("ix_api_keys_organization_id"), "api_keys", ["organization_id"], unique=False)
    op.create_table(
        "flag_overrides",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_flag_overrides_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_flag_overrides_updated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_overrides")),
        sa.UniqueConstraint(
            "organization_id",
            "key",
            "role",
            name=op.f("uq_flag_overrides_organization_id_key_role"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_flag_overrides_organization_id"), "flag_overrides", ["organization_id"], unique=False
    )

    for table in TENANT_TABLES:
        _run(rls.enable_tenant_rls(table, role))
    for signature, body in LOOKUPS.items():
        _run(
            [
                body,
                f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
                f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"',
            ]
        )


def downgrade() -> None:
    for signature in LOOKUPS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_index(op.f("ix_flag_overrides_organization_id"), table_name="flag_overrides")
    op.drop_table("flag_overrides")
    op.drop_index(op.f("ix_api_keys_organization_id"), table_name="api_keys")
    op.drop_table("api_keys")
