"""SQL for sessions and refresh tokens (the token look-up works before the tenant is known)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import AuthSession, Organization, RefreshToken


@dataclass(frozen=True)
class RefreshRecord:
    id: uuid.UUID
    session_id: uuid.UUID
    organization_id: uuid.UUID
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True)
class MembershipRecord:
    organization_id: uuid.UUID
    organization_name: str
    role: str


async def memberships_of(session: AsyncSession, user_id: uuid.UUID) -> list[MembershipRecord]:
    rows = await session.execute(text("SELECT * FROM auth_memberships_of(:u)"), {"u": user_id})
    return [MembershipRecord(r.organization_id, r.organization_name, r.role) for r in rows]


async def refresh_record(session: AsyncSession, token_hash: bytes) -> RefreshRecord | None:
    row = (await session.execute(text("SELECT * FROM auth_refresh_token(:h)"), {"h": token_hash})).first()
    return (
        RefreshRecord(row.id, row.session_id, row.organization_id, row.expires_at, row.used_at)
        if row
        else None
    )


async def claim_refresh_token(session: AsyncSession, token_id: uuid.UUID) -> bool:
    """Mark a refresh token used; False when someone else used it first (a replay or a race)."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
        .values(used_at=text("now()"))
        .returning(RefreshToken.id)
    )
    return result.first() is not None


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(rows)
    await session.flush()


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> AuthSession | None:
    return await session.get(AuthSession, session_id)


async def has_seen_device(session: AsyncSession, user_id: uuid.UUID, fingerprint: str) -> bool:
    row = await session.execute(
        select(AuthSession.id)
        .where(AuthSession.user_id == user_id, AuthSession.device_fingerprint == fingerprint)
        .limit(1)
    )
    return row.first() is not None


async def touch_session(session: AsyncSession, session_id: uuid.UUID, ip: str | None) -> None:
    await session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=text("now()"), ip=ip)
    )


async def revoke_sessions(
    session: AsyncSession,
    *,
    reason: str,
    user_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    keep_session_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Revoke one session or all of a user's sessions in the current organisation (but
    ``keep_session_id``); returns their ids."""
    statement = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if keep_session_id is not None:
        statement = statement.where(AuthSession.id != keep_session_id)
    if session_id is not None:
        statement = statement.where(AuthSession.id == session_id)
    if user_id is not None:
        statement = statement.where(AuthSession.user_id == user_id)
    result = await session.execute(
        statement.values(revoked_at=text("now()"), revoked_reason=reason).returning(AuthSession.id)
    )
    return list(result.scalars())


async def list_sessions(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    new_devices_only: bool = False,
    limit: int = 100,
) -> list[AuthSession]:
    statement = select(AuthSession).order_by(AuthSession.last_seen_at.desc()).limit(limit)
    if user_id is not None:
        statement = statement.where(AuthSession.user_id == user_id)
    if new_devices_only:
        statement = statement.where(AuthSession.new_device.is_(True))
    return list((await session.execute(statement)).scalars())


async def mfa_required_roles(session: AsyncSession) -> list[str]:
    row = await session.execute(select(Organization.mfa_required_roles))
    value = row.scalar_one_or_none()
    return list(value or [])


async def mark_session_mfa(session: AsyncSession, session_id: uuid.UUID) -> None:
    await session.execute(update(AuthSession).where(AuthSession.id == session_id).values(mfa=True))
