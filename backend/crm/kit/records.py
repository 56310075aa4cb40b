"""Rules every CRM record follows: record scope (own/team/all), optimistic concurrency, live events."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from crm.auth.permissions import Scope
from crm.auth.principal import Principal
from crm.core.errors import PreconditionFailed
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
