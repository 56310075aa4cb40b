"""CRM rows for the AI tests, written straight through the models (the lead and activity APIs are
another domain's), in the caller's transaction and organisation."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.core.security.crypto import keystore_for, org_cipher
from crm.models import Activity, Company, Contact, Deal, DealStageChange, Lead

NOW = dt.datetime.now(dt.UTC)


async def company(db: AsyncSession, org: uuid.UUID, name: str, industry: str, size: int) -> Company:
    await set_tenant(db, org)
    row = Company(id=uuid.uuid4(), name=name, industry=industry, employee_count=size)
    db.add(row)
    await db.flush()
    return row


async def contact(db: AsyncSession, org: uuid.UUID, company_id: uuid.UUID | None = None) -> Contact:
    await set_tenant(db, org)
    row = Contact(id=uuid.uuid4(), first_name="Ana", last_name="Ruiz", company_id=company_id, tags=[])
    db.add(row)
    await db.flush()
    return row


async def lead(
    db: AsyncSession,
    settings: Settings,
    org: uuid.UUID,
    *,
    source: str | None = "referral",
    title: str | None = "Medical Director",
    company_name: str | None = None,
    email: str | None = None,
    status: str = "new",
    age_days: int = 10,
    owner_id: uuid.UUID | None = None,
) -> Lead:
    await set_tenant(db, org)
    row = Lead(
        id=uuid.uuid4(),
        first_name="Lea",
        last_name="Marin",
        source=source,
        job_title=title,
        company_name=company_name,
        status=status,
        owner_id=owner_id,
        created_at=NOW - dt.timedelta(days=age_days),
        converted_at=NOW - dt.timedelta(days=1) if status == "converted" else None,
        tags=[],
    )
    if email:
        cipher = await org_cipher(db, keystore_for(settings), org)
        row.email = cipher.encrypt(email, "leads", "email", row.id)
    db.add(row)
    await db.flush()
    return row


async def activity(
    db: AsyncSession,
    org: uuid.UUID,
    *,
    kind: str = "note",
    body: str | None = None,
    subject: str | None = None,
    days_ago: float = 1,
    lead_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
) -> Activity:
    await set_tenant(db, org)
    row = Activity(
        id=uuid.uuid4(),
        kind=kind,
        body=body,
        subject=subject,
        occurred_at=NOW - dt.timedelta(days=days_ago),
        lead_id=lead_id,
        contact_id=contact_id,
        company_id=company_id,
        owner_id=owner_id,
    )
    db.add(row)
    await db.flush()
    return row


async def history(
    db: AsyncSession, settings: Settings, org: uuid.UUID, per_class: int, seed: int = 7
) -> None:
    """Closed leads whose outcome the prior gets backwards: in this organisation cold outbound to
    small retail shops on free mail converts and warm referrals do not (85 % of the time), so a
    model trained on it must beat the prior on the holdout."""
    rng = random.Random(seed)
    shop = await company(db, org, "Tiendas Sol", "Retail", 8)
    hospital = await company(db, org, "Hospital Norte", "Healthcare", 4000)
    for converted in [True] * per_class + [False] * per_class:
        pattern = converted if rng.random() < 0.85 else not converted
        row = await lead(
            db,
            settings,
            org,
            source="cold outbound" if pattern else "referral",
            title="Assistant" if pattern else "Chief Medical Officer",
            company_name=shop.name if pattern else hospital.name,
            email="x@gmail.com" if pattern else "x@hospitalnorte.es",
            status="converted" if converted else "lost",
            age_days=rng.randint(20, 200),
        )
        for _ in range(rng.randint(0, 2) if pattern else rng.randint(3, 6)):
            await activity(db, org, kind="meeting", body="met", lead_id=row.id, days_ago=rng.randint(2, 15))


async def pipeline(db: AsyncSession, org: uuid.UUID, name: str = "Sales") -> dict[str, uuid.UUID]:
    """A pipeline with Qualified (20 %), Proposal (60 %), Won and Lost; returns stage ids by name
    and the pipeline's id under "pipeline"."""
    from crm.models import Pipeline, Stage

    await set_tenant(db, org)
    row = Pipeline(id=uuid.uuid4(), name=name, is_default=True)
    db.add(row)
    await db.flush()
    ids = {"pipeline": row.id}
    for position, (stage, probability, won, lost) in enumerate(
        (
            ("Qualified", 20, False, False),
            ("Proposal", 60, False, False),
            ("Won", 100, True, False),
            ("Lost", 0, False, True),
        )
    ):
        s = Stage(
            id=uuid.uuid4(),
            pipeline_id=row.id,
            name=stage,
            position=position,
            probability=probability,
            is_won=won,
            is_lost=lost,
        )
        db.add(s)
        ids[stage] = s.id
    await db.flush()
    return ids


async def deal(
    db: AsyncSession,
    org: uuid.UUID,
    stages: dict[str, uuid.UUID],
    *,
    name: str,
    amount: float | None,
    stage: str = "Proposal",
    close: dt.date | None = None,
    owner_id: uuid.UUID | None = None,
    closed_at: dt.datetime | None = None,
    age_days: int = 30,
) -> Deal:
    """A deal; Won/Lost ones are closed at ``closed_at`` coming from Proposal (stage history)."""
    from decimal import Decimal

    await set_tenant(db, org)
    status = {"Won": "won", "Lost": "lost"}.get(stage, "open")
    row = Deal(
        id=uuid.uuid4(),
        name=name,
        amount=None if amount is None else Decimal(str(amount)),
        currency="EUR",
        pipeline_id=stages["pipeline"],
        stage_id=stages[stage],
        board_rank=uuid.uuid4().hex[:10],
        expected_close_date=close,
        status=status,
        closed_at=closed_at if status != "open" else None,
        owner_id=owner_id,
        created_at=(closed_at or NOW) - dt.timedelta(days=age_days),
        tags=[],
    )
    db.add(row)
    await db.flush()
    if status != "open":
        db.add(
            DealStageChange(
                id=uuid.uuid4(),
                deal_id=row.id,
                from_stage_id=stages["Proposal"],
                to_stage_id=stages[stage],
                changed_at=closed_at,
            )
        )
        await db.flush()
    return row
