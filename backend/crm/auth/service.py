"""Sessions and tokens: start a session, rotate refresh tokens, sign out.

A session is one sign-in on one device. Each refresh token is single-use; presenting one
that was already used means it was stolen or replayed, so the whole session (the token
family) is revoked and an audit event written.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import access, repository
from crm.auth.devices import describe
from crm.auth.principal import ActorType, Principal
from crm.core.db import set_tenant
from crm.core.errors import NotFound, Unauthorized
from crm.core.runtime import Runtime
from crm.core.security.tokens import issue_access_token, opaque_token, token_hash
from crm.models import AuthSession, RefreshToken
from crm.models.tenancy import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime
    session_id: uuid.UUID
    organization_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    mfa_pending: bool = False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _new_refresh_token(
    session: AsyncSession, runtime: Runtime, session_id: uuid.UUID
) -> tuple[str, dt.datetime]:
    token, hashed = opaque_token("rt_")
    expires = _now() + dt.timedelta(days=runtime.settings.refresh_token_ttl_days)
    await repository.add(session, RefreshToken(session_id=session_id, token_hash=hashed, expires_at=expires))
    return token, expires


def _access_token(
    runtime: Runtime,
    *,
    user_id: uuid.UUID,
    organization_id: uuid.UUID,
    role: Role,
    session_id: uuid.UUID,
    mfa_pending: bool,
) -> tuple[str, dt.datetime]:
    return issue_access_token(
        runtime.keyring,
        user_id=user_id,
        organization_id=organization_id,
        role=role.value,
        session_id=session_id,
        ttl_seconds=runtime.settings.access_token_ttl_seconds,
        mfa_pending=mfa_pending,
    )


async def start_session(
    session: AsyncSession,
    runtime: Runtime,
    *,
    user_id: uuid.UUID,
    organization_id: uuid.UUID,
    role: Role,
    method: str,
    mfa: bool,
    ip: str | None,
    user_agent: str | None,
    mfa_pending: bool = False,
) -> IssuedTokens:
    """Record a sign-in (device, IP) and issue its first token pair. Audited."""
    await set_tenant(session, organization_id, user_id)
    device = describe(user_agent)
    new_device = not await repository.has_seen_device(session, user_id, device.fingerprint)
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user_id,
        method=method,
        mfa=mfa,
        ip=ip,
        user_agent=(user_agent or "")[:512] or None,
        browser=device.browser,
        os=device.os,
        device=device.device,
        device_fingerprint=device.fingerprint,
        new_device=new_device,
        expires_at=_now() + dt.timedelta(days=runtime.settings.refresh_token_ttl_days),
    )
    await repository.add(session, auth_session)
    refresh, refresh_expires = await _new_refresh_token(session, runtime, auth_session.id)
    token, expires = _access_token(
        runtime,
        user_id=user_id,
        organization_id=organization_id,
        role=role,
        session_id=auth_session.id,
        mfa_pending=mfa_pending,
    )
    await record_event(
        session,
        action="auth.sign_in",
        actor=None,
        actor_type=ActorType.user,
        actor_id=user_id,
        organization_id=organization_id,
        entity_type="auth_session",
        entity_id=auth_session.id,
        ip=ip,
        user_agent=user_agent,
        meta={
            "method": method,
            "mfa": mfa,
            "new_device": new_device,
            "browser": device.browser,
            "os": device.os,
        },
    )
    return IssuedTokens(
        token, expires, refresh, refresh_expires, auth_session.id, organization_id, user_id, role, mfa_pending
    )


async def refresh(
    session: AsyncSession, runtime: Runtime, refresh_token: str, *, ip: str | None, user_agent: str | None
) -> IssuedTokens:
    """Exchange a refresh token for a new pair; a replayed token revokes its whole session."""
    invalid = Unauthorized("sign in again", code="invalid_refresh_token")
    record = await repository.refresh_record(session, token_hash(refresh_token))
    if record is None:
        raise invalid
    await set_tenant(session, record.organization_id)
    auth_session = await repository.get_session(session, record.session_id)
    if auth_session is None:
        raise invalid
    await set_tenant(session, record.organization_id, auth_session.user_id)
    if record.used_at is not None or not await repository.claim_refresh_token(session, record.id):
        revoked = await repository.revoke_sessions(
            session, reason="refresh_reuse", session_id=auth_session.id
        )
        await access.mark_sessions_revoked(runtime, revoked or [auth_session.id])
        await record_event(
            session,
            action="auth.refresh_reuse",
            actor=None,
            actor_type=ActorType.user,
            actor_id=auth_session.user_id,
            organization_id=record.organization_id,
            entity_type="auth_session",
            entity_id=auth_session.id,
            ip=ip,
            user_agent=user_agent,
        )
        log.warning("refresh token reused; session revoked", extra={"session_id": str(auth_session.id)})
        # The revocation must survive the error response: the caller commits it.
        raise RefreshReuse(invalid.detail)
    if (
        auth_session.revoked_at is not None
        or record.expires_at <= _now()
        or auth_session.expires_at <= _now()
    ):
        raise invalid
    role = await _current_role(session, auth_session.user_id, record.organization_id)
    if role is None:
        raise invalid
    await repository.touch_session(session, auth_session.id, ip)
    new_refresh, refresh_expires = await _new_refresh_token(session, runtime, auth_session.id)
    mfa_pending = await _mfa_pending(session, auth_session, role)
    token, expires = _access_token(
        runtime,
        user_id=auth_session.user_id,
        organization_id=record.organization_id,
        role=role,
        session_id=auth_session.id,
        mfa_pending=mfa_pending,
    )
    return IssuedTokens(
        token,
        expires,
        new_refresh,
        refresh_expires,
        auth_session.id,
        record.organization_id,
        auth_session.user_id,
        role,
        mfa_pending,
    )


class RefreshReuse(Unauthorized):
    code = "invalid_refresh_token"


async def _current_role(session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID) -> Role | None:
    """The role now, not at sign-in: a demoted or removed member loses access at the next refresh."""
    for membership in await repository.memberships_of(session, user_id):
        if membership.organization_id == organization_id:
            return Role(membership.role)
    return None


async def _mfa_pending(session: AsyncSession, auth_session: AuthSession, role: Role) -> bool:
    if auth_session.mfa:
        return False
    return role.value in await repository.mfa_required_roles(session)


async def sign_out(session: AsyncSession, runtime: Runtime, principal: Principal, *, everywhere: bool) -> int:
    """End this session, or every session of this user in this organisation."""
    if everywhere:
        revoked = await repository.revoke_sessions(
            session, reason="sign_out_everywhere", user_id=principal.user_id
        )
    elif principal.session_id is not None:
        revoked = await repository.revoke_sessions(
            session, reason="sign_out", session_id=principal.session_id
        )
    else:
        revoked = []
    await access.mark_sessions_revoked(runtime, revoked)
    await record_event(
        session,
        action="auth.sign_out_everywhere" if everywhere else "auth.sign_out",
        actor=principal,
        entity_type="auth_session",
        entity_id=principal.session_id,
        meta={"sessions": len(revoked)},
    )
    return len(revoked)


async def revoke_session(
    session: AsyncSession, runtime: Runtime, principal: Principal, session_id: uuid.UUID, *, any_user: bool
) -> None:
    """Revoke one session: the caller's own, or anyone's in the organisation for admins (``any_user``)."""
    target = await repository.get_session(session, session_id)
    if target is None or (not any_user and target.user_id != principal.user_id):
        raise NotFound("no such session")
    revoked = await repository.revoke_sessions(session, reason="revoked", session_id=session_id)
    await access.mark_sessions_revoked(runtime, revoked)
    await record_event(
        session,
        action="auth.session_revoke",
        actor=principal,
        entity_type="auth_session",
        entity_id=session_id,
    )
