"""Sign-up (a new organisation and its first admin) and password reset by e-mailed single-use token."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import access, repository
from crm.auth.password_policy import check_password
from crm.auth.principal import ActorType
from crm.auth.ratelimit import SignInGuard
from crm.auth.service import IssuedTokens, start_session
from crm.core.db import acting_as_user, set_tenant
from crm.core.errors import BadRequest
from crm.core.runtime import Runtime
from crm.core.security.passwords import hash_password
from crm.core.security.tokens import opaque_token, token_hash
from crm.member.repository import login_record
from crm.member.service import add_member, normalize_email
from crm.messaging.service import queue_email
from crm.models import PasswordReset, User
from crm.models.tenancy import Role
from crm.organization.service import create_organization

RESET_TTL = dt.timedelta(hours=1)
SIGNUPS_PER_IP_PER_HOUR = 5
RESETS_PER_HOUR = 5


async def sign_up(
    session: AsyncSession,
    runtime: Runtime,
    *,
    organization_name: str,
    full_name: str,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    guard = SignInGuard(runtime.cache, runtime.settings.signin_attempts_per_ip)
    await guard.limit("signup", ip or "unknown", SIGNUPS_PER_IP_PER_HOUR, 3600)
    email = normalize_email(email)
    check_password(password, email=email)
    organization = await create_organization(session, organization_name)
    user = await add_member(session, email=email, full_name=full_name, role=Role.admin, password=password)
    await record_event(
        session,
        action="organization.create",
        actor=None,
        actor_type=ActorType.user,
        actor_id=user.id,
        organization_id=organization.id,
        entity_type="organization",
        entity_id=organization.id,
        ip=ip,
        user_agent=user_agent,
    )
    return await start_session(
        session,
        runtime,
        user_id=user.id,
        organization_id=organization.id,
        role=Role.admin,
        method="password",
        mfa=False,
        ip=ip,
        user_agent=user_agent,
    )


async def request_reset(session: AsyncSession, runtime: Runtime, *, email: str, ip: str | None) -> None:
    """E-mail a reset link when the account exists; the caller answers the same either way."""
    guard = SignInGuard(runtime.cache, runtime.settings.signin_attempts_per_ip)
    await guard.limit("reset-ip", ip or "unknown", RESETS_PER_HOUR * 4, 3600)
    try:
        email = normalize_email(email)
    except BadRequest:
        return
    await guard.limit("reset-account", email, RESETS_PER_HOUR, 3600)
    record = await login_record(session, email)
    memberships = await repository.memberships_of(session, record.user_id) if record else []
    if record is None or not record.is_active or not memberships:
        return
    token, hashed = opaque_token("pr_")
    async with acting_as_user(session, record.user_id):
        await repository.add(
            session,
            PasswordReset(
                user_id=record.user_id, token_hash=hashed, expires_at=dt.datetime.now(dt.UTC) + RESET_TTL
            ),
        )
    organization_id = memberships[0].organization_id
    await set_tenant(session, organization_id)
    link = f"{str(runtime.settings.public_url).rstrip('/')}/reset-password?token={token}"
    await queue_email(
        session,
        email,
        "Reset your CliniGlobal CRM password",
        f"Someone asked to reset the password of this account.\n\nSet a new password: {link}\n\n"
        "The link works once, for one hour. If it was not you, ignore this e-mail.",
    )
    await record_event(
        session,
        action="auth.password_reset_requested",
        actor=None,
        actor_type=ActorType.user,
        actor_id=record.user_id,
        organization_id=organization_id,
        ip=ip,
    )


async def reset_password(
    session: AsyncSession, runtime: Runtime, *, token: str, new_password: str, ip: str | None
) -> None:
    invalid = BadRequest("this reset link is invalid or has expired", code="invalid_reset_token")
    row = (
        await session.execute(text("SELECT * FROM auth_password_reset(:h)"), {"h": token_hash(token)})
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= dt.datetime.now(dt.UTC):
        raise invalid
    async with acting_as_user(session, row.user_id):
        claimed = await session.execute(
            update(PasswordReset)
            .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
            .values(used_at=text("now()"))
            .returning(PasswordReset.id)
        )
        if claimed.first() is None:
            raise invalid
        user = await session.get(User, row.user_id)
        assert user is not None
        check_password(new_password, email=user.email)
        user.password_hash = hash_password(new_password)
        await session.flush()
    # A new password ends every existing session, in every organisation.
    for membership in await repository.memberships_of(session, row.user_id):
        await set_tenant(session, membership.organization_id, row.user_id)
        revoked = await repository.revoke_sessions(session, reason="password_reset", user_id=row.user_id)
        await access.mark_sessions_revoked(runtime, revoked)
        await record_event(
            session,
            action="auth.password_reset",
            actor=None,
            actor_type=ActorType.user,
            actor_id=row.user_id,
            organization_id=membership.organization_id,
            ip=ip,
            meta={"sessions_ended": len(revoked)},
        )
