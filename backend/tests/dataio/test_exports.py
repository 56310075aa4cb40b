"""CSV exports of filtered lists (streamed in keyset batches, formula injection neutralised, saved
views, audit, roles, tenants) and the GDPR export of one contact."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.dataio import export
from crm.models import Activity, Deal, DealContact, Pipeline, Role, Stage
from tests.dataio.conftest import RunJob, Upload
from tests.fixtures.people import Tenant, bearer, token_for


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    body = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


async def _contact(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = await client.post("/api/v1/contacts?allow_duplicate=true", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_export_filters_batches_and_neutralises_formulas(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    monkeypatch.setattr(export, "EXPORT_BATCH", 3)
    field = {"object_type": "contact", "key": "visits", "label": "Visits", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    evil = await _contact(
        client,
        admin,
        first_name="=cmd|' /C calc'!A0",
        last_name="@SUM(1+1)",
        job_title="-2+3",
        emails=["evil@example.org"],
        phones=["+44 20 7946 0018"],
        tags=['=HYPERLINK("http://x")'],
        lifecycle_stage="patient",
        custom_fields={"visits": 4},
    )
    for n in range(7):
        await _contact(client, admin, first_name=f"P{n}", last_name="Patient", lifecycle_stage="patient")
    await _contact(client, admin, first_name="L", last_name="Lead", lifecycle_stage="lead")

    response = await client.get("/api/v1/exports/contacts", params={"lifecycle_stage": "patient", "sort": "name"},
                                headers=admin)  # fmt: skip
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _rows(response)
    assert len(rows) == 8 and {r["lifecycle_stage"] for r in rows} == {"patient"}
    assert list(rows[0])[:3] == ["id", "first_name", "last_name"] and list(rows[0])[-1] == "cf.visits"
    (row,) = [r for r in rows if r["id"] == evil["id"]]
    assert row["first_name"] == "'=cmd|' /C calc'!A0" and row["last_name"] == "'@SUM(1+1)"
    assert row["job_title"] == "'-2+3" and row["phones"] == "'+44 20 7946 0018"
    assert row["tags"].startswith("'=HYPERLINK") and row["emails"] == "evil@example.org"
    assert float(row["cf.visits"]) == 4

    chosen = _rows(await client.get("/api/v1/exports/contacts", params={"columns": "name,email", "q": "lead"},
                                    headers=admin))  # fmt: skip
    assert chosen == [{"first_name": "L", "last_name": "Lead", "emails": ""}]
    for bad in ({"nope": "1"}, {"columns": "password_hash"}, {"email__contains": "x"}):
        refused = await client.get("/api/v1/exports/contacts", params=bad, headers=admin)
        assert refused.status_code == 400, bad

    await set_tenant(db, tenant.id)
    meta = (
        await db.execute(
            text("SELECT meta FROM audit_events WHERE action = 'contact.export' ORDER BY seq LIMIT 1")
        )
    ).scalar_one()
    assert meta["filters"] == ["lifecycle_stage"] and "patient" not in str(meta)


async def test_export_through_a_saved_view_and_of_companies(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _contact(client, admin, first_name="Vip", tags=["vip"], emails=["vip@example.org"])
    await _contact(client, admin, first_name="Plain")
    view = await client.post(
        "/api/v1/saved-views",
        json={
            "object_type": "contact",
            "name": "VIPs",
            "columns": ["first_name", "emails"],
            "filters": {"tags__contains": "vip"},
        },
        headers=admin,
    )
    rows = _rows(
        await client.get("/api/v1/exports/contacts", params={"view_id": view.json()["id"]}, headers=admin)
    )
    assert rows == [{"first_name": "Vip", "emails": "vip@example.org"}]
    company_view = await client.post(
        "/api/v1/saved-views", json={"object_type": "company", "name": "Cos"}, headers=admin
    )
    wrong = await client.get(
        "/api/v1/exports/contacts", params={"view_id": company_view.json()["id"]}, headers=admin
    )
    assert wrong.status_code == 400

    await client.post(
        "/api/v1/companies", json={"name": "=Evil Corp", "domain": "evil.example"}, headers=admin
    )
    companies = _rows(await client.get("/api/v1/exports/companies", headers=admin))
    assert [(c["name"], c["domain"]) for c in companies] == [("'=Evil Corp", "evil.example")]


async def test_export_of_leads(client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant) -> None:
    for body in (
        {"first_name": "=Grace", "last_name": "Hopper", "email": "grace@navy.example", "source": "web form"},
        {"first_name": "Alan", "last_name": "Turing", "phone": "+44 20 7946 0958", "source": "referral"},
    ):
        assert (await client.post("/api/v1/leads", json=body, headers=admin)).status_code == 201
    rows = _rows(await client.get("/api/v1/exports/leads", params={"sort": "name"}, headers=admin))
    assert [(r["first_name"], r["email"], r["phone"]) for r in rows] == [
        ("'=Grace", "grace@navy.example", ""),
        ("Alan", "", "'+44 20 7946 0958"),
    ]
    referral = _rows(await client.get("/api/v1/exports/leads", params={"source": "referral", "columns": "name"},
                                      headers=admin))  # fmt: skip
    assert referral == [{"first_name": "Alan", "last_name": "Turing"}]
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get("/api/v1/exports/leads", headers=support)).status_code == 403
    bad_view = await client.post(
        "/api/v1/saved-views",
        json={"object_type": "lead", "name": "x", "filters": {"nope": "1"}},
        headers=admin,
    )
    assert bad_view.status_code == 400


async def test_export_roles_and_tenants(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant, other_tenant: Tenant
) -> None:
    await _contact(client, admin, first_name="Mine")
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get("/api/v1/exports/contacts", headers=support)).status_code == 403
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert [
        r["first_name"] for r in _rows(await client.get("/api/v1/exports/contacts", headers=marketing))
    ] == ["Mine"]
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert _rows(await client.get("/api/v1/exports/contacts", headers=theirs)) == []


async def test_export_reimports_as_is(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload, run_job: RunJob
) -> None:
    await _contact(
        client,
        admin,
        first_name="Ada",
        last_name="Lovelace",
        job_title="Countess",
        emails=["ada@example.org"],
        phones=["020 7946 0018"],
        date_of_birth="1985-12-10",
        address={"city": "London", "country": "UK"},
        tags=["vip"],
        consent_sms=True,
        lifecycle_stage="patient",
    )
    exported = (await client.get("/api/v1/exports/contacts", headers=admin)).content
    body = await upload(
        exported.replace(b"ada@example.org", b"ada2@example.org").replace(b"020 7946", b"021 7946")
    )
    mapped = {c["header"]: c["target"] for c in body.json()["columns"]}
    assert mapped["emails"] == "email" and mapped["address.city"] == "address.city" and mapped["id"] is None
    assert mapped["consent_sms"] == "consent_sms" and mapped["date_of_birth"] == "date_of_birth"
    result = await run_job(body.json()["id"])
    assert result["created"] == 1, result
    copy = (await client.get("/api/v1/contacts", params={"email": "ada2@example.org"}, headers=admin)).json()[
        "items"
    ][0]
    assert (copy["first_name"], copy["job_title"], copy["date_of_birth"]) == ("Ada", "Countess", "1985-12-10")
    assert copy["address"] == {
        "street": None,
        "city": "London",
        "postal_code": None,
        "region": None,
        "country": "UK",
    }
    assert copy["tags"] == ["vip"] and copy["consent_sms"] is True and copy["lifecycle_stage"] == "patient"


async def test_gdpr_export_of_one_contact(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    field = {"object_type": "contact", "key": "nhs", "label": "NHS", "field_type": "text", "is_pii": True}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    contact = await _contact(
        client, admin, first_name="Ada", emails=["ada@example.org"], custom_fields={"nhs": "943 476 5919"}
    )
    contact_id = uuid.UUID(str(contact["id"]))
    await client.patch(f"/api/v1/contacts/{contact_id}", json={"job_title": "Countess"}, headers=admin)
    attachment = await client.post(
        f"/api/v1/contacts/{contact_id}/attachments", files={"file": ("note.txt", b"call back", "text/plain")},
        headers=admin,
    )  # fmt: skip
    assert attachment.status_code == 201
    await set_tenant(db, tenant.id)
    pipeline = Pipeline(name="Care")
    db.add(pipeline)
    await db.flush()
    stage = Stage(pipeline_id=pipeline.id, name="Consultation", position=0)
    db.add(stage)
    await db.flush()
    deal = Deal(name="Knee surgery", pipeline_id=pipeline.id, stage_id=stage.id, board_rank="a0", amount=1200)
    db.add(deal)
    await db.flush()
    db.add(DealContact(deal_id=deal.id, contact_id=contact_id))
    db.add(Activity(kind="call", subject="Follow-up", body="Asked about recovery", contact_id=contact_id))
    await db.flush()
    lead = (await client.post("/api/v1/leads", json={"first_name": "Ada", "email": "ada.lead@example.org"},
                              headers=admin)).json()  # fmt: skip
    await set_tenant(db, tenant.id)
    await db.execute(
        text("UPDATE leads SET converted_contact_id = :c WHERE id = :l"), {"c": contact_id, "l": lead["id"]}
    )

    response = await client.get(f"/api/v1/contacts/{contact_id}/gdpr-export", headers=admin)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert (
        data["contact"]["emails"] == ["ada@example.org"]
        and data["contact"]["custom_fields"]["nhs"] == "943 476 5919"
    )
    assert data["activities"][0]["body"] == "Asked about recovery"
    assert data["deals"][0]["name"] == "Knee surgery" and data["deals"][0]["stage"] == "Consultation"
    assert data["attachments"][0]["file_name"] == "note.txt"
    assert [(lead["id"], lead["email"]) for lead in data["leads"]] == [(lead["id"], "ada.lead@example.org")]
    actions = [e["action"] for e in data["audit_events"]]
    assert actions == ["contact.create", "contact.update", "attachment.create"]
    assert data["provenance"]["import_id"] is None

    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    assert (await client.get(f"/api/v1/contacts/{contact_id}/gdpr-export", headers=sales)).status_code == 403
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get(f"/api/v1/contacts/{contact_id}/gdpr-export", headers=theirs)).status_code == 404
    await set_tenant(db, tenant.id)
    logged = (
        await db.execute(
            text(
                "SELECT count(*) FROM audit_events WHERE action = 'contact.gdpr_export' AND entity_id = :id"
            ),
            {"id": str(contact_id)},
        )
    ).scalar_one()
    assert logged == 1


async def test_export_of_deals(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant, other_tenant: Tenant
) -> None:
    (pipeline,) = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    ada = await _contact(client, admin, first_name="Ada")
    made = {}
    for name, amount, contacts in (
        ('=HYPERLINK("http://x")', "100.00", [ada["id"]]),
        ("Veneers", "4500.00", []),
        ("Implants", "900.50", [ada["id"]]),
    ):
        body = {"name": name, "amount": amount, "currency": "GBP", "pipeline_id": pipeline["id"],
                "contact_ids": contacts}  # fmt: skip
        response = await client.post("/api/v1/deals", json=body, headers=admin)
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]

    rows = _rows(await client.get("/api/v1/exports/deals", params={"sort": "name"}, headers=admin))
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://x")', "Implants", "Veneers"]
    assert list(rows[0])[:4] == ["id", "name", "amount", "currency"]
    assert rows[1]["amount"] == "900.50" and rows[1]["contact_ids"] == ada["id"]
    assert rows[2]["contact_ids"] == "" and rows[2]["pipeline_id"] == pipeline["id"]

    linked = _rows(await client.get("/api/v1/exports/deals", params={"contact_id": ada["id"], "amount__gte": "500",
                                                                     "columns": "name,amount"}, headers=admin))  # fmt: skip
    assert linked == [{"name": "Implants", "amount": "900.50"}]
    for bad in ({"contact_id": "not-a-uuid"}, {"contact_id__in": ada["id"]}, {"nope": "1"},
                {"columns": "name,secret"}, {"amount__gte": "lots"}):  # fmt: skip
        refused = await client.get("/api/v1/exports/deals", params=bad, headers=admin)
        assert refused.status_code == 400, (bad, refused.text)
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get("/api/v1/exports/deals", headers=support)).status_code == 403
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert _rows(await client.get("/api/v1/exports/deals", headers=theirs)) == []
