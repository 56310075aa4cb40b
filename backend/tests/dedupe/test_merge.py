"""Merging contacts and companies: field choices, PII re-encrypted, links moved, one audit event, errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.models import (
    Activity,
    AuditEvent,
    Contact,
    ContactIdentifier,
    CustomFieldValue,
    Deal,
    DealContact,
    DuplicateSuggestion,
    Lead,
    Pipeline,
    Role,
    Stage,
)
from tests.dedupe.conftest import new_company, new_contact
from tests.fixtures.people import Tenant, bearer, token_for

PRIMARY = {
    "first_name": "José",
    "last_name": "Martínez",
    "job_title": "HR Director",
    "emails": ["jose@telvia.example"],
    "phones": ["+44 20 7946 0101"],
    "tags": ["vip"],
    "consent_email": True,
}
DUPLICATE = {
    "first_name": "Pepe",
    "last_name": "Martinez",
    "job_title": "Chief People Officer",
    "emails": ["pepe.m@mail.example", "JOSE@telvia.example"],
    "phones": ["+44 20 7946 0202"],
    "date_of_birth": "1980-01-02",
    "address": {"street": "Calle Mayor, 5", "city": "Madrid", "country": "Spain"},
    "tags": ["newsletter"],
    "consent_sms": True,
}


async def _custom_fields(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for field in (
        {"object_type": "contact", "key": "insurance_number", "label": "Insurance number", "field_type": "text", "is_pii": True},
        {"object_type": "contact", "key": "language", "label": "Language", "field_type": "select", "options": ["English", "Español"]},
        {"object_type": "contact", "key": "interests", "label": "Interests", "field_type": "multiselect", "options": ["dental", "physio", "eyes"]},
    ):  # fmt: skip
        response = await client.post("/api/v1/custom-fields", json=field, headers=admin)
        assert response.status_code == 201, response.text


async def _deal(
    db: AsyncSession, tenant: Tenant, contact_ids: list[str], company_id: uuid.UUID | None = None
) -> Deal:
    await set_tenant(db, tenant.id)
    pipeline = Pipeline(id=uuid.uuid4(), name=f"P {uuid.uuid4().hex[:6]}")
    stage = Stage(id=uuid.uuid4(), pipeline_id=pipeline.id, name="Enquiry", position=0)
    deal = Deal(
        id=uuid.uuid4(),
        name="Implants",
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        board_rank="a0",
        company_id=company_id,
        tags=[],
    )
    for row in (pipeline, stage, deal):  # no ORM relationships: flush parents first
        db.add(row)
        await db.flush()
    db.add_all([DealContact(deal_id=deal.id, contact_id=uuid.UUID(c)) for c in contact_ids])
    await db.flush()
    return deal


async def _audit(db: AsyncSession, action: str) -> list[AuditEvent]:
    return list((await db.execute(select(AuditEvent).where(AuditEvent.action == action))).scalars())


async def test_merge_contacts_folds_the_duplicate_into_the_primary(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    await _custom_fields(client, admin)
    primary = await new_contact(
        client, admin, **PRIMARY, custom_fields={"language": "English", "interests": ["dental"]}
    )
    duplicate = await new_contact(
        client,
        admin,
        **DUPLICATE,
        custom_fields={"insurance_number": "ES-99-1234", "language": "Español", "interests": ["physio"]},
    )
    other = await new_contact(client, admin, first_name="Ana", last_name="Silva")
    deal = await _deal(db, tenant, [primary["id"], duplicate["id"]])
    second_deal = await _deal(db, tenant, [duplicate["id"], other["id"]])
    db.add_all(
        [
            Activity(kind="note", body="Called about implants", contact_id=uuid.UUID(duplicate["id"])),
            Activity(kind="call", subject="Follow-up", contact_id=uuid.UUID(duplicate["id"])),
            Lead(first_name="Pepe", last_name="Martinez", status="converted", converted_contact_id=uuid.UUID(duplicate["id"]), tags=[]),
        ]
    )  # fmt: skip
    db.add(DuplicateSuggestion(object_type="contact", record_a=min(uuid.UUID(primary["id"]), uuid.UUID(duplicate["id"])),
                               record_b=max(uuid.UUID(primary["id"]), uuid.UUID(duplicate["id"])), score=0.97, reason="names"))  # fmt: skip
    db.add(DuplicateSuggestion(object_type="contact", record_a=uuid.UUID(duplicate["id"]), record_b=uuid.UUID(other["id"]),
                               score=0.9, reason="names"))  # fmt: skip
    await db.flush()

    body = {
        "primary_id": primary["id"],
        "duplicate_id": duplicate["id"],
        "fields": {
            "job_title": "duplicate",
            "cf.language": "duplicate",
            "consent_sms": "duplicate",
            "tags": "both",
        },
        "primary_version": primary["version"],
        "duplicate_version": duplicate["version"],
    }
    response = await client.post("/api/v1/contacts/merge", json=body, headers=admin)
    assert response.status_code == 200, response.text
    merged = response.json()
    contact = merged["contact"]
    assert contact["id"] == primary["id"] and contact["version"] == primary["version"] + 1
    assert (contact["first_name"], contact["last_name"]) == ("José", "Martínez")  # primary kept by default
    assert contact["job_title"] == "Chief People Officer"
    # Lists: both, without repeating the same address written differently.
    assert contact["emails"] == ["jose@telvia.example", "pepe.m@mail.example"]
    assert contact["phones"] == ["+44 20 7946 0101", "+44 20 7946 0202"]
    assert contact["tags"] == ["newsletter", "vip"]
    # Blank on the primary: taken from the duplicate (PII re-encrypted for the primary's row).
    assert contact["date_of_birth"] == "1980-01-02" and contact["address"]["city"] == "Madrid"
    assert contact["consent_email"] is True and contact["consent_sms"] is True
    assert contact["custom_fields"] == {
        "insurance_number": "ES-99-1234",
        "language": "Español",
        "interests": ["dental", "physio"],
    }
    assert merged["choices"]["first_name"] == "primary" and merged["choices"]["date_of_birth"] == "duplicate"
    assert merged["choices"]["cf.insurance_number"] == "duplicate" and merged["choices"]["emails"] == "both"
    assert merged["moved"] == {
        "activities": 2,
        "deals": 2,
        "leads": 1,
        "attachments": 0,
        "contacts": 0,
        "identifiers": 3,
        "custom_fields": 3,
    }

    fetched = await client.get(f"/api/v1/contacts/{primary['id']}", headers=admin)
    assert fetched.status_code == 200 and fetched.json()["date_of_birth"] == "1980-01-02"
    assert (await client.get(f"/api/v1/contacts/{duplicate['id']}", headers=admin)).status_code == 404
    found = await client.get("/api/v1/contacts", params={"email": "pepe.m@mail.example"}, headers=admin)
    assert [c["id"] for c in found.json()["items"]] == [primary["id"]]
    found = await client.get("/api/v1/contacts", params={"phone": "+442079460202"}, headers=admin)
    assert [c["id"] for c in found.json()["items"]] == [primary["id"]]

    await set_tenant(db, tenant.id)
    p, d = uuid.UUID(primary["id"]), uuid.UUID(duplicate["id"])
    gone = (
        await db.execute(select(Contact).where(Contact.id == d).execution_options(populate_existing=True))
    ).scalar_one()
    assert gone.deleted_at is not None and gone.version == duplicate["version"] + 1
    assert (await db.execute(select(func.count()).where(ContactIdentifier.contact_id == d))).scalar_one() == 0
    assert (await db.execute(select(func.count()).where(CustomFieldValue.record_id == d))).scalar_one() == 0
    assert (await db.execute(select(func.count()).where(Activity.contact_id == p))).scalar_one() == 2
    links = (
        await db.execute(
            select(DealContact.deal_id, DealContact.contact_id).where(DealContact.contact_id.in_([p, d]))
        )
    ).all()
    assert sorted((str(x), str(y)) for x, y in links) == sorted(
        [(str(deal.id), str(p)), (str(second_deal.id), str(p))]
    )
    assert (await db.execute(select(Lead.converted_contact_id))).scalar_one() == p
    # The date of birth now authenticates only as the primary's: stored ciphertext is bound to its row.
    raw = (
        await db.execute(text("SELECT date_of_birth FROM contacts WHERE id = :id"), {"id": p})
    ).scalar_one()
    assert b"1980" not in bytes(raw)

    # The pair is recorded as merged (primary first); the duplicate's other suggestions are gone.
    suggestions = (
        (await db.execute(select(DuplicateSuggestion).execution_options(populate_existing=True)))
        .scalars()
        .all()
    )
    assert [(s.record_a, s.record_b, s.status, s.score) for s in suggestions] == [(p, d, "merged", 0.97)]
    listed = (await client.get("/api/v1/duplicates", params={"status": "merged"}, headers=admin)).json()[
        "items"
    ]
    assert listed[0]["record_a"]["id"] == primary["id"] and listed[0]["record_b"]["deleted"] is True

    (event,) = await _audit(db, "contact.merge")
    assert event.entity_id == primary["id"] and event.meta is not None
    assert event.meta["duplicate_id"] == duplicate["id"] and event.meta["choices"]["job_title"] == "duplicate"
    assert event.meta["moved"]["activities"] == 2
    dumped = json.dumps([event.changes, event.meta])
    for secret in ("1980", "Madrid", "pepe.m@", "ES-99", "7946"):
        assert secret not in dumped
    assert {"date_of_birth", "address", "emails", "phones", "cf.insurance_number"} <= set(
        event.redacted_fields or []
    )
    assert event.changes is not None and event.changes["job_title"] == {
        "before": "HR Director",
        "after": "Chief People Officer",
    }
    assert await _audit(db, "contact.delete") == []  # one record for the whole merge


async def test_merge_contact_choices_and_company_link(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    company = await new_company(db, tenant.id, "Telvia Communications")
    primary = await new_contact(client, admin, **PRIMARY)
    duplicate = await new_contact(client, admin, **DUPLICATE, company_id=str(company.id))
    body = {
        "primary_id": primary["id"],
        "duplicate_id": duplicate["id"],
        "fields": {
            "emails": "primary",
            "phones": "duplicate",
            "first_name": "duplicate",
            "date_of_birth": "primary",
            "tags": "primary",
        },
    }
    merged = (await client.post("/api/v1/contacts/merge", json=body, headers=admin)).json()["contact"]
    assert merged["emails"] == ["jose@telvia.example"] and merged["phones"] == ["+44 20 7946 0202"]
    assert merged["first_name"] == "Pepe" and merged["date_of_birth"] is None and merged["tags"] == ["vip"]
    assert merged["company_id"] == str(company.id) and merged["company_name"] == "Telvia Communications"
    # The dropped e-mail no longer finds anyone; the dropped phone neither.
    for params in ({"email": "pepe.m@mail.example"}, {"phone": "+442079460101"}):
        assert (await client.get("/api/v1/contacts", params=params, headers=admin)).json()["items"] == []


async def test_merge_companies_moves_people_deals_and_activities(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    field = {"object_type": "company", "key": "renewal", "label": "Renewal", "field_type": "date"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    primary = await new_company(
        db, tenant.id, "Atlas Freight Logistics", domain=None, employee_count=300, tags=["key-account"]
    )
    duplicate = await new_company(
        db, tenant.id, "Atlas Freight Logistics S.L.", domain="atlas-freight.example", industry="logistics",
        employee_count=320, annual_revenue=5_000_000, currency="EUR", tags=["renewal-due"],
    )  # fmt: skip
    await set_tenant(db, tenant.id)
    db.add(CustomFieldValue(field_id=(await db.execute(text("SELECT id FROM custom_field_definitions WHERE key = 'renewal'"))).scalar_one(),
                            record_id=duplicate.id, value_date=__import__("datetime").date(2027, 3, 1)))  # fmt: skip
    person = await new_contact(
        client, admin, first_name="Ana", last_name="Silva", company_id=str(duplicate.id)
    )
    staff = await new_contact(client, admin, first_name="Rui", last_name="Costa", company_id=str(primary.id))
    deal = await _deal(db, tenant, [person["id"]], company_id=duplicate.id)
    db.add(Activity(kind="meeting", subject="QBR", company_id=duplicate.id))
    await db.flush()

    body = {
        "primary_id": str(primary.id),
        "duplicate_id": str(duplicate.id),
        "fields": {"employee_count": "duplicate"},
    }
    response = await client.post("/api/v1/companies/merge", json=body, headers=admin)
    assert response.status_code == 200, response.text
    merged = response.json()
    company = merged["company"]
    assert company["name"] == "Atlas Freight Logistics" and company["domain"] == "atlas-freight.example"
    assert company["employee_count"] == 320 and company["industry"] == "logistics"
    assert company["annual_revenue"] == "5000000.00" and company["currency"] == "EUR"
    assert company["tags"] == ["key-account", "renewal-due"]
    assert company["custom_fields"] == {"renewal": "2027-03-01"}
    assert (
        merged["moved"]["contacts"] == 1
        and merged["moved"]["deals"] == 1
        and merged["moved"]["activities"] == 1
    )

    for contact_id in (person["id"], staff["id"]):
        contact = (await client.get(f"/api/v1/contacts/{contact_id}", headers=admin)).json()
        assert (
            contact["company_id"] == str(primary.id) and contact["company_name"] == "Atlas Freight Logistics"
        )
    await set_tenant(db, tenant.id)
    assert (await db.execute(select(Deal.company_id).where(Deal.id == deal.id))).scalar_one() == primary.id
    (event,) = await _audit(db, "company.merge")
    assert event.meta is not None and event.meta["choices"]["employee_count"] == "duplicate"
    assert event.changes is not None and event.changes["employee_count"] == {"before": 300, "after": 320}


async def _two(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    return await new_contact(client, headers, **PRIMARY), await new_contact(client, headers, **DUPLICATE)


async def test_bad_merges_are_refused_and_change_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    primary, duplicate = await _two(client, admin)
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    their_contact = await new_contact(client, theirs, first_name="Pepe", last_name="Martinez")
    their_company = await new_company(db, other_tenant.id, "Their Clinic")
    my_company = await new_company(db, tenant.id, "My Clinic")

    def merge(**changes: Any) -> dict[str, Any]:
        return {"primary_id": primary["id"], "duplicate_id": duplicate["id"], **changes}

    cases = [
        (merge(duplicate_id=their_contact["id"]), 404, "not_found"),
        (merge(primary_id=their_contact["id"]), 404, "not_found"),
        (merge(duplicate_id=str(uuid.uuid4())), 404, "not_found"),
        (merge(duplicate_id=primary["id"]), 400, "same_record"),
        (merge(fields={"favourite_colour": "primary"}), 400, "unknown_field"),
        (merge(fields={"cf.nope": "duplicate"}), 400, "unknown_field"),
        (merge(fields={"first_name": "both"}), 400, "invalid_choice"),
        (merge(fields={"first_name": "neither"}), 422, None),
        (merge(primary_version=primary["version"] + 5), 412, "version_conflict"),
        (merge(duplicate_version=9), 412, "version_conflict"),
        (merge(surprise=True), 422, None),
    ]
    for body, status, code in cases:
        response = await client.post("/api/v1/contacts/merge", json=body, headers=admin)
        assert response.status_code == status, (body, response.text)
        if code:
            assert response.json()["error"] == code
    companies = [
        ({"primary_id": str(my_company.id), "duplicate_id": str(their_company.id)}, 404),
        ({"primary_id": str(their_company.id), "duplicate_id": str(my_company.id)}, 404),
    ]
    for body, status in companies:
        assert (await client.post("/api/v1/companies/merge", json=body, headers=admin)).status_code == status
    # Nothing changed anywhere.
    assert (await client.get(f"/api/v1/contacts/{duplicate['id']}", headers=admin)).json() == duplicate
    assert (await client.get(f"/api/v1/contacts/{their_contact['id']}", headers=theirs)).status_code == 200
    # A trashed record cannot be merged.
    assert (await client.delete(f"/api/v1/contacts/{duplicate['id']}", headers=admin)).status_code == 204
    assert (await client.post("/api/v1/contacts/merge", json=merge(), headers=admin)).status_code == 404
    await set_tenant(db, tenant.id)
    assert await _audit(db, "contact.merge") == []


async def test_a_granted_role_merges_only_within_its_scope(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant
) -> None:
    granted = await client.put(
        "/api/v1/roles/support", json={"cells": {"duplicates:update": "all"}}, headers=admin
    )
    assert granted.status_code == 200, granted.text
    support = bearer(await token_for(client, tenant.people[Role.support]))
    primary, duplicate = await _two(client, admin)
    # Support may update contacts but not delete them: the duplicate is out of its reach.
    body = {"primary_id": primary["id"], "duplicate_id": duplicate["id"]}
    response = await client.post("/api/v1/contacts/merge", json=body, headers=support)
    assert response.status_code == 404
    assert (await client.get("/api/v1/duplicates", headers=support)).status_code == 403
