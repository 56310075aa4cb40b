"""Rules every CRM record follows: record scope (own/team/all), optimistic concurrency, live events."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Scope
from crm.auth.principal import Principal
from crm.core.db import after_commit
from crm.core.errors import PreconditionFailed
from crm.core.runtime import Runtime
from crm.kit.hotcache import bump_generation
from crm.models import TeamMember

log = logging.getLogger(__name__)


def scope_clause(scope: Scope, owner_column: Any, principal: Principal) -> ColumnElement[bool]:
    """The rows a scope reaches: everything, my teams' members' records, mine, or nothing."""
    if scope is Scope.none:
        return false()
    if scope is Scope.all:
        return true()
    if principal.user_id is None:
        return false()  # API keys with own/team scope own nothing
    if scope is Scope.own:
        return owner_column == principal.user_id  # type: ignore[no-any-return]
    mine = select(TeamMember.team_id).where(TeamMember.user_id == principal.user_id)
    teammates = select(TeamMember.user_id).where(TeamMember.team_id.in_(mine))
    return owner_column.in_(teammates) | (owner_column == principal.user_id)  # type: ignore[no-any-return]


def check_version(current: int, expected: int | None) -> None:
    """412 when the client edited an older version than the one stored (If-Match / ``version``)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"this record changed since you loaded it (version {current}, yours {expected}); "
            "reload and retry",
            code="version_conflict",
        )


def parse_if_match(header: str | None) -> int | None:
    if not header:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise PreconditionFailed("If-Match must be the record's version", code="invalid_if_match") from None


def publish_change(
    session: AsyncSession,
    runtime: Runtime,
    organization_id: uuid.UUID,
    entity: str,
    entity_id: uuid.UUID,
    verb: str,
) -> None:
    """A live notification after commit; it may be dropped (jobs carry what must not be lost)."""
    message = json.dumps({"entity": entity, "id": str(entity_id), "verb": verb})

    async def send() -> None:
        with contextlib.suppress(Exception):  # pub/sub and cache generations are best effort by design
            await bump_generation(runtime.cache, organization_id)
            await runtime.cache.publish(f"org:{organization_id}:changes", message)

    after_commit(session, send)
