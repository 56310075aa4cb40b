"""Pipelines, their ordered stages, deals on them, and each deal's stage history."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin
from crm.models.record import NOT_DELETED, RecordMixin, org_search_index, sort_indexes


class Pipeline(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Stage(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "stages"
    __table_args__ = (
        Index("ix_stages_pipeline_position", "pipeline_id", "position"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        CheckConstraint("NOT (is_won AND is_lost)", name="won_or_lost"),
    )

    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_won: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_lost: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class Deal(IdMixin, TimestampMixin, TenantMixin, RecordMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (
        # The amount's index leads with its float twin, which bounds filters and keyset pages.
        *sort_indexes(
            "deals",
            "name",
            ("amount_float", "amount"),
            "probability",
            "closed_at",
            "stage_entered_at",
            "created_at",
        ),
        # The board: one stage's cards in manual order.
        Index(
            "ix_deals_board", "organization_id", "stage_id", "board_rank", "id", postgresql_where=NOT_DELETED
        ),
        # Board and pipeline totals from the index alone (no heap visits for a whole pipeline).
        Index(
            "ix_deals_board_totals",
            "organization_id",
            "stage_id",
            "currency",
            postgresql_include=["amount", "probability", "owner_id", "expected_close_date"],
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_deals_org_updated",
            "organization_id",
            text("updated_at DESC"),
            text("id DESC"),
            postgresql_where=NOT_DELETED,
        ),
        Index(
            "ix_deals_org_close", "organization_id", "expected_close_date", "id", postgresql_where=NOT_DELETED
        ),
        Index("ix_deals_org_status_closed", "organization_id", "status", "closed_at"),
        # Dashboards (migration 0023): open deals closing in a period, won deals in a period.
        Index(
            "ix_deals_open_closing",
            "organization_id",
            "expected_close_date",
            postgresql_include=["currency", "amount", "probability", "owner_id", "id"],
            postgresql_where=text("deleted_at IS NULL AND status = 'open'"),
        ),
        Index(
            "ix_deals_won_closed",
            "organization_id",
            "closed_at",
            postgresql_include=["company_id", "currency", "amount", "owner_id"],
            postgresql_where=text("deleted_at IS NULL AND status = 'won'"),
        ),
        Index("ix_deals_org_company", "organization_id", "company_id"),
        Index("ix_deals_org_owner", "organization_id", "owner_id", text("updated_at DESC"), text("id DESC")),
        Index("ix_deals_search", "search_vector", postgresql_using="gin"),
        org_search_index("deals"),
        CheckConstraint("amount >= 0", name="amount_positive"),
        CheckConstraint("status IN ('open', 'won', 'lost')", name="status_known"),
    )

    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    # float8 twin: a leakproof comparison an index scan can be bounded by under RLS (migration 0031).
    amount_float: Mapped[float | None] = mapped_column(
        Double, Computed("amount::double precision", persisted=True)
    )
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipelines.id", ondelete="RESTRICT"))
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    # Fractional index (base-62 string between its neighbours): a move rewrites one row, never a column.
    board_rank: Mapped[str] = mapped_column(String(64, collation="C"))
    probability: Mapped[int | None] = mapped_column(Integer)
    expected_close_date: Mapped[dt.date | None] = mapped_column(Date)
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    stage_entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, coalesce(name, ''))", persisted=True)
    )


class DealContact(TenantMixin, Base):
    __tablename__ = "deal_contacts"

    deal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DealStageChange(IdMixin, TenantMixin, Base):
    __tablename__ = "deal_stage_changes"
    __table_args__ = (Index("ix_deal_stage_changes_deal", "deal_id", "changed_at"),)

    deal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    to_stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
