"""SQL for API keys. Row-level security scopes every statement to the transaction's tenant; the
explicit organisation filter is a second wall. The one look-up made before the tenant is known
goes through the ``auth_api_key`` SECURITY DEFINER function, by public id only."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, insert, or_, select, text, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Scope
from crm.models import ApiKey, TeamMember


@dataclass(frozen=True)
class KeyRecord:
    """What authenticating a key needs: its row's identity, proof, grant and validity."""

    id: uuid.UUID
    organization_id: uuid.UUID
    secret_hash: bytes
    permissions: dict[str, str]
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


async def lookup(session: AsyncSession, public_id: str) -> KeyRecord | None:
    row = (
        await session.execute(
            text(
                "SELECT id, organization_id, secret_hash, permissions, expires_at, revoked_at"
                " FROM auth_api_key(:public_id)"
            ),
            {"public_id": public_id},
        )
    ).first()
    if row is None:
        return None
    return KeyRecord(
        id=row.id,
        organization_id=row.organization_id,
        secret_hash=bytes(row.secret_hash),
        permissions=dict(row.permissions),
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def insert_key(session: AsyncSession, **values: Any) -> ApiKey:
    row: ApiKey | None = await session.scalar(insert(ApiKey).values(**values).returning(ApiKey))
    assert row is not None
    return row


def visible_to(
    scope: Scope, user_id: uuid.UUID | None, team_ids: frozenset[uuid.UUID]
) -> ColumnElement[bool] | None:
    """The keys a caller reaches at ``scope``: None (no filter) for ``all``; else those the caller
    created, plus, at ``team``, those created by members of the caller's teams."""
    if scope is Scope.all:
        return None
    mine = ApiKey.created_by == user_id if user_id is not None else false()
    if scope is Scope.team and team_ids:
        members = select(TeamMember.user_id).where(TeamMember.team_id.in_(team_ids))
        return or_(mine, ApiKey.created_by.in_(members))
    return mine


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    visible: ColumnElement[bool] | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[ApiKey]:
    """Newest first; ``limit + 1`` rows so the caller knows whether another page exists."""
    statement = (
        select(ApiKey)
        .where(ApiKey.organization_id == organization_id, visible if visible is not None else true())
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    if after is not None:
        statement = statement.where(tuple_(ApiKey.created_at, ApiKey.id) < tuple_(*after))
    return list(await session.scalars(statement.limit(limit + 1)))


async def get(
    session: AsyncSession,
    organization_id: uuid.UUID,
    key_id: uuid.UUID,
    *,
    visible: ColumnElement[bool] | None,
) -> ApiKey | None:
    statement = select(ApiKey).where(
        ApiKey.organization_id == organization_id,
        ApiKey.id == key_id,
        visible if visible is not None else true(),
    )
    return await session.scalar(statement)


async def revoke(
    session: AsyncSession,
    organization_id: uuid.UUID,
    key_id: uuid.UUID,
    *,
    at: dt.datetime,
    by: uuid.UUID | None,
) -> ApiKey | None:
    """Revoke once: a second call keeps the first revocation's time and author."""
    row: ApiKey | None = await session.scalar(
        update(ApiKey)
        .where(ApiKey.organization_id == organization_id, ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by)
        .returning(ApiKey)
        .execution_options(populate_existing=True)
    )
    return row


async def touch(
    session: AsyncSession, key_id: uuid.UUID, *, at: dt.datetime, ip: str | None, every: dt.timedelta
) -> None:
    """Record a use, unless one was recorded within ``every``; leaves ``updated_at`` alone."""
    await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < at - every))
        .values(last_used_at=at, last_used_ip=ip, updated_at=ApiKey.updated_at)
    )
