"""Self-service on your own account: change your password, preview an invitation before accepting.

A password change proves the current password (rate limited and locked out like sign-in, so a
stolen session cannot guess it), applies the same password rules as sign-up, and ends every
other session of the person in every organisation; the session that asked stays signed in.

The invitation preview answers only what the token's holder may know anyway: which organisation,
which e-mail, who invited them, the role, and whether that e-mail already has an account (the
accept form then asks for the existing password instead of a new name and password).
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import access, repository
from crm.auth.password_policy import check_password
from crm.auth.principal import ActorType, Principal
from crm.auth.ratelimit import SignInGuard
from crm.core.db import set_tenant
from crm.core.errors import AppError, BadRequest
from crm.core.runtime import Runtime
from crm.core.security.passwords import hash_password, verify_password
from crm.core.security.tokens import token_hash
from crm.kit import examples as ex
from crm.kit.examples import example
from crm.member.repository import login_record
from crm.models import Invitation, Organization, RecoveryCode, User

PREVIEWS_PER_IP = 60  # per 15 minutes: plenty for a person, useless for guessing tokens


class PasswordChange(BaseModel):
    model_config = example(
        {"current_password": "correct horse battery staple", "new_password": "a longer passphrase for 2026"},
        extra="forbid",
    )
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChanged(BaseModel):
    model_config = example({"sessions_ended": 2})
    sessions_ended: int = Field(description="your other sessions (all organisations) that were signed out")


class InvitationPreview(BaseModel):
    model_config = example(
        {
            "organization_name": "Sonrisa Dental Group",
            "email": "javier.moreno@example.com",
            "role": "support",
            "invited_by": ex.CONTACT_NAME,
            "account_exists": False,
            "expires_at": "2026-03-09T09:15:00Z",
        }
    )
    organization_name: str
    email: str
    role: str
    invited_by: str | None = Field(description="the inviter's name, if they are still a member")
    account_exists: bool = Field(description="sign in with your existing password to accept")
    expires_at: dt.datetime


class InvitationNotFound(AppError):
    status_code = 404
    code = "invitation_not_found"


class InvitationGone(AppError):
    status_code = 410
    code = "invitation_expired"


class InvitationUsed(AppError):
    status_code = 409
    code = "invitation_used"


async def change_password(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: PasswordChange
) -> PasswordChanged:
    if principal.user_id is None:
        raise BadRequest("not a user session", code="not_a_user")
    user = await session.get(User, principal.user_id)
    if user is None:
        raise BadRequest("not a user session", code="not_a_user")
    guard = SignInGuard(runtime.cache, runtime.settings.signin_attempts_per_ip)
    await guard.before_attempt(principal.ip, user.email)
    if not verify_password(user.password_hash, body.current_password):
        await guard.failed(user.email)
        raise BadRequest("your current password is not right", code="invalid_current_password")
    await guard.succeeded(user.email)
    if body.new_password == body.current_password:
        raise BadRequest("choose a password different from the current one", code="password_unchanged")
    check_password(body.new_password, email=user.email)
    user.password_hash = hash_password(body.new_password)
    await session.flush()
    ended = 0
    for membership in await repository.memberships_of(session, user.id):
        await set_tenant(session, membership.organization_id, user.id)
        revoked = await repository.revoke_sessions(
            session, reason="password_changed", user_id=user.id, keep_session_id=principal.session_id
        )
        await access.mark_sessions_revoked(runtime, revoked)
        ended += len(revoked)
        await record_event(
            session,
            action="auth.password_changed",
            actor=None,
            actor_type=ActorType.user,
            actor_id=user.id,
            entity_type="user",
            entity_id=user.id,
            organization_id=membership.organization_id,
            ip=principal.ip,
            user_agent=principal.user_agent,
            meta={"sessions_ended": len(revoked)},
        )
    await set_tenant(session, principal.organization_id, user.id)
    return PasswordChanged(sessions_ended=ended)


async def preview_invitation(
    session: AsyncSession, runtime: Runtime, token: str, ip: str | None
) -> InvitationPreview:
    await SignInGuard(runtime.cache).limit("invitation-preview", ip or "unknown", PREVIEWS_PER_IP)
    row = (await session.execute(text("SELECT * FROM auth_invitation(:h)"), {"h": token_hash(token)})).first()
    if row is None:
        raise InvitationNotFound("no invitation matches this link")
    if row.accepted_at is not None:
        raise InvitationUsed("this invitation has already been accepted: sign in instead")
    if row.revoked_at is not None:
        raise InvitationGone("this invitation was withdrawn: ask for a new one", code="invitation_revoked")
    if row.expires_at <= dt.datetime.now(dt.UTC):
        raise InvitationGone("this invitation has expired: ask for a new one")
    await set_tenant(session, row.organization_id)
    organization = await session.get(Organization, row.organization_id)
    invited_by = await session.scalar(select(Invitation.invited_by).where(Invitation.id == row.id))
    inviter = (
        await session.scalar(select(User.full_name).where(User.id == invited_by)) if invited_by else None
    )
    return InvitationPreview(
        organization_name=organization.name if organization else "",
        email=row.email,
        role=row.role,
        invited_by=inviter,
        account_exists=await login_record(session, row.email) is not None,
        expires_at=row.expires_at,
    )


async def recovery_codes_left(session: AsyncSession, user_id: uuid.UUID) -> int:
    query = select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    return int((await session.execute(query)).scalar_one())
