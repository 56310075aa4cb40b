"""One request is one transaction: committed before the response, rolled back on any error."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.deps import RuntimeDep, tenant_unit_of_work
from crm.core.errors import Conflict
from crm.core.runtime import Runtime
from crm.models import JobRun
from tests.conftest import make_org

ORG: dict[str, uuid.UUID] = {}


async def _session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with tenant_unit_of_work(runtime, ORG["id"], None) as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session, scope="function")]


def _app(runtime: Runtime) -> FastAPI:
    from crm.app import create_app

    router = APIRouter()

    @router.post("/write-then-fail")
    async def write_then_fail(session: Session) -> dict[str, str]:
        session.add(JobRun(task_name="should-vanish"))
        await session.flush()
        raise Conflict("changed my mind")

    @router.post("/write")
    async def write(session: Session) -> dict[str, str]:
        session.add(JobRun(task_name="kept"))
        return {"status": "ok"}

    app = create_app(runtime.settings, runtime)
    app.include_router(router, prefix="/test")
    return app


async def _count(db: AsyncSession, name: str) -> int:
    return (await db.execute(select(func.count()).where(JobRun.task_name == name))).scalar_one()


@pytest.fixture
async def app_client(runtime: Runtime, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    ORG["id"] = await make_org(db)
    transport = httpx.ASGITransport(app=_app(runtime), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


async def test_error_rolls_back_the_request(app_client: httpx.AsyncClient, db: AsyncSession) -> None:
    response = await app_client.post("/test/write-then-fail")
    assert response.status_code == 409
    assert response.json() == {"error": "conflict", "detail": "changed my mind"}
    assert await _count(db, "should-vanish") == 0


async def test_success_commits(app_client: httpx.AsyncClient, db: AsyncSession) -> None:
    assert (await app_client.post("/test/write")).status_code == 200
    assert await _count(db, "kept") == 1


async def test_failed_commit_is_an_error_not_a_success(
    app_client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime
) -> None:
    def refuse(session: object) -> None:
        raise RuntimeError("disk full")

    sessionmaker = runtime.sessions
    event.listen(sessionmaker.class_.sync_session_class, "before_commit", refuse)
    try:
        response = await app_client.post("/test/write")
    finally:
        event.remove(sessionmaker.class_.sync_session_class, "before_commit", refuse)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "disk full" not in response.text
    assert await _count(db, "kept") == 0
