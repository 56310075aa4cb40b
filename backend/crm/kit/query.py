"""Build and run one list query for any CRM object: scope, filters (standard and custom), text
search, sort (standard or custom field) and a keyset page — always two statements at most
(the page, and the capped total on a first page)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.kit.listing import FieldSpec, ListParams, clause, keyset_after
from crm.kit.pagination import Total, count_total, decode_cursor, encode_cursor
from crm.models import CustomFieldDefinition, CustomFieldValue


@dataclass(frozen=True)
class ListResult:
    rows: list[Any]
    next_cursor: str | None
    total: Total | None


def _search(model: Any, q: str) -> ColumnElement[bool]:
    # websearch_to_tsquery accepts what people type (quotes, OR, -word) and never raises on syntax.
    return model.search_vector.op("@@")(func.websearch_to_tsquery("simple", q))  # type: ignore[no-any-return]


async def run_list(
    session: AsyncSession,
    model: Any,
    *,
    params: ListParams,
    fields: Mapping[str, FieldSpec],
    custom_definitions: Mapping[str, CustomFieldDefinition],
    cipher: OrgCipher,
    scope: ColumnElement[bool],
    extra_where: Sequence[ColumnElement[bool]] = (),
    q: str | None,
    cursor: str | None,
    limit: int,
    include_deleted: bool = False,
    want_total: bool,
) -> ListResult:
    where: list[ColumnElement[bool]] = [scope, *extra_where]
    if not include_deleted:
        where.append(model.deleted_at.is_(None))
    for condition in params.conditions:
        where.append(clause(condition, fields[condition.field]))
    for condition in params.custom_conditions:
        definition = custom_definitions[condition.field]
        where.append(custom_values.filter_clause(definition, condition, model.id, cipher))
    if q:
        where.append(_search(model, q[:200]))

    assert params.sort is not None
    sort = params.sort
    statement: Select[Any]
    if sort.field.startswith("cf."):
        definition = custom_definitions[sort.field[3:]]
        value_column = getattr(CustomFieldValue, custom_values.COLUMN_OF[definition.field_type])
        # Records without a value for the field are not listed when sorting by it (like a filter on it).
        statement = select(model, value_column).join(
            CustomFieldValue,
            and_(CustomFieldValue.record_id == model.id, CustomFieldValue.field_id == definition.id),
        )
        sort_columns: tuple[Any, ...] = (value_column,)
        nullable = False
    else:
        spec = fields[sort.field]
        sort_columns = spec.sort_columns or (spec.column,)
        statement = select(model, *sort_columns)
        nullable = spec.nullable and len(sort_columns) == 1
    filtered = statement.where(*where)
    page = filtered
    if cursor:
        values = decode_cursor(cursor, sort.key, len(sort_columns) + 1)
        values[-1] = uuid.UUID(str(values[-1]))
        page = page.where(
            keyset_after(sort_columns, model.id, values, descending=sort.descending, nullable=nullable)
        )
    order = [c.desc() if sort.descending else c.asc() for c in (*sort_columns, model.id)]
    if nullable:
        order = [c.desc().nulls_first() if sort.descending else c.asc().nulls_last() for c in sort_columns]
        order.append(model.id.desc() if sort.descending else model.id.asc())
    result = await session.execute(page.order_by(*order).limit(limit + 1))
    fetched = list(result.tuples())
    next_cursor = None
    if len(fetched) > limit:
        fetched = fetched[:limit]
        last = fetched[-1]
        next_cursor = encode_cursor(sort.key, [*last[1:], last[0].id])
    total = await count_total(session, filtered.with_only_columns(model.id)) if want_total else None
    return ListResult(rows=[row[0] for row in fetched], next_cursor=next_cursor, total=total)
