"""Self-service: changing your password (other sessions end, rules and lockout as at sign-in), the
invitation preview (and its unknown/used/withdrawn/expired answers), recovery codes left in /me."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import ratelimit
from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, last_email_to, sign_in, token_for

NEW_PASSWORD = "a-fresh-and-long-passphrase-77"


def _token(body: str) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", body)
    assert found, body
    return found.group(1)


async def _invite(client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, email: str) -> str:
    admin = await token_for(client, tenant.people[Role.admin])
    created = await client.post(
        "/api/v1/invitations", json={"email": email, "role": "marketing"}, headers=bearer(admin)
    )
    assert created.status_code == 201, created.text
    return _token((await last_email_to(db, tenant.id, email)).text_body)


async def test_password_change_ends_other_sessions_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    person = tenant.people[Role.sales]
    here = await token_for(client, person)
    elsewhere = await token_for(client, person)
    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": person.password, "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["sessions_ended"] == 1
    assert (await client.get("/api/v1/auth/me", headers=bearer(here))).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=bearer(elsewhere))).status_code == 401
    assert (await sign_in(client, person)).status_code == 401
    assert (await sign_in(client, person, NEW_PASSWORD)).status_code == 200
    await set_tenant(db, tenant.id)
    audited = await db.execute(
        text("SELECT count(*) FROM audit_events WHERE action = 'auth.password_changed' AND entity_id = :u"),
        {"u": str(person.user_id)},
    )
    assert audited.scalar_one() == 1


async def test_password_change_refuses_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    person = tenant.people[Role.support]
    token = await token_for(client, person)
    other = await token_for(client, person)
    cases = [
        (
            {"current_password": "wrong-wrong-wrong", "new_password": NEW_PASSWORD},
            400,
            "invalid_current_password",
        ),
        ({"current_password": person.password, "new_password": "short"}, 400, None),
        ({"current_password": person.password, "new_password": person.password}, 400, "password_unchanged"),
        ({"current_password": person.password}, 422, None),
        ({"current_password": person.password, "new_password": NEW_PASSWORD, "extra": 1}, 422, None),
    ]
    for body, status, code in cases:
        response = await client.post("/api/v1/auth/password", json=body, headers=bearer(token))
        assert response.status_code == status, (body, response.text)
        if code:
            assert response.json()["error"] == code
    assert (await client.get("/api/v1/auth/me", headers=bearer(other))).status_code == 200
    assert (await sign_in(client, person)).status_code == 200  # the old password still works
    assert (
        await client.post(
            "/api/v1/auth/password", json={"current_password": "x", "new_password": NEW_PASSWORD}
        )
    ).status_code == 401


async def test_wrong_current_passwords_lock_out_like_sign_in(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    person = tenant.people[Role.marketing]
    token = await token_for(client, person)
    wrong = {"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        assert (
            await client.post("/api/v1/auth/password", json=wrong, headers=bearer(token))
        ).status_code == 400
    right = {"current_password": person.password, "new_password": NEW_PASSWORD}
    locked = await client.post("/api/v1/auth/password", json=right, headers=bearer(token))
    assert locked.status_code == 429 and "retry-after" in locked.headers


async def test_invitation_preview(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    token = await _invite(client, db, tenant, "newbie@alpha.example")
    preview = await client.get(f"/api/v1/auth/invitations/{token}")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert {k: body[k] for k in ("organization_name", "email", "role", "invited_by", "account_exists")} == {
        "organization_name": "Alpha Clinics",
        "email": "newbie@alpha.example",
        "role": "marketing",
        "invited_by": "Admin Alpha Clinics",
        "account_exists": False,
    }
    existing = await _invite(client, db, tenant, other_tenant.people[Role.sales].email)
    assert (await client.get(f"/api/v1/auth/invitations/{existing}")).json()["account_exists"] is True

    accepted = await client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": token, "full_name": "New Bie", "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 200
    used = await client.get(f"/api/v1/auth/invitations/{token}")
    assert used.status_code == 409 and used.json()["error"] == "invitation_used"

    await set_tenant(db, tenant.id)
    await db.execute(
        text(
            "UPDATE invitations SET expires_at = now() - interval '1 day' WHERE email <> 'newbie@alpha.example'"
        )
    )
    expired = await client.get(f"/api/v1/auth/invitations/{existing}")
    assert expired.status_code == 410 and expired.json()["error"] == "invitation_expired"
    await db.execute(text("UPDATE invitations SET revoked_at = now() WHERE email <> 'newbie@alpha.example'"))
    revoked = await client.get(f"/api/v1/auth/invitations/{existing}")
    assert revoked.status_code == 410 and revoked.json()["error"] == "invitation_revoked"

    unknown = await client.get("/api/v1/auth/invitations/" + "x" * 40)
    assert unknown.status_code == 404 and unknown.json()["error"] == "invitation_not_found"
    assert (await client.get("/api/v1/auth/invitations/short")).status_code == 422


async def test_me_counts_recovery_codes_left(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.sales]
    token = await token_for(client, person)
    assert (await client.get("/api/v1/auth/me", headers=bearer(token))).json()[
        "recovery_codes_remaining"
    ] == 0
    setup = (await client.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))).json()
    code = pyotp.TOTP(setup["secret"]).at(time.time() - 30)
    codes = (
        await client.post("/api/v1/auth/mfa/totp/enable", json={"code": code}, headers=bearer(token))
    ).json()["recovery_codes"]
    mfa_token = (await sign_in(client, person)).json()["mfa_token"]
    verified = await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": codes[0]})
    assert verified.status_code == 200
    me = await client.get("/api/v1/auth/me", headers=bearer(verified.json()["access_token"]))
    assert me.json()["recovery_codes_remaining"] == 9
