"""The vector store in PostgreSQL: one row per chunk of a CRM record's text, and the queue of
records whose vectors are stale.

Each organisation's vectors get their own partial HNSW index (``ix_embeddings_org_<uuid hex>``),
created by the SECURITY DEFINER function ``search_ensure_org_index`` that migration 0017 defines:
pgvector 0.6 has no iterative index scans, so an index shared by every organisation would return
fewer than k rows of one organisation once the other organisations' rows are filtered out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from crm.models.base import Base

EMBEDDING_DIMENSIONS = 384
INDEXED_ENTITIES = ("contact", "company", "deal", "activity", "lead", "transcript")


class Vector(UserDefinedType[list[float]]):
    """pgvector's ``vector(n)``. Values travel as text (``'[0.1,0.2,...]'``): the backend needs no
    numpy and no pgvector adapter for the few vectors a request or a job batch moves."""

    cache_ok = True

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions

    def get_col_spec(self, **kw: Any) -> str:
        return f"vector({self.dimensions})"


def _org_column() -> Any:
    return mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
        server_default=text("app_current_org()"),
    )


class Embedding(Base):
    __tablename__ = "embeddings"
    __table_args__ = (
        CheckConstraint(f"entity IN {INDEXED_ENTITIES}", name="entity_known"),
        # Which models made an organisation's vectors (a skip scan, one probe per model) and the
        # records of a stale one, in order: the stale-vector sweep (crm.search.tasks) stays cheap.
        Index("ix_embeddings_model", "organization_id", "model", "entity", "entity_id"),
    )

    # The primary key leads with the organisation: it doubles as the per-organisation index for
    # exact scans (small organisations, and callers whose scope reaches few records).
    organization_id: Mapped[uuid.UUID] = _org_column()
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    chunk: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_DIMENSIONS))
    model: Mapped[str] = mapped_column(String(120))
    # sha256 of model + text: an edit that leaves the text unchanged costs no AI call.
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SearchIndexQueue(Base):
    """Records whose vectors must be rebuilt or dropped. Writers insert here in their own transaction
    (and enqueue one job per organisation); the job drains it in batches, so a burst of edits costs a
    few batched AI calls and an AI outage loses nothing."""

    __tablename__ = "search_index_queue"
    __table_args__ = (CheckConstraint(f"entity IN {INDEXED_ENTITIES}", name="entity_known"),)

    organization_id: Mapped[uuid.UUID] = _org_column()
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
