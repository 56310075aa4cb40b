"""Activities (note, call, meeting, email, task) linked to any of a contact, company, lead or deal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin
from crm.models.record import NOT_DELETED, org_search_index, sort_indexes

ACTIVITY_KINDS = ("note", "call", "meeting", "email", "task")


class Activity(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "activities"
    __table_args__ = (
        *sort_indexes("activities", "occurred_at", "due_at", "completed_at", "created_at", "updated_at"),
        Index("ix_activities_contact", "organization_id", "contact_id", text("occurred_at DESC")),
        Index("ix_activities_company", "organization_id", "company_id", text("occurred_at DESC")),
        Index("ix_activities_lead", "organization_id", "lead_id", text("occurred_at DESC")),
        Index("ix_activities_deal", "organization_id", "deal_id", text("occurred_at DESC")),
        # Open tasks by due date: the "due and overdue" dashboard and reminders.
        Index(
            "ix_activities_open_tasks",
            "organization_id",
            "due_at",
            postgresql_where=text("kind = 'task' AND completed_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_activities_org_owner", "organization_id", "owner_id", text("occurred_at DESC")),
        Index("ix_activities_search", "search_vector", postgresql_using="gin"),
        org_search_index("activities"),
        CheckConstraint(f"kind IN {ACTIVITY_KINDS}", name="kind_known"),
        CheckConstraint(
            "contact_id IS NOT NULL OR company_id IS NOT NULL OR lead_id IS NOT NULL OR deal_id IS NOT NULL",
            name="linked",
        ),
        # Sentiment (crm.ai, migration 0014): filters and trends read analysed rows; the sweep
        # reads what is still pending.
        Index(
            "ix_activities_org_sentiment",
            "organization_id",
            "sentiment_label",
            text("occurred_at DESC"),
            postgresql_where=text("sentiment_label IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index(
            "ix_activities_sentiment_pending",
            "organization_id",
            postgresql_where=text("sentiment_at IS NULL AND deleted_at IS NULL AND kind <> 'task'"),
        ),
        # Reminders still to deliver, by when they fall due (the per-minute job reads this).
        Index(
            "ix_activities_reminders_due",
            text("coalesce(reminder_at, due_at)"),
            postgresql_where=text(
                "reminder_sent_at IS NULL AND deleted_at IS NULL AND completed_at IS NULL "
                "AND owner_id IS NOT NULL AND (reminder_at IS NOT NULL OR due_at IS NOT NULL)"
            ),
        ),
        CheckConstraint(
            "sentiment_label IS NULL OR sentiment_label IN ('negative', 'neutral', 'positive')",
            name="sentiment_known",
        ),
    )

    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reminder_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # When the reminder went out (reminder_at, or due_at for a task without one); NULL re-arms it.
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    deal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Written by the AI service (sentiment of notes, e-mails, call transcripts, meeting notes).
    # Set sentiment_at to NULL when subject or body change: the sweep then reads the row again.
    sentiment_label: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment_drivers: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    sentiment_model: Mapped[str | None] = mapped_column(String(80))
    sentiment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || coalesce(body, ''))",
            persisted=True,
        ),
    )


__all__ = ["ACTIVITY_KINDS", "NOT_DELETED", "Activity"]
