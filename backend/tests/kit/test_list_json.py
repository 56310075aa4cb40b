"""Lists write their JSON straight from plain values (crm.kit.jsonout): every list must answer
exactly what its declared ``Page[XOut]`` model would have written, field for field and format for
format (UUIDs, dates, UTC datetimes, Decimals, nested addresses, custom values of every type)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from crm.activity.schemas import ActivityOut
from crm.company.schemas import CompanyOut
from crm.contact.schemas import ContactOut
from crm.deal.schemas import DealOut
from crm.kit.pagination import Page
from crm.lead.schemas import LeadOut
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

# One custom field of every type per object, one of them PII (encrypted at rest).
FIELDS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "t": ("text", "Dr. Ruiz's clinic", {}),
    "n": ("number", 12.5, {}),
    "d": ("date", "2026-03-01", {}),
    "b": ("boolean", True, {}),
    "s": ("select", "gold", {"options": ["gold", "silver"]}),
    "m": ("multiselect", ["a", "b"], {"options": ["a", "b", "c"]}),
    "c": ("currency", "1999.90", {"currency": "EUR"}),
    "u": ("url", "https://clinic.example/path", {}),
    "e": ("email", "front.desk@clinic.example", {"is_pii": True}),
    "p": ("phone", "+34 612 345 678", {}),
}


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def _custom_fields(
    client: httpx.AsyncClient, admin: dict[str, str], object_type: str
) -> dict[str, Any]:
    for key, (field_type, _value, extra) in FIELDS.items():
        body = {
            "object_type": object_type,
            "key": key,
            "label": key.upper(),
            "field_type": field_type,
            **extra,
        }
        created = await client.post("/api/v1/custom-fields", json=body, headers=admin)
        assert created.status_code == 201, created.text
    return {key: value for key, (_t, value, _e) in FIELDS.items()}


def _same_as_model(body: dict[str, Any], item_model: type[BaseModel]) -> None:
    modelled = Page[item_model].model_validate(body).model_dump(mode="json")  # type: ignore[valid-type]
    assert body == modelled


async def _listed(client: httpx.AsyncClient, admin: dict[str, str], path: str) -> dict[str, Any]:
    answer = await client.get(path, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    assert body["items"], f"{path} listed nothing"
    return body


async def test_every_list_writes_what_its_model_would(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    address = {"street": "Calle de Alcalá 42", "city": "Madrid", "country": "Spain"}
    company = await client.post(
        "/api/v1/companies",
        json={
            "name": "Clínica Sol",
            "domain": "sol.example",
            "employee_count": 40,
            "annual_revenue": "1250000.50",
            "currency": "EUR",
            "address": address,
            "tags": ["dental"],
            "custom_fields": await _custom_fields(client, admin, "company"),
        },
        headers=admin,
    )
    assert company.status_code == 201, company.text
    contact = await client.post(
        "/api/v1/contacts",
        json={
            "first_name": "Lucía",
            "last_name": "Fernández",
            "company_id": company.json()["id"],
            "emails": ["lucia@sol.example"],
            "phones": ["+34 600 000 001"],
            "date_of_birth": "1984-06-21",
            "address": address,
            "tags": ["vip"],
            "custom_fields": await _custom_fields(client, admin, "contact"),
        },
        headers=admin,
    )
    assert contact.status_code == 201, contact.text
    # A contact with every optional value empty, too.
    assert (
        await client.post("/api/v1/contacts", json={"first_name": "Ana"}, headers=admin)
    ).status_code == 201
    lead = await client.post(
        "/api/v1/leads",
        json={
            "first_name": "Grace",
            "email": "grace@navy.example",
            "phone": "+44 20 7946 0958",
            "source": "web form",
            "custom_fields": await _custom_fields(client, admin, "lead"),
        },
        headers=admin,
    )
    assert lead.status_code == 201, lead.text
    deal = await client.post(
        "/api/v1/deals",
        json={
            "name": "Implants",
            "amount": "4500.00",
            "expected_close_date": "2027-01-15",
            "company_id": company.json()["id"],
            "contact_ids": [contact.json()["id"]],
            "custom_fields": await _custom_fields(client, admin, "deal"),
        },
        headers=admin,
    )
    assert deal.status_code == 201, deal.text
    task = await client.post(
        "/api/v1/activities",
        json={
            "kind": "task",
            "subject": "Send the quote",
            "due_at": "2020-01-01T09:30:00Z",
            "contact_id": contact.json()["id"],
        },
        headers=admin,
    )
    assert task.status_code == 201, task.text

    for path, model in (
        ("/api/v1/companies", CompanyOut),
        ("/api/v1/contacts", ContactOut),
        ("/api/v1/leads", LeadOut),
        ("/api/v1/deals", DealOut),
        ("/api/v1/activities", ActivityOut),
    ):
        body = await _listed(client, admin, path)
        _same_as_model(body, model)
        assert body["total"] is not None
        # A later page has no total, and the cursor round-trips.
        _same_as_model(await _listed(client, admin, f"{path}?limit=1&count=false"), model)

    contacts = (await _listed(client, admin, "/api/v1/contacts?sort=name"))["items"]
    lucia = next(c for c in contacts if c["first_name"] == "Lucía")
    assert lucia["custom_fields"]["e"] == "front.desk@clinic.example"  # the PII value, decrypted
    assert lucia["address"]["region"] is None and lucia["date_of_birth"] == "1984-06-21"
    # The list shows a record as its own page does.
    single = (await client.get(f"/api/v1/contacts/{lucia['id']}", headers=admin)).json()
    assert single == lucia
    deals = (await _listed(client, admin, "/api/v1/deals"))["items"]
    assert deals[0]["amount"] == "4500.00" and deals[0]["contact_ids"] == [contact.json()["id"]]
    activities = (await _listed(client, admin, "/api/v1/activities"))["items"]
    assert activities[0]["overdue"] is True
