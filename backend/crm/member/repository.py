"""SQL for users and memberships; the e-mail look-up works before the tenant is known."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Membership, User


@dataclass(frozen=True)
class LoginRecord:
    user_id: uuid.UUID
    password_hash: str | None
    is_active: bool


async def login_record(session: AsyncSession, email: str) -> LoginRecord | None:
    row = (
        await session.execute(
            text("SELECT id, password_hash, is_active FROM auth_user_by_email(:email)"), {"email": email}
        )
    ).first()
    return LoginRecord(row.id, row.password_hash, row.is_active) if row else None


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def add_membership(session: AsyncSession, membership: Membership) -> Membership:
    session.add(membership)
    await session.flush()
    return membership


async def list_members(session: AsyncSession) -> list[tuple[User, Membership]]:
    rows = await session.execute(
        select(User, Membership).join(Membership, Membership.user_id == User.id).order_by(User.full_name)
    )
    return [(user, membership) for user, membership in rows]
