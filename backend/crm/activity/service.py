"""Activities (note, call, meeting, email, task): create, read, list, edit, complete, trash.

An activity links any of a contact, company, lead or deal; every link must be a record the
caller can see (else 404, as if it did not exist). Activities have no version column: their
version is ``updated_at`` in microseconds, which changes on every write, so If-Match works
as everywhere else. Every write is audited (the body by name only: notes hold personal
details) and announced on pub/sub after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity import repository
from crm.activity.schemas import ACTIVITY_KINDS, LINKS, ActivityCreate, ActivityOut, ActivityPatch
from crm.audit.service import record_event
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.kit.followups import Change, record_change
from crm.kit.jsonout import ItemPage
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import check_version, scope_clause
from crm.kit.rows import get_row, out_columns
from crm.models import Activity, Company, Contact, Deal, Lead, Membership

OBJECT = "activity"
DEFAULT_SORT = SortSpec("occurred_at", descending=True)
PII_AUDIT = {"body"}
# link column -> (model, permission resource, name in messages)
LINKED: dict[str, tuple[Any, str, str]] = {
    "contact_id": (Contact, "contacts", "contact"),
    "company_id": (Company, "companies", "company"),
    "lead_id": (Lead, "leads", "lead"),
    "deal_id": (Deal, "deals", "deal"),
}
FLAGS = ("overdue", "completed")


@cache
def field_specs() -> Mapping[str, FieldSpec]:
    """How the list filters and sorts each field: built once, shared, read-only."""
    return MappingProxyType(
        {
            "kind": FieldSpec(Kind.enum, Activity.kind, choices=ACTIVITY_KINDS),
            "subject": FieldSpec(Kind.text, Activity.subject),
            "owner_id": FieldSpec(Kind.uuid, Activity.owner_id),
            "contact_id": FieldSpec(Kind.uuid, Activity.contact_id),
            "company_id": FieldSpec(Kind.uuid, Activity.company_id),
            "lead_id": FieldSpec(Kind.uuid, Activity.lead_id),
            "deal_id": FieldSpec(Kind.uuid, Activity.deal_id),
            "occurred_at": FieldSpec(Kind.datetime, Activity.occurred_at, sortable=True, nullable=False),
            "due_at": FieldSpec(Kind.datetime, Activity.due_at, sortable=True),
            "reminder_at": FieldSpec(Kind.datetime, Activity.reminder_at),
            "completed_at": FieldSpec(Kind.datetime, Activity.completed_at, sortable=True),
            "created_at": FieldSpec(Kind.datetime, Activity.created_at, sortable=True, nullable=False),
            "updated_at": FieldSpec(Kind.datetime, Activity.updated_at, sortable=True, nullable=False),
        }
    )


def version_of(row: Any) -> int:
    return int(row.updated_at.timestamp() * 1_000_000)


# What ``to_out`` reads: lists and gets select these as plain rows (crm.kit.rows), with the
# transaction's now() (for ``overdue``) read along instead of by a query of its own.
OUT_COLUMNS = out_columns(Activity, ActivityOut, func.now().label("now"))


def item(row: Any, now: dt.datetime) -> dict[str, Any]:
    """The API shape of an activity: an ``Activity`` instance or a row of ``OUT_COLUMNS``."""
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "body": row.body,
        "occurred_at": row.occurred_at,
        "due_at": row.due_at,
        "reminder_at": row.reminder_at,
        "completed_at": row.completed_at,
        "overdue": row.completed_at is None and row.due_at is not None and row.due_at < now,
        "duration_minutes": row.duration_minutes,
        "owner_id": row.owner_id,
        "contact_id": row.contact_id,
        "company_id": row.company_id,
        "lead_id": row.lead_id,
        "deal_id": row.deal_id,
        "sentiment_label": row.sentiment_label,  # the table's CHECK keeps it to the three labels
        "sentiment_score": row.sentiment_score,
        "version": version_of(row),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
    }


def to_out(row: Any, now: dt.datetime) -> ActivityOut:
    """The API shape of an activity as its model."""
    return ActivityOut.model_validate(item(row, now))


def read_scope(principal: Principal, resource: str, owner_column: Any) -> ColumnElement[bool]:
    scope = principal.scope(resource, Action.read)
    return false() if scope is Scope.none else scope_clause(scope, owner_column, principal)


async def check_link(session: AsyncSession, principal: Principal, link: str, record_id: uuid.UUID) -> None:
    """404 unless the caller can see the linked record (another tenant's, trashed or out of scope)."""
    model, resource, name = LINKED[link]
    if not await repository.record_visible(
        session, model, record_id, read_scope(principal, resource, model.owner_id)
    ):
        raise NotFound(f"no such {name}")


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
    if found.first() is None:
        raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")


async def _now(session: AsyncSession) -> dt.datetime:
    value: dt.datetime = (await session.execute(text("SELECT now()"))).scalar_one()
    return value


async def _apply(
    session: AsyncSession, principal: Principal, row: Activity, data: dict[str, Any], *, creating: bool
) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for name in ("kind", "subject", "body", "occurred_at", "due_at", "reminder_at", "duration_minutes"):
        if name in data and (creating or data[name] != getattr(row, name)):
            if name == "kind" and data[name] is None:
                raise BadRequest("an activity has a kind", code="invalid_kind")
            value = data[name]
            if name in ("subject", "body") and value is not None:
                value = value.strip() or None
            changes[name] = (None if creating else getattr(row, name), value)
            setattr(row, name, value)
    if row.reminder_at is not None and row.due_at is not None and row.reminder_at > row.due_at:
        raise BadRequest("the reminder must be at or before the due date", code="invalid_reminder")
    if "owner_id" in data and (creating or data["owner_id"] != row.owner_id):
        await _check_owner(session, data["owner_id"])
        changes["owner_id"] = (None if creating else row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    for link in LINKS:
        if link in data and (creating or data[link] != getattr(row, link)):
            if data[link] is not None:
                await check_link(session, principal, link, data[link])
            changes[link] = (None if creating else getattr(row, link), data[link])
            setattr(row, link, data[link])
    if all(getattr(row, link) is None for link in LINKS):
        raise BadRequest("link the activity to a contact, company, lead or deal", code="unlinked")
    if data.get("completed") is not None and data["completed"] != (row.completed_at is not None):
        completed_at = await func_clock(session) if data["completed"] else None
        changes["completed_at"] = (row.completed_at, completed_at)
        row.completed_at = completed_at
    return changes


async def create(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: ActivityCreate
) -> ActivityOut:
    data = body.model_dump(exclude_unset=True)
    data.setdefault("owner_id", principal.user_id)
    row = Activity(id=uuid.uuid4())
    changes = await _apply(session, principal, row, data, creating=True)
    if row.occurred_at is None:
        row.occurred_at = await func_clock(session)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await record_event(
        session,
        action="activity.create",
        actor=principal,
        entity_type=OBJECT,
        entity_id=row.id,
        changes=changes,
        pii_fields=PII_AUDIT,
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "created", actor_id=principal.user_id),
    )
    return to_out(row, await _now(session))


async def in_scope(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    action: Action,
    *,
    include_deleted: bool = False,
) -> Activity:
    """The activity if the caller's scope for ``action`` reaches it; otherwise 404 (never 403)."""
    statement = select(Activity).where(
        Activity.id == activity_id,
        scope_clause(principal.scope("activities", action), Activity.owner_id, principal),
    )
    if not include_deleted:
        statement = statement.where(Activity.deleted_at.is_(None))
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("no such activity")
    return row


async def get(session: AsyncSession, principal: Principal, activity_id: uuid.UUID) -> ActivityOut:
    scope = scope_clause(principal.scope("activities", Action.read), Activity.owner_id, principal)
    row = await get_row(session, Activity, OUT_COLUMNS, activity_id, scope)
    if row is None:
        raise NotFound("no such activity")
    return to_out(row, row.now)


def _flags(query: Sequence[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[ColumnElement[bool]]]:
    """``overdue=true|false`` and ``completed=true|false`` are not columns but conditions."""
    rest: list[tuple[str, str]] = []
    where: list[ColumnElement[bool]] = []
    for key, raw in query:
        if key not in FLAGS:
            rest.append((key, raw))
            continue
        if raw.lower() not in ("true", "false"):
            raise BadRequest(f"{key}: must be true or false", code="invalid_filter")
        wanted = raw.lower() == "true"
        if key == "completed":
            where.append(Activity.completed_at.is_not(None) if wanted else Activity.completed_at.is_(None))
        else:
            overdue = Activity.completed_at.is_(None) & (Activity.due_at < func.now())
            where.append(overdue if wanted else ~overdue)
    return rest, where


async def list_activities(
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
    specs = field_specs()
    rest, extra = _flags(query)
    params: ListParams = parse_params(rest, specs, {}, DEFAULT_SORT)
    for condition in params.conditions:
        if condition.field in LINKED and condition.op == "eq":
            await check_link(session, principal, condition.field, condition.value)
    result = await run_list(
        session,
        Activity,
        params=params,
        fields=specs,
        custom_definitions={},
        # Activities have no custom fields: the cipher (for encrypted custom filters) is never used.
        cipher=None,  # type: ignore[arg-type]
        scope=scope_clause(principal.scope("activities", Action.read), Activity.owner_id, principal),
        extra_where=extra,
        q=q,
        cursor=cursor,
        limit=limit,
        include_deleted=include_deleted,
        want_total=want_total,
        columns=OUT_COLUMNS,
    )
    return ItemPage([item(row, row.now) for row in result.rows], result.next_cursor, result.total)


async def _save(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    row: Activity,
    changes: dict[str, tuple[Any, Any]],
    action: str,
) -> ActivityOut:
    if changes:
        row.updated_at = await func_clock(session)
        await session.flush()
        await record_event(
            session,
            action=action,
            actor=principal,
            entity_type=OBJECT,
            entity_id=row.id,
            changes=changes,
            pii_fields=PII_AUDIT,
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
    return to_out(row, await _now(session))


async def func_clock(session: AsyncSession) -> dt.datetime:
    # clock_timestamp, not now(): two writes in one transaction must still change the version.
    value: dt.datetime = (await session.execute(text("SELECT clock_timestamp()"))).scalar_one()
    return value


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    activity_id: uuid.UUID,
    body: ActivityPatch,
    *,
    expected_version: int | None,
) -> ActivityOut:
    row = await in_scope(session, principal, activity_id, Action.update)
    check_version(version_of(row), expected_version if expected_version is not None else body.version)
    changes = await _apply(
        session, principal, row, body.model_dump(exclude_unset=True, exclude={"version"}), creating=False
    )
    return await _save(session, runtime, principal, row, changes, "activity.update")


async def complete(
    session: AsyncSession, runtime: Runtime, principal: Principal, activity_id: uuid.UUID
) -> ActivityOut:
    row = await in_scope(session, principal, activity_id, Action.update)
    if row.completed_at is not None:
        raise Conflict("this activity is already completed", code="already_completed")
    changes = await _apply(session, principal, row, {"completed": True}, creating=False)
    return await _save(session, runtime, principal, row, changes, "activity.complete")


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, activity_id: uuid.UUID
) -> None:
    row = await in_scope(session, principal, activity_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.updated_at = await func_clock(session)
    await record_event(
        session, action="activity.delete", actor=principal, entity_type=OBJECT, entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "deleted", actor_id=principal.user_id),
    )


async def restore(
    session: AsyncSession, runtime: Runtime, principal: Principal, activity_id: uuid.UUID
) -> ActivityOut:
    row = await in_scope(session, principal, activity_id, Action.delete, include_deleted=True)
    if row.deleted_at is None:
        raise Conflict("this activity is not deleted", code="not_deleted")
    row.deleted_at = None
    row.updated_at = await func_clock(session)
    await record_event(
        session, action="activity.restore", actor=principal, entity_type=OBJECT, entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "restored", actor_id=principal.user_id),
    )
    return to_out(row, await _now(session))
