"""Callers as principals, an app with the audit router, and committed organisations for the chain tests.

Signing in belongs to the auth tests: here the caller is given as a principal, so what is
tested is the permission each endpoint declares, its tenant scoping and its output.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.audit import chain
from crm.audit.endpoints import router
from crm.auth.dependencies import current_principal
from crm.auth.permissions import DEFAULTS
from crm.auth.principal import ActorType, Principal
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.models import Organization
from crm.models.tenancy import Role

URL = "/api/v1/audit-events"


def principal(
    organization_id: uuid.UUID,
    role: Role = Role.admin,
    *,
    actor_type: ActorType = ActorType.user,
    user_id: uuid.UUID | None = None,
    api_key_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    ip: str | None = "203.0.113.7",
    user_agent: str | None = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
) -> Principal:
    return Principal(
        actor_type=actor_type,
        organization_id=organization_id,
        user_id=user_id if user_id is not None else (uuid.uuid4() if actor_type is ActorType.user else None),
        role=role,
        permissions=DEFAULTS[role],
        api_key_id=api_key_id,
        session_id=session_id,
        ip=ip,
        user_agent=user_agent,
    )


@pytest.fixture
async def app(runtime: Runtime) -> FastAPI:
    from crm.app import create_app

    built = create_app(runtime.settings, runtime)
    if not any(getattr(route, "path", None) == URL for route in built.routes):
        built.include_router(router, prefix="/api/v1")  # until crm/api.py mounts it
    return built


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


SignIn = Callable[..., Principal]


@pytest.fixture
def sign_in(app: FastAPI) -> SignIn:
    def as_(organization_id: uuid.UUID, role: Role = Role.admin) -> Principal:
        caller = principal(organization_id, role)
        app.dependency_overrides[current_principal] = lambda: caller
        return caller

    return as_


# --- committed data (the chain is sealed by other transactions and checked by the owner) ---


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    """A runtime whose transactions really commit."""
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


@pytest.fixture
async def committed_org(live_runtime: Runtime, owner_engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    """A committed organisation, removed with its whole trail (by the owner) after the test."""
    org_id = uuid.uuid4()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Audit Clinic", slug=f"audit-{org_id.hex[:12]}"))
    yield org_id
    async with owner_engine.begin() as conn:
        for table in ("audit_seals", "audit_events", "procrastinate_jobs"):
            column = "args->>'organization_id'" if table == "procrastinate_jobs" else "organization_id::text"
            await conn.execute(text(f"DELETE FROM {table} WHERE {column} = :org"), {"org": str(org_id)})
        await conn.execute(text("DELETE FROM organizations WHERE id = :org"), {"org": org_id})


async def seal_until(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    expected: int,
    *,
    seal: Callable[[], Awaitable[int]] | None = None,
    timeout_s: float = 30.0,
) -> int:
    """Seal until ``expected`` events are sealed: a write transaction elsewhere on the server
    (another test run) holds the safe point back until it ends."""
    total = 0
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        total += await (seal() if seal else chain.seal_organization(sessions, organization_id))
        if total >= expected or asyncio.get_running_loop().time() > deadline:
            return total
        await asyncio.sleep(0.05)
