"""sentiment rollup labels by the activities' labels; search: finding vectors of an old model

Two fixes of issue 6's AI gaps, each frozen here:

* 0021 labelled a record by reading its weighted mean score with +-0.05 thresholds, which could
  contradict its activities (one note the model calls neutral, score 0.26, made its contact
  "positive"). Every contact and company that has analysed activities is recomputed with the new
  rule of crm.ai.sentiment_rollup: the label with the greatest recency-weighted share; the score
  (the weighted mean) is recomputed the same as before.
* The stale-vector sweep (crm.search.tasks) needs, cheaply, the organisations holding vectors
  (``search_orgs_with_vectors()``, SECURITY DEFINER, ids only: it runs as the app role before it
  scopes a transaction) and each one's models and their records (``ix_embeddings_model``).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from crm.core.config import get_settings

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule of crm.ai.sentiment_rollup, frozen here (a migration must not follow later code): the
# last 20 analysed activities, weights 0.8^(rank-1) newest first; score the weighted mean, label the
# activity label with the greatest weighted share (a tie for the top gives neutral).
_RANKED_AGG = """
ranked AS (
    SELECT linked.*,
           row_number() OVER (PARTITION BY owner ORDER BY occurred_at DESC, aid DESC) AS rank,
           count(*) OVER (PARTITION BY owner) AS n
    FROM linked
),
weighted AS (SELECT ranked.*, power(0.8, rank - 1) AS w FROM ranked WHERE rank <= 20),
agg AS (
    SELECT owner AS id, sum(score * w) / sum(w) AS score,
           coalesce(sum(w) FILTER (WHERE label = 'positive'), 0) AS positive,
           coalesce(sum(w) FILTER (WHERE label = 'negative'), 0) AS negative,
           coalesce(sum(w) FILTER (WHERE label = 'neutral'), 0) AS neutral,
           max(n) AS n, max(occurred_at) AS at
    FROM weighted GROUP BY owner
)
"""
_SET = """sentiment_score = agg.score,
    sentiment_label = CASE WHEN agg.positive > greatest(agg.negative, agg.neutral) THEN 'positive'
        WHEN agg.negative > greatest(agg.positive, agg.neutral) THEN 'negative' ELSE 'neutral' END,
    sentiment_count = agg.n, sentiment_at = agg.at"""
_ANALYSED = "a.deleted_at IS NULL AND a.sentiment_label IS NOT NULL"
_COLUMNS = "a.id AS aid, a.sentiment_score AS score, a.sentiment_label AS label, a.occurred_at"


# Run as the owner (row-level security does not apply): every organisation at once.
CONTACTS = f"""
WITH linked AS (
    SELECT a.contact_id AS owner, {_COLUMNS}
    FROM activities a WHERE a.contact_id IS NOT NULL AND {_ANALYSED}
),
{_RANKED_AGG}
UPDATE contacts t SET {_SET} FROM agg WHERE t.id = agg.id
"""
COMPANIES = f"""
WITH linked AS (
    SELECT a.company_id AS owner, {_COLUMNS}
    FROM activities a WHERE a.company_id IS NOT NULL AND {_ANALYSED}
    UNION
    SELECT c.company_id, {_COLUMNS}
    FROM contacts c JOIN activities a ON a.contact_id = c.id
    WHERE c.company_id IS NOT NULL AND c.deleted_at IS NULL AND {_ANALYSED}
),
{_RANKED_AGG}
UPDATE companies t SET {_SET} FROM agg WHERE t.id = agg.id
"""


SIGNATURE = "search_orgs_with_vectors()"
FUNCTION = """
    CREATE OR REPLACE FUNCTION search_orgs_with_vectors()
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT o.id FROM organizations o
          WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.organization_id = o.id)
          ORDER BY o.id $$"""


def upgrade() -> None:
    op.execute(CONTACTS)
    op.execute(COMPANIES)
    op.create_index("ix_embeddings_model", "embeddings", ["organization_id", "model", "entity", "entity_id"])
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    bind = op.get_bind()
    bind.exec_driver_sql(FUNCTION)
    bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO "{role}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    op.drop_index("ix_embeddings_model", table_name="embeddings")
    # 0021's label: the (unchanged) weighted mean score read with +-0.05 thresholds.
    for table in ("contacts", "companies"):
        op.execute(
            f"""
            UPDATE {table} SET sentiment_label = CASE WHEN sentiment_score >= 0.05 THEN 'positive'
                WHEN sentiment_score <= -0.05 THEN 'negative' ELSE 'neutral' END
            WHERE sentiment_score IS NOT NULL
            """
        )
