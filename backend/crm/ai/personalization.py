"""Next-best actions for a contact or deal, and e-mail drafts from templates, through the AI service.

The backend reads the record (in the caller's scope: 404 otherwise) and sends the AI service only
the facts its rules read (days since the last activity, slippage, sentiment, ...), never the
record itself. Drafts send merge-field values; the AI service replaces personal data by
placeholders before anything reaches an LLM and restores it after. Each call is audited with the
model and version that acted; the audit keeps the facts, never the draft's text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import personalization_repository as repo
from crm.ai.client import INTERACTIVE, AIRejected, CallTimeout, client_for
from crm.ai.personalization_schemas import (
    EmailDraftIn,
    EmailDraftOut,
    EmailTemplateOut,
    NextActionOut,
    NextActionsOut,
)
from crm.ai.service import subject_of
from crm.audit.service import record_event
from crm.auth.principal import ActorType, Principal
from crm.contact import service as contacts
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.deal import service as deals
from crm.forecast.repository import first_close_dates

MODEL = "next_best_actions"
DRAFT_MODEL = "email_drafts"
MAX_ACTIONS = 5
# An LLM may take its time (the AI service gives it 20 s by default, then falls back).
DRAFT_TIMEOUT = CallTimeout(read=30.0, total=35.0)


def _days_between(later: dt.datetime, earlier: dt.datetime | None) -> int | None:
    return None if earlier is None else max(0, min(36_500, (later - earlier).days))


async def _now(session: AsyncSession) -> dt.datetime:
    return (await session.execute(text("SELECT now()"))).scalar_one()  # type: ignore[no-any-return]


async def _deal_facts(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID, now: dt.datetime
) -> dict[str, Any]:
    deal = await deals.get(session, runtime, principal, deal_id)
    stage, probability = await repo.stage_of(session, deal.stage_id)
    seen = await repo.activity_facts(session, "deal_id", deal.id, now)
    first = (await first_close_dates(session, [deal.id])).get(deal.id)
    slippage = 0
    if first is not None and deal.expected_close_date is not None:
        slippage = max(-3650, min(3650, (deal.expected_close_date - first).days))
    days_to_close = None
    if deal.expected_close_date is not None:
        days_to_close = max(-36_500, min(36_500, (deal.expected_close_date - now.date()).days))
    return {
        "id": str(deal.id),
        "name": deal.name,
        "stage": stage,
        # Closed deals have nothing left to do: the rules see them at 0 or 1.
        "stage_probability": {"won": 1.0, "lost": 0.0}.get(deal.status, probability / 100),
        "amount": None if deal.amount is None else float(deal.amount),
        "days_since_last_activity": _days_between(now, seen.last_activity_at),
        "days_to_close": days_to_close,
        "close_slippage_days": slippage,
        "overdue_tasks": seen.overdue_tasks,
        "upcoming_meeting": seen.upcoming_meeting,
        "last_sentiment": seen.last_sentiment,
    }


async def _contact_facts(
    session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID, now: dt.datetime
) -> dict[str, Any]:
    contact = await contacts.get(session, runtime, principal, contact_id)
    seen = await repo.activity_facts(session, "contact_id", contact.id, now)
    score = await repo.contact_lead_score(session, contact.id)
    return {
        "id": str(contact.id),
        "lead_score": None if score is None else round(min(max(score, 0.0), 1.0) * 100, 2),
        "days_since_last_activity": _days_between(now, seen.last_activity_at),
        "open_deals": await repo.open_deals_of_contact(session, contact.id),
        "is_customer": contact.lifecycle_stage == "customer",
        "last_sentiment": seen.last_sentiment,
        # Without recorded consent to e-mail, the rules suggest another channel.
        "email_opt_out": not contact.consent_email,
        "has_phone": bool(contact.phones),
    }


async def next_best_actions(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    record_type: Literal["contact", "deal"],
    record_id: uuid.UUID,
) -> NextActionsOut:
    now = await _now(session)
    if record_type == "deal":
        payload: dict[str, Any] = {"deals": [await _deal_facts(session, runtime, principal, record_id, now)]}
    else:
        payload = {"contacts": [await _contact_facts(session, runtime, principal, record_id, now)]}
    answer = await client_for(runtime.settings).call(
        "POST",
        "/v1/next-best-actions",
        org_id=str(principal.organization_id),
        subject=subject_of(principal),
        json={**payload, "max_actions": MAX_ACTIONS},
        idempotent=True,
        limits=INTERACTIVE,
    )
    (result,) = answer["results"]
    actions = [NextActionOut(**a) for a in result["actions"]]
    await record_event(
        session,
        action="ai.next_best_actions",
        actor=principal,
        actor_type=ActorType.ai,
        entity_type=record_type,
        entity_id=record_id,
        meta={"model": MODEL, "version": answer["version"], "actions": [a.action for a in actions]},
    )
    return NextActionsOut(
        record_type=record_type, record_id=record_id, model=MODEL, version=answer["version"], actions=actions
    )


async def email_templates(runtime: Runtime, principal: Principal) -> list[EmailTemplateOut]:
    answer = await client_for(runtime.settings).call(
        "GET",
        "/v1/email-templates",
        org_id=str(principal.organization_id),
        subject=subject_of(principal),
        idempotent=True,
    )
    return [EmailTemplateOut(**t) for t in answer]


async def _merge_fields(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: EmailDraftIn
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    company_id = None
    if body.contact_id is not None:
        contact = await contacts.get(session, runtime, principal, body.contact_id)
        fields["contact"] = {
            "first_name": contact.first_name or None,
            "last_name": contact.last_name or None,
            "job_title": contact.job_title,
        }
        company_id = contact.company_id
        if company_id is None and contact.company_name:
            fields["company"] = {"name": contact.company_name}
    if body.deal_id is not None:
        deal = await deals.get(session, runtime, principal, body.deal_id)
        fields["deal"] = {"name": deal.name}
        company_id = company_id or deal.company_id
    company = await repo.company_name(session, company_id)
    if company is not None:
        fields["company"] = {"name": company[0], "industry": company[1]}
    sender = await repo.user_name(session, principal.user_id)
    if sender:
        fields["sender"] = {"name": sender}
    if body.next_step:
        fields["next_step"] = body.next_step
    meeting = {"when": body.meeting_when, "proposed_time": body.meeting_proposed_time}
    if any(meeting.values()):
        fields["meeting"] = {k: v for k, v in meeting.items() if v}
    return fields


async def email_draft(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: EmailDraftIn
) -> EmailDraftOut:
    """A draft from a template and the records' merge fields; the LLM personalises it when one is
    configured and asked for, otherwise (or if it fails) the template's own text comes back."""
    fields = await _merge_fields(session, runtime, principal, body)
    request = {
        "template": body.template,
        "language": body.language,
        "fields": fields,
        "instructions": body.instructions,
        "allow_missing": True,
    }
    ai = client_for(runtime.settings)
    call: dict[str, Any] = {
        "org_id": str(principal.organization_id),
        "subject": subject_of(principal),
        "idempotent": True,
        "limits": DRAFT_TIMEOUT,
    }
    llm_error = None
    try:
        answer = await ai.call("POST", "/v1/email-drafts", json={**request, "use_llm": body.use_llm}, **call)
    except AIRejected as exc:
        if exc.upstream == "not_found":
            raise NotFound(f"no template {body.template!r} in language {body.language!r}") from None
        if exc.upstream != "llm_not_configured":
            raise BadRequest(exc.detail, code="invalid_draft_request") from None
        # No LLM on this server: the deterministic template draft, saying so.
        llm_error = "no LLM is configured on this server"
        answer = await ai.call("POST", "/v1/email-drafts", json={**request, "use_llm": False}, **call)
    out = EmailDraftOut(
        subject=answer["subject"],
        body=answer["body"],
        generator=answer["generator"],
        model=answer.get("model"),
        llm_error=answer.get("llm_error") or llm_error,
        template=body.template,
        language=body.language,
        missing_fields=answer["missing_fields"],
        redacted=answer["redacted"],
    )
    await record_event(
        session,
        action="ai.email_draft",
        actor=principal,
        actor_type=ActorType.ai,
        entity_type="contact" if body.contact_id else "deal",
        entity_id=body.contact_id or body.deal_id,
        meta={
            "model": out.model or DRAFT_MODEL,
            "version": out.generator,
            "template": body.template,
            "generator": out.generator,
            "redacted": out.redacted,
        },
    )
    return out
