"""Invitations: an admin invites an e-mail with a role; the link signs the person up (or adds an
existing account after its password) and expires after a week."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth import repository as auth_repository
from crm.auth.principal import Principal
from crm.auth.service import IssuedTokens, start_session
from crm.auth.signin import MFA_STEP_TTL_S, MfaChallenge
from crm.core.db import acting_as_user, set_tenant
from crm.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from crm.core.runtime import Runtime
from crm.core.security.passwords import verify_password
from crm.core.security.tokens import issue_purpose_token, opaque_token, token_hash
from crm.member import repository
from crm.member.service import add_member, normalize_email
from crm.messaging.service import queue_email
from crm.models import Invitation, Membership, Organization, User
from crm.models.tenancy import Role

INVITATION_TTL = dt.timedelta(days=7)


async def invite(
    session: AsyncSession, runtime: Runtime, principal: Principal, *, email: str, role: Role
) -> Invitation:
    email = normalize_email(email)
    existing = await repository.login_record(session, email)
    if existing is not None:
        members = await session.execute(select(Membership.id).where(Membership.user_id == existing.user_id))
        if members.first() is not None:
            raise Conflict("this person is already a member", code="already_member")
    token, hashed = opaque_token("inv_")
    invitation = Invitation(
        email=email,
        role=role.value,
        token_hash=hashed,
        invited_by=principal.user_id,
        expires_at=dt.datetime.now(dt.UTC) + INVITATION_TTL,
    )
    session.add(invitation)
    await session.flush()
    organization = await session.get(Organization, principal.organization_id)
    assert organization is not None
    link = f"{str(runtime.settings.public_url).rstrip('/')}/accept-invitation?token={token}"
    await queue_email(
        session,
        email,
        f"You are invited to {organization.name} on CliniGlobal CRM",
        f"You have been invited to join {organization.name} as {role.value}.\n\nAccept: {link}\n\n"
        "The link works once and expires in 7 days.",
    )
    await record_event(
        session,
        action="invitation.create",
        actor=principal,
        entity_type="invitation",
        entity_id=invitation.id,
        changes={"email": (None, email), "role": (None, role.value)},
        pii_fields={"email"},
    )
    return invitation


async def list_pending(session: AsyncSession) -> list[Invitation]:
    rows = await session.execute(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    )
    return list(rows.scalars())


async def revoke(session: AsyncSession, principal: Principal, invitation_id: uuid.UUID) -> None:
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
        )
        .values(revoked_at=text("now()"))
        .returning(Invitation.id)
    )
    if result.first() is None:
        raise NotFound("no such pending invitation")
    await record_event(
        session,
        action="invitation.revoke",
        actor=principal,
        entity_type="invitation",
        entity_id=invitation_id,
    )


async def accept(
    session: AsyncSession,
    runtime: Runtime,
    *,
    token: str,
    full_name: str | None,
    password: str,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens | MfaChallenge:
    """Join the organisation: a new account is created, or an existing one proves its password."""
    row = (await session.execute(text("SELECT * FROM auth_invitation(:h)"), {"h": token_hash(token)})).first()
    now = dt.datetime.now(dt.UTC)
    if row is None or row.accepted_at or row.revoked_at or row.expires_at <= now:
        raise BadRequest("this invitation is invalid or has expired", code="invalid_invitation")
    await set_tenant(session, row.organization_id)
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.id == row.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=text("now()"))
        .returning(Invitation.id)
    )
    if claimed.first() is None:
        raise BadRequest("this invitation is invalid or has expired", code="invalid_invitation")
    existing = await repository.login_record(session, row.email)
    if existing is None:
        if not full_name or not full_name.strip():
            raise BadRequest("your name is required", code="name_required")
        user = await add_member(
            session, email=row.email, full_name=full_name, role=Role(row.role), password=password
        )
        user_id = user.id
    else:
        if not verify_password(existing.password_hash, password) or not existing.is_active:
            raise Unauthorized("e-mail or password is wrong", code="invalid_credentials")
        user_id = existing.user_id
        async with acting_as_user(session, user_id):
            await repository.add_membership(session, Membership(user_id=user_id, role=Role(row.role)))
    await record_event(
        session,
        action="invitation.accept",
        actor=None,
        organization_id=row.organization_id,
        entity_type="invitation",
        entity_id=row.id,
        ip=ip,
        user_agent=user_agent,
    )
    if existing is not None:
        account = await session.get(User, user_id)
        if account is not None and account.totp_enabled_at is not None:
            # A password alone must never open a session for an account that has MFA: the
            # membership is created, and signing in to it goes through the MFA step.
            return MfaChallenge(
                mfa_token=issue_purpose_token(
                    runtime.keyring,
                    "mfa",
                    {"sub": str(user_id), "org": str(row.organization_id)},
                    MFA_STEP_TTL_S,
                )
            )
    pending = row.role in await auth_repository.mfa_required_roles(session)
    return await start_session(
        session,
        runtime,
        user_id=user_id,
        organization_id=row.organization_id,
        role=Role(row.role),
        method="password",
        mfa=False,
        ip=ip,
        user_agent=user_agent,
        mfa_pending=pending,
    )
