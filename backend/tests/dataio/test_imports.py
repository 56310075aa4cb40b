"""CSV imports: header mapping, preview with row errors, duplicate policies, provenance, one audit
event per import, per-row error isolation, cancellation, roles and tenant isolation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.dataio import importer
from crm.dataio.mapping import suggest
from crm.models import Role
from tests.dataio.conftest import RunJob, Upload
from tests.fixtures.people import Tenant, bearer, token_for

HUBSPOT = (
    "First Name,Last Name,E-mail Address,Mobile Phone,Company Name,Job Title,Lifecycle Stage,Contact owner\n"
)


def test_suggestions_recognise_common_crm_headers() -> None:
    headers = [
        "First Name", "Last Name", "E-mail Address", "Email 2", "Mobile Phone", "Phone Number", "Company Name",
        "Job Title", "Lifecycle Stage", "Contact owner", "Mailing Street", "Mailing City",
        "Mailing Zip/Postal Code", "Mailing State/Province", "Mailing Country", "Birthdate", "Email Opt Out",
        "Person - Name", "Person - Labels", "Person - Organization", "Record ID", "Notes", "Visits",
    ]  # fmt: skip
    from crm.models import CustomFieldDefinition

    visits = CustomFieldDefinition(key="visits", label="Visits", field_type="number")
    mapping = suggest(headers, {"visits": visits})
    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail Address": "email",
        "Email 2": "email",
        "Mobile Phone": "phone",
        "Phone Number": "phone",
        "Company Name": "company_name",
        "Job Title": "job_title",
        "Lifecycle Stage": "lifecycle_stage",
        "Contact owner": "owner",
        "Mailing Street": "address.street",
        "Mailing City": "address.city",
        "Mailing Zip/Postal Code": "address.postal_code",
        "Mailing State/Province": "address.region",
        "Mailing Country": "address.country",
        "Birthdate": "date_of_birth",
        "Email Opt Out": "email_opt_out",
        "Person - Name": "full_name",
        "Person - Labels": "tags",
        "Person - Organization": None,  # company_name is already taken by "Company Name"
        "Record ID": None,
        "Notes": None,
        "Visits": "cf.visits",
    }


async def test_upload_mapping_and_preview_with_row_errors(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload, tenant: Tenant
) -> None:
    sales_email = tenant.people[Role.sales].email
    csv = HUBSPOT + "\n".join(
        [
            f"Ada,Lovelace,ada@example.org,+44 20 7946 0018,Analytical Engines,Countess,customer,{sales_email}",
            "Bad,Email,not-an-email,,,,lead,",
            "Too,Many,cells@example.org,,,,lead,,EXTRA",
            "Wrong,Stage,stage@example.org,,,,alien,",
            ",,,,,,,",  # blank row: skipped, not an error
            "Nobody,Known,nobody@example.org,,,,lead,ghost@elsewhere.example",
            '"Multi","Line","ml@example.org",,"Acme, ""Quoted""\nLtd",,lead,',
            "Ada,Again,ADA@EXAMPLE.ORG,,,,lead,",
        ]
    )
    created = await upload(csv)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "uploaded" and body["duplicate_policy"] == "skip"
    assert [(c["header"], c["target"]) for c in body["columns"]][:3] == [
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("E-mail Address", "email"),
    ]
    fields = (await client.get("/api/v1/imports/fields", headers=admin)).json()
    assert {"email", "phone", "full_name", "owner"} <= {f["key"] for f in fields}

    preview = (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).json()
    rows = {row["row"]: row for row in preview["rows"]}
    assert rows[2]["action"] == "create"
    assert (
        rows[2]["values"]["emails"] == ["ada@example.org"]
        and rows[2]["values"]["lifecycle_stage"] == "customer"
    )
    assert rows[2]["values"]["owner_id"] == str(tenant.people[Role.sales].user_id)
    assert "E-mail Address" in rows[3]["errors"][0] and "not-an-email" not in rows[3]["errors"][0]
    assert "9 cells" in rows[4]["errors"][0]
    assert "Lifecycle Stage" in rows[5]["errors"][0]
    assert 6 not in rows  # blank
    assert "Contact owner" in rows[7]["errors"][0]
    assert rows[8]["action"] == "create" and rows[8]["values"]["company_name"] == 'Acme, "Quoted"\nLtd'
    assert rows[10]["action"] == "skip"  # same e-mail as line 2 (in the file), policy skip
    assert preview["summary"] == {"create": 2, "update": 0, "skip": 1, "error": 4}

    # Re-map: ignore the owner column, update duplicates.
    mapped = await client.put(
        f"/api/v1/imports/{body['id']}/mapping",
        json={
            "mapping": {"First Name": "first_name", "E-mail Address": "email", "Contact owner": None},
            "duplicate_policy": "update",
        },
        headers=admin,
    )
    assert mapped.status_code == 200, mapped.text
    assert {c["header"]: c["target"] for c in mapped.json()["columns"]}["Last Name"] is None
    again = (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).json()
    assert {r["row"]: r["action"] for r in again["rows"]}[10] == "update"
    for bad in (
        {"mapping": {"Nope": "first_name"}},
        {"mapping": {"First Name": "password"}},
        {"mapping": {"First Name": "first_name", "Last Name": "first_name"}},
    ):
        response = await client.put(f"/api/v1/imports/{body['id']}/mapping", json=bad, headers=admin)
        assert response.status_code == 400 and response.json()["error"] == "invalid_mapping", bad


async def test_run_creates_contacts_with_provenance_and_one_audit_event(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    field = {
        "object_type": "contact",
        "key": "nhs",
        "label": "NHS number",
        "field_type": "text",
        "is_pii": True,
    }
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    company = (await client.post("/api/v1/companies", json={"name": "Harley Clinic"}, headers=admin)).json()
    csv = (
        "Name,Email,Phone,Company,Birthdate,City,Tags,NHS number,Email Opt Out\n"
        "Ada Lovelace,ada@example.org; ada@work.example,+44 20 7946 0018,Harley Clinic,10.12.1985,London,vip;cardio,"
        "943 476 5919,no\n"
        "Charles Babbage,charles@example.org,,Unknown Ltd,1951-12-26,,,,yes\n"
        "Broken Row,broken@,,,,,,,\n"
    )
    body = (await upload(csv)).json()
    result = await run_job(body["id"])
    assert result["status"] == "completed", result
    assert (result["created"], result["updated"], result["skipped"], result["failed"]) == (2, 0, 0, 1)
    assert result["progress"] == {"done": 3, "total": 3} and result["total_rows"] == 3

    found = (await client.get("/api/v1/contacts", params={"email": "ADA@work.example"}, headers=admin)).json()
    (ada,) = found["items"]
    assert (ada["first_name"], ada["last_name"]) == ("Ada", "Lovelace")
    assert ada["emails"] == ["ada@example.org", "ada@work.example"] and ada["phones"] == ["+44 20 7946 0018"]
    assert ada["date_of_birth"] == "1985-12-10" and ada["address"]["city"] == "London"
    assert ada["company_id"] == company["id"] and ada["tags"] == ["cardio", "vip"]
    assert ada["custom_fields"]["nhs"] == "943 476 5919" and ada["consent_email"] is True
    by_nhs = (await client.get("/api/v1/contacts", params={"cf.nhs": "943 476 5919"}, headers=admin)).json()
    assert [c["id"] for c in by_nhs["items"]] == [ada["id"]]
    charles = (
        await client.get("/api/v1/contacts", params={"email": "charles@example.org"}, headers=admin)
    ).json()
    assert charles["items"][0]["company_id"] is None and charles["items"][0]["company_name"] == "Unknown Ltd"
    assert charles["items"][0]["consent_email"] is False

    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()
    assert [e["row"] for e in errors["items"]] == [4] and "Email" in errors["items"][0]["error"]
    report = await client.get(f"/api/v1/imports/{body['id']}/errors.csv", headers=admin)
    assert report.status_code == 200 and report.text.splitlines()[1].startswith("4,")

    await set_tenant(db, tenant.id)
    provenance = (
        await db.execute(text("SELECT count(*) FROM contacts WHERE import_id = :id"), {"id": body["id"]})
    ).scalar_one()
    assert provenance == 2
    raw = (
        await db.execute(text("SELECT emails FROM contacts WHERE id = :id"), {"id": ada["id"]})
    ).scalar_one()
    assert b"ada@" not in bytes(raw)
    actions = (
        (
            await db.execute(
                text(
                    "SELECT action FROM audit_events WHERE action LIKE 'import.%' OR action LIKE 'contact.%' ORDER BY seq"
                )
            )
        )
        .scalars()
        .all()
    )
    assert actions == ["import.create", "import.start", "import.complete"]
    meta = (
        await db.execute(text("SELECT meta FROM audit_events WHERE action = 'import.complete'"))
    ).scalar_one()
    assert meta["created"] == 2 and meta["failed"] == 1
    # The file (personal data in clear) is gone once the import is over.
    assert (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).status_code == 409
    assert (await client.post(f"/api/v1/imports/{body['id']}/run", headers=admin)).status_code == 409


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("skip", {"created": 1, "updated": 0, "skipped": 3, "contacts": 2}),
        ("update", {"created": 1, "updated": 3, "skipped": 0, "contacts": 2}),
        ("create", {"created": 4, "updated": 0, "skipped": 0, "contacts": 5}),
    ],
)
async def test_duplicate_policies(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    policy: str,
    expected: dict[str, int],
) -> None:
    existing = (
        await client.post(
            "/api/v1/contacts",
            json={
                "first_name": "Ada",
                "emails": ["ada@example.org"],
                "phones": ["+44 1632 960001"],
                "tags": ["old"],
            },
            headers=admin,
        )
    ).json()
    csv = (
        "First Name,Job Title,Email,Phone,Tags\n"
        "Ada,Surgeon,ADA@example.org,+44 1632 960999,new\n"  # same e-mail as the existing contact
        "Ada L,,,+441632960001,\n"  # same phone as the existing contact
        "Grace,Admiral,grace@example.org,,\n"  # new
        "Grace H,,GRACE@example.org,+1 555 0100,\n"  # same e-mail as the row above
    )
    body = (await upload(csv)).json()
    result = await run_job(body["id"], policy=policy)
    assert result["status"] == "completed"
    assert {k: result[k] for k in ("created", "updated", "skipped")} == {
        k: expected[k] for k in ("created", "updated", "skipped")
    }
    everyone = (await client.get("/api/v1/contacts", headers=admin)).json()["items"]
    assert len(everyone) == expected["contacts"]
    ada = (await client.get(f"/api/v1/contacts/{existing['id']}", headers=admin)).json()
    if policy == "update":
        assert ada["first_name"] == "Ada L" and ada["job_title"] == "Surgeon" and ada["version"] == 2
        assert ada["phones"] == ["+44 1632 960001", "+44 1632 960999"] and ada["tags"] == ["new", "old"]
        grace = (await client.get("/api/v1/contacts", params={"phone": "+1 555 0100"}, headers=admin)).json()
        assert grace["items"][0]["first_name"] == "Grace H" and grace["items"][0]["job_title"] == "Admiral"
    else:
        assert ada["version"] == 1 and ada["job_title"] is None


async def test_a_row_the_database_refuses_fails_alone(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    monkeypatch: pytest.MonkeyPatch,
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    original = importer.batch.Writer._contact_row

    def sabotage(self: Any, contact_id: uuid.UUID, draft: Any) -> dict[str, Any]:
        row = original(self, contact_id, draft)
        if draft.first_name == "Poison":
            row["first_name"] = "x" * 500  # longer than the column: the INSERT of the batch fails
        return row

    monkeypatch.setattr(importer.batch.Writer, "_contact_row", sabotage)
    csv = (
        "First Name,Email\n"
        + "".join(f"P{n},p{n}@example.org\n" for n in range(5))
        + "Poison,poison@example.org\n"
    )
    body = (await upload(csv)).json()
    result = await run_job(body["id"])
    assert (result["created"], result["failed"]) == (5, 1)
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert errors[0]["row"] == 7 and "could not be saved" in errors[0]["error"]
    await set_tenant(db, tenant.id)
    leftovers = (
        await db.execute(
            text(
                "SELECT count(*) FROM contact_identifiers i JOIN contacts c ON c.id = i.contact_id"
                " WHERE c.import_id = :id"
            ),
            {"id": body["id"]},
        )
    ).scalar_one()
    assert leftovers == 5  # nothing half-written for the refused row


async def test_cancel_before_and_during_a_run(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csv = "First Name\n" + "".join(f"C{n}\n" for n in range(10))
    waiting = (await upload(csv)).json()
    cancelled = await client.post(f"/api/v1/imports/{waiting['id']}/cancel", headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await client.post(f"/api/v1/imports/{waiting['id']}/cancel", headers=admin)).status_code == 409
    assert (await client.post(f"/api/v1/imports/{waiting['id']}/run", headers=admin)).status_code == 409

    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    running = (await upload(csv)).json()
    original = importer._Batches.run
    calls: list[int] = []

    async def cancel_after_first(self: Any, records: Any, processed: int) -> bool:
        calls.append(processed)
        if len(calls) == 2:  # someone presses cancel while the first batch is done
            response = await client.post(f"/api/v1/imports/{running['id']}/cancel", headers=admin)
            assert response.json()["status"] == "cancelling"
        return await original(self, records, processed)

    monkeypatch.setattr(importer._Batches, "run", cancel_after_first)
    result = await run_job(running["id"])
    assert result["status"] == "cancelled" and result["created"] == 3
    assert result["progress"]["done"] == 3 or result["progress"]["done"] == 6
    assert len((await client.get("/api/v1/contacts", headers=admin)).json()["items"]) == 3


async def test_roles_and_tenants(
    client: httpx.AsyncClient, admin: dict[str, str], upload: Upload, tenant: Tenant, other_tenant: Tenant
) -> None:
    csv = "First Name,Email\nAda,ada@example.org\n"
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    support = bearer(await token_for(client, tenant.people[Role.support]))
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (await upload(csv, headers=support)).status_code == 403
    assert (await upload(csv, headers=marketing)).status_code == 201
    mine = (await upload(csv, headers=sales)).json()
    admins = (await upload(csv)).json()
    # Sales sees its own imports; admins see all of them.
    assert [i["id"] for i in (await client.get("/api/v1/imports", headers=sales)).json()["items"]] == [
        mine["id"]
    ]
    assert (await client.get(f"/api/v1/imports/{admins['id']}", headers=sales)).status_code == 404
    assert len((await client.get("/api/v1/imports", headers=admin)).json()["items"]) == 3
    assert (await client.get(f"/api/v1/imports/{mine['id']}", headers=admin)).status_code == 200

    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/imports", headers=theirs)).json()["items"] == []
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", "/preview", None),
        ("PUT", "/mapping", {"mapping": {}}),
        ("POST", "/run", None),
        ("POST", "/cancel", None),
        ("GET", "/errors", None),
        ("GET", "/errors.csv", None),
        ("DELETE", "", None),
    ):
        response = await client.request(
            method, f"/api/v1/imports/{admins['id']}{suffix}", json=body, headers=theirs
        )
        assert response.status_code == 404, (method, suffix, response.status_code)
    assert (await client.delete(f"/api/v1/imports/{admins['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/imports/{admins['id']}", headers=admin)).status_code == 404
