"""search index: leads and transcripts are indexed entities of their own

The vector ledger (``embeddings``) and the index queue (``search_index_queue``) accept two more
entities. Existing rows are untouched; ``crm search reindex`` (or the admin's reindex) embeds the
organisation's leads and ready transcripts.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration must not follow later code.
BEFORE = "entity IN ('contact', 'company', 'deal', 'activity')"
AFTER = "entity IN ('contact', 'company', 'deal', 'activity', 'lead', 'transcript')"
TABLES = ("embeddings", "search_index_queue")


def _replace(condition: str) -> None:
    for table in TABLES:
        name = f"ck_{table}_entity_known"
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, condition)


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    # Rows of the two entities cannot stay under the narrower rule.
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE entity IN ('lead', 'transcript')")
    _replace(BEFORE)
