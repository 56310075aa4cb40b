"""Columns every CRM record shares: owner, tags, version (optimistic concurrency), soft delete, provenance."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class RecordMixin:
    @declared_attr
    def owner_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def created_by(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tags: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list, server_default="{}")
    # Bumped on every write; PATCH carries it (If-Match): a stale edit gets 412, not a silent overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    import_id: Mapped[uuid.UUID | None] = mapped_column()  # provenance: the CSV import that created it


NOT_DELETED = text("deleted_at IS NULL")

# A record's search lexemes plus one naming its organisation ("org:<uuid>", which the "simple"
# parser never produces from text: it splits at ":"). Under RLS only the SECURITY DEFINER search
# functions can use a GIN index for "@@" (not a leakproof operator); ANDing the organisation's
# lexeme into the query, they reach only its matches (migration 0024, crm.kit.query).
ORG_SEARCH = "(search_vector || array_to_tsvector(ARRAY['org:' || organization_id::text]))"


def sort_indexes(table: str, *sorts: str | tuple[str, ...]) -> tuple[Index, ...]:
    """One index per sortable field of a list: (organisation, field..., id) over live records, so a
    page in that order (either direction: an index is walked both ways) is an index range, not a
    sort of the organisation's records. ``tests/kit/test_sort_indexes.py`` checks every sortable
    field has one."""
    out = []
    for sort in sorts:
        columns = (sort,) if isinstance(sort, str) else sort
        out.append(
            Index(
                f"ix_{table}_org_{columns[0]}",
                "organization_id",
                *columns,
                "id",
                postgresql_where=NOT_DELETED,
            )
        )
    return tuple(out)


def org_search_index(table: str) -> Index:
    return Index(
        f"ix_{table}_org_search", text(ORG_SEARCH), postgresql_using="gin", postgresql_where=NOT_DELETED
    )
