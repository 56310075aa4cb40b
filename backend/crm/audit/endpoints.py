"""The audit trail for admins: query it, or export it as CSV."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from crm.audit import service
from crm.audit.schemas import AuditEventPage, AuditFilters
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import ActorType, Principal
from crm.core.deps import RuntimeDep, tenant_unit_of_work

router = APIRouter(prefix="/audit-events", tags=["audit"])


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # A time given without an offset means UTC, not the database session's zone.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def audit_filters(
    actor_id: Annotated[uuid.UUID | None, Query(description="who acted (user or API key id)")] = None,
    actor_type: Annotated[ActorType | None, Query()] = None,
    action: Annotated[
        str | None,
        Query(max_length=100, description="exact action, or a prefix ending in `*` (`contact.*`)"),
    ] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[dt.datetime | None, Query(description="from this time (inclusive, ISO 8601)")] = None,
    until: Annotated[dt.datetime | None, Query(description="before this time (exclusive, ISO 8601)")] = None,
) -> AuditFilters:
    return AuditFilters(
        actor_id=actor_id,
        actor_type=actor_type,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=_utc(since),
        until=_utc(until),
    )


Filters = Annotated[AuditFilters, Depends(audit_filters)]


@router.get("", response_model=AuditEventPage)
async def list_audit_events(
    # Declared before the session, so a refused caller never opens a transaction.
    principal: Annotated[Principal, Depends(require_permission("audit", "read"))],
    session: TenantSession,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditEventPage:
    """List the organisation's audit events, newest first.

    Every write and security event is here: who (user, API key, service or AI), what action
    on which record, the changed fields (values of personal data and secrets are never kept,
    only the field names, in `redacted_fields`), from which IP and device, with the request
    and trace ids. Narrow with the filters; page with `limit` and the previous `next_cursor`.
    """
    return await service.list_events(session, principal.organization_id, filters, limit=limit, cursor=cursor)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"example": service.example_csv()}},
            "description": "the matching events as CSV",
        }
    },
)
async def export_audit_events(
    principal: Annotated[Principal, Depends(require_permission("audit", "export"))],
    session: TenantSession,
    runtime: RuntimeDep,
    filters: Filters,
) -> StreamingResponse:
    """Export the matching audit events as CSV, oldest first, streamed (no size limit).

    The export itself is recorded in the trail (`audit.export`, with the filters used).
    """
    await service.record_event(session, action="audit.export", actor=principal, meta=filters.as_meta())

    async def rows() -> AsyncIterator[str]:
        # The request's transaction ends before the body is sent; the stream reads in its own.
        async with tenant_unit_of_work(runtime, principal.organization_id, principal.user_id) as reader:
            async for chunk in service.export_csv(reader, principal.organization_id, filters):
                yield chunk

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-events-{stamp}.csv"'},
    )
