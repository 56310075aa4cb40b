"""search: organisations' HNSW indexes are built with ef_construction 128 (was 64)

At 1,000,000 vectors shaped like MiniLM embeddings of CRM text (ADR 0012) an index built with
ef_construction 64 reached recall@10 0.912 at ef_search 200 and flattened near 0.95 only at 600
(p95 114 ms): the graph, not the search, was the limit. At 100,000 of the same vectors, built the
same way on the same machine minutes apart, ef_construction 128 lifted recall@10 from 0.925 / 0.995
to 1.000 / 1.000 at ef_search 40 / 100 for 97.6 s of build against 93.1 s; at 1M, same rows, the
new index (20 min of build) gives recall@10 0.989 at ef_search 200, p95 13.6 ms (docs/search.md).

Only the definition changes: new organisations' indexes get the new setting. An existing index
keeps its graph (rebuilding a big one would hold a migration for tens of minutes); to rebuild one,
drop it and call ``search_ensure_org_index`` in the organisation's transaction, or let the next
indexing job do so.


Revision ID: 0027
Revises: 0026
Create Date: 2026-11-28 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same function as 0017's but for the build settings; frozen here, as migrations must be.
_ENSURE_ORG_INDEX = """
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
    'WITH (m = 16, ef_construction = {ef_construction}) WHERE organization_id = %L::uuid',
    index_name, p_org);
  RETURN true;
END $$
"""


def upgrade() -> None:
    # CREATE OR REPLACE keeps the owner, the REVOKE from PUBLIC and the app role's EXECUTE grant.
    op.execute(sa.text(_ENSURE_ORG_INDEX.replace("{ef_construction}", "128")))


def downgrade() -> None:
    op.execute(sa.text(_ENSURE_ORG_INDEX.replace("{ef_construction}", "64")))
