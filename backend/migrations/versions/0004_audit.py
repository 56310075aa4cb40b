"""audit trail: append-only events and their per-organisation hash-chain seals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TABLES = ("audit_events", "audit_seals")

# The sealing job runs as the app role and must learn which organisations have committed,
# unsealed events before it scopes a transaction to each: this returns their ids, nothing else.
ORGS_TO_SEAL = "audit_orgs_to_seal()"
ORGS_TO_SEAL_SQL = """
    CREATE OR REPLACE FUNCTION audit_orgs_to_seal()
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
      SELECT o.id FROM organizations o
      LEFT JOIN LATERAL (
        SELECT s.last_txid, s.last_seq FROM audit_seals s WHERE s.organization_id = o.id
        ORDER BY s.last_txid DESC, s.last_seq DESC LIMIT 1
      ) head ON true
      WHERE EXISTS (
        SELECT 1 FROM audit_events e
        WHERE e.organization_id = o.id
          AND e.txid < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint
          AND (e.txid, e.seq) > (COALESCE(head.last_txid, -1), COALESCE(head.last_seq, -1))
      )
    $$"""


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
            nullable=False,
        ),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("actor_type", sa.String(length=20), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=True),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("redacted_fields", postgresql.ARRAY(sa.String(length=100)), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_audit_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_org_actor", "audit_events", ["organization_id", "actor_id"], unique=False
    )
    op.create_index(
        "ix_audit_events_org_chain", "audit_events", ["organization_id", "txid", "seq"], unique=False
    )
    op.create_index(
        "ix_audit_events_org_entity",
        "audit_events",
        ["organization_id", "entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(
        "ix_audit_events_org_time", "audit_events", ["organization_id", "occurred_at", "seq"], unique=False
    )
    op.create_table(
        "audit_seals",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.Column("last_txid", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("seqs", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("digests", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_audit_seals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint(
            "organization_id", "prev_hash", name=op.f("uq_audit_seals_organization_id_prev_hash")
        ),
    )
    op.create_index(
        "ix_audit_seals_org_head", "audit_seals", ["organization_id", "last_txid", "last_seq"], unique=True
    )

    for table in TABLES:
        _run(rls.enable_tenant_rls(table, role))
        # Append-only for the app: history is never rewritten, only added to and read.
        _run([f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{role}"'])
    _run(
        [
            ORGS_TO_SEAL_SQL,
            f"REVOKE ALL ON FUNCTION {ORGS_TO_SEAL} FROM PUBLIC",
            f'GRANT EXECUTE ON FUNCTION {ORGS_TO_SEAL} TO "{role}"',
        ]
    )


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {ORGS_TO_SEAL}")
    op.drop_index("ix_audit_seals_org_head", table_name="audit_seals")
    op.drop_table("audit_seals")
    op.drop_index("ix_audit_events_org_time", table_name="audit_events")
    op.drop_index("ix_audit_events_org_entity", table_name="audit_events")
    op.drop_index("ix_audit_events_org_chain", table_name="audit_events")
    op.drop_index("ix_audit_events_org_actor", table_name="audit_events")
    op.drop_table("audit_events")
