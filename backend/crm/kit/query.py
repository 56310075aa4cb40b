"""Build and run one list query for any CRM object: scope, filters (standard and custom), text
search, sort (standard or custom field) and a keyset page — two statements at most (the page,
and the capped total on a first page; a later page that crosses the NULLs of its sort reads two
ranges), plus an estimate and a probe of the search index for ``q``.

Text search (``q``) under row-level security: ``tsvector @@ tsquery`` is not a leakproof
operator, so as the app role PostgreSQL never uses the GIN index for it and filters every row
of the organisation instead (seconds for a rare name at 1M records). The list first asks the
planner how many rows it expects (EXPLAIN, nothing read); unless that is many, it asks the
``search_match_ids`` SECURITY DEFINER function (migration 0024), which probes the
organisation's own search index (``ix_<table>_org_search``) for up to
``SEARCH_CANDIDATE_CAP + 1`` ids:

- at most ``SEARCH_CANDIDATE_CAP`` matches (a rare term): these are all of them, so the page is
  those rows, filtered and sorted (exact, a few thousand primary-key reads at most), and the
  first page's total is counted in the same statement;
- more, or expected to be many (a common term): matches are dense, so the walk of the sort index
  with the text filter finds a page's rows after a few thousand rows and stops. A list filtered
  by the term alone counts its total with ``search_match_count`` (the index and visibility map,
  no heap); other filters count as every list does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import True_

from crm.core.db import end_with_next_statement
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.kit.listing import FieldSpec, ListParams, clause, float_bounds, keyset_after
from crm.kit.pagination import (
    EXACT_TOTAL_LIMIT,
    Total,
    column_types,
    count_total,
    decode_cursor,
    encode_cursor,
    estimate_rows,
)
from crm.kit.rows import plain_rows
from crm.models import CustomFieldDefinition, CustomFieldValue


@dataclass(frozen=True)
class ListResult:
    rows: list[Any]
    next_cursor: str | None
    total: Total | None


# Matches a rare term may have before the list treats it as common. Reading n matches by id costs
# about 5n buffer visits (probe and page); walking the sort index to a 50-row page of N records
# costs about 51 N / n: equal near n = 3,000 at N = 1M, where each is ~16,000 visits.
SEARCH_CANDIDATE_CAP = 3_000
# The planner's estimate of a term's matches above which it is taken for common without probing.
COMMON_TERM_ESTIMATE = SEARCH_CANDIDATE_CAP
# A lone term's estimated matches are the total (labelled inexact) from this many times the exact
# limit, not the usual ten: ANALYZE measures each lexeme's frequency (at 1M contacts, estimates of
# single surnames and prefixes were within 3 % of the counts), and counting 10,001 matches even in
# the organisation's index decodes ~50,000 postings of a common name. Between the cap and this, the
# matches are counted (search_match_count), so totals up to 10,000 stay exact.
SEARCH_ESTIMATE_TRUSTED_FACTOR = 2


def search_query(q: str) -> ColumnElement[Any]:
    """The tsquery for what someone typed; the last word also matches as a prefix while it is
    being typed (``"ann smi"`` finds Ann Smith), not once followed by a space or closing quote.

    websearch_to_tsquery accepts what people type (quotes, OR, -word) and never raises on
    syntax; its text form ends with the last lexeme, so ``:*`` makes that lexeme a prefix.
    """
    typed = func.websearch_to_tsquery("simple", q)
    if not q[-1:].isalnum():
        return typed
    prefixed = cast(func.concat(cast(typed, Text), ":*"), TSQUERY)
    return case((func.numnode(typed) == 0, typed), else_=prefixed)


async def _rare_term_matches(
    session: AsyncSession, model: Any, filtered: Select[Any], tsquery: ColumnElement[Any], live_only: bool
) -> tuple[list[uuid.UUID] | None, int | None]:
    """All the organisation's matches of a rare term (None for a common one), and the planner's
    estimate of the list's rows.

    The planner knows a term's frequency (ANALYZE samples the lexemes), so a term it expects to
    be common skips the probe, which would visit about twice the cap's rows only to learn that.
    """
    estimate = await estimate_rows(session, filtered.with_only_columns(model.id))
    if estimate is not None and estimate >= COMMON_TERM_ESTIMATE:
        return None, estimate
    probe = select(func.search_match_ids(model.__tablename__, tsquery, SEARCH_CANDIDATE_CAP + 1, live_only))
    found = list((await (await session.connection()).execute(probe)).scalars())
    return (found if len(found) <= SEARCH_CANDIDATE_CAP else None), estimate


async def _text_total(
    session: AsyncSession, model: Any, tsquery: ColumnElement[Any], estimate: int | None
) -> Total:
    """The total of a list filtered by a common term alone: counted in the organisation's search
    index up to the limit (index and visibility map only), or the estimate well beyond it."""
    if estimate is not None and estimate >= SEARCH_ESTIMATE_TRUSTED_FACTOR * EXACT_TOTAL_LIMIT:
        return Total(value=estimate, exact=False)
    counted = select(func.search_match_count(model.__tablename__, tsquery, EXACT_TOTAL_LIMIT + 1))
    exact = int((await (await session.connection()).execute(counted)).scalar_one())
    if exact <= EXACT_TOTAL_LIMIT:
        return Total(value=exact, exact=True)
    return Total(value=max(estimate or 0, EXACT_TOTAL_LIMIT + 1), exact=False)


def _narrowing_field(
    params: ListParams,
    sort_definition: CustomFieldDefinition | None,
    custom_definitions: Mapping[str, CustomFieldDefinition],
) -> CustomFieldDefinition | None:
    """The one custom field that narrows a list to records having a (matching) value: through its
    conditions, or through the sort by it, which lists only records with a value. None when
    another field takes part too, or when records without a value are wanted (``empty=true``)."""
    keys = {c.field for c in params.custom_conditions}
    if sort_definition is not None:
        keys.add(sort_definition.key)
    if len(keys) != 1 or any(c.op == "empty" and c.value for c in params.custom_conditions):
        return None
    return custom_definitions[keys.pop()]


_SELECTS: dict[tuple[int, ...], Select[Any]] = {}


def _select_of(selected: tuple[Any, ...]) -> Select[Any]:
    """``SELECT <columns>`` made once per column list: coercing 25-odd columns into a new
    statement cost more than the rest of a page's statement building (statements are immutable:
    each request's ``where``/``order_by`` make copies, never change this one).

    Keyed by the columns' identities (SQL expressions overload ``==``, so they cannot be compared
    as keys); the cached statement holds the columns, so an identity is never reused meanwhile.
    """
    key = tuple(map(id, selected))
    statement = _SELECTS.get(key)
    if statement is None:
        if len(_SELECTS) >= 256:  # column lists are module constants: this never fills in practice
            _SELECTS.clear()
        # Rows are read by position and by the cursor's own column names (``plain_rows``), never
        # by the statement's column objects: SQLAlchemy need not re-key each result's metadata
        # to this request's copy of the statement (about a tenth of a page's CPU). The ORM sets
        # the same option for its own statements.
        statement = _SELECTS[key] = select(*selected).execution_options(_result_disable_adapt_to_context=True)
    return statement


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
    # where position -> that number condition's float bound alone (see the total below)
    bounds_only: dict[int, ColumnElement[bool]] = {}
    for condition in params.conditions:
        spec = fields[condition.field]
        if spec.float_twin is not None and condition.op != "empty":
            bounds_only[len(where)] = and_(*float_bounds(condition, spec))
        where.append(clause(condition, spec, cipher))
    assert params.sort is not None
    sort = params.sort
    sort_definition = custom_definitions[sort.field[3:]] if sort.field.startswith("cf.") else None
    for condition in params.custom_conditions:
        definition = custom_definitions[condition.field]
        if sort_definition is not None and definition.id == sort_definition.id and condition.op != "empty":
            # A filter on the field the page is sorted by applies to the joined value row itself, so
            # the typed (org, field, value, record) index serves the filter and the order in one range
            # scan; as ``record IN (matching values)`` the planner probed a second copy per row.
            where.extend(custom_values.value_conditions(definition, condition, cipher))
            continue
        where.append(custom_values.filter_clause(definition, condition, model.id, cipher))
    # Only the text condition (and the organisation's live rows): search_match_count counts it.
    text_only = (
        not include_deleted
        and not extra_where
        and not params.conditions
        and not params.custom_conditions
        and isinstance(scope, True_)
    )
    # Nothing but custom-field conditions (and the organisation's live rows): see _narrowing_field.
    custom_only = (
        not include_deleted
        and not extra_where
        and not params.conditions
        and not q
        and isinstance(scope, True_)
    )
    tsquery = search_query(q[:200]) if q else None
    if tsquery is not None:
        where.append(model.search_vector.op("@@")(tsquery))

    head: tuple[Any, ...] = tuple(columns) if columns else (model,)
    id_column: Any = model.id
    if sort_definition is not None:
        sort_columns: tuple[Any, ...] = custom_values.sort_columns(sort_definition)
        # Order and continue by the value row's own record id (equal to the record's id through the
        # join): that is the index's last column, so the keyset condition is an index bound.
        id_column = CustomFieldValue.record_id
        nullable = False
    else:
        spec = fields[sort.field]
        sort_columns = spec.sort_columns or (spec.column,)
        nullable = spec.nullable  # several columns are NULL together (a float twin and its number)
    # Sort columns already selected (e.g. updated_at) are read from their place, not selected twice.
    extra = [c for c in sort_columns if not any(c is h for h in head)]
    selected = (*head, *extra)
    positions = [next(i for i, s in enumerate(selected) if s is c) for c in sort_columns]
    statement: Select[Any] = _select_of(selected)
    if sort_definition is not None:
        # Records without a value for the field are not listed when sorting by it (like a filter on it).
        statement = statement.join(
            CustomFieldValue,
            and_(
                CustomFieldValue.record_id == model.id,
                CustomFieldValue.field_id == sort_definition.id,
                custom_values.typed_column(sort_definition).is_not(None),  # true of every such row
            ),
        )
    filtered = statement.where(*where)
    matches: list[uuid.UUID] | None = None  # all of a rare term's matches, else None
    estimate: int | None = None
    if tsquery is not None:
        matches, estimate = await _rare_term_matches(session, model, filtered, tsquery, not include_deleted)
        if matches is not None:
            # The text condition stays too: the rows are read under RLS and re-checked, so the
            # list never depends on the function alone for what it shows.
            filtered = filtered.where(
                model.id == any_(bindparam("search_matches", matches, type_=ARRAY(Uuid())))
            )
    # A rare term's first page counts its rows in the same statement: they are all read and
    # sorted anyway, so the total costs nothing more.
    total_in_page = want_total and matches is not None and not cursor
    page = filtered.add_columns(func.count().over().label("search_total")) if total_in_page else filtered
    # The rest of the list after the cursor, as one or two index ranges (see keyset_after).
    ranges: tuple[ColumnElement[bool] | None, ...] = (None,)
    if cursor:
        values = decode_cursor(
            cursor, sort.key, len(sort_columns) + 1, column_types((*sort_columns, id_column))
        )
        ranges = keyset_after(sort_columns, id_column, values, descending=sort.descending, nullable=nullable)
    order = [c.desc() if sort.descending else c.asc() for c in (*sort_columns, id_column)]
    if nullable:
        order = [c.desc().nulls_first() if sort.descending else c.asc().nulls_last() for c in sort_columns]
        order.append(id_column.desc() if sort.descending else id_column.asc())
    page = page.order_by(*order).limit(limit + 1)
    if matches == []:
        return ListResult(rows=[], next_cursor=None, total=Total(value=0, exact=True) if want_total else None)
    fetched: list[Any] = []
    for after in ranges:
        ranged = page if after is None else page.where(after)
        if columns:
            # Plain rows straight from the connection: no ORM result processing, nothing to flush
            # (a list is read in a GET, and nothing it reads is pending in the session).
            if not want_total:
                # The page is the list's last statement; the rare second range (a page that
                # crosses the NULLs) then reads in a transaction of its own.
                await end_with_next_statement(session)
            fetched += plain_rows(await (await session.connection()).execute(ranged))
        else:
            fetched += list(await session.execute(ranged))
        if len(fetched) > limit:
            break
    next_cursor = None
    if len(fetched) > limit:
        fetched = fetched[:limit]
        last = fetched[-1]
        last_id = last[0] if columns else last[0].id
        next_cursor = encode_cursor(sort.key, [*(last[i] for i in positions), last_id])
    if total_in_page:
        total: Total | None = Total(value=fetched[0][-1] if fetched else 0, exact=True)
    elif want_total and tsquery is not None and matches is None and text_only:
        total = await _text_total(session, model, tsquery, estimate)
    elif (
        want_total
        and custom_only
        and (field := _narrowing_field(params, sort_definition, custom_definitions))
    ):
        # Only one custom field narrows the list: its live value rows are the list's records,
        # counted from that field's typed index alone instead of reading a record per match.
        conditions = [c for c in params.custom_conditions if c.op != "empty"]
        approximate = custom_values.live_values(field, conditions, cipher, exact=False)
        total = await count_total(
            session,
            custom_values.live_values(field, conditions, cipher),
            estimate=await estimate_rows(session, approximate),
        )
    elif want_total:
        if bounds_only and tsquery is None:
            # A number condition is its float bound and its exact check, which the planner takes
            # for two independent conditions, squaring their share: it is asked with the bound alone.
            approximate = statement.where(*(bounds_only.get(i, c) for i, c in enumerate(where)))
            estimate = await estimate_rows(session, approximate.with_only_columns(model.id))
        total = await count_total(
            session, filtered.with_only_columns(model.id), estimate=estimate if matches is None else None
        )
    else:
        total = None
    rows = fetched if columns else [row[0] for row in fetched]
    return ListResult(rows=rows, next_cursor=next_cursor, total=total)
