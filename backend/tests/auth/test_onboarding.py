"""Sign-up, invitations and password reset: the flows that start before anyone is signed in."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.models import Membership, Role
from tests.fixtures.people import PASSWORD, Tenant, bearer, last_email_to, sign_in, token_for


def _token(body: str) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", body)
    assert found, body
    return found.group(1)


async def test_sign_up_creates_an_organisation_and_its_admin(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/sign-up",
        json={
            "organization_name": "Gamma Dental",
            "full_name": "Grace Gamma",
            "email": "grace@gamma.example",
            "password": "gamma-dental-is-great-2026",
        },
    )
    assert response.status_code == 201, response.text
    me = (await client.get("/api/v1/auth/me", headers=bearer(response.json()["access_token"]))).json()
    assert me["organization_name"] == "Gamma Dental" and me["role"] == "admin"


async def test_weak_passwords_are_refused_and_nothing_is_created(client: httpx.AsyncClient) -> None:
    for password, expected in (
        ("short", "at least 12"),
        ("password1234", "too common"),
        ("frank@frank.example", "e-mail"),
        ("aaaaaaaaaaaaaaaa", "too common"),
    ):
        response = await client.post(
            "/api/v1/auth/sign-up",
            json={
                "organization_name": "Frank Clinic",
                "full_name": "Frank",
                "email": "frank@frank.example",
                "password": password,
            },
        )
        assert response.status_code == 400, password
        assert response.json()["error"] == "weak_password" and expected in response.json()["detail"]
    ok = await client.post(
        "/api/v1/auth/sign-up",
        json={
            "organization_name": "Frank Clinic",
            "full_name": "Frank",
            "email": "frank@frank.example",
            "password": "a-much-better-passphrase",
        },
    )
    assert ok.status_code == 201  # the slug was never taken by the failed attempts


async def test_invitation_round_trip(client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession) -> None:
    admin = await token_for(client, tenant.people[Role.admin])
    created = await client.post(
        "/api/v1/invitations",
        json={"email": "newbie@alpha.example", "role": "marketing"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    assert [
        i["email"] for i in (await client.get("/api/v1/invitations", headers=bearer(admin))).json()["items"]
    ] == ["newbie@alpha.example"]
    email = await last_email_to(db, tenant.id, "newbie@alpha.example")
    token = _token(email.text_body)

    accepted = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "full_name": "New Bie", "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "marketing" and accepted.json()["organization_id"] == str(tenant.id)
    reused = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "full_name": "New Bie", "password": PASSWORD}
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_invitation"
    # Only admins invite.
    staff = await token_for(client, tenant.people[Role.sales])
    refused = await client.post(
        "/api/v1/invitations", json={"email": "x@alpha.example", "role": "admin"}, headers=bearer(staff)
    )
    assert refused.status_code == 403


async def test_existing_account_joins_a_second_organisation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    outsider = other_tenant.people[Role.sales]
    admin = await token_for(client, tenant.people[Role.admin])
    await client.post(
        "/api/v1/invitations", json={"email": outsider.email, "role": "support"}, headers=bearer(admin)
    )
    token = _token((await last_email_to(db, tenant.id, outsider.email)).text_body)
    wrong = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    # The failed attempt rolled back entirely: the invitation still works.
    joined = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": outsider.password}
    )
    assert joined.status_code == 200
    me = (await client.get("/api/v1/auth/me", headers=bearer(joined.json()["access_token"]))).json()
    assert {o["id"] for o in me["organizations"]} == {str(tenant.id), str(other_tenant.id)}
    switched = await client.post(
        "/api/v1/auth/switch-organization",
        json={"organization_id": str(other_tenant.id)},
        headers=bearer(joined.json()["access_token"]),
    )
    assert switched.json()["role"] == "sales"


async def test_password_reset(client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession) -> None:
    person = tenant.people[Role.support]
    old_session = await token_for(client, person)
    assert (
        await client.post("/api/v1/auth/password/forgot", json={"email": person.email})
    ).status_code == 202
    assert (
        await client.post("/api/v1/auth/password/forgot", json={"email": "nobody@nowhere.example"})
    ).status_code == 202
    token = _token((await last_email_to(db, tenant.id, person.email)).text_body)

    weak = await client.post("/api/v1/auth/password/reset", json={"token": token, "new_password": "123"})
    assert weak.status_code == 400
    done = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "a-brand-new-passphrase-7"}
    )
    assert done.status_code == 204, done.text
    assert (await client.get("/api/v1/auth/me", headers=bearer(old_session))).status_code == 401
    assert (await sign_in(client, person)).status_code == 401
    assert (await sign_in(client, person, password="a-brand-new-passphrase-7")).status_code == 200
    reused = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "another-passphrase-99"}
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_reset_token"


async def test_members_admin(client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession) -> None:
    admin = await token_for(client, tenant.people[Role.admin])
    target = tenant.people[Role.marketing]
    members = (await client.get("/api/v1/users", headers=bearer(admin))).json()["items"]
    assert len(members) == 4
    changed = await client.patch(
        f"/api/v1/users/{target.user_id}", json={"role": "sales"}, headers=bearer(admin)
    )
    assert changed.json()["role"] == "sales"
    target_token = await token_for(client, target)
    assert (await client.delete(f"/api/v1/users/{target.user_id}", headers=bearer(admin))).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=bearer(target_token))).status_code == 401
    await set_tenant(db, tenant.id)
    assert (await db.execute(select(func.count()).select_from(Membership))).scalar_one() == 3
