"""Leads: create, read, list, edit (status flow), soft delete/restore, GDPR erase.

E-mail and phone are encrypted with the organisation's data key, bound to (table, column,
row), with blind indexes (``email_bidx``, ``phone_bidx``) for exact search; the purposes
are the contacts' ("email", "phone"), so converting a lead finds its contact by the same
index. Score fields belong to the AI service: readable and sortable (``sort=-score``,
unscored last), never written here. Every write is audited (PII by field name only).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.attachment.service import purge_record
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.contact.service import cipher_for
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher, register_encrypted_column
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.kit.followups import Change, record_change
from crm.kit.jsonout import ItemPage
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import check_version, scope_clause
from crm.kit.rows import get_row, out_columns
from crm.lead import repository
from crm.lead.schemas import LEAD_STATUSES, LeadCreate, LeadOut, LeadPatch
from crm.models import CustomFieldDefinition, Lead, Membership

TABLE = "leads"
OBJECT = "lead"
register_encrypted_column(TABLE, "email", "email_bidx")
register_encrypted_column(TABLE, "phone", "phone_bidx")

DEFAULT_SORT = SortSpec("updated_at", descending=True)
PII_AUDIT = {"email", "phone", "first_name", "last_name"}
# The status flow; "converted" is reached only through POST /leads/{id}/convert and is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "qualified", "lost"}),
    "contacted": frozenset({"new", "qualified", "lost"}),
    "qualified": frozenset({"contacted", "lost"}),
    "lost": frozenset({"new", "contacted", "qualified"}),
    "converted": frozenset(),
}


def _blind_match(column: Any, kind: str) -> Any:
    def match(cipher: OrgCipher, value: str, empty: bool) -> ColumnElement[bool]:
        if value == "":
            return column.is_(None) if empty else column.is_not(None)  # type: ignore[no-any-return]
        try:
            index = cipher.blind_index(value, kind)
        except ValueError:
            raise BadRequest(f"not a valid {kind}", code="invalid_filter") from None
        return column == index  # type: ignore[no-any-return]

    return match


@cache
def field_specs() -> Mapping[str, FieldSpec]:
    """How the leads list filters and sorts each field: built once, shared, read-only."""
    return MappingProxyType(
        {
            "name": FieldSpec(
                Kind.text,
                Lead.last_name,
                sortable=True,
                nullable=False,
                sort_columns=(Lead.last_name, Lead.first_name),
            ),
            "first_name": FieldSpec(Kind.text, Lead.first_name),
            "last_name": FieldSpec(Kind.text, Lead.last_name),
            "company_name": FieldSpec(Kind.text, Lead.company_name),
            "job_title": FieldSpec(Kind.text, Lead.job_title),
            "source": FieldSpec(Kind.text, Lead.source),
            "status": FieldSpec(Kind.enum, Lead.status, choices=LEAD_STATUSES),
            "owner_id": FieldSpec(Kind.uuid, Lead.owner_id),
            "tags": FieldSpec(Kind.tags, Lead.tags),
            "score": FieldSpec(
                Kind.number,
                Lead.score,
                sortable=True,
                nullable=False,
                sort_columns=(Lead.score_sort,),
            ),
            "scored_at": FieldSpec(Kind.datetime, Lead.scored_at),
            "converted_at": FieldSpec(Kind.datetime, Lead.converted_at),
            "created_at": FieldSpec(Kind.datetime, Lead.created_at, sortable=True, nullable=False),
            "updated_at": FieldSpec(Kind.datetime, Lead.updated_at, sortable=True, nullable=False),
            "email": FieldSpec(Kind.encrypted, encrypted_match=_blind_match(Lead.email_bidx, "email")),
            "phone": FieldSpec(Kind.encrypted, encrypted_match=_blind_match(Lead.phone_bidx, "phone")),
        }
    )


def decrypt(cipher: OrgCipher, row: Any, column: str) -> str | None:
    value = getattr(row, column)
    return None if value is None else cipher.decrypt(value, TABLE, column, row.id)


# What ``to_out`` reads: lists and gets select these as plain rows (crm.kit.rows).
OUT_COLUMNS = out_columns(Lead, LeadOut)


def item(row: Any, cipher: OrgCipher, custom: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a lead: a ``Lead`` instance or a row of ``OUT_COLUMNS``."""
    return {
        "id": row.id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "company_name": row.company_name,
        "job_title": row.job_title,
        "email": decrypt(cipher, row, "email"),
        "phone": decrypt(cipher, row, "phone"),
        "source": row.source,
        "status": row.status,
        "lost_reason": row.lost_reason,
        "score": row.score,
        "score_reasons": row.score_reasons,
        "score_model_version": row.score_model_version,
        "scored_at": row.scored_at,
        "converted_at": row.converted_at,
        "converted_contact_id": row.converted_contact_id,
        "converted_company_id": row.converted_company_id,
        "converted_deal_id": row.converted_deal_id,
        "owner_id": row.owner_id,
        "tags": list(row.tags or []),
        "custom_fields": custom,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
    }


def to_out(row: Any, cipher: OrgCipher, custom: dict[str, Any]) -> LeadOut:
    """The API shape of a lead as its model."""
    return LeadOut.model_validate(item(row, cipher, custom))


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
    if found.first() is None:
        raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")


def _tags(tags: list[str]) -> list[str]:
    return sorted({tag.strip()[:60] for tag in tags if tag.strip()})


def _status(row: Lead, data: dict[str, Any], creating: bool) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    status = data.get("status") or (None if not creating else "new")
    reason = (data.get("lost_reason") or "").strip() or None
    if status is not None and (creating or status != row.status):
        if row.status == "converted" and not creating:
            raise Conflict("a converted lead keeps its status", code="already_converted")
        if not creating and status not in TRANSITIONS[row.status]:
            raise BadRequest(f"a {row.status} lead cannot become {status}", code="invalid_status")
        if status == "lost" and reason is None:
            raise BadRequest("a lost lead needs a reason (lost_reason)", code="lost_reason_required")
        changes["status"] = (None if creating else row.status, status)
        row.status = status
        if status != "lost":
            reason = None
    elif "lost_reason" in data:
        if row.status != "lost" and reason is not None:
            raise BadRequest("only a lost lead has a lost reason", code="not_lost")
        if row.status == "lost" and reason is None:
            raise BadRequest("a lost lead needs a reason (lost_reason)", code="lost_reason_required")
    else:
        return changes
    if creating or reason != row.lost_reason:
        changes["lost_reason"] = (None if creating else row.lost_reason, reason)
        row.lost_reason = reason
    return changes


async def _apply(
    session: AsyncSession,
    cipher: OrgCipher,
    row: Lead,
    data: dict[str, Any],
    definitions: dict[str, CustomFieldDefinition],
    *,
    creating: bool,
) -> dict[str, tuple[Any, Any]]:
    """Write ``data`` into ``row`` (encrypting PII) and return the audit changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in ("first_name", "last_name", "company_name", "job_title", "source"):
        if name in data:
            value = (data[name] or "").strip()
            value = value if value or name in ("first_name", "last_name") else None
            if creating or value != getattr(row, name):
                changes[name] = (None if creating else getattr(row, name), value)
                setattr(row, name, value)
    for kind in ("email", "phone"):
        if kind in data:
            value = (data[kind] or "").strip() or None
            index = None
            if value is not None:
                try:
                    index = cipher.blind_index(value, kind)
                except ValueError:
                    raise BadRequest(
                        f"{value[:80]!r} is not a valid {kind}", code=f"invalid_{kind}"
                    ) from None
            if creating or index != getattr(row, f"{kind}_bidx") or value != decrypt(cipher, row, kind):
                setattr(row, kind, cipher.encrypt(value, TABLE, kind, row.id) if value else None)
                setattr(row, f"{kind}_bidx", index)
                changes[kind] = ("before", "after")  # PII: audited by field name only
    changes |= _status(row, data, creating)
    if "owner_id" in data and (creating or data["owner_id"] != row.owner_id):
        await _check_owner(session, data["owner_id"])
        changes["owner_id"] = (None if creating else row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    if "tags" in data:
        changes["tags"] = (list(row.tags or []), _tags(data["tags"] or []))
        row.tags = _tags(data["tags"] or [])
    if "custom_fields" in data and data["custom_fields"] is not None:
        checked = custom_values.validate(definitions, data["custom_fields"], creating=creating)
        row.__dict__["_pending_custom"] = checked
        for key, value in checked.items():
            changes[f"cf.{key}"] = ("before", "after") if definitions[key].is_pii else (None, value)
    elif creating:
        custom_values.validate(definitions, {}, creating=True)
    return changes


def _pii(definitions: dict[str, CustomFieldDefinition]) -> set[str]:
    return PII_AUDIT | {f"cf.{key}" for key, definition in definitions.items() if definition.is_pii}


async def _flush_related(
    session: AsyncSession, cipher: OrgCipher, row: Lead, definitions: dict[str, CustomFieldDefinition]
) -> None:
    custom = row.__dict__.pop("_pending_custom", None)
    if custom:
        await custom_values.write(session, cipher, definitions, row.id, custom)


async def create(session: AsyncSession, runtime: Runtime, principal: Principal, body: LeadCreate) -> LeadOut:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    data = body.model_dump(exclude_unset=True)
    if not any(
        (data.get(name) or "").strip()
        for name in ("first_name", "last_name", "email", "phone", "company_name")
    ):
        raise BadRequest("a lead needs a name, an e-mail, a phone or a company", code="empty_lead")
    data.setdefault("owner_id", principal.user_id)
    row = Lead(
        id=uuid.uuid4(), created_by=principal.user_id, first_name="", last_name="", tags=[], status="new"
    )
    changes = await _apply(session, cipher, row, data, definitions, creating=True)
    session.add(row)
    await session.flush()
    await _flush_related(session, cipher, row, definitions)
    await session.refresh(row)
    await record_event(
        session,
        action="lead.create",
        actor=principal,
        entity_type=OBJECT,
        entity_id=row.id,
        changes=changes,
        pii_fields=_pii(definitions),
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "created", actor_id=principal.user_id),
    )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, cipher, custom[row.id])


async def in_scope(
    session: AsyncSession,
    principal: Principal,
    lead_id: uuid.UUID,
    action: Action,
    *,
    include_deleted: bool = False,
    for_update: bool = False,
) -> Lead:
    """The lead if the caller's scope for ``action`` reaches it; otherwise 404 (never 403)."""
    statement = select(Lead).where(
        Lead.id == lead_id, scope_clause(principal.scope("leads", action), Lead.owner_id, principal)
    )
    if not include_deleted:
        statement = statement.where(Lead.deleted_at.is_(None))
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("no such lead")
    return row


async def get(session: AsyncSession, runtime: Runtime, principal: Principal, lead_id: uuid.UUID) -> LeadOut:
    scope = scope_clause(principal.scope("leads", Action.read), Lead.owner_id, principal)
    row = await get_row(session, Lead, (*OUT_COLUMNS, custom_values.values_column(TABLE)), lead_id, scope)
    if row is None:
        raise NotFound("no such lead")
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    return to_out(row, cipher, custom_values.Decoder(cipher, definitions)(row.id, row.custom_values))


async def list_leads(
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
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    specs = field_specs()
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    params: ListParams = parse_params(query, specs, custom_specs, DEFAULT_SORT)
    result = await run_list(
        session,
        Lead,
        params=params,
        fields=specs,
        custom_definitions=definitions,
        cipher=cipher,
        scope=scope_clause(principal.scope("leads", Action.read), Lead.owner_id, principal),
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


async def touch(session: AsyncSession, row: Lead) -> None:
    row.version += 1
    row.updated_at = (await session.execute(text("SELECT now()"))).scalar_one()


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    lead_id: uuid.UUID,
    body: LeadPatch,
    *,
    expected_version: int | None,
) -> LeadOut:
    row = await in_scope(session, principal, lead_id, Action.update, for_update=True)
    check_version(row.version, expected_version if expected_version is not None else body.version)
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    data = body.model_dump(exclude_unset=True, exclude={"version"})
    changes = await _apply(session, cipher, row, data, definitions, creating=False)
    if changes:
        await touch(session, row)
        await session.flush()
        await _flush_related(session, cipher, row, definitions)
        await record_event(
            session,
            action="lead.update",
            actor=principal,
            entity_type=OBJECT,
            entity_id=row.id,
            changes=changes,
            pii_fields=_pii(definitions),
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id,
                OBJECT,
                (row.id,),
                "updated",
                frozenset(changes),
                actor_id=principal.user_id,
            ),
        )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, cipher, custom[row.id])


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, lead_id: uuid.UUID
) -> None:
    row = await in_scope(session, principal, lead_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.version += 1
    await record_event(session, action="lead.delete", actor=principal, entity_type=OBJECT, entity_id=row.id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "deleted", actor_id=principal.user_id),
    )


async def restore(
    session: AsyncSession, runtime: Runtime, principal: Principal, lead_id: uuid.UUID
) -> LeadOut:
    row = await in_scope(session, principal, lead_id, Action.delete, include_deleted=True)
    if row.deleted_at is None:
        raise Conflict("this lead is not deleted", code="not_deleted")
    row.deleted_at = None
    row.version += 1
    await record_event(session, action="lead.restore", actor=principal, entity_type=OBJECT, entity_id=row.id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "restored", actor_id=principal.user_id),
    )
    return await get(session, runtime, principal, lead_id)


async def erase(session: AsyncSession, runtime: Runtime, principal: Principal, lead_id: uuid.UUID) -> None:
    """GDPR erasure: the lead and its data go for good; the audit keeps only that it happened."""
    await in_scope(session, principal, lead_id, Action.delete, include_deleted=True)
    await purge_record(session, runtime, OBJECT, lead_id)
    await repository.erase(session, lead_id)
    await record_event(session, action="lead.erase", actor=principal, entity_type=OBJECT, entity_id=lead_id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (lead_id,), "erased", actor_id=principal.user_id),
    )
