"""The import's pipeline: batches prepared in a child process (large files) or a thread (small
ones) give the same contacts, errors and counts; the keys never leave by pickle."""

from __future__ import annotations

import pickle
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.dataio import importer
from crm.dataio.rows import Draft
from tests.dataio.conftest import RunJob, Upload
from tests.fixtures.people import Tenant

CSV = (
    "First Name,Email,Phone,Tags\n"
    "Ada,ada@example.org,+44 1632 960001,vip\n"
    "Bad,not-an-email,,\n"  # invalid: reported, the others land
    "Grace,grace@example.org,,\n"
    "Grace H,GRACE@example.org,+1 555 0100,\n"  # same e-mail as the row above, another batch
    "Linus,,+44 1632 960001,\n"  # same phone as Ada (an earlier batch)
    "Alan,alan@example.org,,x;y\n"
    "Edsger,edsger@example.org,,\n"
)


@pytest.mark.parametrize("where", ["thread", "child process"])
async def test_batches_prepared_in_a_child_process_or_a_thread_agree(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    monkeypatch.setattr(importer, "PROCESS_FROM_ROWS", 1 if where == "child process" else 10**9)
    started: list[Any] = []
    original = importer._child_process

    def spy(preparer: importer.Preparer) -> Any:
        started.append(preparer)
        return original(preparer)

    monkeypatch.setattr(importer, "_child_process", spy)
    body = (await upload(CSV)).json()
    result = await run_job(body["id"], policy="update")
    assert len(started) == (1 if where == "child process" else 0)
    assert result["status"] == "completed", result
    assert (result["created"], result["updated"], result["skipped"], result["failed"]) == (4, 2, 0, 1)
    assert result["progress"] == {"done": 7, "total": 7}
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert [e["row"] for e in errors] == [3] and "Email" in errors[0]["error"]
    # Encrypted in the child under the id the contact got: it reads back in clear.
    grace = (
        await client.get("/api/v1/contacts", params={"email": "grace@example.org"}, headers=admin)
    ).json()
    (grace,) = grace["items"]
    assert grace["first_name"] == "Grace H" and grace["phones"] == ["+1 555 0100"]
    ada = (await client.get("/api/v1/contacts", params={"phone": "+441632960001"}, headers=admin)).json()
    (ada,) = ada["items"]
    assert ada["first_name"] == "Linus" and ada["emails"] == ["ada@example.org"] and ada["tags"] == ["vip"]
    alan = (await client.get("/api/v1/contacts", params={"email": "alan@example.org"}, headers=admin)).json()
    assert alan["items"][0]["tags"] == ["x", "y"]
    assert len((await client.get("/api/v1/contacts", headers=admin)).json()["items"]) == 4


def test_a_draft_pickles_by_position_and_comes_back_equal() -> None:
    draft = Draft(row=7, first_name="Ada", emails=["a@example.org"], email_indexes=[b"\x01" * 32])
    draft.present.add("first_name")
    draft.prepared = b"{}"
    back = pickle.loads(pickle.dumps(draft))  # noqa: S301 (our own bytes, as the child sends them)
    assert back == draft and back is not draft


async def test_a_row_refused_from_the_staging_table_fails_alone_in_the_child_process(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    upload: Upload,
    run_job: RunJob,
    monkeypatch: pytest.MonkeyPatch,
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    monkeypatch.setattr(importer, "PROCESS_FROM_ROWS", 1)
    original = importer.batch.Writer._contact_row

    def sabotage(self: Any, contact_id: uuid.UUID, draft: Any) -> dict[str, Any]:
        row = original(self, contact_id, draft)
        if draft.first_name == "Poison":
            row["first_name"] = "x" * 500  # staged fine; longer than contacts.first_name allows
        return row

    # Patched before the child is forked: the child prepares the poisoned row.
    monkeypatch.setattr(importer.batch.Writer, "_contact_row", sabotage)
    csv = "First Name,Email\n" + "".join(f"P{n},p{n}@example.org\n" for n in range(4))
    csv += "Poison,poison@example.org\nQ,q@example.org\n"
    body = (await upload(csv)).json()
    result = await run_job(body["id"])
    assert (result["created"], result["failed"], result["status"]) == (5, 1, "completed")
    errors = (await client.get(f"/api/v1/imports/{body['id']}/errors", headers=admin)).json()["items"]
    assert [e["row"] for e in errors] == [6] and "could not be saved" in errors[0]["error"]
    await set_tenant(db, tenant.id)
    staged_left = await db.execute(
        text(
            "SELECT count(*) FROM contact_identifiers i JOIN contacts c ON c.id = i.contact_id"
            " WHERE c.import_id = :id"
        ),
        {"id": body["id"]},
    )
    assert staged_left.scalar_one() == 5  # the others' e-mails; nothing of the refused row
