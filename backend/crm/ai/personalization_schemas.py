"""Payloads of next-best actions and e-mail drafts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class NextActionOut(BaseModel):
    action: str = Field(description="e.g. rescue_slipping_deal, follow_up_hot_lead")
    priority: int = Field(description="0-100, highest first.")
    channel: Literal["call", "email", "meeting", "task", "none"]
    due_in_days: int
    reason: str
    signals: dict[str, Any] = Field(description="The facts the rule read.")


class NextActionsOut(BaseModel):
    record_type: Literal["contact", "deal"]
    record_id: uuid.UUID
    model: str
    version: str
    actions: list[NextActionOut]


class EmailTemplateOut(BaseModel):
    id: str
    language: str
    purpose: str
    subject: str
    body: str
    fields: list[str] = Field(description="Merge fields it reads, e.g. contact.first_name.")


class EmailDraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    subject: str
    body: str
    generator: Literal["template", "llm"] = Field(description="Which produced this draft.")
    model: str | None = Field(description="The LLM's model name when it wrote the draft.")
    llm_error: str | None = Field(description="Why the LLM was not used although asked for.")
    template: str
    language: str
    missing_fields: list[str] = Field(description="Merge fields with no value, left as written.")
    redacted: dict[str, int] = Field(description="Personal data replaced by placeholders, by kind.")
