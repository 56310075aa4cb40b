"""The demo organisation: created once with its users and deterministic CRM data, PII encrypted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.core.security.crypto import OrgCipher, keystore_for, org_cipher
from crm.member.service import add_member
from crm.models import (
    Activity,
    Company,
    Contact,
    ContactIdentifier,
    CustomFieldValue,
    Deal,
    DealStageChange,
    Lead,
    Membership,
    Organization,
    Pipeline,
    Role,
    Stage,
)
from crm.organization import repository
from crm.organization.demo import DEMO_SLUG, add_demo_data, seed_demo
from crm.organization.demo_data import build_plan, lead_propensity
from crm.pipeline import ranking
from tests.fixtures.people import PASSWORD, make_tenant

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)


async def _count(db: AsyncSession, model: Any, *where: Any) -> int:
    return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_seed_demo_creates_everything_once_and_fast(
    sessions: async_sessionmaker[AsyncSession], db: AsyncSession, settings: Settings
) -> None:
    keystore = keystore_for(settings)
    started = time.perf_counter()
    assert await seed_demo(sessions, PASSWORD, keystore=keystore, today=TODAY) is True
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"
    assert await seed_demo(sessions, PASSWORD, keystore=keystore, today=TODAY) is False

    org = await repository.id_by_slug(db, DEMO_SLUG)
    assert org is not None
    await set_tenant(db, org)
    assert await _count(db, Membership) == 4
    assert 55 <= await _count(db, Company) <= 65
    assert await _count(db, Contact) == 400  # not doubled by the second call
    assert await _count(db, Lead) == 300
    assert await _count(db, Deal) == 150
    assert await _count(db, Pipeline) == 2
    assert await _count(db, Activity) >= 1000
    assert await _count(db, CustomFieldValue) > 200

    # Leads: enough outcomes for scoring, conversions linked to what they became.
    assert await _count(db, Lead, Lead.status == "converted") >= 60
    assert await _count(db, Lead, Lead.status == "lost", Lead.lost_reason.isnot(None)) >= 60
    unlinked = await _count(
        db,
        Lead,
        Lead.status == "converted",
        (Lead.converted_contact_id.is_(None))
        | (Lead.converted_deal_id.is_(None))
        | Lead.converted_at.is_(None),
    )
    assert unlinked == 0
    assert await _count(db, Lead, Lead.status == "converted", Lead.converted_company_id.isnot(None)) >= 30
    sources = set((await db.execute(select(Lead.source).distinct())).scalars())
    assert {"web_form", "referral", "event", "paid_ads", "partner", "cold_outbound"} <= sources

    # Deals: open, won and lost over the past 18 months, with history and board ranks.
    statuses = dict(
        [tuple(r) for r in await db.execute(select(Deal.status, func.count()).group_by(Deal.status))]
    )
    assert min(statuses.get(s, 0) for s in ("open", "won", "lost")) >= 20, statuses
    assert await _count(db, Deal, Deal.status == "lost", Deal.lost_reason.is_(None)) == 0
    assert await _count(db, Deal, Deal.status != "open", Deal.closed_at.is_(None)) == 0
    assert await _count(db, Deal, Deal.currency != "EUR") == 0
    first, last = (await db.execute(select(func.min(Deal.created_at), func.max(Deal.created_at)))).one()
    assert NOW - dt.timedelta(days=549) <= first <= NOW - dt.timedelta(days=480)
    assert last >= NOW - dt.timedelta(days=30)
    won_months = (
        await db.execute(
            select(func.count(func.distinct(func.date_trunc("month", Deal.closed_at)))).where(
                Deal.status == "won"
            )
        )
    ).scalar_one()
    assert won_months >= 12
    assert await _count(db, DealStageChange) > 150
    ranks = [tuple(r) for r in await db.execute(select(Deal.stage_id, Deal.board_rank))]
    assert all(ranking.is_valid(rank) for _, rank in ranks) and len(set(ranks)) == len(ranks)
    won_stage = select(Stage.id).where(Stage.is_won)
    assert await _count(db, Deal, Deal.status == "won", Deal.stage_id.notin_(won_stage)) == 0

    # Activities of every kind, tasks due, overdue and done, notes with text.
    kinds = set((await db.execute(select(Activity.kind).distinct())).scalars())
    assert kinds == {"note", "call", "meeting", "email", "task"}
    open_task = (Activity.kind == "task", Activity.completed_at.is_(None))
    assert await _count(db, Activity, *open_task, Activity.due_at < func.now()) > 5
    assert await _count(db, Activity, *open_task, Activity.due_at >= func.now()) > 5
    assert await _count(db, Activity, Activity.kind == "task", Activity.completed_at.isnot(None)) > 20
    notes = (await db.execute(select(Activity.body).where(Activity.kind == "note"))).scalars().all()
    assert len(set(notes)) > 200

    # PII at rest: ciphertext only, decryptable with the row binding, findable by blind index.
    cipher = await org_cipher(db, keystore, org)
    contact = (
        await db.execute(select(Contact).where(Contact.emails.isnot(None)).order_by(Contact.id).limit(1))
    ).scalar_one()
    emails = json.loads(cipher.decrypt(contact.emails, "contacts", "emails", contact.id))
    assert emails and emails[0].encode() not in contact.emails
    found = (
        (
            await db.execute(
                select(ContactIdentifier.contact_id).where(
                    ContactIdentifier.kind == "email",
                    ContactIdentifier.blind_index == cipher.blind_index(emails[0], "email"),
                )
            )
        )
        .scalars()
        .all()
    )
    assert found == [contact.id]
    raw = await db.execute(text("SELECT string_agg(encode(emails, 'escape'), '') FROM contacts"))
    assert ".example" not in (raw.scalar_one() or "")
    lead = (await db.execute(select(Lead).where(Lead.email.isnot(None)).limit(1))).scalar_one()
    assert "@" in cipher.decrypt(lead.email, "leads", "email", lead.id)
    assert lead.email_bidx is not None


async def _snapshot(db: AsyncSession, cipher: OrgCipher, owners: dict[uuid.UUID, str]) -> str:
    """Every demo value that matters (PII decrypted, owners as roles), hashed."""

    def plain(value: bytes | None, table: str, column: str, row_id: uuid.UUID) -> Any:
        return None if value is None else json.loads(cipher.decrypt(value, table, column, row_id))

    parts: list[Any] = []
    for c in (await db.execute(select(Contact).order_by(Contact.id))).scalars():
        parts.append(
            [
                str(c.id), c.first_name, c.last_name, c.job_title, str(c.company_id), c.lifecycle_stage,
                owners.get(c.owner_id), c.tags, c.created_at.isoformat(), c.consent_email,
                *(plain(getattr(c, col), "contacts", col, c.id) for col in ("emails", "phones", "date_of_birth", "address")),
            ]
        )  # fmt: skip
    for d in (await db.execute(select(Deal).order_by(Deal.id))).scalars():
        parts.append(
            [
                str(d.id),
                d.name,
                str(d.amount),
                d.status,
                str(d.stage_id),
                d.board_rank,
                owners.get(d.owner_id),
            ]
        )
    for le in (await db.execute(select(Lead).order_by(Lead.id))).scalars():
        parts.append(
            [
                str(le.id),
                le.status,
                le.source,
                cipher.decrypt(le.email, "leads", "email", le.id) if le.email else None,
                str(le.converted_deal_id),
            ]
        )
    for a in (await db.execute(select(Activity).order_by(Activity.id))).scalars():
        parts.append([str(a.id), a.kind, a.subject, a.body, a.occurred_at.isoformat(), str(a.due_at)])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


async def _fresh_tenant(db: AsyncSession, org_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """An organisation with this id and one user per role; returns user id -> role."""
    await set_tenant(db, org_id)
    db.add(Organization(id=org_id, name="Demo Twin", slug=f"twin-{org_id.hex[:12]}"))
    await db.flush()
    owners = {}
    for role in Role:
        user = await add_member(
            db,
            email=f"{role.value}-{org_id.hex[:8]}@twin.example",
            full_name=role.value,
            role=role,
            password=PASSWORD,
        )
        owners[user.id] = role.value
    return owners


def test_the_plan_is_a_pure_function_of_organisation_and_day() -> None:
    org = uuid.UUID("5b0e8d8e-51a4-4c44-9a8e-3a1c4f1f0001")
    owners = {
        role: [uuid.UUID(int=i + 1)] for i, role in enumerate(("admin", "sales", "marketing", "support"))
    }
    one, two = build_plan(org, owners, TODAY), build_plan(org, owners, TODAY)
    assert one.contacts == two.contacts and one.deals == two.deals and one.activities == two.activities
    assert one.leads == two.leads and one.companies == two.companies
    other = build_plan(uuid.uuid4(), owners, TODAY)
    # Another organisation: other ids, the very same values.
    assert [c["id"] for c in other.contacts] != [c["id"] for c in one.contacts]
    strip = lambda rows: [{k: v for k, v in r.items() if not k.endswith("id")} for r in rows]  # noqa: E731
    assert strip(other.contacts) == strip(one.contacts)
    assert strip(other.deals) == strip(one.deals)
    assert strip(other.leads) == strip(one.leads)
    assert strip(other.activities) == strip(one.activities)


def test_lead_outcomes_follow_the_features() -> None:
    plan = build_plan(uuid.uuid4(), {"sales": [uuid.uuid4()]}, TODAY)
    decided = [le for le in plan.leads if le["status"] in ("converted", "lost")]
    rate = {
        source: sum(le["status"] == "converted" for le in decided if le["source"] == source)
        / max(1, sum(le["source"] == source for le in decided))
        for source in ("referral", "cold_outbound")
    }
    assert rate["referral"] > rate["cold_outbound"] + 0.15, rate
    assert lead_propensity("referral", "HR Director", 300, 4) > lead_propensity(
        "cold_outbound", "HR Assistant", 20, 0
    )
    # The planted fuzzy duplicates are there for the dedupe job to find.
    assert len(plan.planted_duplicates) == 10


async def test_same_ids_and_values_twice_on_fresh_organisations(db: AsyncSession, settings: Settings) -> None:
    keystore = keystore_for(settings)
    org_id = uuid.uuid4()
    digests, deal_ids = [], []
    for _ in range(2):
        savepoint = await db.begin_nested()
        owners = await _fresh_tenant(db, org_id)
        counts = await add_demo_data(db, keystore, org_id, today=TODAY)
        assert counts and counts["contacts"] == 400
        assert await add_demo_data(db, keystore, org_id, today=TODAY) is None  # once only
        digests.append(await _snapshot(db, await org_cipher(db, keystore, org_id), owners))
        deal_ids.append(
            (await db.execute(select(Deal.id).order_by(Deal.created_at, Deal.id))).scalars().all()
        )
        await savepoint.rollback()
    assert digests[0] == digests[1]
    assert deal_ids[0] == deal_ids[1] and len(deal_ids[0]) == 150


async def test_an_organisation_in_use_gets_no_demo_data(db: AsyncSession, settings: Settings) -> None:
    tenant = await make_tenant(db, "Busy Clinics")
    db.add(Company(name="Real customer"))
    await db.flush()
    assert await add_demo_data(db, keystore_for(settings), tenant.id, today=TODAY) is None
    assert await _count(db, Contact) == 0
