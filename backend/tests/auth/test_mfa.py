"""TOTP enrolment and the MFA sign-in step; codes and recovery codes work once; org-required MFA."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Role
from tests.fixtures.people import Tenant, bearer, last_email_to, sign_in, token_for


async def _enrol(client: httpx.AsyncClient, token: str) -> tuple[str, list[str]]:
    setup = await client.post("/api/v1/auth/mfa/totp/setup", headers=bearer(token))
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/") and "CliniGlobal" in body["otpauth_uri"]
    assert body["qr_svg_data_uri"].startswith("data:image/svg+xml")
    secret = body["secret"]
    code = pyotp.TOTP(secret).at(time.time() - 30)  # one step behind: clock skew is tolerated
    enabled = await client.post("/api/v1/auth/mfa/totp/enable", json={"code": code}, headers=bearer(token))
    assert enabled.status_code == 200, enabled.text
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


async def test_mfa_sign_in_with_totp_and_recovery_codes(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.sales]
    secret, recovery = await _enrol(client, await token_for(client, person))

    challenge = await sign_in(client, person)
    assert challenge.json()["status"] == "mfa_required"
    assert "access_token" not in challenge.json() and "set-cookie" not in challenge.headers
    mfa_token = challenge.json()["mfa_token"]
    code = pyotp.TOTP(secret).now()
    verified = await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code})
    assert verified.status_code == 200, verified.text
    assert (await client.get("/api/v1/auth/me", headers=bearer(verified.json()["access_token"]))).json()[
        "mfa_enabled"
    ]

    # The same code cannot be used again, even within its 30 seconds.
    again = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"mfa_token": (await sign_in(client, person)).json()["mfa_token"], "code": code},
    )
    assert again.status_code == 401 and again.json()["error"] == "invalid_mfa_code"

    token = (await sign_in(client, person)).json()["mfa_token"]
    assert (
        await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": recovery[0]})
    ).status_code == 200
    token = (await sign_in(client, person)).json()["mfa_token"]
    assert (
        await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": recovery[0]})
    ).status_code == 401
    forged = await client.post("/api/v1/auth/mfa/verify", json={"mfa_token": "x" * 40, "code": "123456"})
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_mfa_token"


async def test_organisation_can_require_mfa_for_a_role(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = await token_for(client, tenant.people[Role.admin])
    updated = await client.patch(
        "/api/v1/organization", json={"mfa_required_roles": ["sales"]}, headers=bearer(admin)
    )
    assert updated.status_code == 200 and updated.json()["mfa_required_roles"] == ["sales"]

    signed_in = await sign_in(client, tenant.people[Role.sales])
    assert signed_in.json()["mfa_enrollment_required"] is True
    token = signed_in.json()["access_token"]
    blocked = await client.get("/api/v1/users", headers=bearer(token))
    assert blocked.status_code == 403 and blocked.json()["error"] == "mfa_enrollment_required"
    await _enrol(client, token)
    client.cookies.clear()
    refreshed = await client.post(
        "/api/v1/auth/refresh",
        headers={
            "x-csrf-token": signed_in.cookies["crm_csrf"],
            "cookie": f"crm_refresh={signed_in.cookies['crm_refresh']}; crm_csrf={signed_in.cookies['crm_csrf']}",
        },
    )
    assert refreshed.status_code == 200 and refreshed.json()["mfa_enrollment_required"] is False
    assert (
        await client.get("/api/v1/users", headers=bearer(refreshed.json()["access_token"]))
    ).status_code == 200
    # Support is not required to use MFA.
    assert (await sign_in(client, tenant.people[Role.support])).json()["mfa_enrollment_required"] is False


async def test_admin_resets_a_members_mfa(client: httpx.AsyncClient, tenant: Tenant) -> None:
    person = tenant.people[Role.support]
    await _enrol(client, await token_for(client, person))
    assert (await sign_in(client, person)).json()["status"] == "mfa_required"
    admin = await token_for(client, tenant.people[Role.admin])
    reset = await client.post(f"/api/v1/users/{person.user_id}/mfa/reset", headers=bearer(admin))
    assert reset.status_code == 204
    assert (await sign_in(client, person)).json()["status"] == "signed_in"
    staff = await token_for(client, tenant.people[Role.sales])
    assert (
        await client.post(f"/api/v1/users/{person.user_id}/mfa/reset", headers=bearer(staff))
    ).status_code == 403


async def test_an_invitation_cannot_bypass_mfa(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    """Joining another organisation with the password alone must not skip the victim's MFA."""
    victim = other_tenant.people[Role.admin]
    secret, _ = await _enrol(client, await token_for(client, victim))
    inviter = await token_for(client, tenant.people[Role.admin])
    await client.post(
        "/api/v1/invitations", json={"email": victim.email, "role": "sales"}, headers=bearer(inviter)
    )
    found = re.search(
        r"token=([A-Za-z0-9_\-]+)", (await last_email_to(db, tenant.id, victim.email)).text_body
    )
    assert found
    accepted = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": found.group(1), "password": victim.password}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "mfa_required"
    assert "access_token" not in accepted.json()
    verified = await client.post(
        "/api/v1/auth/mfa/verify",
        json={"mfa_token": accepted.json()["mfa_token"], "code": pyotp.TOTP(secret).now()},
    )
    assert verified.status_code == 200 and verified.json()["organization_id"] == str(tenant.id)


async def test_a_session_without_mfa_cannot_switch_into_mfa(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    person = other_tenant.people[Role.sales]
    admin = await token_for(client, tenant.people[Role.admin])
    await client.post(
        "/api/v1/invitations", json={"email": person.email, "role": "support"}, headers=bearer(admin)
    )
    found = re.search(
        r"token=([A-Za-z0-9_\-]+)", (await last_email_to(db, tenant.id, person.email)).text_body
    )
    assert found
    joined = await client.post(
        "/api/v1/auth/invitations/accept", json={"token": found.group(1), "password": person.password}
    )
    no_mfa_session = joined.json()["access_token"]
    await _enrol(client, await token_for(client, person))  # MFA switched on afterwards
    switched = await client.post(
        "/api/v1/auth/switch-organization",
        json={"organization_id": str(other_tenant.id)},
        headers=bearer(no_mfa_session),
    )
    assert switched.status_code == 403 and switched.json()["error"] == "sign_in_required"
