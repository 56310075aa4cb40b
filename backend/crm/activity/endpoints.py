"""/api/v1/activities, and each record's timeline: /api/v1/{contacts,companies,leads,deals}/{id}/timeline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from crm.activity import bulk, service, timeline
from crm.activity.schemas import (
    ActivityBulkUpdate,
    ActivityCreate,
    ActivityOut,
    ActivityPatch,
    BulkDelete,
    BulkResponse,
    TimelinePage,
)
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.kit.jsonout import page_response
from crm.kit.pagination import Page, check_limit
from crm.kit.records import parse_if_match

router = APIRouter()

LIST_DOC = """List activities, latest first (`occurred_at`), with keyset pages (`limit` 1-200, `cursor`).

Filters: `field=value`, `field__in=a,b`, `__gte/__lte/__gt/__lt`, `__empty=true|false` on kind (note, call,
meeting, email, task), subject, owner_id, contact_id, company_id, lead_id, deal_id (a record you cannot
see is a 404), occurred_at, due_at, reminder_at, completed_at, created_at, updated_at; `overdue=true|false`
(not completed and due before now), `completed=true|false`. `sort=-occurred_at|due_at|completed_at|
created_at|updated_at`; `q=` full-text search on subject and body."""

TIMELINE_DOC = """The record's history, newest first: its activities, the stage changes of its deals
(a deal's own, or those of a contact's or company's deals) and its field changes from the audit trail,
merged into one keyset-paginated stream (`limit` 1-200, `cursor`)."""


@router.get("/activities", response_model=Page[ActivityOut], description=LIST_DOC, tags=["activities"])
async def list_activities(
    request: Request,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    include_deleted: bool = False,
    count: bool | None = None,
) -> Response:
    page = await service.list_activities(
        session,
        runtime,
        principal,
        query=list(request.query_params.multi_items()),
        limit=check_limit(limit),
        cursor=cursor,
        q=q,
        include_deleted=include_deleted,
        want_total=count if count is not None else cursor is None,
    )
    return page_response(page)


@router.post("/activities", response_model=ActivityOut, status_code=201, tags=["activities"])
async def create_activity(
    body: ActivityCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "create"))],
) -> ActivityOut:
    """Log a note, call, meeting or e-mail, or plan a task (`due_at`, `reminder_at`), linked to at least
    one contact, company, lead or deal that you can see."""
    return await service.create(session, runtime, principal, body)


@router.get("/activities/{activity_id}", response_model=ActivityOut, tags=["activities"])
async def get_activity(
    activity_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("activities", "read"))],
) -> JSONResponse:
    """One activity. The `ETag` is its version, for `If-Match` on PATCH."""
    activity = await service.get(session, principal, activity_id)
    return JSONResponse(activity.model_dump(mode="json"), headers={"ETag": f'"{activity.version}"'})


@router.patch(
    "/activities/{activity_id}",
    response_model=ActivityOut,
    responses={412: {"description": "the activity changed since the version you edited"}},
    tags=["activities"],
)
async def update_activity(
    activity_id: uuid.UUID,
    body: ActivityPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "update"))],
    if_match: Annotated[str | None, Header()] = None,
) -> ActivityOut:
    """Change some fields (`completed: false` reopens a task). Send `If-Match: "<version>"` (or
    `version`) to be told (412) instead of overwriting someone else's edit."""
    return await service.update(
        session, runtime, principal, activity_id, body, expected_version=parse_if_match(if_match)
    )


@router.post(
    "/activities/{activity_id}/complete",
    response_model=ActivityOut,
    responses={409: {"description": "already completed"}},
    tags=["activities"],
)
async def complete_activity(
    activity_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "update"))],
) -> ActivityOut:
    """Mark a task (or any activity) done now."""
    return await service.complete(session, runtime, principal, activity_id)


@router.delete("/activities/{activity_id}", status_code=204, tags=["activities"])
async def delete_activity(
    activity_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "delete"))],
) -> Response:
    """Move an activity to the trash (restorable)."""
    await service.soft_delete(session, runtime, principal, activity_id)
    return Response(status_code=204)


@router.post("/activities/{activity_id}/restore", response_model=ActivityOut, tags=["activities"])
async def restore_activity(
    activity_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "delete"))],
) -> ActivityOut:
    """Bring an activity back from the trash."""
    return await service.restore(session, runtime, principal, activity_id)


@router.post("/activities/bulk-update", response_model=BulkResponse, tags=["activities"])
async def bulk_update(
    body: ActivityBulkUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "update"))],
) -> BulkResponse:
    """Change the owner of, or complete/reopen, up to 500 activities; one result per activity."""
    return await bulk.bulk_update(session, runtime, principal, body)


@router.post("/activities/bulk-delete", response_model=BulkResponse, tags=["activities"])
async def bulk_delete(
    body: BulkDelete,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "delete"))],
) -> BulkResponse:
    """Trash up to 500 activities; one result per activity."""
    return await bulk.bulk_delete(session, runtime, principal, body)


@router.get(
    "/contacts/{record_id}/timeline", response_model=TimelinePage, description=TIMELINE_DOC, tags=["timeline"]
)
async def contact_timeline(
    record_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    return await timeline.timeline(
        session, runtime, principal, "contact", record_id, cursor=cursor, limit=limit
    )


@router.get(
    "/companies/{record_id}/timeline",
    response_model=TimelinePage,
    description=TIMELINE_DOC,
    tags=["timeline"],
)
async def company_timeline(
    record_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    return await timeline.timeline(
        session, runtime, principal, "company", record_id, cursor=cursor, limit=limit
    )


@router.get(
    "/leads/{record_id}/timeline", response_model=TimelinePage, description=TIMELINE_DOC, tags=["timeline"]
)
async def lead_timeline(
    record_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    return await timeline.timeline(session, runtime, principal, "lead", record_id, cursor=cursor, limit=limit)


@router.get(
    "/deals/{record_id}/timeline", response_model=TimelinePage, description=TIMELINE_DOC, tags=["timeline"]
)
async def deal_timeline(
    record_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    return await timeline.timeline(session, runtime, principal, "deal", record_id, cursor=cursor, limit=limit)
