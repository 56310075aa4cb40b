"""Validating, storing, reading, filtering and sorting custom-field values.

Each definition maps to one typed column of ``custom_field_values``; PII fields store
ciphertext (bound to record and field) plus a blind index for equality.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, delete, exists, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import fetch_rows
from crm.core.errors import BadRequest
from crm.core.security.crypto import OrgCipher, register_encrypted_column
from crm.kit.listing import Condition, FieldSpec, Kind, clause, float_bounds
from crm.models import CustomFieldDefinition, CustomFieldValue

_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")

COLUMN_OF = {
    "text": "value_text",
    "url": "value_text",
    "email": "value_text",
    "phone": "value_text",
    "select": "value_text",
    "number": "value_number",
    "currency": "value_number",
    "date": "value_date",
    "boolean": "value_bool",
    "multiselect": "value_options",
}
KIND_OF = {
    "text": Kind.text,
    "url": Kind.text,
    "email": Kind.text,
    "phone": Kind.text,
    "select": Kind.enum,
    "number": Kind.number,
    "currency": Kind.number,
    "date": Kind.date,
    "boolean": Kind.boolean,
    "multiselect": Kind.tags,
}


# PII values are re-encrypted when the organisation's data key rotates.
register_encrypted_column(
    "custom_field_values",
    "value_encrypted",
    "value_bidx",
    blind_index_purpose="custom",
    id_column="record_id",
    key_columns=("field_id", "record_id"),
    aad_column=lambda key: f"cf:{key['field_id']}",
)


class InvalidCustomValue(BadRequest):
    code = "invalid_custom_field"


def coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored form of ``value`` for this definition, or InvalidCustomValue naming the field."""
    key, kind = definition.key, definition.field_type

    def bad(message: str) -> InvalidCustomValue:
        return InvalidCustomValue(f"custom field {key!r}: {message}")

    if value is None or value == "" or value == []:
        if definition.required:
            raise bad("is required")
        return None
    if kind in ("text", "url", "email", "phone", "select"):
        if not isinstance(value, str) or len(value) > 2000:
            raise bad("must be text of at most 2000 characters")
        value = value.strip()
        if kind == "url" and not _URL.match(value):
            raise bad("must be an http(s) URL")
        if kind == "email" and not _EMAIL.match(value):
            raise bad("must be an e-mail address")
        if kind == "phone" and not _PHONE.match(value):
            raise bad("must be a phone number")
        if kind == "select" and value not in (definition.options or []):
            raise bad(f"must be one of {definition.options}")
        return value
    if kind in ("number", "currency"):
        if isinstance(value, bool):
            raise bad("must be a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad("must be a number") from None
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            raise bad("is out of range")
        return number
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise bad("must be a date (YYYY-MM-DD)") from None
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if kind == "multiselect":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("must be a list of options")
        unknown = set(value) - set(definition.options or [])
        if unknown:
            raise bad(f"unknown options {sorted(unknown)}")
        return sorted(set(value))
    raise bad("has an unknown type")


def validate(
    definitions: Mapping[str, CustomFieldDefinition], payload: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    unknown = set(payload) - set(definitions)
    if unknown:
        raise InvalidCustomValue(f"unknown custom fields: {', '.join(sorted(unknown))}")
    values = {key: coerce(definitions[key], value) for key, value in payload.items()}
    if creating:
        for key, definition in definitions.items():
            if definition.required and values.get(key) is None:
                raise InvalidCustomValue(f"custom field {key!r}: is required")
    return values


def _aad_column(definition: CustomFieldDefinition) -> str:
    return f"cf:{definition.id}"


async def write(
    session: AsyncSession,
    cipher: OrgCipher,
    definitions: Mapping[str, CustomFieldDefinition],
    record_id: uuid.UUID,
    values: Mapping[str, Any],
) -> None:
    """Upsert (or delete, for None) each value; one statement per changed field."""
    for key, value in values.items():
        definition = definitions[key]
        if value is None:
            await session.execute(
                delete(CustomFieldValue).where(
                    CustomFieldValue.field_id == definition.id, CustomFieldValue.record_id == record_id
                )
            )
            continue
        row: dict[str, Any] = {"field_id": definition.id, "record_id": record_id}
        if definition.is_pii:
            text_value = json.dumps(value, default=str)
            row["value_encrypted"] = cipher.encrypt(
                text_value, "custom_field_values", _aad_column(definition), record_id
            )
            row["value_bidx"] = cipher.blind_index(str(value), "custom")
        else:
            row[COLUMN_OF[definition.field_type]] = value
        columns = (
            "value_text",
            "value_number",
            "value_date",
            "value_bool",
            "value_options",
            "value_encrypted",
            "value_bidx",
        )
        full = {column: row.get(column) for column in columns} | {
            "field_id": row["field_id"],
            "record_id": record_id,
        }
        statement = insert(CustomFieldValue).values(**full)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["field_id", "record_id"], set_={c: statement.excluded[c] for c in columns}
            )
        )


_READ_SQL = (
    "SELECT record_id, field_id, value_text, value_number, value_date, value_bool, value_options,"
    " value_encrypted FROM custom_field_values WHERE record_id = ANY(%s) AND field_id = ANY(%s)"
)
# Positions in a row of _READ_SQL.
_POSITION_OF = {"value_text": 2, "value_number": 3, "value_date": 4, "value_bool": 5, "value_options": 6}
_ENCRYPTED = 7


async def read(
    session: AsyncSession,
    cipher: OrgCipher,
    definitions: Mapping[str, CustomFieldDefinition],
    record_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, dict[str, Any]]:
    """Every custom value of these records, in one query.

    A constant statement with the ids as two array parameters (``= ANY``), run through the
    driver (``fetch_rows``): a page reads its values without building a statement, loading an
    ORM instance per value or compiling one placeholder per id. RLS scopes it like any query.
    """
    ids = list(record_ids)
    result: dict[uuid.UUID, dict[str, Any]] = {record_id: {} for record_id in ids}
    if not ids or not definitions:
        return result
    # field id -> (key, position of its typed column, AAD column if PII)
    plan = {
        d.id: (d.key, _POSITION_OF[COLUMN_OF[d.field_type]], _aad_column(d) if d.is_pii else None)
        for d in definitions.values()
    }
    for row in await fetch_rows(session, _READ_SQL, (ids, list(plan))):
        key, position, aad_column = plan[row[1]]
        encrypted = row[_ENCRYPTED]
        if aad_column is not None and encrypted is not None:
            plain: Any = orjson.loads(
                cipher.decrypt_bytes(encrypted, "custom_field_values", aad_column, row[0])
            )
        else:
            plain = row[position]
        result[row[0]][key] = plain
    return result


# A record's values as one JSON text (parsed here by orjson, not by the driver's json.loads): an
# array of [field id, text, number as text, date, boolean, options, base64 ciphertext] arrays.
# Numbers travel as text so they keep their digits; dates as ISO text, as JSON writes them.
_VALUES_JSON = (
    "(SELECT json_agg(json_build_array(v.field_id, v.value_text, v.value_number::text, v.value_date,"
    " v.value_bool, v.value_options, encode(v.value_encrypted, 'base64')))"
    " FROM custom_field_values v WHERE v.record_id = {record_id})::text"
)
_JSON_POSITION_OF = {"value_text": 1, "value_number": 2, "value_date": 3, "value_bool": 4, "value_options": 5}
_NUMBER = 2


@lru_cache(maxsize=16)
def values_column(table: str) -> ColumnElement[Any]:
    """A page's custom values read with its rows: a column of the page's own statement (labelled
    ``custom_values``), a correlated lookup on the record-id index, so a list needs no second
    statement for them and binds no array of its ids. Decoded by ``decode``. RLS scopes it too."""
    return literal_column(_VALUES_JSON.format(record_id=f"{table}.id")).label("custom_values")


class Decoder:
    """Turns one row's ``values_column`` into ``{key: value}`` with the API's values (PII decrypted)."""

    __slots__ = ("_cipher", "_plan")

    def __init__(self, cipher: OrgCipher, definitions: Mapping[str, CustomFieldDefinition]) -> None:
        self._cipher = cipher
        # field id (text, as JSON carries it) -> (key, position of its typed value, AAD column if PII)
        self._plan = {
            str(d.id): (
                d.key,
                _JSON_POSITION_OF[COLUMN_OF[d.field_type]],
                _aad_column(d) if d.is_pii else None,
            )
            for d in definitions.values()
        }

    def __call__(self, record_id: uuid.UUID, raw: str | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if raw is None:
            return result
        plan = self._plan
        for value in orjson.loads(raw):
            found = plan.get(value[0])
            if found is None:  # a value of an archived definition
                continue
            key, position, aad_column = found
            if aad_column is not None and value[6] is not None:
                sealed = base64.b64decode(value[6])
                result[key] = orjson.loads(
                    self._cipher.decrypt_bytes(sealed, "custom_field_values", aad_column, record_id)
                )
            elif position == _NUMBER and value[2] is not None:
                result[key] = Decimal(value[2])  # as read() gives it: one JSON text for a number
            else:
                result[key] = value[position]
        return result


def field_spec(definition: CustomFieldDefinition) -> FieldSpec:
    kind = Kind.encrypted if definition.is_pii else KIND_OF[definition.field_type]
    return FieldSpec(
        kind=kind,
        column=getattr(CustomFieldValue, COLUMN_OF[definition.field_type]),
        float_twin=CustomFieldValue.value_float if kind is Kind.number else None,
        sortable=not definition.is_pii and definition.field_type != "multiselect",
        choices=frozenset(definition.options or []) if definition.field_type == "select" else None,
    )


def value_conditions(
    definition: CustomFieldDefinition, condition: Condition, cipher: OrgCipher, *, exact: bool = True
) -> list[ColumnElement[bool]]:
    """What a value row of ``definition`` must satisfy for ``condition`` (any operator but
    ``empty``, which is about rows that do not exist).

    ``exact=False``: a number condition only as its float bound, which may admit a few numbers
    a float cannot tell from the boundary; for the planner's estimates, which would otherwise
    take the bound and the exact check for two independent conditions and square the share.
    """
    spec = field_spec(definition)
    if spec.kind is Kind.encrypted:
        try:
            index = cipher.blind_index(str(condition.value), "custom")
        except ValueError:
            raise InvalidCustomValue(f"custom field {definition.key!r}: not a searchable value") from None
        return [CustomFieldValue.value_bidx == index]
    if spec.float_twin is not None and not exact:
        return float_bounds(condition, spec)
    return [clause(condition, spec)]


def typed_column(definition: CustomFieldDefinition) -> Any:
    """The value row's column that leads ``definition``'s typed index, which holds only the rows
    where it is set: a query reaches that index only when it implies ``typed_column IS NOT NULL``
    (any comparison does; a sort or a count of all values must say so)."""
    if definition.is_pii:
        return CustomFieldValue.value_bidx
    if KIND_OF[definition.field_type] is Kind.number:
        return CustomFieldValue.value_float
    return getattr(CustomFieldValue, COLUMN_OF[definition.field_type])


def sort_columns(definition: CustomFieldDefinition) -> tuple[Any, ...]:
    """The value row's columns a list sorted by ``definition`` orders by, as its index does: a
    number by its float first (the leakproof column, which can bound a page's scan), then by its
    exact value, which breaks ties between numbers too close for a float."""
    if KIND_OF[definition.field_type] is Kind.number:
        return (CustomFieldValue.value_float, CustomFieldValue.value_number)
    return (getattr(CustomFieldValue, COLUMN_OF[definition.field_type]),)


def filter_clause(
    definition: CustomFieldDefinition, condition: Condition, record_id_column: Any, cipher: OrgCipher
) -> ColumnElement[bool]:
    """``record IN (values matching)``: walks the (org, field, value, record) index."""
    if condition.op == "empty":
        same_record = and_(
            CustomFieldValue.field_id == definition.id, CustomFieldValue.record_id == record_id_column
        )
        has_value = exists().where(same_record)
        return ~has_value if condition.value else has_value
    matching = select(CustomFieldValue.record_id).where(
        CustomFieldValue.field_id == definition.id, *value_conditions(definition, condition, cipher)
    )
    return record_id_column.in_(matching)  # type: ignore[no-any-return]


def live_values(
    definition: CustomFieldDefinition,
    conditions: Iterable[Condition],
    cipher: OrgCipher,
    *,
    exact: bool = True,
) -> Select[Any]:
    """The value rows of ``definition`` whose records are live and meet ``conditions``: one row
    per record, so counting these counts the records, from the typed index alone.
    ``exact``: as in ``value_conditions``."""
    where = [
        c for condition in conditions for c in value_conditions(definition, condition, cipher, exact=exact)
    ]
    # Any condition implies the typed column is set; stated again, the planner would take it for
    # one more independent condition and halve its estimate.
    return select(CustomFieldValue.record_id).where(
        CustomFieldValue.field_id == definition.id,
        CustomFieldValue.record_live.is_(True),
        *(where or [typed_column(definition).is_not(None)]),
    )
