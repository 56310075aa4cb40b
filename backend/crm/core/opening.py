"""A transaction's opening, sent in the same round trip as its first statement.

Every unit of work starts with the same statements: the tenant scoping (``set_config`` of
``app.org_id`` / ``app.user_id``, the key of every RLS policy) and, for an authenticated
request, a guard ("this session is live"). Sent on their own they cost a round trip on every
request before any real work; here they wait on the connection (``pending``) and the first
statement of the transaction carries them: psycopg's implicit BEGIN, the scoping, the guard and
that statement go out in one pipeline and are answered together, in order, so the statement
runs under the new scope. A read (GET) may also end its transaction with its last statement
(``end_with_next``): a list page is then one round trip, COMMIT included.

The connection's cursor classes (installed on every new connection by ``install``) do this for
every way a statement reaches the server through psycopg: ``execute`` (SQLAlchemy's own cursor
and ``crm.core.db.fetch_rows``) in the same pipeline; ``executemany``, ``copy``, ``stream`` and
server-side cursors (streamed exports) after sending the opening alone. A statement can
therefore never run unscoped in a unit of work that asked for a scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

SCOPE_SQL = "SELECT set_config('app.org_id', %s, true), set_config('app.user_id', %s, true)"
# An interactive request's statements read a page or a few rows. Parallel workers only slow
# them: starting them cost 10-15 ms on the 2-core bench machine, against 3-4 ms for the whole of
# a 50-row page walked by one process (a custom-field filter over a sort index). Jobs keep them.
INTERACTIVE_SCOPE_SQL = SCOPE_SQL + ", set_config('max_parallel_workers_per_gather', '0', true)"


@dataclass(frozen=True)
class Guard:
    """A check that opens a transaction with its tenant scoping: ``sql`` (psycopg ``%s``
    placeholders, run after the scoping, under RLS) must return a row, or ``refuse()`` is raised."""

    sql: str
    params: tuple[Any, ...]
    refuse: Callable[[], Exception]


@dataclass(frozen=True)
class Opening:
    scope: tuple[str, str]  # app.org_id, app.user_id ("" for none)
    guard: Guard | None
    interactive: bool = False  # serving a request (see INTERACTIVE_SCOPE_SQL)
    read_only: bool = False  # serving a read (GET): its last statement may carry the COMMIT


def set_pending(connection: psycopg.AsyncConnection[Any], opening: Opening | None) -> None:
    """Start a unit of work on ``connection`` whose first statement must be preceded by
    ``opening`` (None: end it, nothing pending)."""
    connection.pending_opening = opening  # type: ignore[attr-defined]
    connection.unit_opening = opening  # type: ignore[attr-defined]
    connection.commit_with_next = False  # type: ignore[attr-defined]
    connection.guard_checked = False  # type: ignore[attr-defined]


def end_with_next(connection: psycopg.AsyncConnection[Any]) -> None:
    """The next statement is the read's last: its COMMIT goes out in the same pipeline, which
    saves the round trip of a separate COMMIT. Only for a read-only unit of work (other units:
    nothing happens). Should a statement follow all the same, it opens a new transaction with
    the same scope and guard, so it is still scoped and checked; what it cannot see is what the
    first transaction held (``SET LOCAL``, locks): callers state this only for their last read.
    """
    unit: Opening | None = getattr(connection, "unit_opening", None)
    if unit is not None and unit.read_only:
        connection.commit_with_next = True  # type: ignore[attr-defined]


def _take(connection: psycopg.AsyncConnection[Any]) -> Opening | None:
    opening: Opening | None = getattr(connection, "pending_opening", None)
    if opening is not None:
        connection.pending_opening = None  # type: ignore[attr-defined]
    return opening


async def _queue(
    connection: psycopg.AsyncConnection[Any], opening: Opening
) -> psycopg.AsyncCursor[Any] | None:
    """Queue the opening's statements in the current pipeline; the guard's cursor, if any."""
    # Plain cursors: these must not look for a pending opening themselves.
    sql = INTERACTIVE_SCOPE_SQL if opening.interactive else SCOPE_SQL
    await psycopg.AsyncCursor(connection).execute(sql, opening.scope)
    if opening.guard is None:
        return None
    check = psycopg.AsyncCursor(connection)
    await check.execute(opening.guard.sql, opening.guard.params)
    return check


async def _check(
    connection: psycopg.AsyncConnection[Any], opening: Opening, check: psycopg.AsyncCursor[Any] | None
) -> None:
    if opening.guard is not None and check is not None and await check.fetchone() is None:
        raise opening.guard.refuse()
    connection.guard_checked = True  # type: ignore[attr-defined]


async def send_pending(connection: psycopg.AsyncConnection[Any]) -> None:
    """Send the pending opening on its own (one round trip), if there is one."""
    opening = _take(connection)
    if opening is None:
        return
    async with connection.pipeline():
        check = await _queue(connection, opening)
    await _check(connection, opening, check)


async def settle(connection: psycopg.AsyncConnection[Any]) -> None:
    """Before a unit of work answers: its guard must have gone out (it has, with its first
    statement, unless nothing at all was sent: an answer from caches alone)."""
    if not getattr(connection, "guard_checked", False):
        await send_pending(connection)


class OpeningCursor(psycopg.AsyncCursor[Any]):
    """A client-side cursor whose first statement in a unit of work carries the opening."""

    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> OpeningCursor:
        connection = self.connection
        opening = _take(connection)
        commit = getattr(connection, "commit_with_next", False)
        if opening is None and not commit:
            await super().execute(query, params, **kwargs)
            return self
        connection.commit_with_next = False  # type: ignore[attr-defined]
        async with connection.pipeline():
            check = await _queue(connection, opening) if opening is not None else None
            await super().execute(query, params, **kwargs)
            if commit:
                await psycopg.AsyncCursor(connection).execute(b"COMMIT")
        # Answered in order, all before the pipeline block ends: this cursor's result is ready.
        if opening is not None:
            await _check(connection, opening, check)
        if commit:
            # The transaction is over (the session's own COMMIT finds nothing to do); anything
            # that still follows opens a new one, scoped and guarded like the first.
            connection.pending_opening = connection.unit_opening  # type: ignore[attr-defined]
        return self

    async def executemany(self, query: Any, params_seq: Iterable[Any], *, returning: bool = False) -> None:
        await send_pending(self.connection)
        await super().executemany(query, params_seq, returning=returning)

    @asynccontextmanager
    async def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        await send_pending(self.connection)
        async with super().copy(statement, params, **kwargs) as copy:
            yield copy

    async def stream(self, query: Any, params: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        await send_pending(self.connection)
        async for row in super().stream(query, params, **kwargs):
            yield row


class OpeningServerCursor(psycopg.AsyncServerCursor[Any]):
    """A server-side (streaming) cursor: the opening is sent on its own before it is declared."""

    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> OpeningServerCursor:
        await send_pending(self.connection)
        await super().execute(query, params, **kwargs)
        return self


def install(connection: psycopg.AsyncConnection[Any]) -> None:
    """Make every cursor of ``connection`` honour a pending opening (for each new connection)."""
    connection.cursor_factory = OpeningCursor
    connection.server_cursor_factory = OpeningServerCursor
    set_pending(connection, None)
