"""Lead imports: header suggestions, preview, exact dedupe by blind-index e-mail/phone (in the file and
against live leads of this organisation only), the update rules, provenance, one audit event, bad
rows failing alone, bad files refused, and the permission of the object type."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.dataio.lead_rows import LEADS
from crm.dataio.mapping import suggest
from crm.models import Role
from tests.dataio.conftest import RunJob
from tests.fixtures.people import Tenant, bearer, token_for

SALESFORCE = "First Name,Last Name,Company,Title,Email,Phone,Lead Source,Lead Status,Lost Reason\n"


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes | str, encoding: str = "auto"
) -> httpx.Response:
    body = data.encode() if isinstance(data, str) else data
    return await client.post(
        "/api/v1/imports",
        params={"object_type": "lead", "encoding": encoding},
        files={"file": ("leads.csv", body, "text/csv")},
        headers=headers,
    )


async def _leads(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/leads", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_suggestions_recognise_lead_exports() -> None:
    headers = [
        "First Name", "Last Name", "Company", "Title", "Email", "Phone", "Mobile", "Lead Source",
        "Lead Status", "Lead Owner", "Lost Reason", "Tags", "Lifecycle Stage", "Birthdate", "Notes",
    ]  # fmt: skip
    assert suggest(headers, {}, LEADS) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company_name",
        "Title": "job_title",
        "Email": "email",
        "Phone": "phone",
        "Mobile": None,  # a lead holds one phone, already given by "Phone"
        "Lead Source": "source",
        "Lead Status": "status",
        "Lead Owner": "owner",
        "Lost Reason": "lost_reason",
        "Tags": "tags",
        "Lifecycle Stage": None,  # a contact's field, not a lead's
        "Birthdate": None,
        "Notes": None,
    }


async def test_lead_import_dedupes_validates_and_keeps_provenance(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    run_job: RunJob,
    db: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    existing = await client.post(
        "/api/v1/leads", json={"first_name": "Old", "email": "grace@navy.example"}, headers=admin
    )
    assert existing.status_code == 201, existing.text
    # Another organisation's lead with the same address is not a duplicate here.
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    other = await client.post(
        "/api/v1/leads", json={"first_name": "Theirs", "email": "ada@engines.example"}, headers=theirs
    )
    assert other.status_code == 201
    csv = SALESFORCE + "\n".join(
        [
            "Ada,Lovelace,Analytical Engines,Countess,ada@engines.example,+44 20 7946 0018,Web,"
            "Open - Not Contacted,",
            "Grace,Hopper,Navy,Rear Admiral,GRACE@navy.example,,Referral,Working - Contacted,",
            "Ada,Again,Analytical Engines,,,+44 20 7946 0018,Web,,",  # same phone as line 2
            "Alan,Turing,Bletchley,,alan@bletchley.example,,Event,Closed - Not Converted,",  # no reason
            "Joan,Clarke,Bletchley,,joan@bletchley.example,,Event,Closed - Converted,",
            "Two,Mails,,,a@x.example; b@x.example,,,,",
            "Bad,Mail,,,not-an-address,,,,",
            "Ragged,Row,,,",
            "Tommy,Flowers,Post Office,Engineer,tommy@gpo.example,,Cold call,Lost,Went with Colossus",
            ",,,,,,,,",
        ]
    )
    created = await _upload(client, admin, csv)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["object_type"] == "lead"
    assert {c["header"]: c["target"] for c in body["columns"]}["Lead Status"] == "status"
    fields = (
        await client.get("/api/v1/imports/fields", params={"object_type": "lead"}, headers=admin)
    ).json()
    assert {"source", "status", "lost_reason", "company_name"} <= {f["key"] for f in fields}
    assert "lifecycle_stage" not in {f["key"] for f in fields}

    preview = (await client.get(f"/api/v1/imports/{body['id']}/preview", headers=admin)).json()
    rows = {row["row"]: row for row in preview["rows"]}
    assert rows[2]["action"] == "create" and rows[2]["values"]["status"] == "new"
    assert rows[3]["action"] == "skip" and rows[3]["duplicates"] == [existing.json()["id"]]
    assert rows[4]["action"] == "skip"  # the phone of line 2, earlier in this file
    assert "lost reason" in rows[5]["errors"][0]
    assert "converted" in rows[6]["errors"][0]
    assert "more than one e-mail" in rows[7]["errors"][0]
    assert "Email" in rows[8]["errors"][0] and "not-an-address" not in rows[8]["errors"][0]
    assert "cells" in rows[9]["errors"][0]
    assert rows[10]["action"] == "create" and rows[10]["values"]["lost_reason"] == "Went with Colossus"
    assert 11 not in rows  # blank row
    assert preview["summary"] == {"create": 2, "update": 0, "skip": 2, "error": 5}

    result = await run_job(body["id"])
    assert result["status"] == "completed", result
    assert (result["created"], result["updated"], result["skipped"], result["failed"]) == (2, 0, 2, 5)
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert [e["row"] for e in errors] == [5, 6, 7, 8, 9]

    (ada,) = await _leads(client, admin, email="ADA@engines.example")
    assert (ada["first_name"], ada["last_name"], ada["job_title"]) == ("Ada", "Lovelace", "Countess")
    assert ada["company_name"] == "Analytical Engines"
    assert (ada["phone"], ada["source"], ada["status"]) == ("+44 20 7946 0018", "Web", "new")
    assert ada["owner_id"] == str(tenant.people[Role.admin].user_id)
    (tommy,) = await _leads(client, admin, email="tommy@gpo.example")
    assert (tommy["status"], tommy["lost_reason"]) == ("lost", "Went with Colossus")
    (old,) = await _leads(client, admin, email="grace@navy.example")
    assert old["first_name"] == "Old"  # skipped: untouched
    assert [lead["first_name"] for lead in await _leads(client, theirs)] == ["Theirs"]

    await set_tenant(db, tenant.id)
    provenance = await db.execute(
        text(
            "SELECT count(*), bool_and(position(convert_to('@engines.example', 'UTF8') in email) = 0"
            " AND position(convert_to('@gpo.example', 'UTF8') in email) = 0) FROM leads WHERE import_id = :id"
        ),
        {"id": body["id"]},
    )
    assert tuple(provenance.one()) == (2, True)  # the import's leads, PII encrypted at rest
    audit = await db.execute(
        text("SELECT meta FROM audit_events WHERE action = 'import.complete' AND entity_id = :id"),
        {"id": body["id"]},
    )
    meta = audit.scalar_one()
    assert (meta["object_type"], meta["created"], meta["skipped"], meta["failed"]) == ("lead", 2, 2, 5)


async def test_update_policy_follows_the_lead_rules(
    client: httpx.AsyncClient, admin: dict[str, str], run_job: RunJob
) -> None:
    lead = (
        await client.post(
            "/api/v1/leads",
            json={"first_name": "Grace", "email": "grace@navy.example", "tags": ["navy"]},
            headers=admin,
        )
    ).json()
    lost = (
        await client.post(
            "/api/v1/leads",
            json={
                "first_name": "Alan",
                "phone": "+44 1908 640404",
                "status": "lost",
                "lost_reason": "Budget",
            },
            headers=admin,
        )
    ).json()
    csv = (
        "Email,Phone,Title,Lead Status,Tags\n"
        "grace@navy.example,+1 202 555 0100,Rear Admiral,Working - Contacted,cobol\n"
        ",+44 1908 640404,Cryptanalyst,Qualified,\n"
        ",+44 1908 640404,,Converted,\n"
    )
    body = (await _upload(client, admin, csv)).json()
    result = await run_job(body["id"], policy="update")
    assert (result["created"], result["updated"], result["failed"]) == (0, 2, 1), result
    (grace,) = await _leads(client, admin, email="grace@navy.example")
    assert grace["id"] == lead["id"] and grace["version"] == lead["version"] + 1
    assert (grace["job_title"], grace["status"], grace["phone"]) == (
        "Rear Admiral",
        "contacted",
        "+1 202 555 0100",
    )
    assert grace["tags"] == ["cobol", "navy"]
    (alan,) = await _leads(client, admin, phone="+44 1908 640404")
    # lost -> qualified is allowed; the reason goes with the lost status.
    assert (alan["id"], alan["status"], alan["lost_reason"]) == (lost["id"], "qualified", None)
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert [e["row"] for e in errors] == [4] and "converted" in errors[0]["error"]


async def test_lead_imports_need_the_lead_permission_and_bad_files_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant
) -> None:
    # Support may import once granted imports, but has no leads:create: contacts yes, leads no.
    granted = await client.put(
        "/api/v1/roles/support",
        json={"cells": {"imports:create": "own", "imports:read": "own", "imports:update": "own"}},
        headers=admin,
    )
    assert granted.status_code == 200, granted.text
    support = bearer(await token_for(client, tenant.people[Role.support]))
    refused = await _upload(client, support, "Email\nada@example.org\n")
    assert refused.status_code == 403 and "leads" in refused.json()["detail"]
    contacts = await client.post(
        "/api/v1/imports", files={"file": ("c.csv", b"Email\nada@example.org\n", "text/csv")}, headers=support
    )
    assert contacts.status_code == 201
    unknown = await client.post(
        "/api/v1/imports",
        params={"object_type": "deal"},
        files={"file": ("d.csv", b"Name\nBig deal\n", "text/csv")},
        headers=admin,
    )
    assert unknown.status_code == 422
    # A 100 MB upload is refused from its declared length, before its body is read.
    huge = await client.post(
        "/api/v1/imports",
        params={"object_type": "lead"},
        content=b"x",
        headers={
            **admin,
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(100 << 20),
        },
    )
    assert huge.status_code == 413
    garbage = await _upload(client, admin, b"\x00\x01\x02" * 5000)
    assert garbage.status_code == 415
    # A mapping must give a lead some identity; a contact's field is not a lead's.
    body = (await _upload(client, admin, "Lead Source,Notes\nWeb,hello\n")).json()
    started = await client.post(f"/api/v1/imports/{body['id']}/run", headers=admin)
    assert started.status_code == 400 and started.json()["error"] == "invalid_mapping"
    wrong = await client.put(
        f"/api/v1/imports/{body['id']}/mapping", json={"mapping": {"Notes": "lifecycle_stage"}}, headers=admin
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_mapping"


async def test_bad_bytes_and_ragged_rows_fail_alone_in_a_lead_import(
    client: httpx.AsyncClient, admin: dict[str, str], run_job: RunJob
) -> None:
    data = (
        b"Company,Email\n"
        b"Acme,ada@acme.example\n"
        b"Dr\xf6ger,drager@example.org\n"  # Windows-1252 in a file declared UTF-8
        b"Ragged\n"
        b"Initech,peter@initech.example\n"
    )
    body = (await _upload(client, admin, data, encoding="utf-8")).json()
    result = await run_job(body["id"])
    assert (result["created"], result["failed"]) == (2, 2), result
    errors = {e["row"]: e["error"] for e in (await client.get(f"/api/v1/imports/{body['id']}/errors",
                                                               headers=admin)).json()["items"]}  # fmt: skip
    assert "encoding" in errors[3] and "cells" in errors[4]
    assert sorted(lead["company_name"] for lead in await _leads(client, admin)) == ["Acme", "Initech"]
