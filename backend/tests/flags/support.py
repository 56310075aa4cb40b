"""Test plumbing shared by tests/flags and tests/apikey: an app with both routers mounted (until
crm/api.py mounts them), a route gated by a flag, principals built by hand, a statement counter."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.apikey.endpoints import router as apikey_router
from crm.auth.dependencies import current_principal
from crm.auth.permissions import DEFAULTS, Action, Scope
from crm.auth.principal import ActorType, Principal
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.flags.dependencies import require_flag
from crm.flags.endpoints import router as flags_router
from crm.member.service import add_member
from crm.models.tenancy import Role

GATED = "/api/v1/test-gated/sentiment"
HIDDEN = "/api/v1/test-gated/whatsapp"

gated_router = APIRouter(prefix="/test-gated")


@gated_router.get("/sentiment")
async def gated_sentiment(
    principal: Annotated[Principal, Depends(require_flag("ai.sentiment"))],
) -> dict[str, str]:
    return {"org": str(principal.organization_id)}


@gated_router.get("/whatsapp", dependencies=[Depends(require_flag("messaging.whatsapp", hide=True))])
async def gated_whatsapp() -> dict[str, bool]:
    return {"ok": True}


def build_app(runtime: Runtime) -> FastAPI:
    from crm.app import create_app

    app = create_app(runtime.settings, runtime)
    # Included routers are not flattened into app.routes (FastAPI >= 0.16x): walk their contexts.
    paths = {context.path for context in iter_route_contexts(app.routes)}
    for router, probe in ((flags_router, "/api/v1/flags"), (apikey_router, "/api/v1/api-keys")):
        if probe not in paths:
            app.include_router(router, prefix="/api/v1")
    app.include_router(gated_router, prefix="/api/v1")
    return app


def principal(
    organization_id: uuid.UUID,
    role: Role = Role.admin,
    *,
    user_id: uuid.UUID | None = None,
    permissions: Mapping[tuple[str, Action], Scope] | None = None,
    team_ids: frozenset[uuid.UUID] = frozenset(),
) -> Principal:
    return Principal(
        actor_type=ActorType.user,
        organization_id=organization_id,
        user_id=user_id,
        role=role,
        permissions=DEFAULTS[role] if permissions is None else permissions,
        team_ids=team_ids,
    )


SignIn = Callable[..., Principal]


def sign_in_on(app: FastAPI) -> SignIn:
    """``sign_in(org, role, **principal_kwargs)`` makes every request come from that principal."""

    def as_(organization_id: uuid.UUID, role: Role = Role.admin, **kwargs: Any) -> Principal:
        chosen = principal(organization_id, role, **kwargs)
        app.dependency_overrides[current_principal] = lambda: chosen
        return chosen

    return as_


async def new_user(db: AsyncSession, organization_id: uuid.UUID, role: Role = Role.admin) -> uuid.UUID:
    await set_tenant(db, organization_id)
    user = await add_member(
        db,
        email=f"{role.value}-{uuid.uuid4().hex[:10]}@example.com",
        full_name=f"Test {role.value}",
        role=role,
        password=None,
    )
    return user.id


@contextmanager
def count_statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """Every SQL statement sent on the test's connection while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", record)


async def audit_trail(db: AsyncSession, organization_id: uuid.UUID, prefix: str) -> list[dict[str, Any]]:
    """The organisation's audit events whose action starts with ``prefix``, oldest first."""
    from sqlalchemy import text

    await set_tenant(db, organization_id)
    rows = await db.execute(
        text(
            "SELECT action, actor_type, actor_id, entity_type, entity_id, changes, redacted_fields, meta"
            " FROM audit_events WHERE action LIKE :prefix ORDER BY seq"
        ),
        {"prefix": prefix + "%"},
    )
    return [dict(row) for row in rows.mappings()]
