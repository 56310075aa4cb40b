"""Password sign-in, refresh rotation with reuse detection, sign-out, brute-force defence."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.models import AuthSession, Role
from crm.models.audit import AuditEvent
from tests.fixtures.people import Tenant, bearer, sign_in, token_for

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


async def test_sign_in_sets_a_strict_refresh_cookie_and_returns_an_access_token(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    person = tenant.people[Role.sales]
    response = await client.post(
        "/api/v1/auth/sign-in",
        json={"email": person.email.upper(), "password": person.password},
        headers={"user-agent": CHROME},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "signed_in" and body["role"] == "sales"
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    refresh = cookies["crm_refresh"]
    assert "httponly" in refresh and "secure" in refresh and "samesite=strict" in refresh
    assert "path=/api/v1/auth" in refresh
    assert "httponly" not in cookies["crm_csrf"]

    me = await client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == person.email and me.json()["role"] == "sales"
    sessions = (await client.get("/api/v1/auth/sessions", headers=bearer(body["access_token"]))).json()[
        "items"
    ]
    assert sessions[0]["browser"] == "Chrome" and sessions[0]["os"] == "Windows" and sessions[0]["current"]


async def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    wrong = await sign_in(client, tenant.people[Role.admin], password="not-the-password-at-all")
    unknown = await client.post(
        "/api/v1/auth/sign-in", json={"email": "nobody@nowhere.example", "password": "x" * 14}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": "invalid_credentials", "detail": "e-mail or password is wrong"}
    )
    assert "set-cookie" not in wrong.headers


async def test_repeated_failures_lock_the_account(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.support]
    for _ in range(10):
        assert (await sign_in(client, person, password="wrong-password-123")).status_code == 401
    locked = await sign_in(client, person)  # even the right password waits out the lockout
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # Unknown e-mails lock the same way: no way to tell them apart.
    for _ in range(10):
        await client.post(
            "/api/v1/auth/sign-in", json={"email": "ghost@nowhere.example", "password": "y" * 14}
        )
    ghost = await client.post(
        "/api/v1/auth/sign-in", json={"email": "ghost@nowhere.example", "password": "y" * 14}
    )
    assert ghost.status_code == 429


async def _refresh(client: httpx.AsyncClient, refresh_cookie: str, csrf: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post(
        "/api/v1/auth/refresh",
        headers={"x-csrf-token": csrf, "cookie": f"crm_refresh={refresh_cookie}; crm_csrf={csrf}"},
    )


async def test_refresh_rotates_and_a_replayed_token_ends_the_session(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    signed_in = await sign_in(client, tenant.people[Role.sales])
    first_refresh, csrf = signed_in.cookies["crm_refresh"], signed_in.cookies["crm_csrf"]

    rotated = await _refresh(client, first_refresh, csrf)
    assert rotated.status_code == 200, rotated.text
    second_refresh = rotated.cookies["crm_refresh"]
    new_access = rotated.json()["access_token"]
    assert second_refresh != first_refresh
    assert (await client.get("/api/v1/auth/me", headers=bearer(new_access))).status_code == 200

    replay = await _refresh(client, first_refresh, csrf)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_refresh_token"
    # The whole family is gone: the rotated token and the access token it bought.
    assert (await _refresh(client, second_refresh, csrf)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=bearer(new_access))).status_code == 401
    await set_tenant(db, tenant.id)
    revoked = (await db.execute(select(AuthSession.revoked_reason))).scalars().all()
    assert "refresh_reuse" in revoked
    events = (
        await db.execute(select(AuditEvent.action).where(AuditEvent.action == "auth.refresh_reuse"))
    ).all()
    assert len(events) == 1


async def test_refresh_needs_the_csrf_header(client: httpx.AsyncClient, tenant: Tenant) -> None:
    signed_in = await sign_in(client, tenant.people[Role.sales])
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/refresh",
        headers={"cookie": f"crm_refresh={signed_in.cookies['crm_refresh']}; crm_csrf=abc"},
    )
    assert response.status_code == 403 and response.json()["error"] == "csrf_failed"


async def test_sign_out_and_sign_out_everywhere(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.marketing]
    laptop, phone, tablet = [await token_for(client, person) for _ in range(3)]
    assert (await client.post("/api/v1/auth/sign-out", headers=bearer(laptop))).json() == {
        "sessions_ended": 1
    }
    assert (await client.get("/api/v1/auth/me", headers=bearer(laptop))).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=bearer(phone))).status_code == 200
    ended = await client.post("/api/v1/auth/sign-out?everywhere=true", headers=bearer(phone))
    assert ended.json() == {"sessions_ended": 2}
    assert (await client.get("/api/v1/auth/me", headers=bearer(tablet))).status_code == 401


async def test_revoking_one_of_my_devices(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.sales]
    keep, lose = await token_for(client, person), await token_for(client, person)
    sessions = (await client.get("/api/v1/auth/sessions", headers=bearer(keep))).json()["items"]
    other = next(s for s in sessions if not s["current"])
    assert (
        await client.delete(f"/api/v1/auth/sessions/{other['id']}", headers=bearer(keep))
    ).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=bearer(lose))).status_code == 401


@pytest.mark.parametrize("role", [Role.sales, Role.support])
async def test_new_devices_are_visible_to_admins(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    await client.post(
        "/api/v1/auth/sign-in",
        json={"email": tenant.people[role].email, "password": tenant.people[role].password},
        headers={"user-agent": CHROME},
    )
    admin = await token_for(client, tenant.people[Role.admin])
    listed = await client.get("/api/v1/security/sessions?new_devices_only=true", headers=bearer(admin))
    assert listed.status_code == 200
    assert any(
        s["user_id"] == str(tenant.people[role].user_id) and s["new_device"] for s in listed.json()["items"]
    )
    staff = await token_for(client, tenant.people[role])
    assert (await client.get("/api/v1/security/sessions", headers=bearer(staff))).status_code == 403
