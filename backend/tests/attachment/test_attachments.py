"""Attachments: streamed multipart upload with sniffed types and a size limit, presigned S3 uploads
with confirmation, streamed downloads with a safe file name, deletion of the stored bytes, audit,
record visibility, roles and tenant isolation."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.core.storage import S3Storage
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 5000
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def _contact(client: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> str:
    response = await client.post("/api/v1/contacts", json={"first_name": "Ada"} | extra, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _company(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/companies", json={"name": "Harley Clinic"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: str,
    content: bytes,
    name: str = "letter.pdf",
    declared: str = "application/pdf",
) -> httpx.Response:
    return await client.post(path, files={"file": (name, content, declared)}, headers=headers)


async def test_upload_list_download_delete(
    client: httpx.AsyncClient, admin: dict[str, str], runtime: Runtime, db: AsyncSession, tenant: Tenant
) -> None:
    contact = await _contact(client, admin)
    base = f"/api/v1/contacts/{contact}/attachments"
    name = 'Ada "Lovelace" — referral/../letter.pdf'
    created = await _upload(client, admin, base, PDF, name=name)
    assert created.status_code == 201, created.text
    attachment = created.json()
    assert attachment["content_type"] == "application/pdf" and attachment["size"] == len(PDF)
    assert attachment["file_name"] == "letter.pdf"  # no path survives
    docx = await _upload(
        client,
        admin,
        base,
        _docx(),
        name="Notes é.docx",
        declared="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert docx.status_code == 201, docx.text

    # Both uploads share this test's transaction, hence one created_at: the id breaks the tie, so
    # which page holds which is arbitrary; that the keyset walk yields each exactly once is not.
    listed = (await client.get(base, params={"limit": 1}, headers=admin)).json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    rest = (await client.get(base, params={"cursor": listed["next_cursor"]}, headers=admin)).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    walked = [a["id"] for a in listed["items"] + rest["items"]]
    assert sorted(walked) == sorted([docx.json()["id"], attachment["id"]])

    download = await client.get(f"/api/v1/attachments/{docx.json()['id']}/download", headers=admin)
    assert download.status_code == 200 and download.content == _docx()
    disposition = download.headers["content-disposition"]
    assert (
        disposition.startswith('attachment; filename="Notes e.docx"')
        and "UTF-8''Notes%20%C3%A9.docx" in disposition
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert (await client.get(f"/api/v1/attachments/{attachment['id']}/url", headers=admin)).json()[
        "error"
    ] == "presign_not_supported"

    row = await runtime.storage.stat(f"{tenant.id}/attachments/{uuid.UUID(attachment['id']).hex}")
    assert row.size == len(PDF)
    assert (await client.delete(f"/api/v1/attachments/{attachment['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/attachments/{attachment['id']}", headers=admin)).status_code == 404
    assert not await runtime.storage.exists(f"{tenant.id}/attachments/{uuid.UUID(attachment['id']).hex}")

    await set_tenant(db, tenant.id)
    events = (
        await db.execute(
            text("SELECT action, meta::text FROM audit_events WHERE entity_id = :id ORDER BY seq"),
            {"id": attachment["id"]},
        )
    ).all()
    assert [e.action for e in events] == ["attachment.create", "attachment.delete"]
    assert all("letter" not in (e.meta or "") for e in events)  # file names may name people


async def test_types_are_sniffed_and_sizes_limited(
    client: httpx.AsyncClient, admin: dict[str, str], runtime: Runtime
) -> None:
    base = f"/api/v1/contacts/{await _contact(client, admin)}/attachments"
    lying = await _upload(client, admin, base, EXE, name="scan.pdf", declared="application/pdf")
    assert lying.status_code == 415 and lying.json()["error"] == "content_type_not_allowed"
    voice = await _upload(client, admin, base, b"ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00" + b"\x00" * 64,
                          name="note.mp3", declared="audio/mpeg")  # fmt: skip
    assert voice.status_code == 201 and voice.json()["content_type"] == "audio/mpeg"
    text_note = await _upload(
        client, admin, base, b"call back on Monday\n", name="n.txt", declared="text/plain"
    )
    assert text_note.json()["content_type"] == "text/plain"
    empty = await _upload(client, admin, base, b"", name="e.txt", declared="text/plain")
    assert empty.status_code == 400 and empty.json()["error"] == "empty_file"

    runtime.settings = runtime.settings.model_copy(update={"storage_max_upload_bytes": 1024})
    big = await _upload(client, admin, base, PDF)
    assert big.status_code == 413
    assert len((await client.get(base, headers=admin)).json()["items"]) == 2
    not_multipart = await client.post(base, content=PDF, headers=admin | {"Content-Type": "application/pdf"})
    assert not_multipart.status_code == 400 and not_multipart.json()["error"] == "malformed_upload"
    wrong_field = await client.post(
        base, files={"document": ("a.pdf", PDF[:500], "application/pdf")}, headers=admin
    )
    assert wrong_field.status_code == 400


async def test_records_must_be_visible_and_editable(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant
) -> None:
    contact = await _contact(client, admin)
    company = await _company(client, admin)
    support = bearer(await token_for(client, tenant.people[Role.support]))
    sales = bearer(await token_for(client, tenant.people[Role.sales]))

    assert (await client.post(f"/api/v1/contacts/{uuid.uuid4()}/attachments", files={"file": ("a.txt", b"x")},
                              headers=admin)).status_code == 404  # fmt: skip
    # Support may attach to contacts (it edits them) but only read companies.
    mine = await _upload(client, support, f"/api/v1/contacts/{contact}/attachments", PDF)
    assert mine.status_code == 201
    refused = await _upload(client, support, f"/api/v1/companies/{company}/attachments", PDF)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    theirs = await _upload(client, sales, f"/api/v1/contacts/{contact}/attachments", PDF)
    # Support deletes what it uploaded, not what others did.
    assert (
        await client.delete(f"/api/v1/attachments/{theirs.json()['id']}", headers=support)
    ).status_code == 403
    assert (
        await client.delete(f"/api/v1/attachments/{mine.json()['id']}", headers=support)
    ).status_code == 204
    # A deal owned by someone else is invisible to sales (own scope): 404, not 403.
    assert (await client.get(f"/api/v1/deals/{uuid.uuid4()}/attachments", headers=sales)).status_code == 404


async def test_other_tenant_sees_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], other_tenant: Tenant
) -> None:
    contact = await _contact(client, admin)
    attachment = (await _upload(client, admin, f"/api/v1/contacts/{contact}/attachments", PDF)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    for method, path in (
        ("GET", f"/api/v1/contacts/{contact}/attachments"),
        ("POST", f"/api/v1/contacts/{contact}/attachments/presign"),
        ("GET", f"/api/v1/attachments/{attachment['id']}"),
        ("GET", f"/api/v1/attachments/{attachment['id']}/download"),
        ("POST", f"/api/v1/attachments/{attachment['id']}/confirm"),
        ("DELETE", f"/api/v1/attachments/{attachment['id']}"),
    ):
        body = (
            {"file_name": "a.pdf", "content_type": "application/pdf", "size": 10}
            if "presign" in path
            else None
        )
        response = await client.request(method, path, headers=theirs, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
    upload = await _upload(client, theirs, f"/api/v1/contacts/{contact}/attachments", PDF)
    assert upload.status_code == 404


async def test_presign_is_refused_on_local_storage(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    contact = await _contact(client, admin)
    response = await client.post(
        f"/api/v1/contacts/{contact}/attachments/presign",
        json={"file_name": "a.pdf", "content_type": "application/pdf", "size": 100},
        headers=admin,
    )
    assert response.status_code == 400 and response.json()["error"] == "presign_not_supported"
    assert "not supported" in response.json()["detail"]


async def test_presigned_upload_on_s3_then_confirm(
    client: httpx.AsyncClient, admin: dict[str, str], runtime: Runtime, s3_storage: S3Storage, tenant: Tenant
) -> None:
    runtime.storage = s3_storage
    contact = await _contact(client, admin)
    presign = f"/api/v1/contacts/{contact}/attachments/presign"
    started = await client.post(
        presign,
        json={"file_name": "scan.pdf", "content_type": "application/pdf", "size": len(PDF)},
        headers=admin,
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["attachment"]["status"] == "pending"
    # Pending files are not listed and cannot be downloaded.
    assert (await client.get(f"/api/v1/contacts/{contact}/attachments", headers=admin)).json()["items"] == []
    async with httpx.AsyncClient() as direct:
        put = await direct.put(body["upload"]["url"], content=PDF, headers=body["upload"]["headers"])
    assert put.status_code == 200, put.text
    confirmed = await client.post(f"/api/v1/attachments/{body['attachment']['id']}/confirm", headers=admin)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "ready" and len(confirmed.json()["sha256"]) == 64
    again = await client.post(f"/api/v1/attachments/{body['attachment']['id']}/confirm", headers=admin)
    assert again.status_code == 409
    download = await client.get(f"/api/v1/attachments/{body['attachment']['id']}/download", headers=admin)
    assert download.content == PDF
    url = (await client.get(f"/api/v1/attachments/{body['attachment']['id']}/url", headers=admin)).json()
    async with httpx.AsyncClient() as direct:
        fetched = await direct.get(url["url"])
    assert fetched.content == PDF and "scan.pdf" in fetched.headers["content-disposition"]

    # Bytes that are not what was declared are deleted on confirmation; the attachment stays pending.
    lying = (
        await client.post(
            presign,
            json={"file_name": "x.pdf", "content_type": "application/pdf", "size": len(EXE)},
            headers=admin,
        )
    ).json()
    async with httpx.AsyncClient() as direct:
        await direct.put(lying["upload"]["url"], content=EXE, headers=lying["upload"]["headers"])
    refused = await client.post(f"/api/v1/attachments/{lying['attachment']['id']}/confirm", headers=admin)
    assert refused.status_code == 415
    assert not await s3_storage.exists(f"{tenant.id}/attachments/{uuid.UUID(lying['attachment']['id']).hex}")
    assert (
        await client.get(f"/api/v1/attachments/{lying['attachment']['id']}/download", headers=admin)
    ).status_code == 404
    too_big = await client.post(
        presign, json={"file_name": "x.pdf", "content_type": "application/pdf", "size": 10**10}, headers=admin
    )
    assert too_big.status_code == 413
    wrong_type = await client.post(
        presign,
        json={"file_name": "x.exe", "content_type": "application/x-msdownload", "size": 10},
        headers=admin,
    )
    assert wrong_type.status_code == 415
