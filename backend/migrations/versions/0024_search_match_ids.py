"""full-text search for lists through GIN indexes despite row-level security: per-organisation
search indexes and two narrow SECURITY DEFINER functions

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27 21:00:00

Under row-level security PostgreSQL only uses a user condition as an index condition when its
operator is leakproof, and ``tsvector @@ tsquery`` is not: as the app role, a list's ``q`` never
used the ``search_vector`` GIN index and filtered every row of the organisation instead (about
1 s for a rare name at 1M contacts).

- ``ix_<table>_org_search``: a GIN index of the live rows' ``search_vector`` plus one lexeme
  naming the organisation (``org:<uuid>``, which the ``simple`` parser can never produce from
  text, since it splits at ``:``). A query ANDed with the organisation's lexeme finds only that
  organisation's matches, with GIN's skipping intersection, and no heap visit for anyone else's.
- ``search_match_ids(target, query, max_ids, live_only)``: up to ``max_ids`` ids of the current
  organisation's (``app_current_org()``, the key of the RLS policies) matching rows; never a
  row's content. Lists read those rows under RLS as usual.
- ``search_match_count(target, query, max_count)``: how many live rows of the organisation
  match, counting at most ``max_count``. Every condition is in the index, so the count reads
  the index and the visibility map only (no heap page of an all-visible block).

Only the tables with a ``search_vector`` are accepted. An empty query (no lexemes) matches
nothing, as ``@@`` does (ANDed with the organisation's lexeme it would match everything).

The expression indexes are not declared on the models: Alembic does not compare expression
indexes, so they stay out of the drift check either way, like the functions.
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

TABLES = ("contacts", "companies", "leads", "deals", "activities")
ORG_SEARCH = "(search_vector || array_to_tsvector(ARRAY['org:' || organization_id::text]))"
QUOTED_ORG_SEARCH = ORG_SEARCH.replace("'", "''")  # inside the functions' format() string literals
IDS_SIGNATURE = "search_match_ids(text, tsquery, integer, boolean)"
COUNT_SIGNATURE = "search_match_count(text, tsquery, integer)"
CHECKS = """
        IF target NOT IN ('contacts', 'companies', 'leads', 'deals', 'activities') THEN
            RAISE EXCEPTION 'search: % is not searchable', target USING ERRCODE = '22023';
        END IF;"""
IDS_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION search_match_ids(target text, query tsquery, max_ids integer, live_only boolean)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        org uuid := app_current_org();
    BEGIN{CHECKS}
        IF org IS NULL OR query IS NULL OR numnode(query) = 0 OR max_ids IS NULL OR max_ids < 1 THEN
            RETURN;
        END IF;
        IF live_only THEN
            RETURN QUERY EXECUTE format(
                'SELECT id FROM %I WHERE deleted_at IS NULL AND {QUOTED_ORG_SEARCH} @@ ($1 && $2) LIMIT $3', target
            ) USING query, format('%L', 'org:' || org)::tsquery, max_ids;
        ELSE
            -- Deleted rows too (a list that includes them): the global index, the organisation
            -- checked on the rows it finds. OFFSET 0 keeps that check out of the index scan.
            RETURN QUERY EXECUTE format(
                'SELECT m.id FROM (SELECT id, organization_id FROM %I WHERE search_vector @@ $1 OFFSET 0) m'
                ' WHERE m.organization_id = $2 LIMIT $3', target
            ) USING query, org, max_ids;
        END IF;
    END
    $$"""
COUNT_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION search_match_count(target text, query tsquery, max_count integer)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        org uuid := app_current_org();
        n bigint;
    BEGIN{CHECKS}
        IF org IS NULL OR query IS NULL OR numnode(query) = 0 OR max_count IS NULL OR max_count < 1 THEN
            RETURN 0;
        END IF;
        -- An empty select list: the bitmap scan then skips the heap of all-visible blocks.
        EXECUTE format(
            'SELECT count(*) FROM (SELECT FROM %I WHERE deleted_at IS NULL AND {QUOTED_ORG_SEARCH} @@ ($1 && $2)'
            ' LIMIT $3) t', target
        ) INTO n USING query, format('%L', 'org:' || org)::tsquery, max_count;
        RETURN n;
    END
    $$"""


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    for table in TABLES:
        op.execute(
            f"CREATE INDEX ix_{table}_org_search ON {table} USING gin ({ORG_SEARCH}) WHERE deleted_at IS NULL"
        )
    bind = op.get_bind()
    for function, signature in ((IDS_FUNCTION, IDS_SIGNATURE), (COUNT_FUNCTION, COUNT_SIGNATURE)):
        op.execute(function)  # as text(): its format() placeholders are not driver parameters
        bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {IDS_SIGNATURE}")
    op.execute(f"DROP FUNCTION IF EXISTS {COUNT_SIGNATURE}")
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_org_search")
