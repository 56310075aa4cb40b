"""Companies (accounts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Computed, DateTime, Double, Float, Index, Integer, Numeric, String, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin
from crm.models.record import NOT_DELETED, RecordMixin, org_search_index, sort_indexes


class Company(IdMixin, TimestampMixin, TenantMixin, RecordMixin, Base):
    __tablename__ = "companies"
    __table_args__ = (
        # The revenue's index leads with its float twin, which bounds filters and keyset pages.
        *sort_indexes(
            "companies", "employee_count", ("annual_revenue_float", "annual_revenue"), "created_at"
        ),
        Index("ix_companies_org_name", "organization_id", "name", "id", postgresql_where=NOT_DELETED),
        Index(
            "ix_companies_org_updated",
            "organization_id",
            text("updated_at DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index("ix_companies_org_domain", "organization_id", "domain"),
        Index("ix_companies_org_owner", "organization_id", "owner_id", "id"),
        # Sentiment rollup (crm.ai.sentiment_rollup): sort by score (unscored last ascending, as the
        # list's NULLS LAST order), and filter by label with the same sort.
        Index(
            "ix_companies_org_sentiment",
            "organization_id",
            "sentiment_score",
            "id",
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_companies_org_sentiment_label",
            "organization_id",
            "sentiment_label",
            "sentiment_score",
            "id",
            postgresql_where=NOT_DELETED,
        ),
        Index("ix_companies_search", "search_vector", postgresql_using="gin"),
        org_search_index("companies"),
        Index("ix_companies_tags", "tags", postgresql_using="gin"),
    )

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str | None] = mapped_column(String(100))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    # float8 twin: a leakproof comparison an index scan can be bounded by under RLS (migration 0031).
    annual_revenue_float: Mapped[float | None] = mapped_column(
        Double, Computed("annual_revenue::double precision", persisted=True)
    )
    currency: Mapped[str | None] = mapped_column(String(3))
    # A company's address is not personal data; kept in clear and structured.
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Rollup of the sentiment of its activities (crm.ai.sentiment_rollup has the rule); never
    # written by edits, so it does not move ``version``.
    sentiment_label: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sentiment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(domain, '') || ' '"
            " || coalesce(industry, ''))",
            persisted=True,
        ),
    )
