"""Engines, sessions and the unit of work.

Two connections to one database: the *owner* runs migrations; the *app role*
(NOSUPERUSER, NOBYPASSRLS, owns nothing) serves every request and job, so row-level
security always applies. One request or one job is one transaction: services never
commit; ``unit_of_work`` commits on success and rolls back on error.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from crm.core import opening
from crm.core.config import Settings
from crm.core.embedded_postgres import embedded_url, ensure_database
from crm.core.opening import Guard

EMBEDDED_DATABASE = "crm"
# ``session.info`` key: the organisation a unit of work is scoped to (None: no tenant).
ORGANIZATION_KEY = "organization_id"


@dataclass(frozen=True)
class DatabaseUrls:
    owner: str
    app: str


def _as_psycopg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user)}:{quote(password)}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_urls(settings: Settings, database: str = EMBEDDED_DATABASE) -> DatabaseUrls:
    """Owner and app-role URLs: from settings, or from the embedded server (started on demand)."""
    role = settings.database_app_role
    if settings.database_url is None:
        pgdata = settings.data_dir / "pg"
        ensure_database(pgdata, database)
        return DatabaseUrls(
            owner=embedded_url(pgdata, user="postgres", database=database),
            app=embedded_url(pgdata, user=role, database=database),
        )
    owner = _as_psycopg(settings.database_url.get_secret_value())
    if settings.database_app_url is not None:
        app = _as_psycopg(settings.database_app_url.get_secret_value())
    else:
        app = _with_credentials(owner, role, settings.database_app_password.get_secret_value())
    return DatabaseUrls(owner=owner, app=app)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on every request. A
    # connection the server dropped fails its first statement instead; SQLAlchemy recognises
    # the disconnect, discards that connection and every one checked out before it, so after
    # a database restart one request per pool gets a 500 and the next ones get new connections.
    # Sessions run in UTC, whatever the server's default: date_trunc() and ::date on timestamps
    # then mean the same day on every machine, and psycopg, which is told the zone is "UTC",
    # builds datetimes with datetime.UTC instead of converting each through a ZoneInfo such as
    # "Etc/UTC" (about a third of the cost of reading a list page's rows).
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={"options": "-c TimeZone=UTC"},
    )
    event.listen(engine.sync_engine, "connect", _on_connect)
    event.listen(engine.sync_engine, "checkin", _on_checkin)
    return engine


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    opening.install(dbapi_connection.driver_connection)


def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
    # An opening belongs to one check-out (one unit of work): never to the next user of the
    # connection. Withdrawn here, after the commit's flush has used it.
    if dbapi_connection is not None:
        opening.set_pending(dbapi_connection.driver_connection, None)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def set_tenant(
    session: AsyncSession, organization_id: uuid.UUID | None, user_id: uuid.UUID | None = None
) -> None:
    """Scope the current transaction to one organisation (and user): the key of every RLS policy.

    ``set_config(..., true)`` is transaction-local, so a pooled connection never carries a
    tenant into the next transaction.
    """
    session.info[ORGANIZATION_KEY] = organization_id
    await session.execute(
        text("SELECT set_config('app.org_id', :org, true), set_config('app.user_id', :user, true)"),
        {"org": str(organization_id) if organization_id else "", "user": str(user_id) if user_id else ""},
    )


async def end_with_next_statement(session: AsyncSession) -> None:
    """The session's next statement is its last read: in a read-only unit of work its COMMIT
    rides in the same round trip (``crm.core.opening.end_with_next``); elsewhere nothing."""
    opening.end_with_next(await _driver_connection(session))


async def _driver_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under the session's transaction (begun if it was not)."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError(f"the app runs on psycopg 3, not {type(driver).__module__}")
    return driver


async def fetch_rows(session: AsyncSession, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one constant read statement (psycopg ``%s`` placeholders), sent straight
    through the driver in the session's transaction.

    For hot reads run on every page: no statement objects built, no compile-cache key, no
    result-row wrapping, which cost more than the query itself on a page of 50. Pending ORM
    changes are flushed first, as the session's autoflush would.
    """
    await session.flush()
    driver = await _driver_connection(session)
    async with driver.cursor() as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall()


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    guard: Guard | None = None,
    *,
    interactive: bool = False,
    read_only: bool = False,
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block succeeds, roll back when it raises.

    The transaction is scoped to ``organization_id``/``user_id`` before anything else runs,
    and ``guard`` (e.g. "the caller's session is still live") is checked with that scoping:
    both go out with the first statement, in its round trip (``crm.core.opening``).
    ``interactive``: the unit of work serves a request (its statements run without parallel
    workers). ``read_only``: it serves a read, whose last statement may carry the COMMIT
    (``end_with_next_statement``).
    Callbacks queued with ``after_commit`` (live notifications) run only once the commit
    has succeeded, so nobody is told about data that was rolled back.
    """
    async with sessions() as session:
        session.info[ORGANIZATION_KEY] = organization_id
        async with session.begin():
            # Checking out the connection sends nothing: the opening waits for the first
            # statement and goes out with it (crm.core.opening).
            driver = await _driver_connection(session)
            scope = (str(organization_id) if organization_id else "", str(user_id) if user_id else "")
            # Its last statement can only carry the COMMIT of a transaction this unit began: inside
            # an enclosing one (a savepoint, as in tests) it would end the enclosing transaction.
            owned = driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            unit = opening.Opening(scope, guard, interactive, read_only and owned)
            opening.set_pending(driver, unit)  # withdrawn at check-in
            yield session
            if guard is not None:
                # Pending writes carry the opening; if nothing at all was sent (an answer from
                # caches alone), the guard still goes out and decides before the answer does.
                await session.flush()
                await opening.settle(driver)
        for callback in session.info.pop("after_commit", []):
            await callback()


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    session.info.setdefault("after_commit", []).append(callback)


@asynccontextmanager
async def acting_as_user(session: AsyncSession, user_id: uuid.UUID) -> AsyncIterator[None]:
    """Temporarily claim ``user_id`` in this transaction (e.g. to insert that user's row), then restore."""
    previous = (await session.execute(text("SELECT current_setting('app.user_id', true)"))).scalar_one()
    await session.execute(text("SELECT set_config('app.user_id', :user, true)"), {"user": str(user_id)})
    try:
        yield
    finally:
        await session.execute(text("SELECT set_config('app.user_id', :user, true)"), {"user": previous or ""})
