"""contact_identifiers: drop the redundant foreign key organization_id -> organizations
and the redundant index on organization_id alone

Row-level security already binds each row to its organisation and the contact_id key
(ON DELETE CASCADE) removes it with its contact, which goes with its organisation. The
extra key was checked on every identifier written (a large share of a CSV import's
database time). The index on organization_id alone duplicates the lead column of
ix_contact_identifiers_lookup (organization_id, kind, blind_index): it cost a write per
identifier, and with stale statistics during a bulk import the planner preferred it and
read the whole organisation's identifiers for each batch's duplicate probe.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "fk_contact_identifiers_organization_id_organizations"
INDEX = "ix_contact_identifiers_organization_id"


def upgrade() -> None:
    op.drop_constraint(CONSTRAINT, "contact_identifiers", type_="foreignkey")
    op.drop_index(INDEX, table_name="contact_identifiers")


def downgrade() -> None:
    op.create_index(INDEX, "contact_identifiers", ["organization_id"], unique=False)
    op.create_foreign_key(
        CONSTRAINT,
        "contact_identifiers",
        "organizations",
        ["organization_id"],
        ["id"],
        ondelete="CASCADE",
    )
