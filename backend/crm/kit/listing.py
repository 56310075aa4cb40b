"""List queries from query parameters: filters, sort, keyset page. One set of rules for every object.

Query syntax (documented on each list endpoint):
- ``?field=value`` equality; ``field__in=a,b``; ``field__gte|lte|gt|lt=``; ``field__contains=text``;
  ``field__empty=true|false``. Custom fields as ``cf.<key>`` with the same operators.
- Encrypted fields (e-mail, phone, PII custom fields) accept only equality (through the blind
  index) and ``__empty``.
- ``sort=field`` or ``sort=-field`` (descending); ``limit`` (1-200); ``cursor`` from the last page.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, or_, true, tuple_

from crm.core.errors import BadRequest

if TYPE_CHECKING:
    from crm.core.security.crypto import OrgCipher

RESERVED = frozenset({"limit", "cursor", "sort", "q", "count", "include_deleted"})
MAX_IN_VALUES = 100


class Kind(enum.StrEnum):
    text = "text"
    number = "number"
    date = "date"
    datetime = "datetime"
    boolean = "boolean"
    uuid = "uuid"
    enum = "enum"
    tags = "tags"
    encrypted = "encrypted"


OPERATORS: Mapping[Kind, frozenset[str]] = {
    Kind.text: frozenset({"eq", "in", "contains", "empty"}),
    Kind.number: frozenset({"eq", "in", "gte", "lte", "gt", "lt", "empty"}),
    Kind.date: frozenset({"eq", "gte", "lte", "gt", "lt", "empty"}),
    Kind.datetime: frozenset({"gte", "lte", "gt", "lt", "empty"}),
    Kind.boolean: frozenset({"eq"}),
    Kind.uuid: frozenset({"eq", "in", "empty"}),
    Kind.enum: frozenset({"eq", "in"}),
    Kind.tags: frozenset({"contains", "empty"}),
    Kind.encrypted: frozenset({"eq", "empty"}),
}


class InvalidFilter(BadRequest):
    code = "invalid_filter"


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class SortSpec:
    field: str
    descending: bool

    @property
    def key(self) -> str:
        return ("-" if self.descending else "") + self.field


@dataclass(frozen=True)
class FieldSpec:
    """How one field of a resource is filtered and sorted.

    ``column`` is the SQL expression; ``encrypted_match`` builds the clause for an encrypted
    field from its blind index, given the organisation's cipher (``(cipher, value, empty)``:
    specs hold no cipher, so each list's are built once and shared); ``choices`` bounds enum
    values. ``float_twin``: a float8 column generated from a numeric ``column``. Numeric
    comparisons are not leakproof, so under RLS PostgreSQL will not bound an index scan with
    them; float8 ones are, so a comparison is also stated on the twin (``float_bounds``),
    which an index on it can bound. A sort by such a field orders by ``(twin, column)``, as its
    index does, so a keyset page is bounded too (``keyset_after``).
    """

    kind: Kind
    column: Any = None
    sortable: bool = False
    nullable: bool = True
    choices: frozenset[str] | None = None
    encrypted_match: Callable[[OrgCipher, str, bool], ColumnElement[bool]] | None = None
    sort_columns: tuple[Any, ...] | None = None  # e.g. (last_name, first_name) for "name"
    float_twin: Any = None


@dataclass
class ListParams:
    conditions: list[Condition] = field(default_factory=list)
    custom_conditions: list[Condition] = field(default_factory=list)
    sort: SortSpec | None = None


def _coerce(kind: Kind, raw: str, spec: FieldSpec, name: str) -> Any:
    try:
        if kind is Kind.number:
            number = Decimal(raw)
            # NaN and infinities compare by no useful rule; 1e999999 overflows the database's numeric.
            if not number.is_finite() or abs(number.adjusted()) > MAX_NUMBER_EXPONENT:
                raise ValueError
            return number
        if kind is Kind.date:
            return dt.date.fromisoformat(raw)
        if kind is Kind.datetime:
            parsed = dt.datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        if kind is Kind.boolean:
            if raw.lower() not in {"true", "false"}:
                raise ValueError
            return raw.lower() == "true"
        if kind is Kind.uuid:
            return uuid.UUID(raw)
    except (ValueError, InvalidOperation):
        raise InvalidFilter(f"{name}: {raw[:60]!r} is not a valid {kind.value}") from None
    if kind is Kind.enum and spec.choices is not None and raw not in spec.choices:
        raise InvalidFilter(f"{name}: must be one of {', '.join(sorted(spec.choices))}")
    if len(raw) > 500:
        raise InvalidFilter(f"{name}: value too long")
    return raw


# A filter's number is at most about 10^300 and at least 10^-300 apart from zero (a float holds it).
MAX_NUMBER_EXPONENT = 300


def parse_condition(name: str, op: str, raw: str, spec: FieldSpec) -> Condition:
    if "\x00" in raw:  # PostgreSQL text cannot hold it: no value can match
        raise InvalidFilter(f"{name}: a value cannot contain a NUL character")
    if op not in OPERATORS[spec.kind]:
        allowed = ", ".join(sorted(OPERATORS[spec.kind]))
        raise InvalidFilter(f"{name}: operator {op!r} is not supported (use {allowed})")
    if op == "empty":
        return Condition(name, op, _coerce(Kind.boolean, raw, spec, name))
    if op == "in":
        values = [v for v in raw.split(",") if v != ""]
        if not values or len(values) > MAX_IN_VALUES:
            raise InvalidFilter(f"{name}: give 1 to {MAX_IN_VALUES} comma-separated values")
        return Condition(name, op, [_coerce(spec.kind, v, spec, name) for v in values])
    if op == "contains" or spec.kind in (Kind.encrypted, Kind.tags):
        return Condition(name, op, raw[:500])
    return Condition(name, op, _coerce(spec.kind, raw, spec, name))


def parse_params(
    params: Sequence[tuple[str, str]],
    fields: Mapping[str, FieldSpec],
    custom_fields: Mapping[str, FieldSpec],
    default_sort: SortSpec,
) -> ListParams:
    parsed = ListParams(sort=default_sort)
    for key, raw in params:
        if key in RESERVED:
            continue
        name, _, op = key.partition("__")
        op = op or "eq"
        if name.startswith("cf."):
            spec = custom_fields.get(name[3:])
            if spec is None:
                raise InvalidFilter(f"unknown custom field {name[3:]!r}")
            parsed.custom_conditions.append(parse_condition(name[3:], op, raw, spec))
            continue
        spec = fields.get(name)
        if spec is None:
            raise InvalidFilter(f"unknown filter {name!r}")
        parsed.conditions.append(parse_condition(name, op, raw, spec))
    sort_raw = next((raw for key, raw in params if key == "sort"), None)
    if sort_raw:
        descending = sort_raw.startswith("-")
        name = sort_raw.lstrip("-")
        spec = custom_fields.get(name[3:]) if name.startswith("cf.") else fields.get(name)
        if spec is None or not spec.sortable:
            raise InvalidFilter(f"cannot sort by {name!r}")
        parsed.sort = SortSpec(name, descending)
    return parsed


def clause(condition: Condition, spec: FieldSpec, cipher: OrgCipher | None = None) -> ColumnElement[bool]:
    """The SQL for one condition on a standard column (``cipher``: for encrypted fields)."""
    column, op, value = spec.column, condition.op, condition.value
    if spec.kind is Kind.encrypted:
        assert spec.encrypted_match is not None and cipher is not None
        if op == "empty":
            return spec.encrypted_match(cipher, "", bool(value))
        return spec.encrypted_match(cipher, str(value), False)
    if spec.kind is Kind.tags:
        if op == "empty":
            return (column == []) if value else (column != [])  # type: ignore[no-any-return]
        return column.contains([value])  # type: ignore[no-any-return]
    if op == "empty":
        if spec.kind is Kind.text:
            return or_(column.is_(None), column == "") if value else and_(column.is_not(None), column != "")
        return column.is_(None) if value else column.is_not(None)  # type: ignore[no-any-return]
    if op in ("eq", "in") and spec.float_twin is not None:
        return and_(*float_bounds(condition, spec), column == value if op == "eq" else column.in_(value))
    if op == "eq":
        return column == value  # type: ignore[no-any-return]
    if op == "in":
        return column.in_(value)  # type: ignore[no-any-return]
    if op == "contains":
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]
    comparisons = {"gte": column.__ge__, "lte": column.__le__, "gt": column.__gt__, "lt": column.__lt__}
    exact: ColumnElement[bool] = comparisons[op](value)
    return and_(*float_bounds(condition, spec), exact) if spec.float_twin is not None else exact


def float_bounds(condition: Condition, spec: FieldSpec) -> list[ColumnElement[bool]]:
    """A number condition restated on the field's float twin: the index bound (see FieldSpec).

    The cast to float8 rounds correctly, so it never reverses an order: n >= x implies
    float8(n) >= float8(x), n > x only that (two numbers may share a float), n = x that the
    floats are equal. The bound therefore never drops a match, and the numeric column still
    decides exactly. Python's float(Decimal) rounds the same decimal the same way.
    """
    twin, op, value = spec.float_twin, condition.op, condition.value
    if op == "in":
        return [twin.in_([float(v) for v in value])]
    bounds = {"eq": twin.__eq__, "gte": twin.__ge__, "gt": twin.__ge__, "lte": twin.__le__, "lt": twin.__le__}
    return [bounds[op](float(value))]


def keyset_after(
    columns: Sequence[Any], id_column: Any, values: Sequence[Any], *, descending: bool, nullable: bool
) -> tuple[ColumnElement[bool], ...]:
    """The rows after the cursor in ``ORDER BY columns..., id`` (all one direction), as ranges of
    the sort index in page order: a page reads the first, and the next only while it has room.

    Each range is an index bound, so page n reads its own rows, not the n pages before it:
    - non-null keys are a row comparison, which the index bounds from the cursor on, plus the
      same bound on the leading column alone: where the row holds a comparison that is not
      leakproof (numeric), RLS keeps the row comparison out of the index, but the leading
      column is then a float twin, whose bound is;
    - ``nullable`` columns are NULL together (one column, or a float twin and its number), sorted
      as PostgreSQL and the indexes sort them: last ascending, first descending. Where the rest
      of the list crosses that boundary it is two ranges, as ``x > v OR x IS NULL`` is none.
    """
    *sort_values, last_id = values
    leading = columns[0]
    if not nullable or sort_values[0] is not None:
        row = tuple_(*columns, id_column)
        cursor = tuple_(*sort_values, last_id)
        if descending:
            return (and_(row < cursor, leading <= sort_values[0]),)
        after = and_(row > cursor, leading >= sort_values[0])
        return (after, leading.is_(None)) if nullable else (after,)
    in_nulls = [column.is_(None) for column in columns]
    if descending:
        return (and_(*in_nulls, id_column < last_id), leading.is_not(None))
    return (and_(*in_nulls, id_column > last_id),)


__all__ = [
    "Condition",
    "FieldSpec",
    "Kind",
    "ListParams",
    "SortSpec",
    "clause",
    "false",
    "float_bounds",
    "keyset_after",
    "parse_params",
    "true",
]
