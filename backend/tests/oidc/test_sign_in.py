"""OpenID Connect sign-in end to end against a real provider on loopback: the happy paths, and every
way the flow must refuse (state, replay, nonce, PKCE, expiry, unverified e-mail or domain)."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.models import AuthSession, Membership, Role, User
from crm.models.audit import AuditEvent
from crm.models.oidc import OidcIdentity
from crm.oidc import client as oidc_client
from crm.oidc.admin import redirect_uri
from crm.oidc.validation import IssuerRule, OidcError
from tests.fixtures.people import bearer
from tests.oidc.conftest import (
    Account,
    Clinic,
    FakeDns,
    LoopbackProvider,
    add_provider,
    authorize,
    callback_path,
    clinic,
    query_of,
    refresh,
    sign_in_with,
    start,
    verify_domain,
    web_url,
)


async def _events(db: AsyncSession, org: Clinic, action: str) -> list[AuditEvent]:
    await set_tenant(db, org.tenant.id)
    rows = await db.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    return list(rows.scalars())


def _failed(response: httpx.Response, settings: Settings, reason: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == web_url(settings, f"/sign-in?sso_error={reason}")
    assert "crm_refresh" not in response.cookies


async def test_start_redirects_to_the_provider_with_pkce_state_nonce_and_a_lax_cookie(
    api: httpx.AsyncClient, alpha: Clinic, idp: LoopbackProvider, settings: Settings
) -> None:
    response = await start(api, alpha)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(idp.issuer + "/auth?")
    params = query_of(location)
    assert params["response_type"] == "code" and params["client_id"] == idp.client_id
    assert params["redirect_uri"] == redirect_uri(settings)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32 and params["state"] != params["nonce"]
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith("crm_oidc_flow=")]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/api/v1/auth/oidc", "max-age=600"} <= attributes
    # Sealed: neither the state nor the verifier can be read from the cookie.
    assert params["state"] not in cookie and params["nonce"] not in cookie
    assert response.headers["cache-control"] == "no-store"


async def test_a_member_signs_in_and_the_web_app_refreshes_into_a_session(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    person = alpha.tenant.people[Role.sales]
    account = Account(email=person.email.upper())
    response = await sign_in_with(api, alpha, account, settings)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == web_url(settings, "/")
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
    assert "samesite=strict" in cookies["crm_refresh"] and "httponly" in cookies["crm_refresh"]
    assert 'crm_oidc_flow=""' in cookies["crm_oidc_flow"] or "max-age=0" in cookies["crm_oidc_flow"]

    refreshed = await refresh(api)
    assert refreshed.status_code == 200, refreshed.text
    me = await api.get("/api/v1/auth/me", headers=bearer(refreshed.json()["access_token"]))
    assert me.json()["email"] == person.email and me.json()["role"] == "sales"

    await set_tenant(db, alpha.tenant.id)
    user_id, mfa = (
        await db.execute(select(AuthSession.user_id, AuthSession.mfa).where(AuthSession.method == "oidc"))
    ).one()
    assert (user_id, mfa) == (person.user_id, False)
    link = (await db.execute(select(OidcIdentity))).scalar_one()
    assert (link.user_id, link.subject, link.provider_id) == (person.user_id, account.sub, alpha.provider_id)
    assert len(await _events(db, alpha, "oidc_identity.link")) == 1
    methods = [(e.actor_id, (e.meta or {}).get("method")) for e in await _events(db, alpha, "auth.sign_in")]
    assert (person.user_id, "oidc") in methods

    # Later sign-ins match the provider's subject, even after the e-mail changed at the provider.
    api.cookies.clear()
    again = await sign_in_with(
        api, alpha, Account(email="renamed@elsewhere.example", sub=account.sub), settings
    )
    assert again.headers["location"] == web_url(settings, "/"), again.headers["location"]
    me = await api.get("/api/v1/auth/me", headers=bearer((await refresh(api)).json()["access_token"]))
    assert me.json()["email"] == person.email


async def test_mfa_at_the_provider_counts_as_mfa(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    person = alpha.tenant.people[Role.admin]
    response = await sign_in_with(api, alpha, Account(email=person.email, amr="pwd,mfa"), settings)
    assert response.headers["location"] == web_url(settings, "/")
    await set_tenant(db, alpha.tenant.id)
    assert (await db.execute(select(AuthSession.mfa).where(AuthSession.method == "oidc"))).scalar_one()


async def test_a_member_with_totp_still_passes_the_totp_step_when_the_provider_did_no_mfa(
    api: httpx.AsyncClient, alpha: Clinic, settings: Settings
) -> None:
    person = alpha.tenant.people[Role.support]
    token = await api.post("/api/v1/auth/sign-in", json={"email": person.email, "password": person.password})
    access = bearer(token.json()["access_token"])
    secret = (await api.post("/api/v1/auth/mfa/totp/setup", headers=access)).json()["secret"]
    enabled = await api.post(
        "/api/v1/auth/mfa/totp/enable", headers=access, json={"code": pyotp.TOTP(secret).now()}
    )
    assert enabled.status_code == 200, enabled.text
    api.cookies.clear()

    response = await sign_in_with(api, alpha, Account(email=person.email), settings)
    location = response.headers["location"]
    assert location.startswith(web_url(settings, "/sign-in#mfa_token="))
    assert "crm_refresh" not in response.cookies
    mfa_token = location.split("#mfa_token=", 1)[1]
    # A fresh step: the code used for enrolment cannot be used twice, so use the next one.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    verified = await api.post("/api/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": code})
    assert verified.status_code == 200, verified.text


async def test_first_sign_in_at_a_verified_domain_creates_a_member_with_the_default_role(
    api: httpx.AsyncClient, alpha: Clinic, idp: LoopbackProvider, db: AsyncSession, settings: Settings
) -> None:
    await add_provider(api, alpha, idp, default_role="marketing")
    email = f"new.hire-{uuid.uuid4().hex[:6]}@{alpha.domain}"
    response = await sign_in_with(api, alpha, Account(email=email, name="New Hire"), settings)
    assert response.headers["location"] == web_url(settings, "/"), response.headers["location"]
    me = await api.get("/api/v1/auth/me", headers=bearer((await refresh(api)).json()["access_token"]))
    assert me.json()["email"] == email and me.json()["role"] == "marketing"
    assert me.json()["full_name"] == "New Hire"
    await set_tenant(db, alpha.tenant.id)
    user = (await db.execute(select(User).where(User.email == email))).scalar_one()
    assert user.password_hash is None
    assert len(await _events(db, alpha, "oidc_identity.member_create")) == 1


async def test_no_default_role_means_no_new_members(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    email = f"stranger@{alpha.domain}"
    response = await sign_in_with(api, alpha, Account(email=email), settings)
    _failed(response, settings, "account_not_allowed")
    await set_tenant(db, alpha.tenant.id)
    assert (await db.execute(select(User).where(User.email == email))).first() is None
    (failure,) = await _events(db, alpha, "auth.oidc_sign_in_failed")
    assert failure.meta == {"reason": "account_not_allowed"}


async def test_an_unverified_email_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    person = alpha.tenant.people[Role.sales]
    response = await sign_in_with(api, alpha, Account(email=person.email, email_verified=False), settings)
    _failed(response, settings, "email_not_verified")
    await set_tenant(db, alpha.tenant.id)
    assert (await db.execute(select(func.count()).select_from(OidcIdentity))).scalar_one() == 0


async def test_a_domain_the_organisation_has_not_verified_is_refused(
    api: httpx.AsyncClient, db: AsyncSession, idp: LoopbackProvider, settings: Settings
) -> None:
    org = await clinic(db, api, "Gamma Clinics")
    await add_provider(api, org, idp, default_role="sales")
    # Claimed but never proven in DNS: it does not count.
    claimed = await api.post("/api/v1/email-domains", json={"domain": org.domain}, headers=org.admin)
    verify = await api.post(f"/api/v1/email-domains/{claimed.json()['id']}/verify", headers=org.admin)
    assert verify.status_code == 200 and verify.json()["verified"] is False
    for email in (org.tenant.people[Role.sales].email, f"someone@{org.domain}", "x@unclaimed.example"):
        api.cookies.clear()
        response = await sign_in_with(api, org, Account(email=email), settings)
        _failed(response, settings, "domain_not_verified")
    await set_tenant(db, org.tenant.id)
    assert len(await _events(db, org, "auth.oidc_sign_in_failed")) == 3
    assert (await db.execute(select(func.count()).select_from(Membership))).scalar_one() == 4


async def test_a_tampered_or_missing_state_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, settings: Settings, db: AsyncSession
) -> None:
    account = Account(email=alpha.tenant.people[Role.sales].email)
    started = await start(api, alpha)
    callback = await authorize(started.headers["location"], account, redirect_uri(settings))
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    forged = urlunsplit(parts._replace(query=urlencode({**query, "state": "x" + query["state"][1:]})))
    _failed(await api.get(callback_path(forged)), settings, "invalid_state")

    # No flow cookie at all (another browser, or the cookie expired): refused too.
    other_browser = httpx.AsyncClient(transport=api._transport, base_url="https://testserver")
    async with other_browser:
        _failed(await other_browser.get(callback_path(callback)), settings, "invalid_state")
    # The cookie was cleared by the first refusal: even the genuine callback is now refused.
    _failed(await api.get(callback_path(callback)), settings, "invalid_state")
    # Only the first refusal knew its organisation (from the cookie); the others are in the logs.
    assert len(await _events(db, alpha, "auth.oidc_sign_in_failed")) == 1


async def test_a_replayed_callback_or_code_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, idp: LoopbackProvider, settings: Settings
) -> None:
    account = Account(email=alpha.tenant.people[Role.sales].email)
    started = await start(api, alpha)
    flow_cookie = api.cookies.get("crm_oidc_flow", path="/api/v1/auth/oidc")
    callback = await authorize(started.headers["location"], account, redirect_uri(settings))
    first = await api.get(callback_path(callback))
    assert first.headers["location"] == web_url(settings, "/")

    # The captured callback and cookie, replayed: the flow was already completed.
    api.cookies.clear()
    api.cookies.set("crm_oidc_flow", flow_cookie or "", domain="testserver", path="/api/v1/auth/oidc")
    _failed(await api.get(callback_path(callback)), settings, "invalid_state")

    # And the provider itself refuses a code twice (its single use is the second wall).
    metadata = await oidc_client.OidcClient(allow_insecure=True).metadata(
        idp.issuer + "/.well-known/openid-configuration", IssuerRule(frozenset({idp.issuer}))
    )
    with pytest.raises(OidcError) as refused:
        await oidc_client.OidcClient(allow_insecure=True).exchange_code(
            metadata,
            code=query_of(callback)["code"],
            redirect_uri=redirect_uri(settings),
            code_verifier="v" * 64,
            client_id=idp.client_id,
            client_secret="a-long-client-secret-for-the-loopback-provider",
        )
    assert refused.value.reason == "code_exchange_failed" and "invalid_grant" in str(refused.value)


def _with_params(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**dict(parse_qsl(parts.query)), **changes})))


async def test_a_code_issued_for_another_nonce_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, settings: Settings
) -> None:
    """A code injected from another authorization request (its nonce is not this flow's)."""
    started = await start(api, alpha)
    injected = _with_params(started.headers["location"], nonce="attacker-chosen-nonce-0123456789abcdef")
    callback = await authorize(
        injected, Account(email=alpha.tenant.people[Role.sales].email), redirect_uri(settings)
    )
    _failed(await api.get(callback_path(callback)), settings, "invalid_nonce")


async def test_a_code_bound_to_another_pkce_verifier_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, settings: Settings
) -> None:
    started = await start(api, alpha)
    attacker = oidc_client.pkce_challenge("attacker-verifier-" + "x" * 40)
    injected = _with_params(started.headers["location"], code_challenge=attacker)
    callback = await authorize(
        injected, Account(email=alpha.tenant.people[Role.sales].email), redirect_uri(settings)
    )
    _failed(await api.get(callback_path(callback)), settings, "code_exchange_failed")


async def test_an_expired_id_token_is_refused(
    api: httpx.AsyncClient, db: AsyncSession, skewed_idp: LoopbackProvider, dns: FakeDns, settings: Settings
) -> None:
    org = await clinic(db, api, "Slow Clock Clinics")
    await add_provider(api, org, skewed_idp)
    await verify_domain(api, org, dns)
    response = await sign_in_with(api, org, Account(email=org.tenant.people[Role.sales].email), settings)
    _failed(response, settings, "id_token_expired")


async def test_a_response_naming_another_issuer_is_refused(
    api: httpx.AsyncClient, alpha: Clinic, settings: Settings
) -> None:
    """RFC 9207 mix-up defence: the authorization response's iss must be the provider we chose."""
    started = await start(api, alpha)
    callback = await authorize(
        started.headers["location"], Account(email="a@b.example"), redirect_uri(settings)
    )
    mixed_up = _with_params(callback, iss="https://evil.example")
    _failed(await api.get(callback_path(mixed_up)), settings, "invalid_issuer")


async def test_the_provider_error_is_reported_and_audited(
    api: httpx.AsyncClient, alpha: Clinic, db: AsyncSession, settings: Settings
) -> None:
    started = await start(api, alpha)
    state = query_of(started.headers["location"])["state"]
    response = await api.get(f"/api/v1/auth/oidc/callback?error=access_denied&state={state}")
    _failed(response, settings, "provider_error")
    (event,) = await _events(db, alpha, "auth.oidc_sign_in_failed")
    assert event.meta == {"reason": "provider_error"}


async def test_key_rotation_at_the_provider_is_picked_up(
    api: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    dns: FakeDns,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.oidc.conftest import loopback_provider

    with loopback_provider(settings, "crm-rotating") as rotating:
        org = await clinic(db, api, "Rotating Clinics")
        await add_provider(api, org, rotating)
        await verify_domain(api, org, dns)
        account = Account(email=org.tenant.people[Role.sales].email)
        first = await sign_in_with(api, org, account, settings)
        assert first.headers["location"] == web_url(settings, "/")

        new_kid = await rotating.rotate_keys(keep_old=False)
        monkeypatch.setattr(oidc_client, "JWKS_MIN_REFRESH_S", 0.0)
        api.cookies.clear()
        second = await sign_in_with(api, org, account, settings)
        assert second.headers["location"] == web_url(settings, "/"), second.headers["location"]
        cached = oidc_client._jwks_cache[rotating.issuer + "/jwks"]
        assert [key["kid"] for key in cached.keys] == [new_kid]


async def test_unknown_organisation_or_provider_is_404(api: httpx.AsyncClient, alpha: Clinic) -> None:
    assert (await api.get(f"/api/v1/auth/oidc/nope/{alpha.provider_id}/start")).status_code == 404
    assert (await api.get(f"/api/v1/auth/oidc/{alpha.slug}/{uuid.uuid4()}/start")).status_code == 404
