"""Keyset pagination: opaque cursors, stable order, and totals people can trust without paying for them.

A page is ``ORDER BY <sort column>, id LIMIT n+1`` continued from the last row's values,
never OFFSET. The total is exact up to ``EXACT_TOTAL_LIMIT`` matches and, beyond, the
planner's estimate labelled as such (never a full count over a million rows per page).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import typing
import uuid
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.sql.visitors import InternalTraversal

from crm.core.db import ORGANIZATION_KEY
from crm.core.errors import BadRequest
from crm.kit import examples
from crm.kit.examples import declared_examples, example, list_example

T = TypeVar("T")
EXACT_TOTAL_LIMIT = 10_000
MAX_LIMIT = 200


def _page_example(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """A page of ``Page[Item]`` shows the item's example, so each list endpoint gets its own."""
    (item,) = typing.get_args(cls.model_fields["items"].annotation) or (None,)
    if isinstance(item, type) and issubclass(item, BaseModel) and declared_examples(item):
        schema["examples"] = [
            list_example(item, next_cursor=examples.CURSOR, total={"value": 1342, "exact": True})
        ]


class Total(BaseModel):
    model_config = example({"value": 1342, "exact": True})
    value: int
    exact: bool


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(json_schema_extra=_page_example)
    items: list[T]
    next_cursor: str | None
    total: Total | None = None


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return {"t": "dt" if isinstance(value, dt.datetime) else "d", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"t": "n", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"t": "u", "v": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        kind, raw = value.get("t"), str(value.get("v"))
        if kind == "dt":
            return dt.datetime.fromisoformat(raw)
        if kind == "d":
            return dt.date.fromisoformat(raw)
        if kind == "n":
            return Decimal(raw)
        if kind == "u":
            return uuid.UUID(raw)
        raise ValueError("unknown cursor value")
    return value


def encode_cursor(sort_key: str, values: Sequence[Any]) -> str:
    payload = json.dumps({"s": sort_key, "v": [_encode_value(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str, sort_key: str, arity: int, types: Sequence[type | None] | None = None
) -> list[Any]:
    """The values a cursor continues from; it must belong to the same sort.

    A cursor is only encoded, not signed, so anyone can write one: with ``types`` (one per value;
    None: not checked) each value must be of its column's type, or the cursor is refused (400)
    rather than reaching the database as a comparison it cannot make (a 500). NULL passes.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["s"] != sort_key or len(payload["v"]) != arity:
            raise ValueError("cursor of another sort")
        values = [_decode_value(v) for v in payload["v"]]
        if types is not None:
            values = [_typed(v, t) for v, t in zip(values, types, strict=True)]
        return values
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise InvalidCursor("this cursor is invalid for this list; start again without it") from exc


def _typed(value: Any, expected: type | None) -> Any:
    if value is None or expected is None:
        return value
    if expected is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if expected is float and type(value) in (int, float):
        return float(value)
    # bool is an int and a datetime a date: neither stands for the other here.
    if isinstance(value, expected) and (type(value) is bool) == (expected is bool):
        if expected is dt.date and isinstance(value, dt.datetime):
            raise ValueError("a datetime for a date")
        return value
    raise ValueError(f"a cursor value of type {type(value).__name__} for {expected.__name__}")


def column_types(columns: Sequence[Any]) -> list[type | None]:
    """The Python type of each column's values, for ``decode_cursor(types=...)``."""
    out: list[type | None] = []
    for column in columns:
        try:
            out.append(column.type.python_type)
        except NotImplementedError:
            # SQLAlchemy types without a Python type (NullType, some expressions): unchecked.
            out.append(None)
    return out


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    return limit


# The planner's estimate is trusted without counting only when it is this many times the cap:
# a row estimate is off by a small factor on ordinary filters, not by ten.
ESTIMATE_TRUSTED_FACTOR = 10


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>`` as a statement of its own, so SQLAlchemy caches its
    compiled form like any other (compiling the list's statement afresh for every first page
    cost about as much CPU as the page itself) and binds its values the usual way."""

    inherit_cache = True
    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> tuple[Any, ...]:
        # The plan is one JSON column read by position; none of the explained statement's
        # columns is a result column (SQLAlchemy asks when it reuses the cached compiled form).
        return ()


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


# The planner's estimate for a statement moves only when ANALYZE refreshes the table's statistics
# (autovacuum: minutes apart on a busy table), not from one page to the next; asking again costs a
# round trip and a planning (on a first page with a total, about as much as the page itself). So
# an estimate is remembered, per organisation and statement, for this long.
ESTIMATE_TTL_SECONDS = 60.0
_ESTIMATES_MAX = 4096
_estimates: dict[Hashable, tuple[float, int]] = {}


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict | set):
        return repr(value)
    return value  # type: ignore[no-any-return]


def _estimate_key(session: AsyncSession, filtered: Select[Any]) -> Hashable | None:
    """The statement's identity: its organisation, its shape (SQLAlchemy's cache key: the same
    key its compiled form is cached under) and its bound values. None: not to be remembered."""
    organization_id = session.info.get(ORGANIZATION_KEY)
    cache_key = filtered._generate_cache_key()
    if organization_id is None or cache_key is None:
        return None
    values = tuple(_hashable(b.effective_value) for b in cache_key.bindparams)
    return (organization_id, cache_key.key, values)


async def estimate_rows(session: AsyncSession, filtered: Select[Any]) -> int | None:
    """The planner's row estimate for ``filtered`` (EXPLAIN only: nothing is read), remembered
    for ``ESTIMATE_TTL_SECONDS``.

    The statement is explained exactly as it runs, with its values bound as parameters (the
    server plans with them), not inlined as literals: an inlined value is escaped and typed
    differently and could make EXPLAIN fail, which would abort the request's transaction.
    """
    key = _estimate_key(session, filtered)
    now = time.monotonic()
    if key is not None:
        remembered = _estimates.get(key)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
    connection = await session.connection()
    try:
        result = await connection.execute(_Explain(filtered))
    except CompileError:
        return None
    plan = result.scalar_one()
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if key is not None:
        if len(_estimates) >= _ESTIMATES_MAX:
            _estimates.clear()  # bounded; a burst of distinct filters only costs re-planning
        _estimates[key] = (now + ESTIMATE_TTL_SECONDS, estimate)
    return estimate


async def count_total(
    session: AsyncSession,
    filtered: Select[Any],
    *,
    estimate: int | None = None,
) -> Total:
    """Exact up to EXACT_TOTAL_LIMIT; beyond that the planner's row estimate, marked inexact.

    ``estimate``: the caller's own ``estimate_rows(filtered)``, not asked twice.

    The estimate comes first (a plan, no rows read). When it is far beyond the limit
    (``ESTIMATE_TRUSTED_FACTOR`` times) the list is plainly in "estimate" territory and the
    capped count is skipped: counting 10,001 matches reads 10,001 rows, hundreds of
    milliseconds on a cold million-row table, for a number that would be replaced by the
    estimate anyway. Otherwise the matches are counted up to the limit, so every total up to
    10,000 is exact.
    """
    if estimate is None:
        estimate = await estimate_rows(session, filtered)
    if estimate is not None and estimate >= ESTIMATE_TRUSTED_FACTOR * EXACT_TOTAL_LIMIT:
        return Total(value=estimate, exact=False)
    capped = select(func.count()).select_from(filtered.limit(EXACT_TOTAL_LIMIT + 1).subquery())
    exact = (await session.execute(capped)).scalar_one()
    if exact <= EXACT_TOTAL_LIMIT:
        return Total(value=exact, exact=True)
    # "More than" rather than a guess below what was just counted.
    return Total(value=max(estimate or 0, EXACT_TOTAL_LIMIT + 1), exact=False)
