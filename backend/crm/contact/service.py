"""Contacts: create, read, list, edit, soft delete/restore, GDPR erase, bulk edits.

PII is encrypted with the organisation's data key, bound to (table, column, row); e-mails
and phones also get blind indexes for exact search and duplicate detection. Every write is
audited (PII fields by name only) and announced on pub/sub after commit.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

import orjson
from sqlalchemy import ColumnElement, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import sentiment_rollup
from crm.attachment.service import purge_record
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.contact import repository
from crm.contact.schemas import (
    LIFECYCLE_STAGES,
    ContactCreate,
    ContactOut,
    ContactPatch,
    address_shape,
)
from crm.core.config import Settings
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import KeyStore, OrgCipher, keystore_for, org_cipher, register_encrypted_column
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.kit.followups import Change, record_change
from crm.kit.jsonout import ItemPage
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import check_version, scope_clause
from crm.kit.rows import as_read, get_row
from crm.messaging import repository as messaging_repository
from crm.models import Contact, ContactIdentifier, CustomFieldDefinition, Membership

TABLE = "contacts"
PII_COLUMNS = ("emails", "phones", "date_of_birth", "address")
for _column in PII_COLUMNS:
    register_encrypted_column(TABLE, _column)

DEFAULT_SORT = SortSpec("updated_at", descending=True)
SENTIMENT_LABELS = frozenset({"negative", "neutral", "positive"})
# What ``to_out`` reads: lists and gets select these as plain rows instead of loading instances.
OUT_COLUMNS = (
    Contact.id,
    Contact.first_name,
    Contact.last_name,
    Contact.job_title,
    Contact.company_id,
    Contact.company_name,
    Contact.lifecycle_stage,
    Contact.owner_id,
    Contact.emails,
    Contact.phones,
    Contact.date_of_birth,
    Contact.address,
    Contact.consent_email,
    Contact.consent_sms,
    Contact.consent_whatsapp,
    as_read(Contact.tags),
    Contact.version,
    Contact.created_at,
    Contact.updated_at,
    Contact.deleted_at,
    Contact.sentiment_label,
    Contact.sentiment_score,
    Contact.sentiment_count,
    Contact.sentiment_at,
)


def _identifier_match(kind: str) -> Any:
    def match(cipher: OrgCipher, value: str, empty: bool) -> ColumnElement[bool]:
        has = exists().where(ContactIdentifier.contact_id == Contact.id, ContactIdentifier.kind == kind)
        if value == "":
            return ~has if empty else has
        try:
            index = cipher.blind_index(value, kind)
        except ValueError:
            raise BadRequest(f"not a valid {kind}", code="invalid_filter") from None
        return Contact.id.in_(
            select(ContactIdentifier.contact_id).where(
                ContactIdentifier.kind == kind, ContactIdentifier.blind_index == index
            )
        )

    return match


@cache
def field_specs() -> Mapping[str, FieldSpec]:
    """How the contacts list filters and sorts each field: built once, shared, read-only."""
    return MappingProxyType(
        {
            "name": FieldSpec(
                Kind.text,
                Contact.last_name,
                sortable=True,
                nullable=False,
                sort_columns=(Contact.last_name, Contact.first_name),
            ),
            "first_name": FieldSpec(Kind.text, Contact.first_name),
            "last_name": FieldSpec(Kind.text, Contact.last_name),
            "job_title": FieldSpec(Kind.text, Contact.job_title),
            "company_id": FieldSpec(Kind.uuid, Contact.company_id),
            "company_name": FieldSpec(Kind.text, Contact.company_name),
            "owner_id": FieldSpec(Kind.uuid, Contact.owner_id),
            "lifecycle_stage": FieldSpec(Kind.enum, Contact.lifecycle_stage, choices=LIFECYCLE_STAGES),
            "tags": FieldSpec(Kind.tags, Contact.tags),
            "consent_email": FieldSpec(Kind.boolean, Contact.consent_email),
            "consent_sms": FieldSpec(Kind.boolean, Contact.consent_sms),
            "consent_whatsapp": FieldSpec(Kind.boolean, Contact.consent_whatsapp),
            "created_at": FieldSpec(Kind.datetime, Contact.created_at, sortable=True, nullable=False),
            "updated_at": FieldSpec(Kind.datetime, Contact.updated_at, sortable=True, nullable=False),
            "email": FieldSpec(Kind.encrypted, encrypted_match=_identifier_match("email")),
            "phone": FieldSpec(Kind.encrypted, encrypted_match=_identifier_match("phone")),
            # Stored rollup (crm.ai.sentiment_rollup); indexed per organisation for filter + sort.
            "sentiment_label": FieldSpec(Kind.enum, Contact.sentiment_label, choices=SENTIMENT_LABELS),
            "sentiment_score": FieldSpec(Kind.number, Contact.sentiment_score, sortable=True),
            "sentiment_count": FieldSpec(Kind.number, Contact.sentiment_count, nullable=False),
            "sentiment_at": FieldSpec(Kind.datetime, Contact.sentiment_at),
        }
    )


# keystore_for resolves the master key's path on the file system on every call; the settings
# object of a process does not change, so its key store is looked up once per settings object.
_keystores: dict[int, tuple[Settings, KeyStore]] = {}


def _keystore(settings: Settings) -> KeyStore:
    hit = _keystores.get(id(settings))
    if hit is None or hit[0] is not settings:
        if len(_keystores) >= 64:
            _keystores.clear()
        hit = _keystores[id(settings)] = (settings, keystore_for(settings))
    return hit[1]


async def cipher_for(session: AsyncSession, runtime: Runtime, principal: Principal) -> OrgCipher:
    return await org_cipher(session, _keystore(runtime.settings), principal.organization_id)


def _decrypt_json(cipher: OrgCipher, row: Any, column: str) -> Any:
    value = getattr(row, column)
    # orjson reads the same JSON as json.loads (these values were written by json.dumps), faster.
    return None if value is None else orjson.loads(cipher.decrypt_bytes(value, TABLE, column, row.id))


def item(row: Any, cipher: OrgCipher, custom: dict[str, Any]) -> dict[str, Any]:
    """A contact in its API shape as plain values (``ContactOut``'s fields; lists write it as JSON
    directly, crm.kit.jsonout): a ``Contact`` instance or a row of ``OUT_COLUMNS``."""
    birth = _decrypt_json(cipher, row, "date_of_birth")
    address = _decrypt_json(cipher, row, "address")
    return {
        "id": row.id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "job_title": row.job_title,
        "company_id": row.company_id,
        "company_name": row.company_name,
        "lifecycle_stage": row.lifecycle_stage,
        "owner_id": row.owner_id,
        "emails": _decrypt_json(cipher, row, "emails") or [],
        "phones": _decrypt_json(cipher, row, "phones") or [],
        "date_of_birth": birth or None,  # ISO text as stored, as the date serialises
        "address": address_shape(address),
        "consent_email": row.consent_email,
        "consent_sms": row.consent_sms,
        "consent_whatsapp": row.consent_whatsapp,
        "tags": list(row.tags or []),
        "custom_fields": custom,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
        "sentiment_label": row.sentiment_label,
        "sentiment_score": row.sentiment_score,
        "sentiment_count": row.sentiment_count,
        "sentiment_at": row.sentiment_at,
    }


def to_out(row: Any, cipher: OrgCipher, custom: dict[str, Any]) -> ContactOut:
    """The API shape of a contact as its model: a ``Contact`` instance or a row of ``OUT_COLUMNS``."""
    return ContactOut.model_validate(item(row, cipher, custom))


def _normalized_list(values: list[str], kind: str, cipher: OrgCipher) -> tuple[list[str], list[bytes]]:
    cleaned, indexes = [], []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            indexes.append(cipher.blind_index(value, kind))
        except ValueError:
            raise BadRequest(f"{value[:80]!r} is not a valid {kind}", code=f"invalid_{kind}") from None
        cleaned.append(value)
    return cleaned, indexes


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
    if found.first() is None:
        raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")


def _tags(tags: list[str]) -> list[str]:
    cleaned = sorted({tag.strip()[:60] for tag in tags if tag.strip()})
    return cleaned


async def _apply(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    cipher: OrgCipher,
    row: Contact,
    data: dict[str, Any],
    definitions: dict[str, CustomFieldDefinition],
    *,
    creating: bool,
    allow_duplicate: bool,
) -> dict[str, tuple[Any, Any]]:
    """Write ``data`` into ``row`` (encrypting PII) and return the audit changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    plain = (
        "first_name",
        "last_name",
        "job_title",
        "lifecycle_stage",
        "consent_email",
        "consent_sms",
        "consent_whatsapp",
    )
    for name in plain:
        if name in data and (creating or data[name] != getattr(row, name)):
            value = data[name]
            if name in ("first_name", "last_name"):
                value = (value or "").strip()
            changes[name] = (None if creating else getattr(row, name), value)
            setattr(row, name, value if value is not None or name == "job_title" else getattr(row, name))
    if any(name.startswith("consent_") for name in changes):
        row.consent_updated_at = dt.datetime.now(dt.UTC)
    if "owner_id" in data:
        await _check_owner(session, data["owner_id"])
        changes["owner_id"] = (row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    if "company_id" in data:
        company = await repository.company_name(session, data["company_id"]) if data["company_id"] else None
        if data["company_id"] is not None and company is None:
            raise NotFound("no such company")
        changes["company_id"] = (row.company_id, data["company_id"])
        row.company_id, row.company_name = data["company_id"], company
    if "tags" in data:
        changes["tags"] = (list(row.tags or []), _tags(data["tags"] or []))
        row.tags = _tags(data["tags"] or [])
    for kind, column in (("email", "emails"), ("phone", "phones")):
        if column in data:
            cleaned, indexes = _normalized_list(data[column] or [], kind, cipher)
            duplicates = await repository.with_identifiers(session, kind, indexes, exclude=row.id)
            if duplicates and not allow_duplicate:
                raise DuplicateContact(f"another contact has this {kind}", duplicates)
            row.__dict__["_pending_" + kind] = indexes
            setattr(
                row, column, cipher.encrypt(json.dumps(cleaned), TABLE, column, row.id) if cleaned else None
            )
            changes[column] = ("before", "after")  # PII: audited by field name only
    if "date_of_birth" in data:
        birth = data["date_of_birth"]
        row.date_of_birth = (
            cipher.encrypt(json.dumps(birth.isoformat()), TABLE, "date_of_birth", row.id) if birth else None
        )
        changes["date_of_birth"] = ("before", "after")
    if "address" in data:
        address = data["address"]
        row.address = cipher.encrypt(json.dumps(address), TABLE, "address", row.id) if address else None
        changes["address"] = ("before", "after")
    if "custom_fields" in data and data["custom_fields"] is not None:
        checked = custom_values.validate(definitions, data["custom_fields"], creating=creating)
        row.__dict__["_pending_custom"] = checked
        for key, value in checked.items():
            changes[f"cf.{key}"] = ("before", "after") if definitions[key].is_pii else (None, value)
    elif creating:
        custom_values.validate(definitions, {}, creating=True)
    return changes


class DuplicateContact(Conflict):
    code = "duplicate"

    def __init__(self, detail: str, duplicate_ids: Sequence[uuid.UUID]) -> None:
        super().__init__(f"{detail}: {', '.join(str(i) for i in duplicate_ids[:5])}")
        self.duplicate_ids = list(duplicate_ids)


async def _flush_related(
    session: AsyncSession, cipher: OrgCipher, row: Contact, definitions: dict[str, CustomFieldDefinition]
) -> None:
    for kind in ("email", "phone"):
        pending = row.__dict__.pop("_pending_" + kind, None)
        if pending is not None:
            await repository.replace_identifiers(session, row.id, kind, pending)
    custom = row.__dict__.pop("_pending_custom", None)
    if custom:
        await custom_values.write(session, cipher, definitions, row.id, custom)


PII_AUDIT = {"emails", "phones", "date_of_birth", "address", "first_name", "last_name"}


async def create(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    body: ContactCreate,
    *,
    allow_duplicate: bool = False,
) -> ContactOut:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    data = body.model_dump(exclude_unset=True)
    if "address" in data and data["address"] is not None:
        data["address"] = body.address.model_dump(exclude_none=True) if body.address else None
    data.setdefault("owner_id", principal.user_id)
    row = Contact(id=uuid.uuid4(), created_by=principal.user_id, first_name="", last_name="", tags=[])
    changes = await _apply(
        session,
        runtime,
        principal,
        cipher,
        row,
        data,
        definitions,
        creating=True,
        allow_duplicate=allow_duplicate,
    )
    session.add(row)
    await session.flush()
    await _flush_related(session, cipher, row, definitions)
    await session.refresh(row)
    await record_event(
        session,
        action="contact.create",
        actor=principal,
        entity_type="contact",
        entity_id=row.id,
        changes=changes,
        pii_fields=PII_AUDIT,
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "contact", (row.id,), "created", actor_id=principal.user_id),
    )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, cipher, custom[row.id])


async def _in_scope(
    session: AsyncSession,
    principal: Principal,
    contact_id: uuid.UUID,
    action: Action,
    *,
    include_deleted: bool = False,
) -> Contact:
    """The contact if the caller's scope for ``action`` reaches it; otherwise 404 (never 403: no probing)."""
    statement = select(Contact).where(
        Contact.id == contact_id,
        scope_clause(principal.scope("contacts", action), Contact.owner_id, principal),
    )
    if not include_deleted:
        statement = statement.where(Contact.deleted_at.is_(None))
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("no such contact")
    return row


async def get(
    session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID
) -> ContactOut:
    row = await get_row(
        session,
        Contact,
        (*OUT_COLUMNS, custom_values.values_column(TABLE)),
        contact_id,
        scope_clause(principal.scope("contacts", Action.read), Contact.owner_id, principal),
    )
    if row is None:
        raise NotFound("no such contact")
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    return to_out(row, cipher, custom_values.Decoder(cipher, definitions)(row.id, row.custom_values))


async def list_contacts(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    query: Sequence[tuple[str, str]],
    limit: int,
    cursor: str | None,
    q: str | None,
    include_deleted: bool,
    want_total: bool,
) -> ItemPage:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    specs = field_specs()
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    params: ListParams = parse_params(query, specs, custom_specs, DEFAULT_SORT)
    result = await run_list(
        session,
        Contact,
        params=params,
        fields=specs,
        custom_definitions=definitions,
        cipher=cipher,
        scope=scope_clause(principal.scope("contacts", Action.read), Contact.owner_id, principal),
        q=q,
        cursor=cursor,
        limit=limit,
        include_deleted=include_deleted,
        want_total=want_total,
        columns=(*OUT_COLUMNS, custom_values.values_column(TABLE)),
    )
    custom = custom_values.Decoder(cipher, definitions)
    return ItemPage(
        [item(row, cipher, custom(row.id, row.custom_values)) for row in result.rows],
        result.next_cursor,
        result.total,
    )


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    contact_id: uuid.UUID,
    body: ContactPatch,
    *,
    expected_version: int | None,
) -> ContactOut:
    row = await _in_scope(session, principal, contact_id, Action.update)
    check_version(row.version, expected_version if expected_version is not None else body.version)
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    data = body.model_dump(exclude_unset=True, exclude={"version"})
    if "address" in data and data["address"] is not None and body.address is not None:
        data["address"] = body.address.model_dump(exclude_none=True)
    changes = await _apply(
        session, runtime, principal, cipher, row, data, definitions, creating=False, allow_duplicate=False
    )
    if changes:
        row.version += 1
        row.updated_at = (await session.execute(text("SELECT now()"))).scalar_one()
        await session.flush()
        await _flush_related(session, cipher, row, definitions)
        await record_event(
            session,
            action="contact.update",
            actor=principal,
            entity_type="contact",
            entity_id=row.id,
            changes=changes,
            pii_fields=PII_AUDIT,
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id,
                "contact",
                (row.id,),
                "updated",
                frozenset(changes),
                actor_id=principal.user_id,
            ),
        )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, cipher, custom[row.id])


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID
) -> None:
    row = await _in_scope(session, principal, contact_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.version += 1
    await record_event(
        session, action="contact.delete", actor=principal, entity_type="contact", entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "contact", (row.id,), "deleted", actor_id=principal.user_id),
    )


async def restore(
    session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID
) -> ContactOut:
    row = await _in_scope(session, principal, contact_id, Action.delete, include_deleted=True)
    if row.deleted_at is None:
        raise Conflict("this contact is not deleted", code="not_deleted")
    row.deleted_at = None
    row.version += 1
    await record_event(
        session, action="contact.restore", actor=principal, entity_type="contact", entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "contact", (row.id,), "restored", actor_id=principal.user_id),
    )
    return await get(session, runtime, principal, contact_id)


async def erase(session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID) -> None:
    """GDPR erasure: the row and everything keyed on it go; the audit keeps only that it happened."""
    row = await _in_scope(session, principal, contact_id, Action.delete, include_deleted=True)
    company_id = row.company_id
    await purge_record(session, runtime, "contact", contact_id)
    await messaging_repository.erase_sms_to_contact(session, contact_id)
    await repository.erase(session, contact_id)
    # Its activities went with it (cascade): its company's sentiment rollup no longer counts them.
    await sentiment_rollup.refresh_companies(session, [company_id])
    await record_event(
        session, action="contact.erase", actor=principal, entity_type="contact", entity_id=contact_id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "contact", (contact_id,), "erased", actor_id=principal.user_id),
    )
