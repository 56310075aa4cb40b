"""encryption keys: organisations' wrapped data and blind-index keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Master-key rotation must reach every organisation's keys before the tenant is known. These
# return organisation ids and counts only, never a key.
LOOKUPS = {
    "keys_organizations_to_rewrap(text)": """
        CREATE OR REPLACE FUNCTION keys_organizations_to_rewrap(p_master_key_id text)
        RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT DISTINCT organization_id FROM organization_keys
              WHERE master_key_id <> p_master_key_id ORDER BY 1 $$""",
    "keys_master_key_usage()": """
        CREATE OR REPLACE FUNCTION keys_master_key_usage()
        RETURNS TABLE (master_key_id text, organizations bigint, keys bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$ SELECT master_key_id, count(DISTINCT organization_id), count(*)
              FROM organization_keys GROUP BY master_key_id ORDER BY 1 $$""",
}


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "organization_keys",
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("master_key_id", sa.String(length=200), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.CheckConstraint("purpose IN ('data', 'index')", name=op.f("ck_organization_keys_purpose")),
        sa.CheckConstraint(
            "state IN ('pending', 'active', 'retiring', 'retired')", name=op.f("ck_organization_keys_state")
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_organization_keys_version")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_keys")),
        sa.UniqueConstraint(
            "organization_id",
            "purpose",
            "version",
            name=op.f("uq_organization_keys_organization_id_purpose_version"),
        ),
    )
    op.create_index(
        op.f("ix_organization_keys_organization_id"), "organization_keys", ["organization_id"], unique=False
    )
    op.create_index(
        "uq_organization_keys_one_active",
        "organization_keys",
        ["organization_id", "purpose"],
        unique=True,
        postgresql_where=sa.text("state = 'active'"),
    )
    _run(rls.enable_tenant_rls("organization_keys", role))
    # Deleting a key row would destroy that organisation's data: the app role may not.
    _run([f'REVOKE DELETE ON organization_keys FROM "{role}"'])
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
    op.drop_index("uq_organization_keys_one_active", table_name="organization_keys")
    op.drop_index(op.f("ix_organization_keys_organization_id"), table_name="organization_keys")
    op.drop_table("organization_keys")
