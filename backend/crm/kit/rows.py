"""Reading records as plain rows: what lists and gets select instead of loading ORM instances.

A read builds its answer from attribute access alone (``row.name``), which a ``Row`` of the
right columns serves as well as an instance; skipping the identity map, change tracking and
expiry saves more CPU per page than the query itself costs. Writes keep using instances.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ARRAY, ColumnElement, Row, inspect, select, type_coerce
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from crm.core.db import end_with_next_statement


def out_columns(model: Any, out: type[BaseModel], *extra: Any) -> tuple[Any, ...]:
    """The model's columns that its API shape ``out`` shows, ``id`` first, then ``extra``.

    Fields of ``out`` that are not columns (custom fields, related ids, computed flags) are
    filled by the caller; columns the shape does not show are not read.
    """
    columns = inspect(model).column_attrs
    shown = [getattr(model, name) for name in out.model_fields if name in columns and name != "id"]
    return (model.id, *map(as_read, shown), *extra)


def as_read(column: Any) -> Any:
    """``column`` selected as the driver reads it. For an array that is a list already, which
    SQLAlchemy's ARRAY type would copy again element by element, row by row (about 4 % of a
    contacts page's CPU); other columns are returned as they are."""
    if isinstance(column.type, ARRAY):
        return type_coerce(column, NullType()).label(column.key)
    return column


async def get_row(
    session: AsyncSession,
    model: Any,
    columns: Sequence[Any],
    record_id: uuid.UUID,
    scope: ColumnElement[bool],
) -> Row[Any] | None:
    """One live record in ``scope`` as a plain row of ``columns`` (None: absent, trashed or out of scope).

    Run through the session, so edits pending in it (a restore answering with a fresh read) are
    flushed first and seen.
    """
    statement = select(*columns).where(model.id == record_id, scope, model.deleted_at.is_(None))
    # A get's record is its last read (what follows comes from caches): in a GET its COMMIT rides
    # along (crm.core.opening.end_with_next); in a write's unit of work nothing changes.
    await end_with_next_statement(session)
    return (await session.execute(statement)).first()


@lru_cache(maxsize=256)
def _shape(keys: tuple[str, ...]) -> Any:
    return namedtuple("Record", keys, rename=True)


def plain_rows(result: Result[Any]) -> list[Any]:
    """The rows of ``result`` as named tuples (``row.name`` and ``row[0]``).

    A page reads each of its 50 rows' 20-odd values by name: through SQLAlchemy's ``Row``
    that is about 1 microsecond a value (15x a named tuple's), which made building the items
    the largest CPU cost of a list. One named-tuple class per column list, made once.
    """
    make = _shape(tuple(result.keys()))._make
    # One fetchall, not one fetch per row through the result's iterator.
    return [make(row) for row in result.fetchall()]
