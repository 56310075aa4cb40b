"""Leads: prospects not yet qualified. Converting one creates a contact, a company and a deal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Computed, DateTime, Float, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin
from crm.models.record import NOT_DELETED, RecordMixin, org_search_index, sort_indexes


class Lead(IdMixin, TimestampMixin, TenantMixin, RecordMixin, Base):
    __tablename__ = "leads"
    __table_args__ = (
        *sort_indexes("leads", ("last_name", "first_name"), "created_at"),
        Index(
            "ix_leads_org_updated",
            "organization_id",
            text("updated_at DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index("ix_leads_org_status", "organization_id", "status", text("updated_at DESC"), text("id DESC")),
        # The lead list sorts hottest first with unscored leads last (score_sort DESC).
        Index(
            "ix_leads_org_score",
            "organization_id",
            text("score_sort DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index("ix_leads_org_source", "organization_id", "source", "created_at"),
        Index("ix_leads_email_bidx", "organization_id", "email_bidx"),
        Index("ix_leads_phone_bidx", "organization_id", "phone_bidx"),
        Index("ix_leads_search", "search_vector", postgresql_using="gin"),
        org_search_index("leads"),
    )

    # Never NULL ('' when unknown): the name sort stays a plain row comparison over one index.
    first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    company_name: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_bidx: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    phone: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_bidx: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    source: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="new", server_default="new")
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    # Written by the AI service (lead scoring): probability, its top reasons, the model that made it.
    score: Mapped[float | None] = mapped_column(Float)
    # The score as the list sorts it, -1 when unscored: after every probability, so sort=-score
    # lists the hottest first. A stored column, not an expression: under RLS only leakproof
    # conditions bound an index scan, and PostgreSQL takes coalesce() for leaky, so a keyset
    # page on the expression read every page before it.
    score_sort: Mapped[float] = mapped_column(Float, Computed("coalesce(score, -1.0)", persisted=True))
    score_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    score_model_version: Mapped[str | None] = mapped_column(String(60))
    scored_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    converted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    converted_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    converted_company_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )
    converted_deal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, coalesce(first_name, '') || ' ' || coalesce(last_name, '')"
            " || ' ' || coalesce(job_title, '') || ' ' || coalesce(company_name, ''))",
            persisted=True,
        ),
    )
