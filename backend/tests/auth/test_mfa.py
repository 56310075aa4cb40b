"""TOTP enrolment and the MFA sign-in step; codes and recovery codes work once; org-required MFA."""

from __future__ import annotations

import time

import httpx
import pyotp

from crm.models import Role
from tests.fixtures.people import Tenant, bearer, sign_in, token_for


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
