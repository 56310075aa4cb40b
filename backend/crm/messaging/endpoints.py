"""The email outbox, for admins: what the app sent or stored, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.messaging import service
from crm.messaging.schemas import EmailMessagePage

router = APIRouter(prefix="/outbox", tags=["outbox"])


@router.get("/emails", response_model=EmailMessagePage)
async def list_outbox_emails(
    # Declared before the session, so a refused caller never opens a transaction.
    principal: Annotated[Principal, Depends(require_permission("outbox", "read"))],
    session: TenantSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> EmailMessagePage:
    """List the organisation's outgoing emails, newest first, with their delivery status.

    With the ``outbox`` email driver nothing leaves the server and this is where invitations
    and password resets can be read. Pages with ``limit`` and the ``next_cursor`` of the
    previous page.
    """
    return await service.list_emails(session, limit=limit, cursor=cursor)
