"""The admin API: identity providers (presets, checks, the encrypted secret) and e-mail domains."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.models import Role
from crm.models.audit import AuditEvent
from crm.models.oidc import OidcIdentity
from tests.oidc.conftest import (
    CLIENT_SECRET,
    Account,
    Clinic,
    FakeDns,
    LoopbackProvider,
    add_provider,
    sign_in_with,
    start,
    web_url,
)

MS_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


async def test_a_custom_issuer_is_checked_and_its_secret_kept_encrypted(
    api: httpx.AsyncClient, alpha: Clinic, idp: LoopbackProvider, db: AsyncSession, settings: Settings
) -> None:
    created = await add_provider(api, alpha, idp, name="Clinic SSO", default_role="support")
    assert created["issuer"] == idp.issuer and created["kind"] == "oidc"
    assert created["discovery_url"] == idp.issuer + "/.well-known/openid-configuration"
    assert created["has_client_secret"] is True and "client_secret" not in created
    assert created["redirect_uri"] == web_url(settings, "/api/v1/auth/oidc/callback")
    assert created["start_url"] == web_url(settings, f"/api/v1/auth/oidc/{alpha.slug}/{created['id']}/start")
    assert created["default_role"] == "support"

    await set_tenant(db, alpha.tenant.id)
    raw = (
        await db.execute(
            text("SELECT client_secret FROM oidc_providers WHERE id = :id"), {"id": created["id"]}
        )
    ).scalar_one()
    assert CLIENT_SECRET.encode() not in bytes(raw) and bytes(raw)[0] == 0x01  # org-key ciphertext
    events = (
        (await db.execute(select(AuditEvent).where(AuditEvent.action == "oidc_provider.create")))
        .scalars()
        .all()
    )
    assert events and all(CLIENT_SECRET not in str(e.changes) for e in events)
    assert "client_secret" in (events[-1].redacted_fields or [])


async def test_provider_settings_are_validated(
    api: httpx.AsyncClient, alpha: Clinic, idp: LoopbackProvider
) -> None:
    async def create(**body: object) -> httpx.Response:
        payload = {"kind": "oidc", "name": uuid.uuid4().hex[:8], "client_id": "c", **body}
        return await api.post("/api/v1/identity-providers", json=payload, headers=alpha.admin)

    cases = [
        ({"issuer": None}, 400, "invalid_provider"),
        ({"issuer": idp.issuer, "client_id": None}, 400, "invalid_provider"),
        ({"issuer": "ftp://idp.example"}, 400, "invalid_provider"),
        ({"issuer": "http://127.0.0.1:1"}, 400, "invalid_provider"),  # nothing listens
        ({"issuer": idp.issuer + "/other"}, 400, "invalid_provider"),  # no discovery there
        ({"issuer": idp.issuer, "default_role": "admin"}, 400, "invalid_role"),
        ({"issuer": idp.issuer, "scopes": "email profile"}, 400, "invalid_provider"),
        ({"kind": "microsoft"}, 400, "invalid_provider"),  # multi-tenant needs allowed tenants
        ({"kind": "microsoft", "microsoft_tenant": "contoso"}, 400, "invalid_provider"),
        ({"kind": "google", "issuer": "https://accounts.google.com"}, 400, "invalid_provider"),
        ({"kind": "google", "client_id": None}, 400, "invalid_provider"),  # no platform app set up
        ({"kind": "saml", "issuer": idp.issuer}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = await create(**body)
        assert (response.status_code, response.json()["error"]) == (status, code), (body, response.text)


async def test_google_and_microsoft_presets(api: httpx.AsyncClient, alpha: Clinic) -> None:
    google = await api.post(
        "/api/v1/identity-providers",
        json={"kind": "google", "name": "Google", "client_id": "g.apps", "client_secret": "gs"},
        headers=alpha.admin,
    )
    assert google.status_code == 201, google.text
    assert google.json()["issuer"] == "https://accounts.google.com"
    assert google.json()["discovery_url"] == "https://accounts.google.com/.well-known/openid-configuration"

    multi = await api.post(
        "/api/v1/identity-providers",
        json={
            "kind": "microsoft",
            "name": "Entra",
            "client_id": "app-id",
            "allowed_tenant_ids": [MS_TENANT.upper()],
        },
        headers=alpha.admin,
    )
    assert multi.status_code == 201, multi.text
    assert multi.json()["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert multi.json()["microsoft_tenant"] == "organizations"
    assert multi.json()["allowed_tenant_ids"] == [MS_TENANT]

    single = await api.post(
        "/api/v1/identity-providers",
        json={"kind": "microsoft", "name": "Entra single", "client_id": "app", "microsoft_tenant": MS_TENANT},
        headers=alpha.admin,
    )
    assert single.json()["issuer"] == f"https://login.microsoftonline.com/{MS_TENANT}/v2.0"
    assert single.json()["discovery_url"] == (
        f"https://login.microsoftonline.com/{MS_TENANT}/v2.0/.well-known/openid-configuration"
    )
    duplicate = await api.post(
        "/api/v1/identity-providers",
        json={"kind": "google", "name": "Google", "client_id": "again"},
        headers=alpha.admin,
    )
    assert duplicate.status_code == 409


async def test_update_disable_and_delete(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    path = f"/api/v1/identity-providers/{alpha.provider_id}"
    renamed = await api.patch(path, json={"name": "Renamed", "client_secret": None}, headers=alpha.admin)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Renamed" and renamed.json()["has_client_secret"] is False
    # Without its secret the provider refuses the token request: the secret really is used.
    response = await sign_in_with(api, alpha, Account(email=alpha.tenant.people[Role.sales].email), settings)
    assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=code_exchange_failed")
    restored = await api.patch(path, json={"client_secret": CLIENT_SECRET}, headers=alpha.admin)
    assert restored.json()["has_client_secret"] is True

    listed = await api.get(f"/api/v1/auth/oidc/{alpha.slug}/providers")
    assert [p["name"] for p in listed.json()["items"]] == ["Renamed"]
    assert (await api.get("/api/v1/auth/oidc/no-such-org/providers")).json() == {"items": []}
    assert (await api.patch(path, json={"enabled": False}, headers=alpha.admin)).json()["enabled"] is False
    assert (await start(api, alpha)).status_code == 404
    assert (await api.get(f"/api/v1/auth/oidc/{alpha.slug}/providers")).json() == {"items": []}

    assert (await api.delete(path, headers=alpha.admin)).status_code == 204
    assert (await api.get(path, headers=alpha.admin)).status_code == 404
    await set_tenant(db, alpha.tenant.id)
    actions = (
        await db.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "oidc_provider"))
    ).all()
    assert {a for (a,) in actions} >= {"oidc_provider.create", "oidc_provider.update", "oidc_provider.delete"}


async def test_a_reassigned_mailbox_needs_the_admin_to_unlink_first(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    person = alpha.tenant.people[Role.sales]
    first = Account(email=person.email)
    assert (await sign_in_with(api, alpha, first, settings)).headers["location"] == web_url(settings, "/")
    # A new account at the provider now holds the same address: it must not inherit the member.
    api.cookies.clear()
    newcomer = Account(email=person.email)
    refused = await sign_in_with(api, alpha, newcomer, settings)
    assert refused.headers["location"] == web_url(settings, "/sign-in?sso_error=account_not_allowed")

    unlink = f"/api/v1/identity-providers/{alpha.provider_id}/identities/{person.user_id}"
    assert (await api.delete(unlink, headers=alpha.admin)).status_code == 204
    assert (await api.delete(unlink, headers=alpha.admin)).status_code == 404
    api.cookies.clear()
    assert (await sign_in_with(api, alpha, newcomer, settings)).headers["location"] == web_url(settings, "/")
    await set_tenant(db, alpha.tenant.id)
    assert (await db.execute(select(OidcIdentity.subject))).scalars().all() == [newcomer.sub]


async def test_domains_are_normalized_verified_by_txt_record_and_removable(
    api: httpx.AsyncClient, alpha: Clinic, dns: FakeDns
) -> None:
    added = await api.post(
        "/api/v1/email-domains", json={"domain": " Branch.Alpha.EXAMPLE. "}, headers=alpha.admin
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["domain"] == "branch.alpha.example" and body["verified"] is False
    assert body["txt_record_name"] == "_cliniglobal-verification.branch.alpha.example"
    assert body["txt_record_value"].startswith("cliniglobal-verification=")
    duplicate = await api.post(
        "/api/v1/email-domains", json={"domain": "branch.alpha.example"}, headers=alpha.admin
    )
    assert duplicate.status_code == 409
    for bad in ("localhost", "no spaces.example", "-bad-.example", "127.0.0.1", "a" * 64 + ".example"):
        response = await api.post("/api/v1/email-domains", json={"domain": bad}, headers=alpha.admin)
        assert response.status_code in (400, 422), bad

    verify = f"/api/v1/email-domains/{body['id']}/verify"
    dns.publish(body["txt_record_name"], "cliniglobal-verification=someone-elses-token")
    assert (await api.post(verify, headers=alpha.admin)).json()["verified"] is False
    dns.publish(body["txt_record_name"], body["txt_record_value"])
    verified = await api.post(verify, headers=alpha.admin)
    assert verified.json()["verified"] is True and verified.json()["verified_at"] is not None
    assert dns.queries[-2:] == [body["txt_record_name"]] * 2

    assert (await api.delete(f"/api/v1/email-domains/{body['id']}", headers=alpha.admin)).status_code == 204
    assert (await api.post(verify, headers=alpha.admin)).status_code == 404
