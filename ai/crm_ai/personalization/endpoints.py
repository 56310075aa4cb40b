from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep
from crm_ai.core.errors import AIError, NotFound
from crm_ai.personalization import actions
from crm_ai.personalization.drafts import compose
from crm_ai.personalization.schemas import (
    ActionOut,
    ActionsRequest,
    ActionsResponse,
    DraftRequest,
    DraftResponse,
    SubjectActions,
    TemplateOut,
)
from crm_ai.personalization.service import Personalization
from crm_ai.personalization.templates import BUILT_IN, INDEX

router = APIRouter(tags=["personalization"])


class MissingMergeFields(AIError):
    status_code = 422
    code = "missing_merge_fields"


class LLMNotConfigured(AIError):
    status_code = 409
    code = "llm_not_configured"


def _out(a: actions.Action) -> ActionOut:
    return ActionOut(
        action=a.action,
        priority=a.priority,
        channel=a.channel,
        due_in_days=a.due_in_days,
        reason=a.reason,
        signals=a.signals,
    )


@router.post("/next-best-actions", response_model=ActionsResponse)
async def next_best_actions(body: ActionsRequest, caller: Caller) -> ActionsResponse:
    """The next best actions for each deal and contact, highest priority first, each with its reason
    and the signals it read (rescue a slipping deal, follow up a hot lead gone quiet, ...)."""
    del caller
    results = [
        SubjectActions(
            type="deal",
            id=d.id,
            actions=[_out(a) for a in actions.top(actions.deal_actions(d), body.max_actions)],
        )
        for d in body.deals
    ] + [
        SubjectActions(
            type="contact",
            id=c.id,
            actions=[_out(a) for a in actions.top(actions.contact_actions(c), body.max_actions)],
        )
        for c in body.contacts
    ]
    return ActionsResponse(version=actions.VERSION, results=results)


@router.get("/email-templates", response_model=list[TemplateOut])
async def email_templates(caller: Caller) -> list[TemplateOut]:
    """The built-in e-mail templates with the merge fields each one reads."""
    del caller
    return [
        TemplateOut(
            id=t.id, language=t.language, purpose=t.purpose, subject=t.subject, body=t.body, fields=t.fields
        )
        for t in BUILT_IN
    ]


@router.post("/email-drafts", response_model=DraftResponse)
async def email_draft(body: DraftRequest, caller: Caller, hub: HubDep) -> DraftResponse:
    """A draft e-mail from a template and merge fields. With `use_llm` and an LLM configured, the
    draft is personalised by the LLM: names, e-mail addresses, phone numbers, IBANs, card and ID
    numbers are replaced by placeholders before the request leaves and restored in the answer. If
    the LLM fails, the template draft comes back with `llm_error`. 422 `missing_merge_fields`
    unless `allow_missing`; 409 `llm_not_configured` if `use_llm` is asked for without an LLM."""
    del caller
    service: Personalization = hub.get("personalization")
    if body.template is not None:
        template = INDEX.get((body.template, body.language))
        if template is None:
            raise NotFound(f"no template {body.template!r} in language {body.language!r}")
        subject_t, body_t = template.subject, template.body
    else:
        assert body.subject is not None
        assert body.body is not None
        subject_t, body_t = body.subject, body.body
    if body.use_llm and service.llm is None:
        raise LLMNotConfigured("no LLM is configured (CRM_AI_LLM_DRIVER=off): ask without use_llm")
    llm = service.llm if body.use_llm else None
    draft = await run_in_threadpool(
        compose,
        subject_t,
        body_t,
        body.fields,
        llm=llm,
        instructions=body.instructions,
        extra_people=body.people,
    )
    if draft.missing_fields and not body.allow_missing:
        raise MissingMergeFields("no value for " + ", ".join(draft.missing_fields))
    return DraftResponse(
        subject=draft.subject,
        body=draft.body,
        generator=draft.generator,
        template=body.template,
        language=body.language,
        model=draft.model,
        llm_error=draft.llm_error,
        missing_fields=draft.missing_fields,
        redacted=draft.redacted,
    )
