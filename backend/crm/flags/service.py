"""Evaluating feature flags, and the admin operations that override them.

A flag's value for a caller is, first match wins: the override for the caller's role, the
organisation's org-wide override, the default coded in ``registry``. API keys have no role, so
only the org-wide value applies to them.

Every gated request asks, so an organisation's overrides are cached as one small JSON value
and dropped whenever an admin changes one (see ``forget``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.cache import Cache
from crm.core.db import unit_of_work
from crm.core.errors import NotFound
from crm.core.runtime import Runtime
from crm.flags import repository
from crm.flags.registry import FLAGS, FlagDefinition
from crm.flags.schemas import EffectiveFlags, FlagList, FlagOverrideRead, FlagRead
from crm.models import FlagOverride
from crm.models.tenancy import Role

CACHE_TTL_S = 300.0
ORG_WIDE = "*"  # the org-wide entry in a flag's overrides, beside role names

# flag key -> {"*" or role name -> enabled}
Overrides = Mapping[str, Mapping[str, bool]]


class UnknownFlag(NotFound):
    code = "unknown_flag"


def _cache_key(organization_id: uuid.UUID) -> str:
    return f"flags:{organization_id}"


def _definition(key: str) -> FlagDefinition:
    found = FLAGS.get(key)
    if found is None:
        raise UnknownFlag(f"no feature flag is called {key[:80]!r}")
    return found


def _as_overrides(rows: list[FlagOverride]) -> dict[str, dict[str, bool]]:
    table: dict[str, dict[str, bool]] = {}
    for row in rows:
        table.setdefault(row.key, {})[row.role or ORG_WIDE] = row.enabled
    return table


def evaluate(key: str, role: Role | None, overrides: Overrides) -> bool:
    """The flag's value for a member of ``role`` (None: an API key or service, org-wide only)."""
    chosen = overrides.get(key, {})
    if role is not None and role.value in chosen:
        return chosen[role.value]
    if ORG_WIDE in chosen:
        return chosen[ORG_WIDE]
    return FLAGS[key].default


async def load_overrides(source: Runtime | AsyncSession, organization_id: uuid.UUID) -> Overrides:
    """From the caller's transaction when given one (authoritative); else through the cache."""
    if isinstance(source, AsyncSession):
        return _as_overrides(await repository.overrides(source, organization_id))
    raw = await source.cache.get(_cache_key(organization_id))
    if raw is not None:
        cached: dict[str, dict[str, bool]] = json.loads(raw)
        return cached
    async with unit_of_work(source.sessions, organization_id) as session:
        table = _as_overrides(await repository.overrides(session, organization_id))
    await source.cache.set(_cache_key(organization_id), json.dumps(table), ttl=CACHE_TTL_S)
    return table


async def forget(cache: Cache, organization_id: uuid.UUID) -> None:
    await cache.delete(_cache_key(organization_id))


async def is_enabled(source: Runtime | AsyncSession, principal: Principal, key: str) -> bool:
    """Whether ``key`` is on for this caller. An unknown key is a programming error (ValueError)."""
    if key not in FLAGS:
        raise ValueError(f"unknown feature flag {key!r}")
    return evaluate(key, principal.role, await load_overrides(source, principal.organization_id))


async def effective_flags(source: Runtime | AsyncSession, principal: Principal) -> EffectiveFlags:
    overrides = await load_overrides(source, principal.organization_id)
    return EffectiveFlags(flags={key: evaluate(key, principal.role, overrides) for key in FLAGS})


def _read(definition: FlagDefinition, rows: list[FlagOverride]) -> FlagRead:
    known = [row for row in rows if row.role is None or row.role in Role.__members__]
    table = _as_overrides(known).get(definition.key, {})
    overrides = {definition.key: table}
    return FlagRead(
        key=definition.key,
        description=definition.description,
        default=definition.default,
        enabled=evaluate(definition.key, None, overrides),
        overrides=[
            FlagOverrideRead(
                role=Role(row.role) if row.role else None,
                enabled=row.enabled,
                updated_at=row.updated_at,
                updated_by=row.updated_by,
            )
            for row in known
        ],
        effective_by_role={role: evaluate(definition.key, role, overrides) for role in Role},
    )


async def list_flags(session: AsyncSession, organization_id: uuid.UUID) -> FlagList:
    """Every coded flag with the organisation's overrides: two flags or two hundred, one query."""
    by_key: dict[str, list[FlagOverride]] = {}
    for row in await repository.overrides(session, organization_id):
        by_key.setdefault(row.key, []).append(row)
    return FlagList(items=[_read(definition, by_key.get(key, [])) for key, definition in FLAGS.items()])


async def get_flag(session: AsyncSession, organization_id: uuid.UUID, key: str) -> FlagRead:
    definition = _definition(key)
    return _read(definition, await repository.overrides(session, organization_id, key))


async def _override_value(
    session: AsyncSession, organization_id: uuid.UUID, key: str, role: Role | None
) -> bool | None:
    for row in await repository.overrides(session, organization_id, key):
        if row.role == (role.value if role else None):
            return row.enabled
    return None


async def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    key: str,
    role: Role | None,
    before: bool | None,
    after: bool | None,
) -> None:
    """``changes.enabled`` holds the override itself: null before means there was none."""
    if action == "flag.update" and before == after:
        return
    await record_event(
        session,
        action=action,
        actor=principal,
        entity_type="flag",
        entity_id=key if role is None else f"{key}@{role.value}",
        changes={"enabled": (before, after)},
        meta={"flag": key, "role": role.value if role else None},
    )


async def set_override(
    session: AsyncSession, cache: Cache, principal: Principal, key: str, *, enabled: bool, role: Role | None
) -> FlagRead:
    """Turn a flag on or off for the caller's organisation, or for one of its roles."""
    definition = _definition(key)
    before = await _override_value(session, principal.organization_id, key, role)
    await repository.upsert(
        session,
        principal.organization_id,
        key=key,
        role=role.value if role else None,
        enabled=enabled,
        updated_by=principal.user_id,
    )
    await _audit(session, principal, "flag.update", key, role, before, enabled)
    # Dropped here and again once the transaction commits (the endpoint schedules that), so a
    # reader that refills the cache from the not-yet-committed state cannot keep it stale.
    await forget(cache, principal.organization_id)
    return _read(definition, await repository.overrides(session, principal.organization_id, key))


async def reset_override(
    session: AsyncSession, cache: Cache, principal: Principal, key: str, *, role: Role | None
) -> FlagRead:
    """Drop one override (org-wide, or one role's): the flag falls back to the next rule."""
    definition = _definition(key)
    before = await _override_value(session, principal.organization_id, key, role)
    if await repository.remove(
        session, principal.organization_id, key=key, role=role.value if role else None
    ):
        await _audit(session, principal, "flag.reset", key, role, before, None)
    await forget(cache, principal.organization_id)
    return _read(definition, await repository.overrides(session, principal.organization_id, key))
