"""Dashboard rollups: running totals kept by triggers in the same transaction as each write.

Each table is a sum over the rows of its source table that one widget reads, grouped by what the
widget filters and groups on (owner included, so own/team scopes read them too). Statement-level
triggers with transition tables (migration 0023) add each statement's net change, so a rollup is
always exactly the aggregate of the committed source rows. See docs/adr/0008-dashboard-rollups.md.

``owner_id`` is part of every key; a source row without an owner is counted under
``NO_OWNER`` (the nil UUID), which no user id equals, as ``NULL`` equals none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base

NO_OWNER = uuid.UUID(int=0)


def _organization() -> Mapped[uuid.UUID]:
    # The key leads with the tenant, so no separate organisation index (TenantMixin would add one).
    return mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
        server_default=text("app_current_org()"),
    )


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, server_default="0")


class DealStageTotal(Base):
    """Not-deleted deals per (pipeline, stage, currency, status, owner): the pipeline widget and the
    board's column totals. ``weighted_sum`` is sum(amount x deal probability), not yet / 100."""

    __tablename__ = "deal_stage_totals"

    organization_id: Mapped[uuid.UUID] = _organization()
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), primary_key=True
    )
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    deal_count: Mapped[int] = _count()
    # Deals with an amount: SQL's sum over none of them is NULL (and coalesced, 0 rather than 0.00).
    amount_count: Mapped[int] = _count()
    amount_sum: Mapped[Decimal] = mapped_column(Numeric, server_default="0")
    weighted_sum: Mapped[Decimal] = mapped_column(Numeric, server_default="0")


class DealCloseTotal(Base):
    """Won and lost, not-deleted deals per UTC day of ``closed_at``, currency and owner: win rate."""

    __tablename__ = "deal_close_totals"

    organization_id: Mapped[uuid.UUID] = _organization()
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    won_count: Mapped[int] = _count()
    lost_count: Mapped[int] = _count()
    won_amount_count: Mapped[int] = _count()  # won deals with an amount (a sum over none is 0, not 0.00)
    won_amount: Mapped[Decimal] = mapped_column(Numeric, server_default="0")


class OpenTaskTotal(Base):
    """Open (not completed, not deleted) tasks with a due date per UTC due day and owner."""

    __tablename__ = "open_task_totals"

    organization_id: Mapped[uuid.UUID] = _organization()
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    task_count: Mapped[int] = _count()


class LeadSourceTotal(Base):
    """Not-deleted leads per UTC day of ``created_at`` and source (``unknown`` when none)."""

    __tablename__ = "lead_source_totals"

    organization_id: Mapped[uuid.UUID] = _organization()
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(50), primary_key=True)
    lead_count: Mapped[int] = _count()
    converted_count: Mapped[int] = _count()


class DealCompanyWonTotal(Base):
    """Won, not-deleted deals with a company per (company, currency), over all time: top accounts.

    Amounts are never negative (``deals.amount_positive``), so a company's all-time won value is an
    upper bound of its won value in any period: top accounts computes exact period sums only for
    the companies whose bound can still reach its top N, walking this index from the largest
    (migration 0028, ADR 0008). No owner in the key: only the all-deals scope reads it. No foreign
    key to companies: deleting a company sets its deals' ``company_id`` to NULL, and that update
    is what moves its amounts out of here.
    """

    __tablename__ = "deal_company_won_totals"
    __table_args__ = (
        Index(
            "ix_deal_company_won_totals_amount",
            "organization_id",
            "won_amount",
            postgresql_include=["company_id", "currency"],
        ),
    )

    organization_id: Mapped[uuid.UUID] = _organization()
    company_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    won_count: Mapped[int] = _count()
    won_amount_count: Mapped[int] = _count()  # won deals with an amount
    won_amount: Mapped[Decimal] = mapped_column(Numeric, server_default="0")
