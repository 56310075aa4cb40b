"""Signing in: password, then the MFA step when the user has MFA; switching organisation.

Unknown e-mails, wrong passwords, inactive users and users with no organisation all get
the same answer, after the same work (argon2 against a dummy hash), so nothing tells an
attacker which accounts exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import mfa, repository
from crm.auth.principal import ActorType, Principal
from crm.auth.ratelimit import SignInGuard
from crm.auth.service import IssuedTokens, start_session
from crm.core.db import set_tenant
from crm.core.errors import Forbidden, Unauthorized
from crm.core.runtime import Runtime
from crm.core.security.passwords import verify_password
from crm.core.security.tokens import InvalidToken, issue_purpose_token, read_purpose_token
from crm.member.repository import login_record
from crm.models import User
from crm.models.tenancy import Role

MFA_STEP_TTL_S = 300
_BAD_CREDENTIALS = "e-mail or password is wrong"


@dataclass(frozen=True)
class MfaChallenge:
    mfa_token: str


async def _choose_membership(
    session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID | None
) -> repository.MembershipRecord | None:
    memberships = await repository.memberships_of(session, user_id)
    if organization_id is not None:
        return next((m for m in memberships if m.organization_id == organization_id), None)
    return memberships[0] if memberships else None


async def _load_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    assert user is not None  # visible: the transaction claims this user
    return user


async def sign_in(
    session: AsyncSession,
    runtime: Runtime,
    *,
    email: str,
    password: str,
    organization_id: uuid.UUID | None,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens | MfaChallenge:
    guard = SignInGuard(runtime.cache, runtime.settings.signin_attempts_per_ip)
    await guard.before_attempt(ip, email)
    record = await login_record(session, email.strip())
    valid = verify_password(record.password_hash if record else None, password)
    membership = (
        await _choose_membership(session, record.user_id, organization_id) if record and valid else None
    )
    if record is None or not valid or not record.is_active or membership is None:
        await guard.failed(email)
        if record is not None:
            # The person exists: their organisations' admins see the failed attempt.
            for known in await repository.memberships_of(session, record.user_id):
                await set_tenant(session, known.organization_id)
                await record_event(
                    session,
                    action="auth.sign_in_failed",
                    actor=None,
                    actor_type=ActorType.user,
                    actor_id=record.user_id,
                    organization_id=known.organization_id,
                    ip=ip,
                    user_agent=user_agent,
                )
        raise SignInFailed(_BAD_CREDENTIALS)
    await guard.succeeded(email)
    await set_tenant(session, membership.organization_id, record.user_id)
    user = await _load_user(session, record.user_id)
    role = Role(membership.role)
    if user.totp_enabled_at is not None:
        token = issue_purpose_token(
            runtime.keyring,
            "mfa",
            {"sub": str(user.id), "org": str(membership.organization_id)},
            MFA_STEP_TTL_S,
        )
        return MfaChallenge(mfa_token=token)
    pending = role.value in await repository.mfa_required_roles(session)
    return await start_session(
        session,
        runtime,
        user_id=user.id,
        organization_id=membership.organization_id,
        role=role,
        method="password",
        mfa=False,
        ip=ip,
        user_agent=user_agent,
        mfa_pending=pending,
    )


class SignInFailed(Unauthorized):
    """Carries the audit rows of the failure: the endpoint commits them before answering 401."""

    code = "invalid_credentials"


async def complete_mfa(
    session: AsyncSession,
    runtime: Runtime,
    *,
    mfa_token: str,
    code: str,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    try:
        claims = read_purpose_token(runtime.keyring, "mfa", mfa_token)
        user_id, organization_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["org"])
        method = str(claims.get("method", "password"))
    except (InvalidToken, KeyError, ValueError):
        raise Unauthorized("the sign-in step expired; start again", code="invalid_mfa_token") from None
    guard = SignInGuard(runtime.cache, runtime.settings.signin_attempts_per_ip)
    await guard.before_attempt(ip, f"mfa:{user_id}")
    membership = await _choose_membership(session, user_id, organization_id)
    if membership is None:
        raise Unauthorized("the sign-in step expired; start again", code="invalid_mfa_token")
    await set_tenant(session, organization_id, user_id)
    user = await _load_user(session, user_id)
    used = await mfa.verify(session, user, code)
    if used is None:
        await guard.failed(f"mfa:{user_id}")
        raise Unauthorized("that code is not valid", code="invalid_mfa_code")
    await guard.succeeded(f"mfa:{user_id}")
    if used == "recovery_code":
        await record_event(
            session,
            action="auth.recovery_code_used",
            actor=None,
            actor_type=ActorType.user,
            actor_id=user_id,
            organization_id=organization_id,
            ip=ip,
            user_agent=user_agent,
        )
    return await start_session(
        session,
        runtime,
        user_id=user_id,
        organization_id=organization_id,
        role=Role(membership.role),
        method=method,
        mfa=True,
        ip=ip,
        user_agent=user_agent,
    )


async def switch_organization(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    organization_id: uuid.UUID,
    *,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    """Start a session in another organisation the user belongs to (MFA carries over)."""
    if principal.user_id is None:
        raise Forbidden("only people switch organisations")
    membership = await _choose_membership(session, principal.user_id, organization_id)
    if membership is None:
        raise Forbidden("you are not a member of that organisation", code="not_a_member")
    current = await repository.get_session(session, principal.session_id) if principal.session_id else None
    if current is not None and current.method == "oidc":
        # An organisation's own identity provider vouches for its own members only: whoever runs
        # it must not reach the person's other organisations through this session.
        raise Forbidden("sign in to that organisation directly", code="sign_in_required")
    had_mfa = bool(current and current.mfa)
    user = await session.get(User, principal.user_id)
    if user is not None and user.totp_enabled_at is not None and not had_mfa:
        # This session never proved the second factor: it must not open one that requires it.
        raise Forbidden("sign in to that organisation with your code", code="sign_in_required")
    role = Role(membership.role)
    await set_tenant(session, organization_id, principal.user_id)
    pending = not had_mfa and role.value in await repository.mfa_required_roles(session)
    return await start_session(
        session,
        runtime,
        user_id=principal.user_id,
        organization_id=organization_id,
        role=role,
        method="switch",
        mfa=had_mfa,
        ip=ip,
        user_agent=user_agent,
        mfa_pending=pending,
    )
