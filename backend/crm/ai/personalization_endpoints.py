"""Next-best actions on contacts and deals, e-mail templates and drafts: the AI service behind RBAC,
the ``ai.personalization`` flag and audit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from crm.ai import personalization
from crm.ai.endpoints import UNAVAILABLE
from crm.ai.personalization_schemas import EmailDraftIn, EmailDraftOut, EmailTemplateOut, NextActionsOut
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.flags.dependencies import require_flag

router = APIRouter(tags=["ai"])
# The matrix cell is ai:read; the record itself is read through its service, in the caller's
# scope for that record type (404 outside it).
PERSONALIZATION = [Depends(require_flag("ai.personalization"))]


@router.get(
    "/contacts/{contact_id}/next-best-actions",
    response_model=NextActionsOut,
    dependencies=PERSONALIZATION,
    responses=UNAVAILABLE,
)
async def contact_next_best_actions(
    contact_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> NextActionsOut:
    """What to do next with a contact, highest priority first, each with its reason and the facts it
    read (a hot lead gone quiet, an unhappy customer, a happy one with nothing open, ...)."""
    return await personalization.next_best_actions(session, runtime, principal, "contact", contact_id)


@router.get(
    "/deals/{deal_id}/next-best-actions",
    response_model=NextActionsOut,
    dependencies=PERSONALIZATION,
    responses=UNAVAILABLE,
)
async def deal_next_best_actions(
    deal_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> NextActionsOut:
    """What to do next with a deal, highest priority first, each with its reason (rescue a slipping
    deal, chase overdue tasks, re-engage after silence, ...)."""
    return await personalization.next_best_actions(session, runtime, principal, "deal", deal_id)


@router.get(
    "/ai/email-templates",
    response_model=list[EmailTemplateOut],
    dependencies=PERSONALIZATION,
    responses=UNAVAILABLE,
)
async def email_templates(
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> list[EmailTemplateOut]:
    """The e-mail templates and the merge fields each reads."""
    return await personalization.email_templates(runtime, principal)


@router.post(
    "/ai/email-drafts",
    response_model=EmailDraftOut,
    dependencies=PERSONALIZATION,
    responses={**UNAVAILABLE, 404: {"description": "no such template, contact or deal"}},
)
async def email_draft(
    body: EmailDraftIn,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> EmailDraftOut:
    """A draft e-mail from a template with its merge fields filled from the contact and/or deal (and
    their company, and you as the sender). With an LLM configured it is personalised, personal data
    replaced by placeholders before it leaves and restored after; otherwise, or if the LLM fails,
    the template's own text. `generator` says which; nothing is sent or stored."""
    return await personalization.email_draft(session, runtime, principal, body)
