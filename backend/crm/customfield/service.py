"""Custom-field definitions: per organisation and object, cached (they are read on every list)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.models import CustomFieldDefinition
from crm.models.customfields import FIELD_TYPES, OBJECT_TYPES

CACHE_TTL_S = 300.0
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_FIELDS = (
    "id",
    "object_type",
    "key",
    "label",
    "field_type",
    "required",
    "is_pii",
    "options",
    "currency",
    "position",
)


def _cache_key(organization_id: uuid.UUID, object_type: str) -> str:
    return f"cf:{organization_id}:{object_type}"


# The cached payload of each (organisation, object type) as last parsed by this process. The
# shared cache stays the source of truth (a write anywhere deletes its key): the parsed copy is
# reused only while the cache still holds the very same bytes, so it is never staler than the
# cache, and the definitions are not re-built from JSON on every list and get.
_PARSED_MAX = 1024
_parsed: dict[str, tuple[bytes, dict[str, CustomFieldDefinition]]] = {}


def _parse(key: str, raw: bytes) -> dict[str, CustomFieldDefinition]:
    hit = _parsed.get(key)
    if hit is not None and hit[0] == raw:
        return hit[1]
    rows: list[dict[str, Any]] = json.loads(raw)
    parsed = {row["key"]: CustomFieldDefinition(**{**row, "id": uuid.UUID(row["id"])}) for row in rows}
    if len(_parsed) >= _PARSED_MAX:
        _parsed.clear()  # bounded; a miss only costs one parse
    _parsed[key] = (raw, parsed)
    return parsed


async def definitions(
    session: AsyncSession, runtime: Runtime, organization_id: uuid.UUID, object_type: str
) -> dict[str, CustomFieldDefinition]:
    """Active definitions by key (from the cache when warm; detached objects, shared: read-only)."""
    key = _cache_key(organization_id, object_type)
    raw = await runtime.cache.get(key)
    if raw is not None:
        return _parse(key, raw)
    result = await session.execute(
        select(CustomFieldDefinition)
        .where(CustomFieldDefinition.object_type == object_type, CustomFieldDefinition.archived_at.is_(None))
        .order_by(CustomFieldDefinition.position, CustomFieldDefinition.key)
    )
    found = list(result.scalars())
    payload = [
        {name: (str(getattr(d, name)) if name == "id" else getattr(d, name)) for name in _FIELDS}
        for d in found
    ]
    await runtime.cache.set(_cache_key(organization_id, object_type), json.dumps(payload), ttl=CACHE_TTL_S)
    return {d.key: d for d in found}


async def forget(runtime: Runtime, organization_id: uuid.UUID, object_type: str) -> None:
    await runtime.cache.delete(_cache_key(organization_id, object_type))


def _check(object_type: str, field_type: str, options: list[str] | None) -> None:
    if object_type not in OBJECT_TYPES:
        raise BadRequest(f"object_type must be one of {', '.join(OBJECT_TYPES)}", code="invalid_object_type")
    if field_type not in FIELD_TYPES:
        raise BadRequest(f"field_type must be one of {', '.join(FIELD_TYPES)}", code="invalid_field_type")
    if field_type in ("select", "multiselect"):
        if not options or len(options) > 200 or len(set(options)) != len(options):
            raise BadRequest("select fields need 1-200 distinct options", code="invalid_options")
    elif options:
        raise BadRequest("only select fields have options", code="invalid_options")


async def create(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    object_type: str,
    key: str,
    label: str,
    field_type: str,
    required: bool,
    is_pii: bool,
    options: list[str] | None,
    currency: str | None,
) -> CustomFieldDefinition:
    _check(object_type, field_type, options)
    if not _KEY.match(key):
        raise BadRequest(
            "key must be lowercase letters, digits and _ (starting with a letter)", code="invalid_key"
        )
    if is_pii and field_type in ("multiselect", "boolean"):
        raise BadRequest("only text-like, number and date fields can be PII", code="invalid_pii_field")
    existing = await session.execute(
        select(CustomFieldDefinition.id).where(
            CustomFieldDefinition.object_type == object_type, CustomFieldDefinition.key == key
        )
    )
    if existing.first() is not None:
        raise Conflict(f"a {object_type} field with key {key!r} exists", code="field_exists")
    count = (
        await session.execute(
            text("SELECT count(*) FROM custom_field_definitions WHERE object_type = :o"), {"o": object_type}
        )
    ).scalar_one()
    definition = CustomFieldDefinition(
        object_type=object_type,
        key=key,
        label=label.strip(),
        field_type=field_type,
        required=required,
        is_pii=is_pii,
        options=options,
        currency=currency,
        position=count,
    )
    session.add(definition)
    await session.flush()
    await forget(runtime, principal.organization_id, object_type)
    await record_event(
        session,
        action="custom_field.create",
        actor=principal,
        entity_type="custom_field",
        entity_id=definition.id,
        changes={"key": (None, key), "field_type": (None, field_type), "is_pii": (None, is_pii)},
    )
    return definition


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    field_id: uuid.UUID,
    *,
    label: str | None,
    required: bool | None,
    options: list[str] | None,
    position: int | None,
) -> CustomFieldDefinition:
    definition = await session.get(CustomFieldDefinition, field_id)
    if definition is None or definition.archived_at is not None:
        raise NotFound("no such custom field")
    changes: dict[str, tuple[Any, Any]] = {}
    if options is not None:
        _check(definition.object_type, definition.field_type, options)
        missing = set(definition.options or []) - set(options)
        if missing:
            raise BadRequest(
                f"options in use cannot be removed: {sorted(missing)}; archive the field instead",
                code="invalid_options",
            )
        changes["options"] = (definition.options, options)
        definition.options = options
    for name, value in (("label", label), ("required", required), ("position", position)):
        if value is not None and value != getattr(definition, name):
            changes[name] = (getattr(definition, name), value)
            setattr(definition, name, value)
    await session.flush()
    await forget(runtime, principal.organization_id, definition.object_type)
    if changes:
        await record_event(
            session,
            action="custom_field.update",
            actor=principal,
            entity_type="custom_field",
            entity_id=definition.id,
            changes=changes,
        )
    return definition


async def archive(session: AsyncSession, runtime: Runtime, principal: Principal, field_id: uuid.UUID) -> None:
    definition = await session.get(CustomFieldDefinition, field_id)
    if definition is None or definition.archived_at is not None:
        raise NotFound("no such custom field")
    definition.archived_at = (await session.execute(text("SELECT now()"))).scalar_one()
    await forget(runtime, principal.organization_id, definition.object_type)
    await record_event(
        session,
        action="custom_field.archive",
        actor=principal,
        entity_type="custom_field",
        entity_id=definition.id,
    )
