"""Request-scoped dependencies: the runtime and the unit of work.

The session dependency uses ``scope="function"``: FastAPI closes it right after the
endpoint returns and *before* the response is sent, so a failed commit becomes an
error response instead of a 200 for data that was never saved.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import unit_of_work
from crm.core.runtime import Runtime


def app_runtime(request: Request) -> Runtime:
    """The runtime serving ``request``: for request-wide dependencies, which read it directly
    rather than depend on ``RuntimeDep`` (FastAPI solves a dependency's own dependencies again
    wherever it appears, even when its value is cached, and this one appeared four times a request)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def runtime_of(request: Request) -> Runtime:
    # async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, and that
    # hand-off cost more CPU than anything else this request-wide dependency does.
    return app_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


async def _public_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A transaction with no tenant: RLS shows nothing tenant-owned (sign-in, health)."""
    async with unit_of_work(runtime.sessions, interactive=True) as session:
        yield session


PublicSession = Annotated[AsyncSession, Depends(_public_session, scope="function")]


def tenant_unit_of_work(
    runtime: Runtime, organization_id: uuid.UUID, user_id: uuid.UUID | None
) -> AbstractAsyncContextManager[AsyncSession]:
    """The transaction of an authenticated request, scoped to the caller's organisation."""
    return unit_of_work(runtime.sessions, organization_id, user_id, interactive=True)
