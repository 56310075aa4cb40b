"""Signing in with an organisation's identity provider: the start of the flow and its callback.

Who may sign in (the tenant wall):

- a provider belongs to one organisation and signs people in to that organisation only;
- a subject the provider already linked to a member signs in as that member, while they stay one;
- otherwise the id token's e-mail must be verified by the provider *and* be at a domain this
  organisation verified by DNS; then it links an existing member of this organisation, or creates
  a new member (when the provider has a default role) if no account has that e-mail anywhere;
- an account that exists but is not a member here is never linked nor added: another tenant's
  user, even an admin whose e-mail a hostile issuer asserts, cannot be reached from here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import repository as auth_repository
from crm.auth.principal import ActorType
from crm.auth.ratelimit import SignInGuard
from crm.auth.service import IssuedTokens, start_session
from crm.auth.signin import MFA_STEP_TTL_S
from crm.core.db import set_tenant
from crm.core.errors import BadRequest, NotFound, ServiceUnavailable
from crm.core.runtime import Runtime
from crm.core.security.crypto import keystore_for
from crm.core.security.tokens import issue_purpose_token
from crm.member.repository import login_record
from crm.member.service import add_member, normalize_email
from crm.models import User
from crm.models.oidc import OidcIdentity, OidcProvider
from crm.models.tenancy import Role
from crm.oidc import admin, presets, repository
from crm.oidc.client import OidcClient, authorization_url, random_token
from crm.oidc.flow import FLOW_TTL_S, Flow, seal_flow
from crm.oidc.validation import OidcError
from crm.organization.repository import id_by_slug

log = logging.getLogger(__name__)

RATE_LIMIT = 60  # starts or callbacks per IP per window


@dataclass(frozen=True)
class StartedFlow:
    redirect_url: str
    cookie: str


@dataclass(frozen=True)
class CallbackParams:
    code: str | None
    state: str | None
    iss: str | None
    error: str | None


@dataclass(frozen=True)
class SignedIn:
    tokens: IssuedTokens


@dataclass(frozen=True)
class MfaStep:
    """The member has TOTP and the provider did not assert MFA: finish at /auth/mfa/verify."""

    mfa_token: str


async def _rate_limit(runtime: Runtime, ip: str | None) -> None:
    if ip is not None:
        await SignInGuard(runtime.cache).limit("oidc", ip, RATE_LIMIT)


async def _enabled_provider(session: AsyncSession, provider_id: uuid.UUID) -> OidcProvider | None:
    provider = await repository.get_provider(session, provider_id)
    return provider if provider is not None and provider.enabled else None


async def public_providers(session: AsyncSession, organization_slug: str) -> tuple[str, list[OidcProvider]]:
    """The enabled providers of an organisation, for its sign-in page (no secrets, no config)."""
    organization_id = await id_by_slug(session, organization_slug)
    if organization_id is None:
        return organization_slug, []
    await set_tenant(session, organization_id)
    return organization_slug, await repository.list_providers(session, enabled_only=True)


async def start(
    session: AsyncSession,
    runtime: Runtime,
    client: OidcClient,
    *,
    organization_slug: str,
    provider_id: uuid.UUID,
    login_hint: str | None,
    ip: str | None,
) -> StartedFlow:
    """Where to send the browser (the provider's authorization endpoint), and the flow cookie."""
    await _rate_limit(runtime, ip)
    organization_id = await id_by_slug(session, organization_slug)
    if organization_id is None:
        raise NotFound("no such sign-in provider")
    await set_tenant(session, organization_id)
    provider = await _enabled_provider(session, provider_id)
    if provider is None:
        raise NotFound("no such sign-in provider")
    try:
        client_id = admin.client_id_of(runtime.settings, provider)
        metadata = await client.metadata(provider.discovery_url, presets.issuer_rule(provider))
    except OidcError as exc:
        log.warning("cannot start OIDC sign-in", extra={"reason": str(exc), "provider_id": str(provider.id)})
        raise ServiceUnavailable(
            "the identity provider cannot be reached", code="provider_unavailable"
        ) from None
    flow = Flow(
        state=random_token(),
        nonce=random_token(),
        code_verifier=random_token() + random_token(),  # 86 characters (RFC 7636: 43 to 128)
        organization_id=organization_id,
        provider_id=provider.id,
        expires_at=time.time() + FLOW_TTL_S,
    )
    url = authorization_url(
        metadata,
        client_id=client_id,
        redirect_uri=admin.redirect_uri(runtime.settings),
        scope=provider.scopes,
        state=flow.state,
        nonce=flow.nonce,
        code_verifier=flow.code_verifier,
        login_hint=login_hint,
    )
    return StartedFlow(url, seal_flow(keystore_for(runtime.settings), flow))


async def complete(
    session: AsyncSession,
    runtime: Runtime,
    client: OidcClient,
    *,
    flow: Flow | None,
    params: CallbackParams,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn | MfaStep:
    """Check the callback against the flow, redeem the code, validate the id token, sign the member in.

    Every refusal raises ``OidcError`` after writing ``auth.oidc_sign_in_failed`` to the
    organisation's audit trail (when the flow names one); nothing else is written before then.
    """
    provider_id = flow.provider_id if flow else None
    try:
        await _rate_limit(runtime, ip)
        if flow is None:
            raise OidcError("invalid_state", "no flow cookie (missing, altered or expired)")
        await set_tenant(session, flow.organization_id)
        if not params.state or not hmac.compare_digest(params.state.encode(), flow.state.encode()):
            raise OidcError("invalid_state", "the state does not match this browser's flow")
        # One callback per flow, even if the cookie and the code were captured and replayed.
        marker = "oidc:state:" + hashlib.sha256(flow.state.encode()).hexdigest()[:40]
        if await runtime.cache.incr(marker, ttl=FLOW_TTL_S) > 1:
            raise OidcError("invalid_state", "this sign-in was already completed")
        if params.error:
            raise OidcError("provider_error", f"the provider answered {params.error[:60]!r}")
        if not params.code:
            raise OidcError("invalid_request", "no authorization code")
        provider = await _enabled_provider(session, flow.provider_id)
        if provider is None:
            raise OidcError("invalid_provider", "the provider was removed or disabled during the sign-in")
        claims = await _redeem(session, runtime, client, provider, flow, params)
        user_id, role = await _resolve_member(
            session, runtime, provider, claims, ip=ip, user_agent=user_agent
        )
    except OidcError as exc:
        await _record_failure(session, flow, provider_id, exc, ip=ip, user_agent=user_agent)
        raise
    amr = claims.get("amr")
    mfa = isinstance(amr, list) and "mfa" in amr
    await set_tenant(session, flow.organization_id, user_id)
    user = await session.get(User, user_id)
    assert user is not None  # the transaction claims this user
    if user.totp_enabled_at is not None and not mfa:
        token = issue_purpose_token(
            runtime.keyring,
            "mfa",
            {"sub": str(user_id), "org": str(flow.organization_id), "method": "oidc"},
            MFA_STEP_TTL_S,
        )
        return MfaStep(token)
    pending = not mfa and role.value in await auth_repository.mfa_required_roles(session)
    tokens = await start_session(
        session,
        runtime,
        user_id=user_id,
        organization_id=flow.organization_id,
        role=role,
        method="oidc",
        mfa=mfa,
        ip=ip,
        user_agent=user_agent,
        mfa_pending=pending,
    )
    return SignedIn(tokens)


async def _redeem(
    session: AsyncSession,
    runtime: Runtime,
    client: OidcClient,
    provider: OidcProvider,
    flow: Flow,
    params: CallbackParams,
) -> dict[str, Any]:
    rule = presets.issuer_rule(provider)
    metadata = await client.metadata(provider.discovery_url, rule)
    if params.iss is not None and not rule.matches_response(params.iss):
        # RFC 9207: the response came from another provider than the one we sent the user to (mix-up).
        raise OidcError("invalid_issuer", "the authorization response names another issuer")
    if params.iss is None and metadata.iss_parameter_supported:
        raise OidcError("invalid_issuer", "the authorization response does not name its issuer")
    client_id, client_secret = await admin.credentials(session, runtime.settings, provider)
    assert params.code is not None
    tokens = await client.exchange_code(
        metadata,
        code=params.code,
        redirect_uri=admin.redirect_uri(runtime.settings),
        code_verifier=flow.code_verifier,
        client_id=client_id,
        client_secret=client_secret,
    )
    claims = await client.verified_claims(
        metadata, rule, tokens.id_token, client_id=client_id, nonce=flow.nonce
    )
    if "email" not in claims and tokens.access_token is not None:
        # Providers that keep scope claims out of the id token serve them at userinfo.
        extra = await client.userinfo(metadata, tokens.access_token, claims["sub"])
        for name in ("email", "email_verified", "name", "given_name", "family_name", "xms_edov"):
            if name in extra and name not in claims:
                claims[name] = extra[name]
    return claims


async def _resolve_member(
    session: AsyncSession,
    runtime: Runtime,
    provider: OidcProvider,
    claims: dict[str, Any],
    *,
    ip: str | None,
    user_agent: str | None,
) -> tuple[uuid.UUID, Role]:
    organization_id = provider.organization_id
    subject = str(claims["sub"])
    identity = await repository.find_identity(session, provider.id, subject)
    if identity is not None:
        role = await _membership_role(session, identity.user_id, organization_id)
        if role is None or not await _active(session, identity.user_id):
            raise OidcError("account_not_allowed", "the linked account is no longer an active member")
        await repository.touch_identity(session, identity.id)
        return identity.user_id, role

    try:
        email = normalize_email(str(claims["email"]))
    except (KeyError, BadRequest):
        raise OidcError("email_missing", "the provider shared no usable e-mail address") from None
    if not presets.email_verified(provider.kind, claims):
        raise OidcError("email_not_verified", "the provider has not verified this e-mail address")
    domain = email.rsplit("@", 1)[1]
    if not await repository.domain_verified(session, domain):
        raise OidcError("domain_not_verified", "the e-mail's domain is not verified by this organisation")

    record = await login_record(session, email)
    if record is not None:
        role = await _membership_role(session, record.user_id, organization_id)
        if role is None or not record.is_active:
            # Exists elsewhere (or is inactive): never linked, never added from here.
            raise OidcError("account_not_allowed", "the account is not an active member of this organisation")
        existing = await repository.identity_of_user(session, provider.id, record.user_id)
        if existing is not None:
            # The address now belongs to another account at the provider (reassigned mailbox).
            raise OidcError("account_not_allowed", "the member is linked to another account at this provider")
        user_id, action = record.user_id, "oidc_identity.link"
    else:
        if provider.default_role is None:
            raise OidcError("account_not_allowed", "no account, and this provider does not create members")
        role = Role(provider.default_role)
        user = await add_member(
            session, email=email, full_name=presets.full_name(claims, email), role=role, password=None
        )
        user_id, action = user.id, "oidc_identity.member_create"
    await set_tenant(session, organization_id)
    await repository.add(
        session,
        OidcIdentity(
            organization_id=organization_id, provider_id=provider.id, subject=subject, user_id=user_id
        ),
    )
    await record_event(
        session,
        action=action,
        actor=None,
        actor_type=ActorType.user,
        actor_id=user_id,
        organization_id=organization_id,
        entity_type="user",
        entity_id=user_id,
        ip=ip,
        user_agent=user_agent,
        meta={"provider_id": str(provider.id), "email_domain": domain, "role": role.value},
    )
    return user_id, role


async def _membership_role(
    session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID
) -> Role | None:
    for membership in await auth_repository.memberships_of(session, user_id):
        if membership.organization_id == organization_id:
            return Role(membership.role)
    return None


async def _active(session: AsyncSession, user_id: uuid.UUID) -> bool:
    user = await session.get(User, user_id)  # visible: a member of the transaction's organisation
    return user is not None and user.is_active


async def _record_failure(
    session: AsyncSession,
    flow: Flow | None,
    provider_id: uuid.UUID | None,
    error: OidcError,
    *,
    ip: str | None,
    user_agent: str | None,
) -> None:
    log.info(
        "OIDC sign-in refused",
        extra={"reason": error.reason, "detail": str(error), "provider_id": str(provider_id or "")},
    )
    if flow is None:
        return  # no organisation to file it under; the log line above keeps the fact
    await set_tenant(session, flow.organization_id)
    await record_event(
        session,
        action="auth.oidc_sign_in_failed",
        actor=None,
        organization_id=flow.organization_id,
        entity_type="oidc_provider",
        entity_id=provider_id,
        ip=ip,
        user_agent=user_agent,
        meta={"reason": error.reason},
    )
