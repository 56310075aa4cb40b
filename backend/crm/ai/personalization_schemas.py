"""Payloads of next-best actions and e-mail drafts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from crm.kit import examples as ex
from crm.kit.examples import example

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class NextActionOut(BaseModel):
    model_config = example(
        {
            "action": "rescue_deal",
            "priority": 85,
            "channel": "call",
            "due_in_days": 1,
            "reason": "expected close is in 5 days and the deal has not moved for 3 weeks",
            "signals": {"days_to_close": 5, "stage": "Treatment plan sent"},
        }
    )
    action: str = Field(description="e.g. rescue_slipping_deal, follow_up_hot_lead")
    priority: int = Field(description="0-100, highest first.")
    channel: Literal["call", "email", "meeting", "task", "none"]
    due_in_days: int
    reason: str
    signals: dict[str, Any] = Field(description="The facts the rule read.")


class NextActionsOut(BaseModel):
    model_config = example(
        {
            "record_type": "deal",
            "record_id": ex.DEAL_ID,
            "model": "rules",
            "version": "1",
            "actions": [
                {
                    "action": "rescue_deal",
                    "priority": 85,
                    "channel": "call",
                    "due_in_days": 1,
                    "reason": "expected close is in 5 days and the deal has not moved for 3 weeks",
                    "signals": {"days_to_close": 5, "stage": "Treatment plan sent"},
                }
            ],
        }
    )
    record_type: Literal["contact", "deal"]
    record_id: uuid.UUID
    model: str
    version: str
    actions: list[NextActionOut]


class EmailTemplateOut(BaseModel):
    model_config = example(
        {
            "id": "follow_up",
            "language": "es",
            "purpose": "Tras una llamada o reunión",
            "subject": "Seguimiento de nuestra conversación",
            "body": "Hola {{contact.first_name}}:\n\nGracias por tu tiempo.\n",
            "fields": ["contact.first_name"],
        }
    )
    id: str
    language: str
    purpose: str
    subject: str
    body: str
    fields: list[str] = Field(description="Merge fields it reads, e.g. contact.first_name.")


class EmailDraftIn(BaseModel):
    model_config = example(
        {
            "template": "follow_up",
            "language": "es",
            "contact_id": ex.CONTACT_ID,
            "deal_id": ex.DEAL_ID,
            "next_step": "Te envío el presupuesto del implante esta semana.",
            "use_llm": True,
        },
        extra="forbid",
    )

    template: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="A template id from GET /ai/email-templates."
    )
    language: Annotated[str, StringConstraints(min_length=2, max_length=8)] = "en"
    contact_id: uuid.UUID | None = Field(default=None, description="Fills contact.* and company.*.")
    deal_id: uuid.UUID | None = Field(default=None, description="Fills deal.* (and company.* if no contact).")
    next_step: ShortText | None = None
    meeting_when: ShortText | None = Field(default=None, description="Fills meeting.when.")
    meeting_proposed_time: ShortText | None = Field(default=None, description="Fills meeting.proposed_time.")
    instructions: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = Field(
        default=None, description="For the LLM, e.g. 'shorter, mention the March pilot'."
    )
    use_llm: bool = Field(
        default=True,
        description="Personalise with the LLM when one is configured (personal data replaced by "
        "placeholders before it leaves); the template alone otherwise.",
    )

    @model_validator(mode="after")
    def _a_record(self) -> EmailDraftIn:
        if self.contact_id is None and self.deal_id is None:
            raise ValueError("give contact_id or deal_id (or both)")
        return self


class EmailDraftOut(BaseModel):
    model_config = example(
        {
            "subject": "Seguimiento de nuestra conversación",
            "body": "Hola Lucía:\n\nGracias por tu tiempo. Te envío el presupuesto esta semana.\n",
            "generator": "template",
            "model": None,
            "llm_error": None,
            "template": "follow_up",
            "language": "es",
            "missing_fields": [],
            "redacted": {},
        }
    )
    subject: str
    body: str
    generator: Literal["template", "llm"] = Field(description="Which produced this draft.")
    model: str | None = Field(description="The LLM's model name when it wrote the draft.")
    llm_error: str | None = Field(description="Why the LLM was not used although asked for.")
    template: str
    language: str
    missing_fields: list[str] = Field(description="Merge fields with no value, left as written.")
    redacted: dict[str, int] = Field(description="Personal data replaced by placeholders, by kind.")
