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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from crm.audit.service import record_event
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.contact.service import cipher_for
from crm.core.errors import BadRequest, Conflict, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.deal import repository, stages
from crm.deal.schemas import DEAL_STATUSES, DealCreate, DealMove, DealOut, DealPatch, StageChangeOut
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.pagination import Page
from crm.kit.query import run_list
from crm.kit.records import check_version, publish_change, scope_clause
from crm.models import Company, Contact, CustomFieldDefinition, Deal, DealContact, Membership
from crm.pipeline import service as pipelines_service
from crm.pipeline.board import amounts_visible, place
from crm.pipeline.repository import set_ranks

OBJECT = "deal"
DEFAULT_SORT = SortSpec("updated_at", descending=True)
AMOUNT_FIELDS = frozenset({"amount"})


def field_specs() -> dict[str, FieldSpec]:
    return {
        "name": FieldSpec(Kind.text, Deal.name, sortable=True, nullable=False),
        "amount": FieldSpec(Kind.number, Deal.amount, sortable=True),
        "currency": FieldSpec(Kind.text, Deal.currency),
        "pipeline_id": FieldSpec(Kind.uuid, Deal.pipeline_id),
        "stage_id": FieldSpec(Kind.uuid, Deal.stage_id),
        "status": FieldSpec(Kind.enum, Deal.status, choices=DEAL_STATUSES),
        "owner_id": FieldSpec(Kind.uuid, Deal.owner_id),
        "company_id": FieldSpec(Kind.uuid, Deal.company_id),
        "probability": FieldSpec(Kind.number, Deal.probability, sortable=True),
        "expected_close_date": FieldSpec(Kind.date, Deal.expected_close_date, sortable=True),
        "closed_at": FieldSpec(Kind.datetime, Deal.closed_at, sortable=True),
        "stage_entered_at": FieldSpec(Kind.datetime, Deal.stage_entered_at, sortable=True, nullable=False),
        "tags": FieldSpec(Kind.tags, Deal.tags),
        "created_at": FieldSpec(Kind.datetime, Deal.created_at, sortable=True, nullable=False),
        "updated_at": FieldSpec(Kind.datetime, Deal.updated_at, sortable=True, nullable=False),
    }


def to_out(row: Deal, custom: dict[str, Any], contact_ids: list[uuid.UUID], show_amount: bool) -> DealOut:
    return DealOut(
        id=row.id,
        name=row.name,
        amount=row.amount if show_amount else None,
        currency=row.currency,
        pipeline_id=row.pipeline_id,
        stage_id=row.stage_id,
        probability=row.probability,
        expected_close_date=row.expected_close_date,
        owner_id=row.owner_id,
        company_id=row.company_id,
        contact_ids=contact_ids,
        status=row.status,
        lost_reason=row.lost_reason,
        closed_at=row.closed_at,
        stage_entered_at=row.stage_entered_at,
        board_rank=row.board_rank,
        tags=list(row.tags or []),
        custom_fields=custom,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


def _tags(tags: list[str]) -> list[str]:
    return sorted({tag.strip()[:60] for tag in tags if tag.strip()})


def _deny_amounts() -> Forbidden:
    return Forbidden("your role may not see deal amounts", code="forbidden")


def _visible(scope: Scope, owner_column: Any, principal: Principal) -> ColumnElement[bool]:
    return false() if scope is Scope.none else scope_clause(scope, owner_column, principal)


async def _check_owner(
    session: AsyncSession, principal: Principal, action: Action, owner_id: uuid.UUID | None
) -> None:
    """The owner is a member, and within the caller's scope for ``action`` (Sales: themself)."""
    if owner_id is not None:
        found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
        if found.first() is None:
            raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")
    scope = principal.scope("deals", action)
    if scope is not Scope.all and not await repository.reaches(
        session, _visible(scope, repository.owner_literal(owner_id), principal)
    ):
        raise Forbidden(
            f"your role may only give deals to owners within its {scope.label} scope", code="forbidden"
        )


async def _apply(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    row: Deal,
    data: dict[str, Any],
    definitions: dict[str, CustomFieldDefinition],
    *,
    creating: bool,
) -> dict[str, tuple[Any, Any]]:
    """Write ``data`` into ``row`` and return the audit changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    if "amount" in data and not amounts_visible(principal):
        raise _deny_amounts()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise BadRequest("a deal needs a name", code="invalid_name")
    for name in ("name", "amount", "currency", "expected_close_date"):
        settable = name in data and (data[name] is not None or name in ("amount", "expected_close_date"))
        if settable and (creating or data[name] != getattr(row, name)):
            changes[name] = (None if creating else getattr(row, name), data[name])
            setattr(row, name, data[name])
    if "owner_id" in data and (creating or data["owner_id"] != row.owner_id):
        await _check_owner(session, principal, Action.create if creating else Action.update, data["owner_id"])
        changes["owner_id"] = (None if creating else row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    if "company_id" in data and (creating or data["company_id"] != row.company_id):
        if data["company_id"] is not None and not await repository.company_visible(
            session,
            data["company_id"],
            _visible(principal.scope("companies", Action.read), Company.owner_id, principal),
        ):
            raise NotFound("no such company")
        changes["company_id"] = (None if creating else row.company_id, data["company_id"])
        row.company_id = data["company_id"]
    if data.get("contact_ids") is not None:
        wanted = list(dict.fromkeys(data["contact_ids"]))
        scope = _visible(principal.scope("contacts", Action.read), Contact.owner_id, principal)
        if wanted and len(await repository.visible_contacts(session, wanted, scope)) != len(wanted):
            raise NotFound("no such contact")
        before = [] if creating else (await repository.contacts_of(session, [row.id]))[row.id]
        if creating or sorted(before) != sorted(wanted):
            changes["contact_ids"] = (before, wanted)
            row.__dict__["_pending_contacts"] = wanted
    if "tags" in data:
        changes["tags"] = (list(row.tags or []), _tags(data["tags"] or []))
        row.tags = _tags(data["tags"] or [])
    pipelines = await pipelines_service.ensure(session, runtime, principal)
    stage = stages.target_stage(pipelines, None if creating else row, data)
    if stage is not None:
        changes |= await stages.enter_stage(
            session,
            pipelines,
            principal,
            row,
            stage,
            lost_reason=data.get("lost_reason"),
            probability=data.get("probability"),
            creating=creating,
        )
    else:
        if "probability" in data and data["probability"] != row.probability:
            changes["probability"] = (row.probability, data["probability"])
            row.probability = data["probability"]
        if "lost_reason" in data and data["lost_reason"] != row.lost_reason:
            reason = (data["lost_reason"] or "").strip() or None
            if row.status != "lost" and reason is not None:
                raise BadRequest("only a lost deal has a lost reason", code="not_lost")
            if row.status == "lost" and reason is None:
                raise BadRequest("a lost deal needs a reason (lost_reason)", code="lost_reason_required")
            changes["lost_reason"] = (row.lost_reason, reason)
            row.lost_reason = reason
    if "custom_fields" in data and data["custom_fields"] is not None:
        checked = custom_values.validate(definitions, data["custom_fields"], creating=creating)
        row.__dict__["_pending_custom"] = checked
        for key, value in checked.items():
            changes[f"cf.{key}"] = ("before", "after") if definitions[key].is_pii else (None, value)
    elif creating:
        custom_values.validate(definitions, {}, creating=True)
    return changes


async def _flush_related(
    session: AsyncSession,
    principal: Principal,
    cipher: OrgCipher,
    row: Deal,
    definitions: dict[str, CustomFieldDefinition],
) -> None:
    stages.record_stage_change(session, principal, row)
    contacts = row.__dict__.pop("_pending_contacts", None)
    if contacts is not None:
        await repository.replace_contacts(session, row.id, contacts)
    custom = row.__dict__.pop("_pending_custom", None)
    if custom:
        await custom_values.write(session, cipher, definitions, row.id, custom)
    await session.flush()


def _pii_custom(definitions: dict[str, CustomFieldDefinition]) -> set[str]:
    return {f"cf.{key}" for key, definition in definitions.items() if definition.is_pii}


async def _out(
    session: AsyncSession,
    principal: Principal,
    cipher: OrgCipher,
    definitions: dict[str, CustomFieldDefinition],
    row: Deal,
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
    changes = await _apply(session, runtime, principal, row, data, definitions, creating=True)
    session.add(row)
    await session.flush()
    await _flush_related(session, principal, cipher, row, definitions)
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
    publish_change(session, runtime, principal.organization_id, OBJECT, row.id, "created")
    return await _out(session, principal, cipher, definitions, row)


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
        Deal.id == deal_id, _visible(principal.scope("deals", action), Deal.owner_id, principal)
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
    row = await in_scope(session, principal, deal_id, Action.read)
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    return await _out(session, principal, cipher, definitions, row)


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
) -> Page[DealOut]:
    show = amounts_visible(principal)
    if not show and any(
        key.partition("__")[0] in AMOUNT_FIELDS or (key == "sort" and raw.lstrip("-") in AMOUNT_FIELDS)
        for key, raw in query
    ):
        raise _deny_amounts()
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
    )
    ids = [row.id for row in result.rows]
    custom = await custom_values.read(session, cipher, definitions, ids)
    contacts = await repository.contacts_of(session, ids)
    return Page[DealOut](
        items=[to_out(row, custom[row.id], contacts[row.id], show) for row in result.rows],
        next_cursor=result.next_cursor,
        total=result.total,
    )


async def _touch(session: AsyncSession, row: Deal) -> None:
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
    changes = await _apply(session, runtime, principal, row, data, definitions, creating=False)
    if changes:
        await _touch(session, row)
        await session.flush()
        await _flush_related(session, principal, cipher, row, definitions)
        await record_event(
            session,
            action="deal.update",
            actor=principal,
            entity_type=OBJECT,
            entity_id=row.id,
            changes=changes,
            pii_fields=_pii_custom(definitions),
        )
        publish_change(session, runtime, principal.organization_id, OBJECT, row.id, "updated")
    return await _out(session, principal, cipher, definitions, row)


async def move(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID, body: DealMove
) -> DealOut:
    """Stage and position in one call: a new rank between the neighbours, stage history when
    the stage changes, an audit record and a live event."""
    row = await in_scope(session, principal, deal_id, Action.update, for_update=True)
    pipelines = await pipelines_service.ensure(session, runtime, principal)
    stage = pipelines.stage(body.stage_id)
    if stage is None:
        raise NotFound("no such stage")
    if stage.pipeline_id != row.pipeline_id:
        raise BadRequest(
            "this stage belongs to another pipeline (change pipeline_id with PATCH)",
            code="stage_not_in_pipeline",
        )
    before_rank = row.board_rank
    if stage.id != row.stage_id:
        changes = await stages.enter_stage(
            session,
            pipelines,
            principal,
            row,
            stage,
            lost_reason=body.lost_reason,
            probability=None,
            creating=False,
            after_id=body.after_id,
            before_id=body.before_id,
        )
        await _touch(session, row)
    else:
        changes = {}
        rank = await place(
            session, principal, stage.id, row.id, after_id=body.after_id, before_id=body.before_id
        )
        # A new place in the same column is not an edit: no version, no updated_at.
        await set_ranks(session, [(row.id, rank)])
        set_committed_value(row, "board_rank", rank)
    changes["board_rank"] = (before_rank, row.board_rank)
    await session.flush()
    stages.record_stage_change(session, principal, row)
    await session.flush()
    await record_event(
        session, action="deal.move", actor=principal, entity_type=OBJECT, entity_id=row.id, changes=changes
    )
    publish_change(session, runtime, principal.organization_id, OBJECT, row.id, "moved")
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    return await _out(session, principal, cipher, definitions, row)


async def stage_history(
    session: AsyncSession, principal: Principal, deal_id: uuid.UUID
) -> list[StageChangeOut]:
    await in_scope(session, principal, deal_id, Action.read)
    return [
        StageChangeOut(
            id=change.id,
            from_stage_id=change.from_stage_id,
            to_stage_id=change.to_stage_id,
            changed_at=change.changed_at,
            changed_by=change.changed_by,
        )
        for change in await repository.stage_history(session, deal_id)
    ]


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID
) -> None:
    row = await in_scope(session, principal, deal_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.version += 1
    await record_event(session, action="deal.delete", actor=principal, entity_type=OBJECT, entity_id=row.id)
    publish_change(session, runtime, principal.organization_id, OBJECT, row.id, "deleted")


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
    publish_change(session, runtime, principal.organization_id, OBJECT, row.id, "restored")
    return await get(session, runtime, principal, deal_id)


async def erase(session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID) -> None:
    """Hard delete: the deal, its contact links, stage history and activities; the audit remains."""
    await in_scope(session, principal, deal_id, Action.delete, include_deleted=True)
    await repository.erase(session, deal_id)
    await record_event(session, action="deal.erase", actor=principal, entity_type=OBJECT, entity_id=deal_id)
    publish_change(session, runtime, principal.organization_id, OBJECT, deal_id, "erased")
