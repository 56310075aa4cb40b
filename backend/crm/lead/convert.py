"""Converting a lead: a contact, a company and optionally a deal, in one transaction.

- The contact is an existing one with the lead's e-mail (else phone) blind index, or a new
  one with the lead's name, title, e-mail and phone.
- The company is an existing one with the e-mail's domain (unless a free-mail domain) or the
  lead's company name, or a new one when the lead names a company.
- With ``create_deal``, a deal for that contact and company in the chosen (default) pipeline.
- The lead's activities also link the contact; the lead keeps them (its history) and records
  what it became (``converted_*``); converting twice is a 409 (the lead row is locked, so two
  simultaneous conversions cannot both pass).
Each piece is created through its own service (validated, audited, announced) and needs its
own permission; the conversion itself is audited as ``lead.convert``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.company import repository as companies_repository
from crm.company import service as companies
from crm.company.schemas import CompanyCreate
from crm.contact import service as contacts
from crm.contact.schemas import ContactCreate, ContactPatch
from crm.contact.service import cipher_for
from crm.core.errors import BadRequest, Conflict, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.deal import service as deals
from crm.deal.schemas import DealCreate
from crm.kit.followups import Change, record_change
from crm.kit.records import scope_clause
from crm.lead import repository
from crm.lead.schemas import ConversionOut, LeadConvert
from crm.lead.service import OBJECT, decrypt, get, in_scope, touch
from crm.models import Contact

FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "hotmail.co.uk",
        "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru",
        "mail.ru", "qq.com", "163.com", "orange.fr", "free.fr", "libero.it", "btinternet.com",
    }
)  # fmt: skip


def _require(principal: Principal, resource: str) -> None:
    if not principal.can(resource, Action.create):
        raise Forbidden(f"converting this lead creates {resource}, which your role may not", code="forbidden")


def _business_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    if domain in FREE_MAIL:
        return None
    try:
        return companies.normalize_domain(domain)
    except BadRequest:
        return None


def _scope(principal: Principal, resource: str, owner_column: Any) -> ColumnElement[bool]:
    scope = principal.scope(resource, Action.read)
    return false() if scope is Scope.none else scope_clause(scope, owner_column, principal)


async def convert(
    session: AsyncSession, runtime: Runtime, principal: Principal, lead_id: uuid.UUID, body: LeadConvert
) -> ConversionOut:
    row = await in_scope(session, principal, lead_id, Action.update, for_update=True)
    if row.status == "converted" or row.converted_at is not None:
        raise Conflict("this lead is already converted", code="already_converted")
    cipher = await cipher_for(session, runtime, principal)
    email, phone = decrypt(cipher, row, "email"), decrypt(cipher, row, "phone")
    owner_id = row.owner_id or principal.user_id

    # The company: by domain, else by name; a new one if the lead names it.
    company_id, company_created = None, False
    domain = _business_domain(email)
    match = await companies_repository.find_match(session, row.company_name, domain)
    if match is not None:
        try:
            company_id = (await companies.in_scope(session, principal, match.id, Action.read)).id
        except NotFound:
            match = None  # a company out of the caller's reach is not theirs to link
    if match is None and row.company_name:
        _require(principal, "companies")
        company = await companies.create(
            session,
            runtime,
            principal,
            CompanyCreate(name=row.company_name, domain=domain, owner_id=owner_id),
        )
        company_id, company_created = company.id, True

    # The contact: the one holding the lead's e-mail (else phone), or a new one.
    contact_id = None
    contact_scope = _scope(principal, "contacts", Contact.owner_id)
    for kind in ("email", "phone"):
        index = getattr(row, f"{kind}_bidx")
        if contact_id is None and index is not None:
            contact_id = await repository.matching_contact(session, kind, index, contact_scope)
    contact_created = contact_id is None
    if contact_id is None:
        _require(principal, "contacts")
        contact = await contacts.create(
            session,
            runtime,
            principal,
            ContactCreate(
                first_name=row.first_name,
                last_name=row.last_name,
                job_title=row.job_title,
                company_id=company_id,
                lifecycle_stage="qualified",
                owner_id=owner_id,
                emails=[email] if email else [],
                phones=[phone] if phone else [],
            ),
        )
        contact_id = contact.id
    elif company_id is not None:
        existing = await contacts.get(session, runtime, principal, contact_id)
        if existing.company_id is None and principal.can("contacts", Action.update):
            await contacts.update(
                session,
                runtime,
                principal,
                contact_id,
                ContactPatch(company_id=company_id),
                expected_version=None,
            )

    deal_id = None
    if body.create_deal:
        _require(principal, "deals")
        deal_owner = owner_id if principal.scope("deals", Action.create) is Scope.all else principal.user_id
        deal = await deals.create(
            session,
            runtime,
            principal,
            DealCreate(
                name=body.deal_name
                or (row.company_name or f"{row.first_name} {row.last_name}".strip() or "New deal"),
                amount=body.amount,
                currency=body.currency,
                pipeline_id=body.pipeline_id,
                stage_id=body.stage_id,
                expected_close_date=body.expected_close_date,
                owner_id=deal_owner,
                company_id=company_id,
                contact_ids=[contact_id],
            ),
        )
        deal_id = deal.id

    moved = await repository.link_activities_to_contact(session, row.id, contact_id)
    before = row.status
    row.status = "converted"
    row.lost_reason = None
    row.converted_at = dt.datetime.now(dt.UTC)
    row.converted_contact_id, row.converted_company_id, row.converted_deal_id = (
        contact_id,
        company_id,
        deal_id,
    )
    await touch(session, row)
    await session.flush()
    await record_event(
        session,
        action="lead.convert",
        actor=principal,
        entity_type=OBJECT,
        entity_id=row.id,
        changes={
            "status": (before, "converted"),
            "converted_contact_id": (None, contact_id),
            "converted_company_id": (None, company_id),
            "converted_deal_id": (None, deal_id),
        },
        meta={
            "contact_created": contact_created,
            "company_created": company_created,
            "activities_linked": moved,
        },
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "converted", actor_id=principal.user_id),
    )
    return ConversionOut(
        lead=await get(session, runtime, principal, row.id),
        contact_id=contact_id,
        contact_created=contact_created,
        company_id=company_id,
        company_created=company_created,
        deal_id=deal_id,
    )
