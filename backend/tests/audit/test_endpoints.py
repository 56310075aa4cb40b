"""GET /api/v1/audit-events and /export: admins only, filters, keyset pages, one tenant's events only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid

import httpx
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import service
from crm.audit.schemas import AuditFilters
from crm.audit.service import record_event
from crm.auth.principal import ActorType
from crm.core.db import set_tenant
from crm.models import AuditEvent
from crm.models.tenancy import Role
from tests.audit.conftest import URL, SignIn, principal
from tests.conftest import make_org

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


async def _seed(db: AsyncSession, org: uuid.UUID) -> dict[str, uuid.UUID]:
    """Five events of one organisation: two users, contacts and a deal, a sign-in failure."""
    alice, bob = uuid.uuid4(), uuid.uuid4()
    contact = uuid.uuid4()
    as_alice = principal(org, user_id=alice)
    as_bob = principal(org, user_id=bob, user_agent='=HYPERLINK("http://evil.example")')
    await record_event(db, action="contact.create", actor=as_alice, entity_type="contact", entity_id=contact,
                       changes={"first_name": (None, "Ada"), "email": (None, "ada@example.com")},
                       pii_fields={"email"})  # fmt: skip
    await record_event(db, action="contact.update", actor=as_bob, entity_type="contact", entity_id=contact,
                       changes={"status": ("lead", "customer")})  # fmt: skip
    await record_event(db, action="deal.update", actor=as_alice, entity_type="deal", entity_id="D-1",
                       changes={"amount": (100, 250)})  # fmt: skip
    await record_event(
        db, action="contact.delete", actor=as_alice, entity_type="contact", entity_id=uuid.uuid4()
    )
    await record_event(db, action="auth.login_failed", actor=None, organization_id=org, ip="198.51.100.9")
    return {"alice": alice, "bob": bob, "contact": contact}


async def test_admin_pages_through_the_trail_newest_first(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await _seed(db, org)
    sign_in(org)

    first = await http.get(URL, params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [item["action"] for item in body["items"]] == ["auth.login_failed", "contact.delete"]
    assert body["next_cursor"]
    second = (await http.get(URL, params={"limit": 2, "cursor": body["next_cursor"]})).json()
    third = (await http.get(URL, params={"limit": 2, "cursor": second["next_cursor"]})).json()
    assert [item["action"] for item in second["items"]] == ["deal.update", "contact.update"]
    assert [item["action"] for item in third["items"]] == ["contact.create"]
    assert third["next_cursor"] is None

    created = third["items"][0]
    assert set(created) == {
        "id", "occurred_at", "actor_type", "actor_id", "session_id", "action", "entity_type", "entity_id",
        "changes", "redacted_fields", "ip", "user_agent", "device", "request_id", "trace_id", "meta",
    }  # fmt: skip
    assert created["changes"] == {"first_name": {"before": None, "after": "Ada"}}
    assert created["redacted_fields"] == ["email"]
    assert created["ip"] == "203.0.113.7"
    assert created["device"] == "Firefox 128 on Linux"
    assert "ada@example.com" not in first.text + json.dumps([second, third])
    failed = body["items"][0]
    assert (failed["actor_type"], failed["actor_id"], failed["ip"]) == (None, None, "198.51.100.9")


async def test_filters(db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn) -> None:
    ids = await _seed(db, org)
    sign_in(org)

    async def actions(**params: str) -> list[str]:
        response = await http.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [item["action"] for item in response.json()["items"]]

    assert await actions(actor_id=str(ids["bob"])) == ["contact.update"]
    assert await actions(actor_type="user", action="contact.*") == [
        "contact.delete", "contact.update", "contact.create",
    ]  # fmt: skip
    assert await actions(action="deal.update") == ["deal.update"]
    assert await actions(action="deal") == []  # exact unless it ends with *
    assert await actions(action="con%.*") == []  # LIKE wildcards are literal
    assert await actions(entity_type="contact", entity_id=str(ids["contact"])) == [
        "contact.update", "contact.create",
    ]  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    assert len(await actions(since=(now - dt.timedelta(hours=1)).isoformat())) == 5
    assert await actions(since=(now + dt.timedelta(hours=1)).isoformat()) == []
    assert await actions(until=(now - dt.timedelta(hours=1)).isoformat()) == []
    # A time without an offset is UTC.
    naive = (now + dt.timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    assert len(await actions(until=naive)) == 5


async def test_a_page_is_one_query_whatever_its_size(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    for n in range(30):
        await record_event(db, action="contact.update", actor=principal(org), changes={"n": (n, n + 1)})
    sign_in(org)
    sync_connection = (await db.connection()).sync_connection
    assert sync_connection is not None
    selects: list[str] = []

    def count(*args: object) -> None:
        statement = str(args[2])
        if "audit_events" in statement:
            selects.append(statement)

    event.listen(sync_connection, "before_cursor_execute", count)
    try:
        for limit in (1, 30):
            selects.clear()
            assert len((await http.get(URL, params={"limit": limit})).json()["items"]) == limit
            assert len(selects) == 1
    finally:
        event.remove(sync_connection, "before_cursor_execute", count)


@pytest.mark.parametrize("role", [Role.sales, Role.marketing, Role.support])
@pytest.mark.parametrize("path", ["", "/export"])
async def test_other_roles_are_refused(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, role: Role, path: str
) -> None:
    sign_in(org, role)
    response = await http.get(URL + path)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("path", ["", "/export"])
async def test_no_caller_is_refused(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(URL + path)
    assert response.status_code == 401


async def test_another_tenant_sees_none_of_it(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await _seed(db, org)
    other = await make_org(db, "Other Clinic")
    await record_event(
        db, action="contact.create", actor=principal(other), entity_type="contact", entity_id="X"
    )
    await set_tenant(db, org)

    sign_in(other)
    items = (await http.get(URL)).json()["items"]
    assert [(item["action"], item["entity_id"]) for item in items] == [("contact.create", "X")]
    # Even naming the other tenant's entity and actor finds nothing.
    assert (await http.get(URL, params={"entity_id": "D-1"})).json()["items"] == []
    exported = (await http.get(URL + "/export")).text
    assert "D-1" not in exported and "contact.update" not in exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    # The export is part of the trail it exports (recorded before the rows are read).
    assert [row["action"] for row in rows] == ["contact.create", "audit.export"]


async def test_export_streams_csv_and_is_itself_recorded(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await _seed(db, org)
    caller = sign_in(org)

    response = await http.get(URL + "/export", params={"action": "contact.*"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-events-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["action"] for row in rows] == ["contact.create", "contact.update", "contact.delete"]
    created, updated, _ = rows
    assert created["redacted_fields"] == "email"
    assert created["changes"] == '{"first_name": {"after": "Ada", "before": null}}'
    assert created["device"] == "Firefox 128 on Linux"
    # A formula typed into a header cannot run in a spreadsheet.
    assert updated["user_agent"].startswith("'=HYPERLINK")
    assert "ada@example.com" not in response.text

    recorded = (await db.execute(select(AuditEvent).where(AuditEvent.action == "audit.export"))).scalar_one()
    assert (recorded.actor_type, recorded.actor_id) == (ActorType.user.value, caller.user_id)
    assert recorded.meta == {"action": "contact.*"}


async def test_export_of_many_rows_comes_in_several_chunks(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await db.execute(
        text(
            "INSERT INTO audit_events (organization_id, action, entity_type, entity_id, user_agent)"
            " SELECT :org, 'contact.update', 'contact', g::text, :ua FROM generate_series(1, 3000) g"
        ),
        {"org": org, "ua": FIREFOX},
    )
    sign_in(org)
    response = await http.get(URL + "/export")
    assert response.status_code == 200
    assert response.text.count("\n") == 3002  # header, rows, and the export's own event
    # The body is produced chunk by chunk from a server-side cursor, never whole in memory.
    await set_tenant(db, org)
    chunks = [chunk async for chunk in service.export_csv(db, org, AuditFilters())]
    assert len(chunks) > 1 and all(len(chunk) < 80 * 1024 for chunk in chunks)


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0"}, 400, "invalid_cursor"),  # no offset
        ({"limit": 0}, 422, "validation_error"),
        ({"limit": 201}, 422, "validation_error"),
        ({"actor_id": "nope"}, 422, "validation_error"),
        ({"actor_type": "robot"}, 422, "validation_error"),
        ({"since": "yesterday"}, 422, "validation_error"),
        ({"action": "x" * 101}, 422, "validation_error"),
    ],
)
async def test_bad_input(
    org: uuid.UUID,
    http: httpx.AsyncClient,
    sign_in: SignIn,
    params: dict[str, object],
    status: int,
    error: str,
) -> None:
    sign_in(org)
    response = await http.get(URL, params=params)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
