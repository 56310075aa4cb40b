"""Merging a duplicate contact or company into its primary, in the caller's one transaction.

Field by field the caller picks whose value survives (``MergeRequest``). PII chosen from the
duplicate is decrypted and encrypted again bound to the primary's row (a value copied as
ciphertext would not authenticate there); e-mails and phones get their blind indexes rebuilt;
custom values are re-encrypted the same way. Activities, deal links, converted leads,
attachments (and for a company, its contacts and deals) move to the primary. The duplicate is
soft-deleted and the pair recorded as a suggestion marked ``merged``; one audit event holds
the choices and what moved.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.contact import repository as contact_repository
from crm.contact import service as contacts
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher, keystore_for, org_cipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.dedupe import repository
from crm.dedupe.schemas import CompanyMergeOut, ContactMergeOut, MergedCompany, MergeRequest, Moved
from crm.kit.followups import Change, record_change
from crm.kit.records import check_version, scope_clause
from crm.models import Company, Contact, CustomFieldDefinition

# field -> how it merges: "value" (one side's), "list" (or both, in order, without repeats),
# "flag" (a consent: the primary's unless chosen), "pii" (one side's, encrypted)
CONTACT_FIELDS = {
    "first_name": "value",
    "last_name": "value",
    "job_title": "value",
    "company_id": "value",
    "lifecycle_stage": "value",
    "owner_id": "value",
    "consent_email": "flag",
    "consent_sms": "flag",
    "consent_whatsapp": "flag",
    "tags": "list",
    "emails": "pii_list",
    "phones": "pii_list",
    "date_of_birth": "pii",
    "address": "pii",
}
COMPANY_FIELDS = {
    "name": "value",
    "domain": "value",
    "industry": "value",
    "employee_count": "value",
    "annual_revenue": "value",  # its currency goes with it
    "address": "value",
    "owner_id": "value",
    "tags": "list",
}
CONTACT_PII = {"emails", "phones", "date_of_birth", "address", "first_name", "last_name"}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _union(first: list[Any] | None, second: list[Any] | None, key: Any = None) -> list[Any]:
    seen, out = set(), []
    for item in [*(first or []), *(second or [])]:
        marker = key(item) if key else item
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def _choose(
    kinds: Mapping[str, str],
    asked: Mapping[str, str],
    primary: Mapping[str, Any],
    duplicate: Mapping[str, Any],
) -> dict[str, str]:
    """The choice for every field: the caller's, else the default (see ``MergeRequest``)."""
    choices = {}
    for field, kind in kinds.items():
        choice = asked.get(field)
        if choice == "both" and kind not in ("list", "pii_list", "multiselect"):
            raise BadRequest(f"{field}: 'both' is only for lists", code="invalid_choice")
        if choice is None:
            if kind in ("list", "pii_list", "multiselect"):
                choice = "both"
            elif kind == "flag":
                choice = "primary"
            else:
                choice = "duplicate" if _empty(primary[field]) and not _empty(duplicate[field]) else "primary"
        choices[field] = choice
    return choices


def _unknown(asked: Mapping[str, str], known: Mapping[str, Any]) -> None:
    unknown = sorted(set(asked) - set(known))
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(unknown)[:300]}", code="unknown_field")


async def _pair(
    session: AsyncSession, principal: Principal, model: Any, resource: str, body: MergeRequest
) -> tuple[Any, Any]:
    """Both records, live, within the caller's scope (update for the primary, delete for the
    duplicate), locked in id order so two crossing merges cannot deadlock; 404 otherwise."""
    if body.primary_id == body.duplicate_id:
        raise BadRequest("a record cannot be merged into itself", code="same_record")
    wanted = {
        body.primary_id: scope_clause(principal.scope(resource, Action.update), model.owner_id, principal),
        body.duplicate_id: scope_clause(principal.scope(resource, Action.delete), model.owner_id, principal),
    }
    found = {}
    for record_id in sorted(wanted):
        found[record_id] = await repository.lock_record(session, model, record_id, wanted[record_id])
        if found[record_id] is None:
            raise NotFound(f"no such {model.__name__.lower()}: {record_id}")
    primary, duplicate = found[body.primary_id], found[body.duplicate_id]
    check_version(primary.version, body.primary_version)
    check_version(duplicate.version, body.duplicate_version)
    return primary, duplicate


async def _custom(
    session: AsyncSession,
    cipher: OrgCipher,
    definitions: dict[str, CustomFieldDefinition],
    body: MergeRequest,
    primary: uuid.UUID,
    duplicate: uuid.UUID,
) -> tuple[dict[str, str], dict[str, tuple[Any, Any]], int]:
    """Choose and write the custom values (re-encrypted for the primary); drop the duplicate's."""
    asked = {key[3:]: choice for key, choice in body.fields.items() if key.startswith("cf.")}
    _unknown(asked, definitions)
    values = await custom_values.read(session, cipher, definitions, [primary, duplicate])
    mine, theirs = values[primary], values[duplicate]
    kinds = {
        key: "multiselect" if d.field_type == "multiselect" else "value" for key, d in definitions.items()
    }
    current = {key: mine.get(key) for key in kinds}
    choices = _choose(kinds, asked, current, {key: theirs.get(key) for key in kinds})
    final: dict[str, Any] = {}
    for key, choice in choices.items():
        if choice == "both":
            merged = sorted(set(mine.get(key) or []) | set(theirs.get(key) or []))
            final[key] = merged or None
        else:
            final[key] = theirs.get(key) if choice == "duplicate" else mine.get(key)
    changed = {key: value for key, value in final.items() if value != mine.get(key)}
    if changed:
        await custom_values.write(session, cipher, definitions, primary, changed)
    await repository.delete_custom_values(session, duplicate)
    # PII custom fields are named in the audit, never valued (the caller passes them as pii_fields).
    changes = {f"cf.{key}": (mine.get(key), value) for key, value in changed.items()}
    return {f"cf.{key}": choice for key, choice in choices.items()}, changes, len(changed)


def _pii_custom(definitions: Mapping[str, CustomFieldDefinition]) -> set[str]:
    return {f"cf.{key}" for key, definition in definitions.items() if definition.is_pii}


async def _stamp(session: AsyncSession, primary: Any, duplicate: Any) -> None:
    """New versions for both, the duplicate trashed, written now.

    ``updated_at`` is marked modified so it is always in the UPDATE: a record created earlier in
    this transaction already holds this transaction's ``now()``, an equal value the ORM would
    leave out; the column's ``onupdate`` would then fire instead and expire the attribute, and
    reading it afterwards (the answer) would need a lazy load, which async code cannot do.
    """
    now: dt.datetime = (await session.execute(text("SELECT now()"))).scalar_one()
    primary.version, primary.updated_at = primary.version + 1, now
    duplicate.version, duplicate.deleted_at, duplicate.updated_at = duplicate.version + 1, now, now
    for row in (primary, duplicate):
        flag_modified(row, "updated_at")
    await session.flush()


def _plain_contact(cipher: OrgCipher, row: Contact) -> dict[str, Any]:
    values = {
        field: getattr(row, field) for field, kind in CONTACT_FIELDS.items() if not kind.startswith("pii")
    }
    for field, kind in CONTACT_FIELDS.items():
        if kind.startswith("pii"):
            raw = getattr(row, field)
            values[field] = (
                None if raw is None else json.loads(cipher.decrypt(raw, "contacts", field, row.id))
            )
    values["tags"] = list(row.tags or [])
    return values


async def merge_contacts(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: MergeRequest
) -> ContactMergeOut:
    primary, duplicate = await _pair(session, principal, Contact, "contacts", body)
    _unknown({k: v for k, v in body.fields.items() if not k.startswith("cf.")}, CONTACT_FIELDS)
    cipher = await org_cipher(session, keystore_for(runtime.settings), principal.organization_id)
    mine, theirs = _plain_contact(cipher, primary), _plain_contact(cipher, duplicate)
    choices = _choose(CONTACT_FIELDS, body.fields, mine, theirs)
    changes: dict[str, tuple[Any, Any]] = {}
    indexes: dict[str, list[bytes]] = {}
    for field, choice in choices.items():
        kind = CONTACT_FIELDS[field]
        if choice == "both":
            kind_of = "email" if field == "emails" else "phone"
            key = (lambda v, k=kind_of: cipher.blind_index(v, k)) if kind == "pii_list" else None
            value = _union(mine[field], theirs[field], key)
        else:
            value = theirs[field] if choice == "duplicate" else mine[field]
        if field in ("emails", "phones"):
            indexes[field] = [
                cipher.blind_index(v, "email" if field == "emails" else "phone") for v in value or []
            ]
        if value == mine[field]:
            continue
        changes[field] = ("before", "after") if field in CONTACT_PII else (mine[field], value)
        if kind.startswith("pii"):
            encrypted = (
                None if _empty(value) else cipher.encrypt(json.dumps(value), "contacts", field, primary.id)
            )
            setattr(primary, field, encrypted)
        elif field == "company_id":
            primary.company_id, primary.company_name = duplicate.company_id, duplicate.company_name
        else:
            setattr(primary, field, sorted(value) if field == "tags" else value)
    if any(field.startswith("consent_") for field in changes):
        primary.consent_updated_at = dt.datetime.now(dt.UTC)
    moved = Moved(**await repository.move_contact_links(session, primary.id, duplicate.id))
    for field, kind_name in (("emails", "email"), ("phones", "phone")):
        await contact_repository.replace_identifiers(session, primary.id, kind_name, _dedupe(indexes[field]))
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    custom_choices, custom_changes, moved.custom_fields = await _custom(
        session, cipher, definitions, body, primary.id, duplicate.id
    )
    await _stamp(session, primary, duplicate)
    all_choices = {**choices, **custom_choices}
    await repository.mark_merged(
        session, "contact", primary.id, duplicate.id, f"merged by {principal.actor_id}"
    )
    await record_event(
        session,
        action="contact.merge",
        actor=principal,
        entity_type="contact",
        entity_id=primary.id,
        changes={**changes, **custom_changes},
        pii_fields=CONTACT_PII | _pii_custom(definitions),
        meta={"duplicate_id": str(duplicate.id), "choices": all_choices, "moved": moved.model_dump()},
    )
    # One change for both sides: the survivor (first id) was updated, the duplicate is gone.
    await record_change(
        session,
        runtime,
        Change(
            principal.organization_id,
            "contact",
            (primary.id, duplicate.id),
            "merged",
            actor_id=principal.user_id,
        ),
    )
    custom = await custom_values.read(session, cipher, definitions, [primary.id])
    return ContactMergeOut(
        contact=contacts.to_out(primary, cipher, custom[primary.id]),
        duplicate_id=duplicate.id,
        choices=all_choices,
        moved=moved,
    )


def _dedupe(indexes: list[bytes]) -> list[bytes]:
    return list(dict.fromkeys(indexes))


async def merge_companies(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: MergeRequest
) -> CompanyMergeOut:
    primary, duplicate = await _pair(session, principal, Company, "companies", body)
    _unknown({k: v for k, v in body.fields.items() if not k.startswith("cf.")}, COMPANY_FIELDS)
    mine = {field: getattr(primary, field) for field in COMPANY_FIELDS}
    theirs = {field: getattr(duplicate, field) for field in COMPANY_FIELDS}
    choices = _choose(COMPANY_FIELDS, body.fields, mine, theirs)
    changes: dict[str, tuple[Any, Any]] = {}
    for field, choice in choices.items():
        if choice == "both":
            value: Any = sorted(_union(mine[field], theirs[field]))
        else:
            value = theirs[field] if choice == "duplicate" else mine[field]
        if value == mine[field]:
            continue
        changes[field] = (mine[field], value)
        setattr(primary, field, value)
        if field == "annual_revenue":
            primary.currency = duplicate.currency if choice == "duplicate" else primary.currency
    moved = Moved(**await repository.move_company_links(session, primary.id, duplicate.id, primary.name))
    cipher = await org_cipher(session, keystore_for(runtime.settings), principal.organization_id)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "company")
    custom_choices, custom_changes, moved.custom_fields = await _custom(
        session, cipher, definitions, body, primary.id, duplicate.id
    )
    await _stamp(session, primary, duplicate)
    all_choices = {**choices, **custom_choices}
    await repository.mark_merged(
        session, "company", primary.id, duplicate.id, f"merged by {principal.actor_id}"
    )
    await record_event(
        session,
        action="company.merge",
        actor=principal,
        entity_type="company",
        entity_id=primary.id,
        changes={**changes, **custom_changes},
        pii_fields=_pii_custom(definitions),
        meta={"duplicate_id": str(duplicate.id), "choices": all_choices, "moved": moved.model_dump()},
    )
    # One change for both sides: the survivor (first id) was updated, the duplicate is gone.
    await record_change(
        session,
        runtime,
        Change(
            principal.organization_id,
            "company",
            (primary.id, duplicate.id),
            "merged",
            actor_id=principal.user_id,
        ),
    )
    custom = await custom_values.read(session, cipher, definitions, [primary.id])
    return CompanyMergeOut(
        company=MergedCompany(
            id=primary.id,
            name=primary.name,
            domain=primary.domain,
            industry=primary.industry,
            employee_count=primary.employee_count,
            annual_revenue=primary.annual_revenue,
            currency=primary.currency,
            address=primary.address,
            owner_id=primary.owner_id,
            tags=list(primary.tags or []),
            custom_fields=custom[primary.id],
            version=primary.version,
            updated_at=primary.updated_at,
        ),
        duplicate_id=duplicate.id,
        choices=all_choices,
        moved=moved,
    )
