"""Nothing an organisation configures reaches another tenant's users: a hostile issuer asserting
another tenant's admin e-mail, a domain it cannot prove, a person who belongs to both tenants."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.models import AuthSession, Membership, Role
from crm.models.audit import AuditEvent
from crm.models.oidc import OidcIdentity
from tests.fixtures.people import bearer, token_for
from tests.oidc.conftest import (
    Account,
    Clinic,
    FakeDns,
    LoopbackProvider,
    add_provider,
    clinic,
    refresh,
    sign_in_with,
    verify_domain,
    web_url,
)


@pytest.fixture
async def hostile(
    db: AsyncSession, api: httpx.AsyncClient, hostile_idp: LoopbackProvider, dns: FakeDns
) -> Clinic:
    """An organisation whose admins run their own issuer, with their own domain verified and a
    default role, so any e-mail it may link or create would get in."""
    org = await clinic(db, api, "Hostile Clinics")
    await add_provider(api, org, hostile_idp, default_role="sales")
    await verify_domain(api, org, dns)
    return org


async def _sessions_of(db: AsyncSession, tenant_id: object, user_id: object) -> int:
    await set_tenant(db, tenant_id)  # type: ignore[arg-type]
    statement = select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id)
    return int((await db.execute(statement)).scalar_one())


async def _assert_nothing_reached(db: AsyncSession, alpha: Clinic, hostile: Clinic) -> None:
    victim = alpha.tenant.people[Role.admin]
    # The victim gained no membership, no link and no session in the hostile tenant...
    await set_tenant(db, hostile.tenant.id)
    assert (await db.execute(select(Membership).where(Membership.user_id == victim.user_id))).first() is None
    assert (await db.execute(select(func.count()).select_from(OidcIdentity))).scalar_one() == 0
    assert await _sessions_of(db, hostile.tenant.id, victim.user_id) == 0
    # ... and nothing happened in their own tenant, whose trail shows no trace of the hostile one.
    assert await _sessions_of(db, alpha.tenant.id, victim.user_id) == 1  # the admin API's password sign-in
    await set_tenant(db, alpha.tenant.id)
    actions = (await db.execute(select(AuditEvent.action))).scalars().all()
    assert not [action for action in actions if action.startswith(("auth.oidc", "oidc_identity"))]


async def test_a_hostile_issuer_asserting_another_tenants_admin_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession, settings: Settings
) -> None:
    victim = alpha.tenant.people[Role.admin]
    response = await sign_in_with(api, hostile, Account(email=victim.email, amr="pwd,mfa"), settings)
    assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=domain_not_verified")
    assert "crm_refresh" not in response.cookies
    assert (await refresh(api)).status_code in (401, 403)
    await _assert_nothing_reached(db, alpha, hostile)
    await set_tenant(db, hostile.tenant.id)
    (event,) = (
        (await db.execute(select(AuditEvent).where(AuditEvent.action == "auth.oidc_sign_in_failed")))
        .scalars()
        .all()
    )
    assert event.meta == {"reason": "domain_not_verified"} and event.actor_id is None


async def test_claiming_the_victims_domain_without_dns_proof_does_not_help(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession, settings: Settings
) -> None:
    claimed = await api.post("/api/v1/email-domains", json={"domain": alpha.domain}, headers=hostile.admin)
    assert claimed.status_code == 201  # anyone may claim; only the DNS record proves it
    verified = await api.post(f"/api/v1/email-domains/{claimed.json()['id']}/verify", headers=hostile.admin)
    assert verified.json()["verified"] is False
    victim = alpha.tenant.people[Role.admin]
    response = await sign_in_with(api, hostile, Account(email=victim.email), settings)
    assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=domain_not_verified")
    await _assert_nothing_reached(db, alpha, hostile)


async def test_even_a_verified_domain_never_reaches_an_account_of_another_tenant(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession, dns: FakeDns, settings: Settings
) -> None:
    """Suppose the hostile tenant did get the domain verified (a lapsed DNS zone, a shared domain):
    an account that exists elsewhere is still neither linked, nor added, nor signed in."""
    await verify_domain(api, hostile, dns, domain=alpha.domain)
    for role in (Role.admin, Role.sales):
        api.cookies.clear()
        victim = alpha.tenant.people[role]
        response = await sign_in_with(api, hostile, Account(email=victim.email), settings)
        assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=account_not_allowed")
    await _assert_nothing_reached(db, alpha, hostile)


async def test_a_person_in_both_tenants_is_not_signed_in_by_the_hostile_issuer(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession, settings: Settings
) -> None:
    victim = alpha.tenant.people[Role.admin]
    await set_tenant(db, hostile.tenant.id)
    db.add(Membership(user_id=victim.user_id, role=Role.support))
    await db.flush()
    response = await sign_in_with(api, hostile, Account(email=victim.email, amr="pwd,mfa"), settings)
    assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=domain_not_verified")
    assert await _sessions_of(db, hostile.tenant.id, victim.user_id) == 0
    assert await _sessions_of(db, alpha.tenant.id, victim.user_id) == 1


async def test_a_subject_linked_in_one_tenant_means_nothing_in_another(
    api: httpx.AsyncClient,
    alpha: Clinic,
    hostile: Clinic,
    idp: LoopbackProvider,
    db: AsyncSession,
    settings: Settings,
) -> None:
    """The same issuer and subject configured by a second tenant: links are per provider row."""
    person = alpha.tenant.people[Role.sales]
    account = Account(email=person.email)
    assert (await sign_in_with(api, alpha, account, settings)).headers["location"] == web_url(settings, "/")
    await add_provider(api, hostile, idp, default_role="sales")  # the very same issuer and client
    api.cookies.clear()
    response = await sign_in_with(api, hostile, account, settings)
    assert response.headers["location"] == web_url(settings, "/sign-in?sso_error=domain_not_verified")
    assert await _sessions_of(db, hostile.tenant.id, person.user_id) == 0


async def test_admin_api_is_tenant_scoped_and_admin_only(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession
) -> None:
    providers = await api.get("/api/v1/identity-providers", headers=hostile.admin)
    assert [p["id"] for p in providers.json()["items"]] == [str(hostile.provider_id)]
    domains = await api.get("/api/v1/email-domains", headers=hostile.admin)
    assert [d["domain"] for d in domains.json()["items"]] == [hostile.domain]
    theirs = f"/api/v1/identity-providers/{alpha.provider_id}"
    assert (await api.get(theirs, headers=hostile.admin)).status_code == 404
    assert (await api.patch(theirs, json={"enabled": False}, headers=hostile.admin)).status_code == 404
    assert (await api.delete(theirs, headers=hostile.admin)).status_code == 404
    alpha_domain = (await api.get("/api/v1/email-domains", headers=alpha.admin)).json()["items"][0]["id"]
    for method, path in (("POST", f"/{alpha_domain}/verify"), ("DELETE", f"/{alpha_domain}")):
        response = await api.request(method, "/api/v1/email-domains" + path, headers=hostile.admin)
        assert response.status_code == 404
    still = await api.get(theirs, headers=alpha.admin)
    assert still.status_code == 200 and still.json()["enabled"] is True

    sales = bearer(await token_for(api, alpha.tenant.people[Role.sales]))
    assert (await api.get("/api/v1/identity-providers", headers=sales)).status_code == 403
    assert (
        await api.post("/api/v1/email-domains", json={"domain": "x.example"}, headers=sales)
    ).status_code == 403


async def test_a_session_from_one_tenants_issuer_does_not_switch_into_another_tenant(
    api: httpx.AsyncClient, alpha: Clinic, hostile: Clinic, db: AsyncSession, settings: Settings
) -> None:
    """The person belongs to both tenants; Alpha's issuer may sign them in to Alpha, but whoever runs
    Alpha's issuer must not reach the person's data in the other tenant through them."""
    person = alpha.tenant.people[Role.sales]
    await set_tenant(db, hostile.tenant.id)
    db.add(Membership(user_id=person.user_id, role=Role.admin))
    await db.flush()
    assert (await sign_in_with(api, alpha, Account(email=person.email), settings)).headers[
        "location"
    ] == web_url(settings, "/")
    access = bearer((await refresh(api)).json()["access_token"])
    switched = await api.post(
        "/api/v1/auth/switch-organization", json={"organization_id": str(hostile.tenant.id)}, headers=access
    )
    assert switched.status_code == 403
