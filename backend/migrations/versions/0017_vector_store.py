"""vector store: embeddings of CRM records per organisation

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.core import rls
from crm.core.config import get_settings
from crm.models.search import Vector

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITIES = "entity IN ('contact', 'company', 'deal', 'activity')"

# The app role owns nothing and cannot create indexes. This function, owned by the migration owner,
# creates the partial HNSW index of the transaction's own organisation (and of no other): pgvector
# 0.6 has no iterative index scans, so one index shared by all organisations would return fewer
# than k rows of one organisation after the others' rows are filtered out. The advisory lock makes
# concurrent callers wait for the first one's index instead of colliding on its name.
ENSURE_ORG_INDEX = """
CREATE OR REPLACE FUNCTION search_ensure_org_index(p_org uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  index_name text := 'ix_embeddings_org_' || replace(p_org::text, '-', '');
BEGIN
  IF p_org IS NULL OR p_org IS DISTINCT FROM app_current_org() THEN
    RAISE EXCEPTION 'search_ensure_org_index: % is not the transaction''s organisation', p_org
      USING ERRCODE = '42501';
  END IF;
  IF to_regclass(index_name) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('search-org-index:' || p_org::text, 0));
  IF to_regclass(index_name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format(
    'CREATE INDEX %I ON embeddings USING hnsw (embedding vector_ip_ops) '
    'WITH (m = 16, ef_construction = 64) WHERE organization_id = %L::uuid',
    index_name, p_org);
  RETURN true;
END $$
"""


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    bind = op.get_bind()
    bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "embeddings",
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("chunk", sa.SmallInteger(), nullable=False),
        sa.Column("embedding", Vector(384), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("content_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(ENTITIES, name=op.f("ck_embeddings_entity_known")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_embeddings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "entity", "entity_id", "chunk", name=op.f("pk_embeddings")
        ),
    )
    op.create_table(
        "search_index_queue",
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(ENTITIES, name=op.f("ck_search_index_queue_entity_known")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_search_index_queue_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "entity", "entity_id", name=op.f("pk_search_index_queue")),
    )
    for table in ("embeddings", "search_index_queue"):
        for statement in rls.enable_tenant_rls(table, role):
            bind.exec_driver_sql(statement)
    op.execute(sa.text(ENSURE_ORG_INDEX))
    bind.exec_driver_sql("REVOKE ALL ON FUNCTION search_ensure_org_index(uuid) FROM PUBLIC")
    bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION search_ensure_org_index(uuid) TO "{role}"')
    # Existing organisations get their index now (empty, so instant); new ones get it from their
    # first indexing job.
    for (org_id,) in bind.exec_driver_sql("SELECT id FROM organizations").fetchall():
        bind.exec_driver_sql("SELECT set_config('app.org_id', %s, true)", (str(org_id),))
        bind.exec_driver_sql("SELECT search_ensure_org_index(%s::uuid)", (str(org_id),))
    bind.exec_driver_sql("SELECT set_config('app.org_id', '', true)")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS search_ensure_org_index(uuid)")
    op.drop_table("search_index_queue")
    op.drop_table("embeddings")
