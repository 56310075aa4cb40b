"""The API-keys API: minting (shown once, hashed), the permission-subset rule, listing, reading,
revoking, validation, scopes and tenant isolation. Callers here are principals built by hand;
authenticating *with* a key is in test_authentication.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.auth.permissions import DEFAULTS, Action, Scope
from crm.core.db import set_tenant
from crm.models.tenancy import Role
from tests.conftest import make_org
from tests.flags.support import SignIn, audit_trail, count_statements, new_user

URL = "/api/v1/api-keys"
TOKEN = re.compile(r"^crm_key_([0-9a-f]{20})_([A-Za-z0-9_-]{43})$")
READ_FLAGS = {"resource": "flags", "action": "read", "scope": "all"}


def _future(days: int = 30) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


async def test_admin_mints_a_key_shown_once_and_stored_hashed(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    admin_id = await new_user(db, org, Role.admin)
    sign_in(org, Role.admin, user_id=admin_id)
    expires = _future()
    created = await http.post(
        URL,
        json={
            "name": "  Zapier sync  ",
            "permissions": [READ_FLAGS, {"resource": "users", "action": "read", "scope": "team"}],
            "expires_at": expires,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    match = TOKEN.match(body["token"])
    assert match, body["token"]
    public_id, secret = match.groups()
    assert body["name"] == "Zapier sync"
    assert body["prefix"] == f"crm_key_{public_id}"
    assert body["status"] == "active" and body["created_by"] == str(admin_id)
    assert body["last_used_at"] is None and body["revoked_at"] is None
    assert dt.datetime.fromisoformat(body["expires_at"]) == dt.datetime.fromisoformat(expires)
    assert sorted((p["resource"], p["action"], p["scope"]) for p in body["permissions"]) == [
        ("flags", "read", "all"),
        ("users", "read", "team"),
    ]

    await set_tenant(db, org)
    row = (
        (await db.execute(text("SELECT * FROM api_keys WHERE id = :id"), {"id": body["id"]})).mappings().one()
    )
    assert bytes(row["secret_hash"]) == hashlib.sha256(secret.encode()).digest()
    assert all(secret not in str(value) for value in row.values())
    assert row["permissions"] == {"flags:read": "all", "users:read": "team"}

    # Never again: neither the list nor the key's own page carries the token or the secret.
    for response in (await http.get(URL), await http.get(f"{URL}/{body['id']}")):
        assert response.status_code == 200
        assert "token" not in response.text and secret not in response.text
    listed = (await http.get(URL)).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert {k: v for k, v in body.items() if k != "token"} == listed[0]

    (event,) = await audit_trail(db, org, "api_key.")
    assert event["action"] == "api_key.create" and event["entity_id"] == body["id"]
    assert (event["actor_type"], event["actor_id"]) == ("user", admin_id)
    assert event["changes"]["permissions"]["after"] == {"flags:read": "all", "users:read": "team"}
    assert event["meta"] == {"public_id": public_id}
    assert secret not in str(event) and row["secret_hash"].hex() not in str(event)


async def test_a_key_never_gets_more_than_its_creator_holds(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    # A sales member whose organisation let them make keys: they hold flags:read (all) and
    # deals:read (own) from the defaults, plus the API-key cells.
    cells = {
        **DEFAULTS[Role.sales],
        ("api_keys", Action.create): Scope.all,
        ("api_keys", Action.read): Scope.all,
    }
    sign_in(org, Role.sales, permissions=cells)
    ok = await http.post(
        URL,
        json={
            "name": "mine",
            "permissions": [READ_FLAGS, {"resource": "deals", "action": "read", "scope": "own"}],
        },
    )
    assert ok.status_code == 201, ok.text

    for grant in (
        {"resource": "flags", "action": "update", "scope": "all"},  # a cell they lack
        {"resource": "deals", "action": "read", "scope": "all"},  # wider than their own scope
        {"resource": "deals", "action": "read", "scope": "team"},
        {"resource": "api_keys", "action": "delete", "scope": "all"},
    ):
        refused = await http.post(URL, json={"name": "more", "permissions": [READ_FLAGS, grant]})
        assert refused.status_code == 403, grant
        assert refused.json()["error"] == "permission_not_held"
    assert len((await http.get(URL)).json()["items"]) == 1  # nothing half-made


async def test_making_keys_needs_the_permission(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    for role in (Role.sales, Role.marketing, Role.support):
        sign_in(org, role)
        created = await http.post(URL, json={"name": "x", "permissions": [READ_FLAGS]})
        assert created.status_code == 403 and created.json()["error"] == "forbidden"
        assert (await http.get(URL)).status_code == 403
        assert (await http.delete(f"{URL}/{uuid.uuid4()}")).status_code == 403


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (
            {"name": "x", "permissions": [{"resource": "crystal_ball", "action": "read"}]},
            400,
            "invalid_permission",
        ),
        (
            {"name": "x", "permissions": [{"resource": "flags", "action": "delete"}]},
            400,
            "invalid_permission",
        ),
        ({"name": "x", "permissions": [READ_FLAGS, READ_FLAGS]}, 400, "invalid_permission"),
        (
            {"name": "x", "permissions": [READ_FLAGS], "expires_at": "2001-01-01T00:00:00Z"},
            400,
            "invalid_expiry",
        ),
        (
            {"name": "x", "permissions": [READ_FLAGS], "expires_at": "2999-01-01T00:00:00"},
            422,
            "validation_error",
        ),
        ({"name": "x", "permissions": []}, 422, "validation_error"),
        ({"name": "   ", "permissions": [READ_FLAGS]}, 422, "validation_error"),
        ({"name": "x" * 121, "permissions": [READ_FLAGS]}, 422, "validation_error"),
        ({"name": "x", "permissions": [{"resource": "flags", "action": "fly"}]}, 422, "validation_error"),
        ({"name": "x", "permissions": [{**READ_FLAGS, "scope": "galaxy"}]}, 422, "validation_error"),
        ({"name": "x", "permissions": [READ_FLAGS], "secret": "mine"}, 422, "validation_error"),
        (
            {"name": "x", "permissions": [READ_FLAGS], "organization_id": str(uuid.uuid4())},
            422,
            "validation_error",
        ),
    ],
)
async def test_bad_requests_are_refused_without_writing(
    org: uuid.UUID,
    http: httpx.AsyncClient,
    sign_in: SignIn,
    payload: dict[str, object],
    status: int,
    code: str,
) -> None:
    sign_in(org, Role.admin)
    response = await http.post(URL, json=payload)
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert (await http.get(URL)).json()["items"] == []


async def test_revoking_is_final_idempotent_and_recorded(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    admin_id = await new_user(db, org, Role.admin)
    sign_in(org, Role.admin, user_id=admin_id)
    key_id = (await http.post(URL, json={"name": "old", "permissions": [READ_FLAGS]})).json()["id"]

    first = await http.delete(f"{URL}/{key_id}")
    assert first.status_code == 204 and first.content == b""
    revoked = (await http.get(f"{URL}/{key_id}")).json()
    assert revoked["status"] == "revoked" and revoked["revoked_at"]
    assert (await http.delete(f"{URL}/{key_id}")).status_code == 204
    assert (await http.get(f"{URL}/{key_id}")).json()["revoked_at"] == revoked["revoked_at"]
    await set_tenant(db, org)
    revoked_by = (
        await db.execute(text("SELECT revoked_by FROM api_keys WHERE id = :id"), {"id": key_id})
    ).scalar()
    assert revoked_by == admin_id
    trail = await audit_trail(db, org, "api_key.")
    assert [(e["action"], e["entity_id"]) for e in trail] == [
        ("api_key.create", key_id),
        ("api_key.revoke", key_id),
    ]

    assert (await http.delete(f"{URL}/{uuid.uuid4()}")).status_code == 404
    assert (await http.delete(f"{URL}/not-a-uuid")).status_code == 422


async def test_expired_keys_are_listed_as_expired(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    sign_in(org, Role.admin)
    key_id = (
        await http.post(URL, json={"name": "t", "permissions": [READ_FLAGS], "expires_at": _future(1)})
    ).json()["id"]
    await set_tenant(db, org)
    await db.execute(
        text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id"), {"id": key_id}
    )
    assert (await http.get(f"{URL}/{key_id}")).json()["status"] == "expired"


async def test_pages_newest_first(org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn) -> None:
    sign_in(org, Role.admin)
    ids = [
        (await http.post(URL, json={"name": f"k{n}", "permissions": [READ_FLAGS]})).json()["id"]
        for n in range(3)
    ]
    first = (await http.get(URL, params={"limit": 2})).json()
    assert first["next_cursor"] and len(first["items"]) == 2
    second = (await http.get(URL, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert second["next_cursor"] is None
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 3
    bad = await http.get(URL, params={"cursor": "definitely-not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor"
    assert (await http.get(URL, params={"limit": 0})).status_code == 422


async def test_own_scope_reaches_only_keys_the_caller_made(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    alice = await new_user(db, org, Role.sales)
    bob = await new_user(db, org, Role.sales)
    cells = {
        **DEFAULTS[Role.sales],
        ("api_keys", Action.create): Scope.own,
        ("api_keys", Action.read): Scope.own,
        ("api_keys", Action.delete): Scope.own,
    }
    sign_in(org, Role.sales, user_id=alice, permissions=cells)
    alices = (await http.post(URL, json={"name": "alice", "permissions": [READ_FLAGS]})).json()["id"]
    sign_in(org, Role.sales, user_id=bob, permissions=cells)
    bobs = (await http.post(URL, json={"name": "bob", "permissions": [READ_FLAGS]})).json()["id"]

    assert [item["id"] for item in (await http.get(URL)).json()["items"]] == [bobs]
    assert (await http.get(f"{URL}/{alices}")).status_code == 404
    assert (await http.delete(f"{URL}/{alices}")).status_code == 404
    sign_in(org, Role.admin)
    assert {item["id"] for item in (await http.get(URL)).json()["items"]} == {alices, bobs}
    assert (await http.get(f"{URL}/{alices}")).json()["status"] == "active"


async def test_another_organisations_keys_are_never_visible(
    db: AsyncSession, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    sign_in(org_a, Role.admin)
    a_key = (await http.post(URL, json={"name": "a", "permissions": [READ_FLAGS]})).json()["id"]
    sign_in(org_b, Role.admin)
    b_key = (await http.post(URL, json={"name": "b", "permissions": [READ_FLAGS]})).json()["id"]

    assert [item["id"] for item in (await http.get(URL)).json()["items"]] == [b_key]
    assert (await http.get(f"{URL}/{a_key}")).status_code == 404
    assert (await http.delete(f"{URL}/{a_key}")).status_code == 404
    sign_in(org_a, Role.admin)
    assert (await http.get(f"{URL}/{a_key}")).json()["status"] == "active"  # B's delete did nothing
    assert [item["id"] for item in (await http.get(URL)).json()["items"]] == [a_key]

    # The second wall: with no tenant set, or another tenant, the app role sees no key rows.
    await set_tenant(db, None)
    assert (await db.execute(text("SELECT count(*) FROM api_keys"))).scalar() == 0
    await set_tenant(db, org_b)
    assert (
        await db.execute(text("SELECT count(*) FROM api_keys WHERE id = :id"), {"id": a_key})
    ).scalar() == 0


async def test_listing_costs_the_same_queries_however_many_keys(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, connection: AsyncConnection
) -> None:
    sign_in(org, Role.admin)
    await http.post(URL, json={"name": "k", "permissions": [READ_FLAGS]})
    with count_statements(connection) as few:
        assert len((await http.get(URL)).json()["items"]) == 1
    for n in range(8):
        await http.post(URL, json={"name": f"k{n}", "permissions": [READ_FLAGS]})
    with count_statements(connection) as many:
        assert len((await http.get(URL)).json()["items"]) == 9
    assert few and len(few) == len(many)
