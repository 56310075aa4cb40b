"""/api/v1/notifications: the signed-in user's own notifications (assignments, reminders)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import CurrentPrincipal, TenantSession
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.core.errors import Forbidden
from crm.notification import service
from crm.notification.schemas import NotificationOut, NotificationPage, ReadAllOut

router = APIRouter(prefix="/notifications", tags=["notifications"])


async def member(principal: CurrentPrincipal) -> Principal:
    """Any signed-in member, for their own notifications: no permission cell, like ``/auth/me``.

    API keys act for no person and have no notifications; a session that still has to enrol in
    MFA gets nothing until it does.
    """
    if principal.user_id is None:
        raise Forbidden("notifications belong to people, not API keys", code="not_a_user")
    if principal.mfa_pending:
        raise Forbidden("your organisation requires MFA: enrol first", code="mfa_enrollment_required")
    return principal


Member = Annotated[Principal, Depends(member)]


@router.get("", response_model=NotificationPage)
async def list_notifications(
    principal: Member,
    session: TenantSession,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> NotificationPage:
    """Your notifications, newest first, with your unread count.

    Pages with ``limit`` and the ``next_cursor`` of the previous page. New ones are also pushed
    live on ``user:{id}:notifications``.
    """
    return await service.list_mine(session, principal, unread=unread, limit=limit, cursor=cursor)


@router.post("/read-all", response_model=ReadAllOut)
async def read_all_notifications(
    principal: Member, session: TenantSession, runtime: RuntimeDep
) -> ReadAllOut:
    """Mark all your unread notifications read."""
    return await service.read_all(session, runtime, principal)


@router.post("/{notification_id}/read", response_model=NotificationOut)
async def read_notification(
    notification_id: uuid.UUID, principal: Member, session: TenantSession, runtime: RuntimeDep
) -> NotificationOut:
    """Mark one of your notifications read (again is harmless; the first read time stays)."""
    return await service.read_one(session, runtime, principal, notification_id)
