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
    columns: Sequence[Any] | None = None,
) -> ListResult:
    """One page (and its capped total on request).

    With ``columns`` (the first being the model's ``id``) the page is read as plain rows
    (``Row``: attribute access by column name) instead of ORM instances: a list reads 50
    records it never changes, and loading them into the identity map costs more CPU than the
    query itself. Without it, ``rows`` are model instances (callers that edit or export them).
    """
    where: list[ColumnElement[bool]] = [scope, *extra_where]
    if not include_deleted:
        where.append(model.deleted_at.is_(None))
    for condition in params.conditions:
        where.append(clause(condition, fields[condition.field]))
    assert params.sort is not None
    sort = params.sort
    sort_definition = custom_definitions[sort.field[3:]] if sort.field.startswith("cf.") else None
    for condition in params.custom_conditions:
        definition = custom_definitions[condition.field]
        if sort_definition is not None and definition.id == sort_definition.id and condition.op != "empty":
            # A filter on the field the page is sorted by applies to the joined value row itself, so
            # the typed (org, field, value, record) index serves the filter and the order in one range
            # scan; as ``record IN (matching values)`` the planner probed a second copy per row.
            where.append(clause(condition, custom_values.field_spec(definition)))
            continue
        where.append(custom_values.filter_clause(definition, condition, model.id, cipher))
    if q:
        where.append(_search(model, q[:200]))

    head: tuple[Any, ...] = tuple(columns) if columns else (model,)
    id_column: Any = model.id
    if sort_definition is not None:
        value_column = getattr(CustomFieldValue, custom_values.COLUMN_OF[sort_definition.field_type])
        sort_columns: tuple[Any, ...] = (value_column,)
        # Order and continue by the value row's own record id (equal to the record's id through the
        # join): that is the index's last column, so the keyset condition is an index bound.
        id_column = CustomFieldValue.record_id
        nullable = False
    else:
        spec = fields[sort.field]
        sort_columns = spec.sort_columns or (spec.column,)
        nullable = spec.nullable and len(sort_columns) == 1
    # Sort columns already selected (e.g. updated_at) are read from their place, not selected twice.
    extra = [c for c in sort_columns if not any(c is h for h in head)]
    selected = (*head, *extra)
    positions = [next(i for i, s in enumerate(selected) if s is c) for c in sort_columns]
    statement: Select[Any] = select(*selected)
    if sort_definition is not None:
        # Records without a value for the field are not listed when sorting by it (like a filter on it).
        statement = statement.join(
            CustomFieldValue,
            and_(CustomFieldValue.record_id == model.id, CustomFieldValue.field_id == sort_definition.id),
        )
    filtered = statement.where(*where)
    page = filtered
    if cursor:
        values = decode_cursor(cursor, sort.key, len(sort_columns) + 1)
        values[-1] = uuid.UUID(str(values[-1]))
        page = page.where(
            keyset_after(sort_columns, id_column, values, descending=sort.descending, nullable=nullable)
        )
    order = [c.desc() if sort.descending else c.asc() for c in (*sort_columns, id_column)]
    if nullable:
        order = [c.desc().nulls_first() if sort.descending else c.asc().nulls_last() for c in sort_columns]
        order.append(id_column.desc() if sort.descending else id_column.asc())
    page = page.order_by(*order).limit(limit + 1)
    if columns:
        # Plain rows straight from the connection: no ORM result processing, nothing to flush
        # (a list is read in a GET, and nothing it reads is pending in the session).
        result = await (await session.connection()).execute(page)
    else:
        result = await session.execute(page)
    fetched = list(result)
    next_cursor = None
    if len(fetched) > limit:
        fetched = fetched[:limit]
        last = fetched[-1]
        last_id = last[0] if columns else last[0].id
        next_cursor = encode_cursor(sort.key, [*(last[i] for i in positions), last_id])
    total = await count_total(session, filtered.with_only_columns(model.id)) if want_total else None
    rows = fetched if columns else [row[0] for row in fetched]
    return ListResult(rows=rows, next_cursor=next_cursor, total=total)
