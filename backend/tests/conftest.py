"""Shared fixtures: the test database, app-role sessions rolled back per test, tenants, an API client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.config import Settings
from crm.core.db import DatabaseUrls, make_engine, set_tenant
from crm.core.runtime import Runtime, build_runtime
from crm.core.security import passwords
from crm.models import Organization
from tests.fixtures.database import drop_database, prepare_database, test_settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the real AI service get a longer limit: the first one to ask for it starts the
    service, which loads its models (a minute or more on a busy 2-core machine)."""
    for item in items:
        if "ai_service" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(900))


pytest_plugins = [
    "tests.fixtures.people",
    "tests.fixtures.redis",
    "tests.fixtures.s3",
    "tests.fixtures.smtp",
]


@pytest.fixture(scope="session")
def settings() -> Settings:
    configured = test_settings()
    passwords.configure(configured.password_hash_profile)
    return configured


@pytest.fixture(scope="session")
def database_urls(settings: Settings) -> Iterator[DatabaseUrls]:
    yield prepare_database(settings)
    drop_database(settings)


@pytest.fixture(scope="session")
async def app_engine(database_urls: DatabaseUrls) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_urls.app, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def owner_engine(database_urls: DatabaseUrls) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_urls.owner, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(app_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One app-role connection in a transaction that is rolled back after the test."""
    async with app_engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions joined to the test's transaction: their commits are savepoints, undone at the end."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def db(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


async def make_org(session: AsyncSession, name: str | None = None) -> uuid.UUID:
    """Create an organisation and leave the transaction scoped to it."""
    org_id = uuid.uuid4()
    await set_tenant(session, org_id)
    session.add(Organization(id=org_id, name=name or f"Org {org_id.hex[:6]}", slug=f"org-{org_id.hex[:12]}"))
    await session.flush()
    return org_id


@pytest.fixture
async def org(db: AsyncSession) -> uuid.UUID:
    return await make_org(db, "Acme Clinics")


@pytest.fixture
async def runtime(
    settings: Settings, database_urls: DatabaseUrls, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Runtime]:
    """The app's runtime with sessions joined to the test transaction."""
    built = build_runtime(settings, database_urls)
    built.sessions = sessions
    yield built
    await built.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    from crm.app import create_app

    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http
