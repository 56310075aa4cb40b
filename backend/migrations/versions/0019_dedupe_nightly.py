"""which organisations the nightly duplicate search visits

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 17:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from crm.core.config import get_settings

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The nightly duplicate search runs as the app role and must learn which organisations hold
# records before it scopes a transaction to each: this returns their ids, never a row's content.
SIGNATURE = "dedupe_orgs_with_records()"
FUNCTION = """
    CREATE OR REPLACE FUNCTION dedupe_orgs_with_records()
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT o.id FROM organizations o
          WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.organization_id = o.id AND c.deleted_at IS NULL)
             OR EXISTS (SELECT 1 FROM companies c WHERE c.organization_id = o.id AND c.deleted_at IS NULL)
          ORDER BY o.id $$"""


def upgrade() -> None:
    role = (op.get_context().config.attributes.get("settings") or get_settings()).database_app_role
    bind = op.get_bind()
    bind.exec_driver_sql(FUNCTION)
    bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    bind.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO "{role}"')


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
