"""oidc: identity providers per organisation, verified e-mail domains, linked identities

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("oidc_providers", "organization_domains", "oidc_identities")


def _organization_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def _organization_id() -> sa.Column[Any]:
    return sa.Column(
        "organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False
    )


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False)


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "oidc_providers",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("discovery_url", sa.String(length=600), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=True),
        sa.Column("client_secret", sa.LargeBinary(), nullable=True),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column("default_role", sa.String(length=20), nullable=True),
        sa.Column(
            "allowed_tenant_ids", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False
        ),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        _id(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _organization_id(),
        _organization_fk("oidc_providers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_providers")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_oidc_providers_organization_id_name")),
    )
    op.create_index(
        op.f("ix_oidc_providers_organization_id"), "oidc_providers", ["organization_id"], unique=False
    )
    op.create_table(
        "organization_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("verification_token", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        _id(),
        _organization_id(),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_organization_domains_created_by_users"),
            ondelete="SET NULL",
        ),
        _organization_fk("organization_domains"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_domains")),
        sa.UniqueConstraint(
            "organization_id", "domain", name=op.f("uq_organization_domains_organization_id_domain")
        ),
    )
    op.create_index("ix_organization_domains_domain", "organization_domains", ["domain"], unique=False)
    op.create_index(
        op.f("ix_organization_domains_organization_id"),
        "organization_domains",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "oidc_identities",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _id(),
        _organization_id(),
        _organization_fk("oidc_identities"),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["oidc_providers.id"],
            name=op.f("fk_oidc_identities_provider_id_oidc_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oidc_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_identities")),
        sa.UniqueConstraint("provider_id", "subject", name=op.f("uq_oidc_identities_provider_id_subject")),
    )
    op.create_index(
        op.f("ix_oidc_identities_organization_id"), "oidc_identities", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_oidc_identities_user_id"), "oidc_identities", ["user_id"], unique=False)

    for table in TENANT_TABLES:
        for statement in rls.enable_tenant_rls(table, role):
            op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_identities_user_id"), table_name="oidc_identities")
    op.drop_index(op.f("ix_oidc_identities_organization_id"), table_name="oidc_identities")
    op.drop_table("oidc_identities")
    op.drop_index(op.f("ix_organization_domains_organization_id"), table_name="organization_domains")
    op.drop_index("ix_organization_domains_domain", table_name="organization_domains")
    op.drop_table("organization_domains")
    op.drop_index(op.f("ix_oidc_providers_organization_id"), table_name="oidc_providers")
    op.drop_table("oidc_providers")
