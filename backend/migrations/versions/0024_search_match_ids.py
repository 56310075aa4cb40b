"""full-text candidates for list searches through the GIN indexes despite row-level security

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27 21:00:00

Under row-level security PostgreSQL only uses a user condition as an index condition when its
operator is leakproof, and ``tsvector @@ tsquery`` is not: as the app role, a list's ``q`` could
never use the ``search_vector`` GIN index and filtered every row of the organisation (about 1 s
for a rare name at 1M contacts). This narrow SECURITY DEFINER function probes the index for the
current organisation's matches (``app_current_org()``, the same key as the RLS policies) and
returns at most ``max_ids`` record ids, never a row's content; the list then reads those records
under RLS as usual. Only the tables with a ``search_vector`` are accepted.

The SQL below is frozen here on purpose: a migration must not follow later code.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from crm.core.config import get_settings

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "search_match_ids(text, tsquery, integer)"
# OFFSET 0 keeps the organisation test above the index scan: pushed into it, the planner may
# AND the GIN bitmap with a bitmap of the organisation's whole index range (a million entries,
# ~200 ms) instead of checking the organisation on the few heap rows it visits anyway.
FUNCTION = """
    CREATE OR REPLACE FUNCTION search_match_ids(target text, query tsquery, max_ids integer)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        org uuid := app_current_org();
    BEGIN
        IF target NOT IN ('contacts', 'companies', 'leads', 'deals', 'activities') THEN
            RAISE EXCEPTION 'search_match_ids: % is not searchable', target USING ERRCODE = '22023';
        END IF;
        IF org IS NULL OR max_ids IS NULL OR max_ids < 1 THEN
            RETURN;
        END IF;
        RETURN QUERY EXECUTE format(
            'SELECT m.id FROM (SELECT id, organization_id FROM %I WHERE search_vector @@ $1 OFFSET 0) m'
            ' WHERE m.organization_id = $2 LIMIT $3',
            target
        ) USING query, org, max_ids;
    END
    $$"""


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    bind = op.get_bind()
    op.execute(FUNCTION)  # as text(): its format() placeholders are not driver parameters
    bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO "{role}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
