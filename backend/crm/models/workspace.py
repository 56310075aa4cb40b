"""Tags, attachments, saved views, duplicate suggestions and CSV imports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class Tag(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(60))
    color: Mapped[str | None] = mapped_column(String(7))


class Attachment(IdMixin, TenantMixin, Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_record", "organization_id", "object_type", "record_id"),)

    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(
        String(12), default="ready", server_default="ready"
    )  # pending: presigned
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SavedView(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_object", "organization_id", "object_type"),)

    object_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(12), default="private", server_default="private")
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    sort: Mapped[str | None] = mapped_column(String(80))


class DuplicateSuggestion(IdMixin, TenantMixin, Base):
    __tablename__ = "duplicate_suggestions"
    __table_args__ = (UniqueConstraint("organization_id", "object_type", "record_a", "record_b"),)

    object_type: Mapped[str] = mapped_column(String(20))
    record_a: Mapped[uuid.UUID] = mapped_column()
    record_b: Mapped[uuid.UUID] = mapped_column()
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ImportRun(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "import_runs"

    object_type: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(400))
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    duplicate_policy: Mapped[str] = mapped_column(String(10), default="skip", server_default="skip")
    status: Mapped[str] = mapped_column(String(12), default="uploaded", server_default="uploaded")
    total_rows: Mapped[int | None] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    job_run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ImportRowError(TenantMixin, Base):
    __tablename__ = "import_row_errors"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    error: Mapped[str] = mapped_column(Text)
