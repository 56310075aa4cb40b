"""Deals: create, read, list, edit, move on the board, soft delete/restore, hard delete.

Record scope follows the permission matrix exactly as contacts do (Sales reach only the deals
they own): a deal out of the caller's scope is a 404, and a write may not hand a deal to
someone out of the caller's scope. Amounts are a field-level permission: without
``deal_amounts:read`` answers carry ``amount: null`` and filtering, sorting or writing by
amount is refused (403). Every write is audited and announced on pub/sub after commit.
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
from crm.core.security.crypto import OrgCipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.deal import repository, writes
from crm.deal.schemas import DEAL_STATUSES, DealCreate, DealOut, DealPatch
from crm.kit.followups import Change, record_change
from crm.kit.jsonout import ItemPage
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import check_version, scope_clause
from crm.kit.rows import get_row, out_columns
from crm.models import CustomFieldDefinition, Deal, DealContact
from crm.pipeline.board import amounts_visible, place

OBJECT = "deal"
DEFAULT_SORT = SortSpec("updated_at", descending=True)
AMOUNT_FIELDS = frozenset({"amount"})


@cache
def field_specs() -> Mapping[str, FieldSpec]:
    """How the list filters and sorts each field: built once, shared, read-only."""
    return MappingProxyType(
        {
            "name": FieldSpec(Kind.text, Deal.name, sortable=True, nullable=False),
            "amount": FieldSpec(
                Kind.number,
                Deal.amount,
                sortable=True,
                float_twin=Deal.amount_float,
                sort_columns=(Deal.amount_float, Deal.amount),  # see FieldSpec.float_twin
            ),
            "currency": FieldSpec(Kind.text, Deal.currency),
            "pipeline_id": FieldSpec(Kind.uuid, Deal.pipeline_id),
            "stage_id": FieldSpec(Kind.uuid, Deal.stage_id),
            "status": FieldSpec(Kind.enum, Deal.status, choices=DEAL_STATUSES),
            "owner_id": FieldSpec(Kind.uuid, Deal.owner_id),
            "company_id": FieldSpec(Kind.uuid, Deal.company_id),
            "probability": FieldSpec(Kind.number, Deal.probability, sortable=True),
            "expected_close_date": FieldSpec(Kind.date, Deal.expected_close_date, sortable=True),
            "closed_at": FieldSpec(Kind.datetime, Deal.closed_at, sortable=True),
            "stage_entered_at": FieldSpec(
                Kind.datetime, Deal.stage_entered_at, sortable=True, nullable=False
            ),
            "tags": FieldSpec(Kind.tags, Deal.tags),
            "created_at": FieldSpec(Kind.datetime, Deal.created_at, sortable=True, nullable=False),
            "updated_at": FieldSpec(Kind.datetime, Deal.updated_at, sortable=True, nullable=False),
        }
    )


# What ``to_out`` reads: lists and gets select these as plain rows (crm.kit.rows).
OUT_COLUMNS = out_columns(Deal, DealOut)


def item(row: Any, custom: dict[str, Any], contact_ids: list[uuid.UUID], show_amount: bool) -> dict[str, Any]:
    """The API shape of a deal: a ``Deal`` instance or a row of ``OUT_COLUMNS``."""
    return {
        "id": row.id,
        "name": row.name,
        "amount": row.amount if show_amount else None,
        "currency": row.currency,
        "pipeline_id": row.pipeline_id,
        "stage_id": row.stage_id,
        "probability": row.probability,
        "expected_close_date": row.expected_close_date,
        "owner_id": row.owner_id,
        "company_id": row.company_id,
        "contact_ids": contact_ids,
        "status": row.status,
        "lost_reason": row.lost_reason,
        "closed_at": row.closed_at,
        "stage_entered_at": row.stage_entered_at,
        "board_rank": row.board_rank,
        "tags": list(row.tags or []),
        "custom_fields": custom,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
    }


def to_out(row: Any, custom: dict[str, Any], contact_ids: list[uuid.UUID], show_amount: bool) -> DealOut:
    """The API shape of a deal as its model."""
    return DealOut.model_validate(item(row, custom, contact_ids, show_amount))


def _pii_custom(definitions: dict[str, CustomFieldDefinition]) -> set[str]:
    return {f"cf.{key}" for key, definition in definitions.items() if definition.is_pii}


async def out(
    session: AsyncSession,
    principal: Principal,
    cipher: OrgCipher,
    definitions: dict[str, CustomFieldDefinition],
    row: Any,
) -> DealOut:
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    contacts = await repository.contacts_of(session, [row.id])
    return to_out(row, custom[row.id], contacts[row.id], amounts_visible(principal))


async def create(session: AsyncSession, runtime: Runtime, principal: Principal, body: DealCreate) -> DealOut:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    data = body.model_dump(exclude_unset=True)
    data.setdefault("owner_id", principal.user_id)
    row = Deal(id=uuid.uuid4(), created_by=principal.user_id, tags=[], status="open")
    changes = await writes.apply(session, runtime, principal, row, data, definitions, creating=True)
    session.add(row)
    await session.flush()
    await writes.flush_related(session, principal, cipher, row, definitions)
    await session.refresh(row)
    await record_event(
        session,
        action="deal.create",
        actor=principal,
        entity_type=OBJECT,
        entity_id=row.id,
        changes=changes,
        pii_fields=_pii_custom(definitions),
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "created", actor_id=principal.user_id),
    )
    return await out(session, principal, cipher, definitions, row)


async def in_scope(
    session: AsyncSession,
    principal: Principal,
    deal_id: uuid.UUID,
    action: Action,
    *,
    include_deleted: bool = False,
    for_update: bool = False,
) -> Deal:
    """The deal if the caller's scope for ``action`` reaches it; otherwise 404 (never 403: no probing)."""
    statement = select(Deal).where(
        Deal.id == deal_id, writes.visible(principal.scope("deals", action), Deal.owner_id, principal)
    )
    if not include_deleted:
        statement = statement.where(Deal.deleted_at.is_(None))
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("no such deal")
    return row


async def get(session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID) -> DealOut:
    scope = writes.visible(principal.scope("deals", Action.read), Deal.owner_id, principal)
    row = await get_row(
        session,
        Deal,
        (*OUT_COLUMNS, custom_values.values_column("deals"), repository.CONTACT_IDS),
        deal_id,
        scope,
    )
    if row is None:
        raise NotFound("no such deal")
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    custom = custom_values.Decoder(cipher, definitions)(row.id, row.custom_values)
    return to_out(row, custom, row.contact_ids or [], amounts_visible(principal))


def _contact_filter(
    query: Sequence[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[ColumnElement[bool]]]:
    """``contact_id=<id>`` (deals linking this contact) is answered through deal_contacts."""
    rest: list[tuple[str, str]] = []
    where: list[ColumnElement[bool]] = []
    for key, raw in query:
        if key.partition("__")[0] != "contact_id":
            rest.append((key, raw))
            continue
        if key != "contact_id":
            raise BadRequest("contact_id: only equality is supported", code="invalid_filter")
        try:
            contact_id = uuid.UUID(raw)
        except ValueError:
            raise BadRequest(f"contact_id: {raw[:60]!r} is not a valid uuid", code="invalid_filter") from None
        where.append(Deal.id.in_(select(DealContact.deal_id).where(DealContact.contact_id == contact_id)))
    return rest, where


async def list_deals(
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
    show = amounts_visible(principal)
    if not show and any(
        key.partition("__")[0] in AMOUNT_FIELDS or (key == "sort" and raw.lstrip("-") in AMOUNT_FIELDS)
        for key, raw in query
    ):
        raise writes.deny_amounts()
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    specs = field_specs()
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    rest, extra = _contact_filter(query)
    params: ListParams = parse_params(rest, specs, custom_specs, DEFAULT_SORT)
    result = await run_list(
        session,
        Deal,
        params=params,
        fields=specs,
        custom_definitions=definitions,
        cipher=cipher,
        scope=scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal),
        extra_where=extra,
        q=q,
        cursor=cursor,
        limit=limit,
        include_deleted=include_deleted,
        want_total=want_total,
        columns=(*OUT_COLUMNS, custom_values.values_column("deals"), repository.CONTACT_IDS),
    )
    custom = custom_values.Decoder(cipher, definitions)
    return ItemPage(
        [item(row, custom(row.id, row.custom_values), row.contact_ids or [], show) for row in result.rows],
        result.next_cursor,
        result.total,
    )


async def touch(session: AsyncSession, row: Deal) -> None:
    row.version += 1
    row.updated_at = (await session.execute(text("SELECT now()"))).scalar_one()


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    deal_id: uuid.UUID,
    body: DealPatch,
    *,
    expected_version: int | None,
) -> DealOut:
    row = await in_scope(session, principal, deal_id, Action.update, for_update=True)
    check_version(row.version, expected_version if expected_version is not None else body.version)
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    data = body.model_dump(exclude_unset=True, exclude={"version"})
    changes = await writes.apply(session, runtime, principal, row, data, definitions, creating=False)
    if changes:
        await touch(session, row)
        await session.flush()
        await writes.flush_related(session, principal, cipher, row, definitions)
        await record_event(
            session,
            action="deal.update",
            actor=principal,
            entity_type=OBJECT,
            entity_id=row.id,
            changes=changes,
            pii_fields=_pii_custom(definitions),
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
    return await out(session, principal, cipher, definitions, row)


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID
) -> None:
    row = await in_scope(session, principal, deal_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.version += 1
    await record_event(session, action="deal.delete", actor=principal, entity_type=OBJECT, entity_id=row.id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "deleted", actor_id=principal.user_id),
    )


async def restore(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID
) -> DealOut:
    row = await in_scope(session, principal, deal_id, Action.delete, include_deleted=True)
    if row.deleted_at is None:
        raise Conflict("this deal is not deleted", code="not_deleted")
    row.deleted_at = None
    row.version += 1
    # Its old rank may since have been given to another card: it comes back at the bottom.
    row.board_rank = await place(session, principal, row.stage_id, row.id)
    await record_event(session, action="deal.restore", actor=principal, entity_type=OBJECT, entity_id=row.id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "restored", actor_id=principal.user_id),
    )
    return await get(session, runtime, principal, deal_id)


async def erase(session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID) -> None:
    """Hard delete: the deal, its contact links, stage history and activities; the audit remains."""
    await in_scope(session, principal, deal_id, Action.delete, include_deleted=True)
    await purge_record(session, runtime, OBJECT, deal_id)
    await repository.erase(session, deal_id)
    await record_event(session, action="deal.erase", actor=principal, entity_type=OBJECT, entity_id=deal_id)
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (deal_id,), "erased", actor_id=principal.user_id),
    )
