"""Contacts (people: patients, referrers, buyers). PII columns hold AES-GCM ciphertext.

Names stay in clear so they can be searched and sorted (and are still treated as
personal data: erased, exported, masked in logs). E-mails and phones are lists, each
entry also findable through its blind index in ``contact_identifiers``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin
from crm.models.record import NOT_DELETED, RecordMixin, org_search_index


class Contact(IdMixin, TimestampMixin, TenantMixin, RecordMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "ix_contacts_org_name",
            "organization_id",
            "last_name",
            "first_name",
            "id",
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_contacts_org_updated",
            "organization_id",
            text("updated_at DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_contacts_org_created",
            "organization_id",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_contacts_org_owner", "organization_id", "owner_id", text("updated_at DESC"), text("id DESC")
        ),
        Index("ix_contacts_org_company", "organization_id", "company_id"),
        Index(
            "ix_contacts_org_stage",
            "organization_id",
            "lifecycle_stage",
            text("updated_at DESC"),
            text("id DESC"),
        ),
        # Sentiment rollup (crm.ai.sentiment_rollup): sort by score (unscored last ascending, as the
        # list's NULLS LAST order), and filter by label with the same sort.
        Index(
            "ix_contacts_org_sentiment",
            "organization_id",
            "sentiment_score",
            "id",
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_contacts_org_sentiment_label",
            "organization_id",
            "sentiment_label",
            "sentiment_score",
            "id",
            postgresql_where=NOT_DELETED,
        ),
        Index("ix_contacts_search", "search_vector", postgresql_using="gin"),
        org_search_index("contacts"),
        Index("ix_contacts_tags", "tags", postgresql_using="gin"),
    )

    # Never NULL ('' when unknown): the name sort stays a plain row comparison over one index.
    first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    job_title: Mapped[str | None] = mapped_column(String(150))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    # Denormalised so text search on a contact finds its company without a join; kept in sync on rename.
    company_name: Mapped[str | None] = mapped_column(String(200))
    lifecycle_stage: Mapped[str] = mapped_column(String(30), default="lead", server_default="lead")
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    consent_whatsapp: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    consent_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Encrypted (JSON list of strings / ISO date / JSON object), bound to this row.
    emails: Mapped[bytes | None] = mapped_column(LargeBinary)
    phones: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth: Mapped[bytes | None] = mapped_column(LargeBinary)
    address: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Rollup of the sentiment of its activities (crm.ai.sentiment_rollup has the rule); never
    # written by edits, so it does not move ``version``.
    sentiment_label: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sentiment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, coalesce(first_name, '') || ' ' || coalesce(last_name, '')"
            " || ' ' || coalesce(job_title, '') || ' ' || coalesce(company_name, ''))",
            persisted=True,
        ),
    )


class ContactIdentifier(Base):
    """Blind indexes of a contact's e-mails and phones: exact search and duplicate detection."""

    __tablename__ = "contact_identifiers"
    __table_args__ = (Index("ix_contact_identifiers_lookup", "organization_id", "kind", "blind_index"),)

    # TenantMixin's column minus its foreign key to organizations (row-level security and the
    # cascading contact_id key already tie the row to its organisation) and minus its own index
    # (the lookup index leads with it): both were paid on every identifier a CSV import writes,
    # and the lone index tempted the planner into scanning the whole organisation (0022).
    organization_id: Mapped[uuid.UUID] = mapped_column(
        nullable=False, server_default=text("app_current_org()")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # email, phone
    blind_index: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
