"""The demo organisation that ``make run`` seeds the first time: one user per role, and its CRM data.

``seed_demo`` creates the organisation and its four users once, then fills it with the demo
data (``demo_data``: ~60 companies, 400 contacts, 300 leads, 150 deals, ~1,800 activities)
unless that was done before or the organisation is already in use. One transaction, a
couple of seconds: bulk INSERTs of rows planned in memory, PII encrypted on the way in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.audit.service import record_event
from crm.core.db import set_tenant, unit_of_work
from crm.core.security.crypto import KeyStore, OrgCipher, default_keystore, org_cipher
from crm.member.service import add_member
from crm.models import (
    Activity,
    AuditEvent,
    Company,
    Contact,
    ContactIdentifier,
    CustomFieldDefinition,
    CustomFieldValue,
    Deal,
    DealContact,
    DealStageChange,
    Lead,
    Membership,
    Pipeline,
    Role,
    Stage,
)
from crm.organization import repository
from crm.organization.demo_data import Plan, build_plan
from crm.organization.service import create_organization

log = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_NAME = "Northwind Clinics (demo)"
DEMO_DOMAIN = "demo.cliniglobal.example"
DEMO_PEOPLE = {
    Role.admin: "Ada Admin",
    Role.sales: "Sam Sales",
    Role.marketing: "Mia Marketing",
    Role.support: "Sid Support",
}
SEEDED_ACTION = "organization.demo_data_seeded"
_CUSTOM_VALUE_COLUMNS = ("value_text", "value_number", "value_date", "value_bool", "value_options")


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(role, f"{role.value}@{DEMO_DOMAIN}") for role in DEMO_PEOPLE]


async def seed_demo(
    sessions: async_sessionmaker[AsyncSession],
    password: str,
    *,
    keystore: KeyStore | None = None,
    today: dt.date | None = None,
) -> bool:
    """Create the demo organisation and its users, then its CRM data (each only once).

    Returns True when the organisation was created by this call.
    """
    async with unit_of_work(sessions) as session:
        organization_id = await repository.id_by_slug(session, DEMO_SLUG)
        created = organization_id is None
        if organization_id is None:
            organization = await create_organization(session, DEMO_NAME, DEMO_SLUG)
            organization_id = organization.id
            for login in demo_logins():
                await add_member(
                    session,
                    email=login.email,
                    full_name=DEMO_PEOPLE[login.role],
                    role=login.role,
                    password=password,
                )
        else:
            await set_tenant(session, organization_id)
        counts = await add_demo_data(session, keystore or default_keystore(), organization_id, today=today)
        if counts:
            log.info("demo data added", extra={"counts": counts})
    return created


async def add_demo_data(
    session: AsyncSession, keystore: KeyStore, organization_id: uuid.UUID, *, today: dt.date | None = None
) -> dict[str, int] | None:
    """Fill the organisation (``session`` scoped to it) with the demo data; None if it was done
    before or the organisation already holds CRM records or pipelines (never mixed into real work)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"demo-data:{organization_id}"},
    )
    if await _in_use(session):
        return None
    plan = build_plan(organization_id, await _owners(session), today or dt.datetime.now(dt.UTC).date())
    cipher = await org_cipher(session, keystore, organization_id)
    counts = await write_plan(session, cipher, plan)
    # The plan is written in bulk, not through the services' follow-ups: one reindex job makes the
    # demo searchable by meaning once the worker and the AI service are up.
    from crm.search.tasks import request_reindex

    await request_reindex(session, organization_id)
    await record_event(
        session,
        action=SEEDED_ACTION,
        actor=None,
        organization_id=organization_id,
        entity_type="organization",
        entity_id=organization_id,
        meta=counts,
    )
    return counts


async def _in_use(session: AsyncSession) -> bool:
    probes = [exists().where(AuditEvent.action == SEEDED_ACTION)]
    probes += [exists().where(model.id.isnot(None)) for model in (Company, Contact, Lead, Deal, Pipeline)]
    found = (await session.execute(select(*probes))).one()
    return any(found)


async def _owners(session: AsyncSession) -> dict[str, list[uuid.UUID]]:
    rows = await session.execute(
        select(Membership.role, Membership.user_id).order_by(Membership.created_at, Membership.user_id)
    )
    owners: dict[str, list[uuid.UUID]] = {}
    for role, user_id in rows:
        owners.setdefault(Role(role).value, []).append(user_id)
    return owners


def _encrypt(cipher: OrgCipher, value: Any, table: str, column: str, row_id: uuid.UUID) -> bytes | None:
    if value is None or value == []:
        return None
    return cipher.encrypt(json.dumps(value), table, column, row_id)


def _contacts(cipher: OrgCipher, plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, identifiers = [], []
    for contact in plan.contacts:
        row = dict(contact)
        contact_id = row["id"]
        birth = row["date_of_birth"]
        row["emails"] = _encrypt(cipher, row["emails"], "contacts", "emails", contact_id)
        row["phones"] = _encrypt(cipher, row["phones"], "contacts", "phones", contact_id)
        row["date_of_birth"] = _encrypt(
            cipher, birth.isoformat() if birth else None, "contacts", "date_of_birth", contact_id
        )
        row["address"] = _encrypt(cipher, row["address"], "contacts", "address", contact_id)
        row["created_by"] = row["owner_id"]
        rows.append(row)
        for kind, column in (("email", "emails"), ("phone", "phones")):
            seen: set[bytes] = set()
            for position, value in enumerate(contact[column]):
                index = cipher.blind_index(value, kind)
                if index not in seen:
                    seen.add(index)
                    identifiers.append(
                        {
                            "contact_id": contact_id,
                            "kind": kind,
                            "blind_index": index,
                            "is_primary": position == 0,
                        }
                    )
    return rows, identifiers


def _leads(cipher: OrgCipher, plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for lead in plan.leads:
        row = dict(lead)
        for column in ("email", "phone"):  # plain strings, as the leads service writes them
            value = row[column]
            row[column] = cipher.encrypt(value, "leads", column, row["id"]) if value else None
            row[f"{column}_bidx"] = cipher.blind_index(value, column) if value else None
        row["created_by"] = row["owner_id"]
        rows.append(row)
    return rows


async def _insert(session: AsyncSession, model: Any, rows: Iterable[dict[str, Any]], org: uuid.UUID) -> int:
    """One multi-row INSERT per ~1,000 rows (Core: the ORM's bulk path would split rows by which
    columns are None and send many of them one by one)."""
    batch = [{**row, "organization_id": org} for row in rows]
    if batch:
        await session.execute(model.__table__.insert(), batch)
    return len(batch)


async def write_plan(session: AsyncSession, cipher: OrgCipher, plan: Plan) -> dict[str, int]:
    """Insert the plan's rows (PII encrypted, blind indexes added), parents before children."""
    org = plan.organization_id
    contacts, identifiers = _contacts(cipher, plan)
    companies = [{**row, "created_by": row["owner_id"]} for row in plan.companies]
    custom_values = [{c: None for c in _CUSTOM_VALUE_COLUMNS} | row for row in plan.custom_values]
    counts = {
        "companies": await _insert(session, Company, companies, org),
        "pipelines": await _insert(session, Pipeline, plan.pipelines, org),
        "stages": await _insert(session, Stage, plan.stages, org),
        "contacts": await _insert(session, Contact, contacts, org),
        "contact_identifiers": await _insert(session, ContactIdentifier, identifiers, org),
        "deals": await _insert(session, Deal, plan.deals, org),
        "leads": await _insert(session, Lead, _leads(cipher, plan), org),
        "deal_contacts": await _insert(session, DealContact, plan.deal_contacts, org),
        "deal_stage_changes": await _insert(session, DealStageChange, plan.stage_changes, org),
        "activities": await _insert(session, Activity, plan.activities, org),
        "custom_fields": await _insert(session, CustomFieldDefinition, plan.custom_fields, org),
        "custom_values": await _insert(session, CustomFieldValue, custom_values, org),
    }
    return counts
