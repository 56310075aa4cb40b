"""Totals people can trust without paying for them: exact up to 10,000 matches; beyond, the planner's
estimate labelled as such, and no count at all when the estimate is far beyond the limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import column, event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.kit.pagination import EXACT_TOTAL_LIMIT, Total, count_total, estimate_rows


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)  # type: ignore[arg-type]
    yield seen
    event.remove(connection.sync_connection, "before_cursor_execute", record)  # type: ignore[arg-type]


def series(n: int) -> object:
    # generate_series with constant bounds: the planner knows its row count exactly.
    return select(column("g")).select_from(func.generate_series(1, n).alias("g"))


async def test_small_lists_are_counted_exactly(db: AsyncSession, statements: list[str]) -> None:
    assert await count_total(db, series(7)) == Total(value=7, exact=True)  # type: ignore[arg-type]
    assert await count_total(db, series(EXACT_TOTAL_LIMIT)) == Total(value=EXACT_TOTAL_LIMIT, exact=True)  # type: ignore[arg-type]
    assert any("count(" in s for s in statements)


async def test_beyond_the_limit_the_total_is_a_labelled_estimate(db: AsyncSession) -> None:
    total = await count_total(db, series(EXACT_TOTAL_LIMIT + 5_000))  # type: ignore[arg-type]
    assert total == Total(value=EXACT_TOTAL_LIMIT + 5_000, exact=False)


async def test_far_beyond_the_limit_nothing_is_counted(db: AsyncSession, statements: list[str]) -> None:
    total = await count_total(db, series(5_000_000))  # type: ignore[arg-type]
    assert total == Total(value=5_000_000, exact=False)
    assert any(s.startswith("EXPLAIN") for s in statements)
    assert not any("count(" in s for s in statements), statements


async def test_a_filter_the_planner_overestimates_is_still_counted_up_to_the_limit(db: AsyncSession) -> None:
    # The planner cannot see that only 3 of 50,000 rows match: its estimate (well under ten times
    # the limit) is not trusted, so the total is counted and exact.
    filtered = series(50_000).where(column("g") % 20_000 == 0)  # type: ignore[attr-defined]
    assert await count_total(db, filtered) == Total(value=2, exact=True)


async def test_an_estimate_the_caller_has_is_not_asked_again(db: AsyncSession, statements: list[str]) -> None:
    total = await count_total(db, series(7), estimate=7)  # type: ignore[arg-type]
    assert total == Total(value=7, exact=True)
    assert not any(s.startswith("EXPLAIN") for s in statements) and any("count(" in s for s in statements)


async def test_an_estimate_is_remembered_per_organisation_and_statement(
    db: AsyncSession, statements: list[str]
) -> None:
    def explained() -> int:
        return sum(s.startswith("EXPLAIN") for s in statements)

    await set_tenant(db, uuid.uuid4())
    assert await estimate_rows(db, series(50_000)) == 50_000  # type: ignore[arg-type]
    assert await estimate_rows(db, series(50_000)) == 50_000 and explained() == 1  # type: ignore[arg-type]
    assert await estimate_rows(db, series(60_000)) == 60_000 and explained() == 2  # type: ignore[arg-type]
    await set_tenant(db, uuid.uuid4())  # another organisation plans for itself
    assert await estimate_rows(db, series(50_000)) == 50_000 and explained() == 3  # type: ignore[arg-type]
