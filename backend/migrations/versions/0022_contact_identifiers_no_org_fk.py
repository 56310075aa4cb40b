"""contact_identifiers: drop the redundant foreign key organization_id -> organizations

Row-level security already binds each row to its organisation and the contact_id key
(ON DELETE CASCADE) removes it with its contact, which goes with its organisation. The
extra key was checked on every identifier written: about 40 % of a CSV import's
database time.

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


def upgrade() -> None:
    op.drop_constraint(CONSTRAINT, "contact_identifiers", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key(
        CONSTRAINT,
        "contact_identifiers",
        "organizations",
        ["organization_id"],
        ["id"],
        ondelete="CASCADE",
    )
