"""Transcripts of voice notes and call recordings on a record, and the field updates they propose.

The audio is an attachment of the record (so it shares its storage, access rules and erasure);
the transcript belongs to that attachment and goes when it goes (a GDPR erase of the record
removes both).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin

TRANSCRIPT_STATUSES = ("pending", "ready", "no_speech", "failed")
PROPOSAL_STATUSES = ("pending", "accepted", "rejected")


class Transcript(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "transcripts"
    __table_args__ = (
        Index("ix_transcripts_record", "organization_id", "object_type", "record_id", "created_at"),
        CheckConstraint("status IN ('pending', 'ready', 'no_speech', 'failed')", name="status_known"),
    )

    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    attachment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # call or note: the timeline activity it becomes
    status: Mapped[str] = mapped_column(String(12), default="pending", server_default="pending")
    error: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(8))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    # [{"start": s, "end": s, "text": ...}]
    segments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    summary: Mapped[str | None] = mapped_column(Text)
    sentiment_label: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment_drivers: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    model: Mapped[str | None] = mapped_column(String(80))
    model_version: Mapped[str | None] = mapped_column(String(80))
    activity_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class TranscriptProposal(IdMixin, TenantMixin, Base):
    __tablename__ = "transcript_proposals"
    __table_args__ = (
        Index("ix_transcript_proposals_transcript", "transcript_id"),
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status_known"),
    )

    transcript_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(40))
    # The record field an acceptance writes (None: the proposal is informational, e.g. a name heard).
    target_field: Mapped[str | None] = mapped_column(String(40))
    current_value: Mapped[str | None] = mapped_column(Text)
    proposed_value: Mapped[str] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    evidence: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[float | None] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
