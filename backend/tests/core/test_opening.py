"""A unit of work's opening (tenant scope, guard) goes out with its first statement, whichever
way that statement reaches the server, and never outlives the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.db import (
    _driver_connection,
    end_with_next_statement,
    fetch_rows,
    make_sessionmaker,
    unit_of_work,
)
from crm.core.errors import Unauthorized
from crm.core.opening import Guard

SCOPE = "SELECT current_setting('app.org_id', true)"


@pytest.fixture
def pooled(app_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the real pool (not the test's shared connection): check-in is exercised."""
    return make_sessionmaker(app_engine)


async def _via_execute(session: AsyncSession) -> str:
    return str((await session.execute(text(SCOPE))).scalar_one())


async def _via_fetch_rows(session: AsyncSession) -> str:
    return str((await fetch_rows(session, SCOPE, ()))[0][0])


async def _via_server_cursor(session: AsyncSession) -> str:
    result = await session.stream(text(SCOPE).execution_options(yield_per=10))
    return str((await result.one())[0])


async def _via_copy(session: AsyncSession) -> str:
    driver = await _driver_connection(session)
    async with driver.cursor() as cursor, cursor.copy(f"COPY ({SCOPE}) TO STDOUT") as copy:
        data = b"".join([bytes(chunk) async for chunk in copy])
    return data.decode().strip()


async def _via_executemany(session: AsyncSession) -> str:
    driver = await _driver_connection(session)
    async with driver.cursor() as cursor:
        # The statement copies the scope it runs under; a later read shows what that was.
        await cursor.executemany(
            "SELECT set_config('test.seen', current_setting('app.org_id', true) || %s, true)", [("",)]
        )
        await cursor.execute("SELECT current_setting('test.seen', true)")
        row = await cursor.fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize(
    "first_statement",
    [_via_execute, _via_fetch_rows, _via_server_cursor, _via_copy, _via_executemany],
    ids=["execute", "fetch_rows", "server_cursor", "copy", "executemany"],
)
async def test_the_first_statement_runs_under_the_scope(
    pooled: async_sessionmaker[AsyncSession], first_statement: Callable[[AsyncSession], Awaitable[str]]
) -> None:
    org_id = uuid.uuid4()
    async with unit_of_work(pooled, org_id) as session:
        assert await first_statement(session) == str(org_id)


async def test_the_guard_runs_under_the_scope_unseen_beside_the_statement(
    pooled: async_sessionmaker[AsyncSession], app_engine: AsyncEngine
) -> None:
    """SQLAlchemy sees its one statement; the scope and the guard went out before it, in its
    pipeline (the guard, which only passes under the scope, passed)."""
    org_id = uuid.uuid4()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    guard = Guard("SELECT 1 WHERE current_setting('app.org_id', true) = %s", (str(org_id),), RuntimeError)
    event.listen(app_engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with unit_of_work(pooled, org_id, guard=guard) as session:
            assert await _via_execute(session) == str(org_id)
    finally:
        event.remove(app_engine.sync_engine, "before_cursor_execute", seen)
    assert statements == [SCOPE]


async def test_a_failed_guard_refuses_even_when_nothing_was_read(
    pooled: async_sessionmaker[AsyncSession],
) -> None:
    def refused() -> Exception:
        return Unauthorized("session ended", code="invalid_token")

    never = Guard("SELECT 1 WHERE false AND %s", (True,), refused)
    with pytest.raises(Unauthorized):
        async with unit_of_work(pooled, uuid.uuid4(), guard=never):
            pass  # an answer from caches alone
    with pytest.raises(Unauthorized):
        async with unit_of_work(pooled, uuid.uuid4(), guard=never) as session:
            await _via_execute(session)


async def test_an_unsent_opening_does_not_reach_the_connections_next_user(
    pooled: async_sessionmaker[AsyncSession], app_engine: AsyncEngine
) -> None:
    async with unit_of_work(pooled, uuid.uuid4()) as session:
        driver = await _driver_connection(session)
    # The same connection, checked out again outside any unit of work: no scope rides along.
    async with app_engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is driver
        value = (await connection.execute(text(SCOPE))).scalar_one()
    assert value in (None, "")


async def test_a_request_reads_without_parallel_workers(pooled: async_sessionmaker[AsyncSession]) -> None:
    workers = text("SELECT current_setting('max_parallel_workers_per_gather')")
    async with unit_of_work(pooled, uuid.uuid4(), interactive=True) as session:
        assert (await session.execute(workers)).scalar_one() == "0"
    async with unit_of_work(pooled, uuid.uuid4()) as session:  # a job's
        assert (await session.execute(workers)).scalar_one() != "0"


async def test_a_reads_last_statement_carries_its_commit(
    pooled: async_sessionmaker[AsyncSession], app_engine: AsyncEngine
) -> None:
    """In a read-only unit, the statement announced as the last ends the transaction in its own
    pipeline (no COMMIT round trip after it); a statement that follows all the same runs in a
    new transaction, scoped and guarded again."""
    org_id = uuid.uuid4()
    # The guard leaves a mark in its transaction: it is visible only where the guard ran.
    guard = Guard("SELECT set_config('test.guarded', 'yes', true) WHERE %s", (True,), RuntimeError)
    mark = text("SELECT current_setting('test.guarded', true)")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(app_engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with unit_of_work(pooled, org_id, guard=guard, read_only=True) as session:
            driver = await _driver_connection(session)
            await end_with_next_statement(session)
            assert await _via_execute(session) == str(org_id)
            assert driver.info.transaction_status == TransactionStatus.IDLE  # committed already
            assert (await session.execute(mark)).scalar_one() == "yes"
            assert await _via_execute(session) == str(org_id)
            assert driver.info.transaction_status == TransactionStatus.INTRANS
    finally:
        event.remove(app_engine.sync_engine, "before_cursor_execute", seen)
    assert statements == [SCOPE, str(mark), SCOPE]  # and no COMMIT statement of SQLAlchemy's


async def test_a_unit_that_may_write_keeps_one_transaction(pooled: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(pooled, uuid.uuid4()) as session:
        driver = await _driver_connection(session)
        await end_with_next_statement(session)
        await _via_execute(session)
        assert driver.info.transaction_status == TransactionStatus.INTRANS


async def test_a_failed_guard_refuses_the_read_it_rode_with(pooled: async_sessionmaker[AsyncSession]) -> None:
    never = Guard("SELECT 1 WHERE false AND %s", (True,), RuntimeError)
    with pytest.raises(RuntimeError):
        async with unit_of_work(pooled, uuid.uuid4(), guard=never, read_only=True) as session:
            await end_with_next_statement(session)
            await _via_execute(session)
