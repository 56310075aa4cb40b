"""The timeline of a contact, company, lead or deal: its activities, the stage changes of its
deals and its field changes (from the audit trail), merged newest first.

One statement finds the page over the merged stream — a UNION ALL of the three sources, each
walking its own index, cut at the cursor ``(time, source, key)`` and at the page size — and at
most three more load the page's entries: a constant number of queries per page. Each source
shows only what the caller may see: activities need ``activities:read``, stage changes come
from deals within the caller's deal scope, and amounts leave field changes for roles
without ``deal_amounts:read``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity import repository
from crm.activity.schemas import TimelineEntry, TimelineEvent, TimelinePage, TimelineStageChange
from crm.activity.service import OUT_COLUMNS, read_scope, to_out
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.kit.pagination import decode_cursor, encode_cursor
from crm.models import Activity, Company, Contact, Deal, DealContact, DealStageChange, Lead
from crm.pipeline import service as pipelines

RecordType = Literal["contact", "company", "lead", "deal"]
_RECORDS: dict[str, tuple[Any, str, Any]] = {
    "contact": (Contact, "contacts", Activity.contact_id),
    "company": (Company, "companies", Activity.company_id),
    "lead": (Lead, "leads", Activity.lead_id),
    "deal": (Deal, "deals", Activity.deal_id),
}
CURSOR_KIND = "timeline"
HIDDEN_WITHOUT_AMOUNTS = frozenset({"amount"})


def _stage_where(
    principal: Principal, record: RecordType, record_id: uuid.UUID
) -> list[ColumnElement[bool]] | None:
    if not principal.can("deals", Action.read):
        return None
    scope = read_scope(principal, "deals", Deal.owner_id)
    if record == "deal":
        return [DealStageChange.deal_id == record_id, scope]
    if record == "company":
        return [Deal.company_id == record_id, scope]
    if record == "contact":
        return [Deal.id.in_(select(DealContact.deal_id).where(DealContact.contact_id == record_id)), scope]
    return None


def _event(principal: Principal, record: RecordType, row: Any) -> TimelineEvent:
    changes = dict(row.changes or {})
    if record == "deal" and not principal.can("deal_amounts", Action.read):
        changes = {name: value for name, value in changes.items() if name not in HIDDEN_WITHOUT_AMOUNTS}
    return TimelineEvent(
        action=row.action,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        changes=changes,
        redacted_fields=list(row.redacted_fields or []),
    )


async def timeline(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    record: RecordType,
    record_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
) -> TimelinePage:
    model, resource, activity_link = _RECORDS[record]
    if not await repository.record_visible(
        session, model, record_id, read_scope(principal, resource, model.owner_id)
    ):
        raise NotFound(f"no such {record}")
    after = None
    if cursor:
        at, source, key = decode_cursor(cursor, CURSOR_KIND, 3)
        if not isinstance(at, dt.datetime) or not isinstance(source, str) or not isinstance(key, str):
            raise BadRequest(
                "this cursor is invalid for this list; start again without it", code="invalid_cursor"
            )
        after = (at, source, key)
    keys = await repository.timeline_keys(
        session,
        activity_where=[activity_link == record_id] if principal.can("activities", Action.read) else None,
        stage_where=_stage_where(principal, record, record_id),
        entity_type=record,
        entity_id=record_id,
        after=after,
        limit=limit + 1,
    )
    page, more = keys[:limit], len(keys) > limit
    activities = await repository.activities(
        session, [uuid.UUID(key) for _, source, key in page if source == "activity"], OUT_COLUMNS
    )
    changes = await repository.stage_changes(
        session, [uuid.UUID(key) for _, source, key in page if source == "stage_change"]
    )
    events = await repository.audit_events(
        session, [int(key) for _, source, key in page if source == "field_change"]
    )
    stage_names: dict[uuid.UUID, str] = {}
    if changes:
        known = await pipelines.load(session, runtime, principal.organization_id)
        stage_names = {stage.id: stage.name for pipeline in known.items for stage in pipeline.stages}
    now = dt.datetime.now(dt.UTC)
    items: list[TimelineEntry] = []
    for at, source, key in page:
        if source == "activity" and uuid.UUID(key) in activities:
            items.append(
                TimelineEntry(
                    type="activity", at=at, id=key, activity=to_out(activities[uuid.UUID(key)], now)
                )
            )
        elif source == "stage_change" and uuid.UUID(key) in changes:
            change, deal_name = changes[uuid.UUID(key)]
            items.append(
                TimelineEntry(
                    type="stage_change",
                    at=at,
                    id=key,
                    stage_change=TimelineStageChange(
                        deal_id=change.deal_id,
                        deal_name=deal_name,
                        from_stage_id=change.from_stage_id,
                        from_stage=stage_names.get(change.from_stage_id) if change.from_stage_id else None,
                        to_stage_id=change.to_stage_id,
                        to_stage=stage_names.get(change.to_stage_id),
                        changed_by=change.changed_by,
                    ),
                )
            )
        elif source == "field_change" and int(key) in events:
            items.append(
                TimelineEntry(
                    type="field_change", at=at, id=key, event=_event(principal, record, events[int(key)])
                )
            )
    last = page[-1] if page else None
    return TimelinePage(
        items=items, next_cursor=encode_cursor(CURSOR_KIND, list(last)) if more and last else None
    )
