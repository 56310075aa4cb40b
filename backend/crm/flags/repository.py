"""SQL for flag overrides. Row-level security scopes every statement to the transaction's tenant;
the explicit organisation filter is a second wall and keeps the index in play."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import FlagOverride

_UNIQUE = "uq_flag_overrides_organization_id_key_role"


async def overrides(
    session: AsyncSession, organization_id: uuid.UUID, key: str | None = None
) -> list[FlagOverride]:
    statement = select(FlagOverride).where(FlagOverride.organization_id == organization_id)
    if key is not None:
        statement = statement.where(FlagOverride.key == key)
    statement = statement.order_by(FlagOverride.key, FlagOverride.role.nulls_first())
    # An upsert earlier in this transaction bypasses the identity map: read the rows afresh.
    return list(await session.scalars(statement.execution_options(populate_existing=True)))


async def upsert(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    key: str,
    role: str | None,
    enabled: bool,
    updated_by: uuid.UUID | None,
) -> None:
    statement = insert(FlagOverride).values(
        organization_id=organization_id, key=key, role=role, enabled=enabled, updated_by=updated_by
    )
    statement = statement.on_conflict_do_update(
        constraint=_UNIQUE,
        set_={"enabled": enabled, "updated_by": updated_by, "updated_at": statement.excluded.updated_at},
    )
    await session.execute(statement)


async def remove(session: AsyncSession, organization_id: uuid.UUID, *, key: str, role: str | None) -> bool:
    statement = delete(FlagOverride).where(
        FlagOverride.organization_id == organization_id,
        FlagOverride.key == key,
        FlagOverride.role.is_(None) if role is None else FlagOverride.role == role,
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
