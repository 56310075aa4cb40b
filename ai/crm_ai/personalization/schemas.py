from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(min_length=1, max_length=64)]
Days = Annotated[int, Field(ge=0, le=36_500)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Sentiment = Literal["positive", "neutral", "negative"]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class DealFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    name: Annotated[str, Field(max_length=200)] | None = None
    stage: Annotated[str, Field(min_length=1, max_length=100)]
    stage_probability: Probability
    amount: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)] | None = None
    win_probability: Probability | None = Field(default=None, description="From the forecast, if known.")
    days_since_last_activity: Days | None = Field(default=None, description="None: never any activity.")
    days_to_close: Annotated[int, Field(ge=-36_500, le=36_500)] | None = Field(
        default=None, description="Expected close date minus today (< 0: overdue)."
    )
    close_slippage_days: Annotated[int, Field(ge=-3650, le=3650)] = 0
    overdue_tasks: Count = 0
    upcoming_meeting: bool = False
    decision_maker_engaged: bool | None = None
    last_sentiment: Sentiment | None = None


class ContactFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    lead_score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    days_since_last_activity: Days | None = None
    email_opens_14d: Count = 0
    email_clicks_14d: Count = 0
    web_visits_14d: Count = 0
    open_deals: Count = 0
    is_customer: bool = False
    last_sentiment: Sentiment | None = None
    email_opt_out: bool = False
    has_phone: bool = True


class ActionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deals: list[DealFacts] = Field(default_factory=list, max_length=1000)
    contacts: list[ContactFacts] = Field(default_factory=list, max_length=1000)
    max_actions: Annotated[int, Field(ge=1, le=10)] = 3

    @model_validator(mode="after")
    def _something(self) -> ActionsRequest:
        if not self.deals and not self.contacts:
            raise ValueError("send at least one deal or contact")
        return self


class ActionOut(BaseModel):
    action: str
    priority: int = Field(description="0-100, higher first.")
    channel: Literal["call", "email", "meeting", "task", "none"]
    due_in_days: int
    reason: str
    signals: dict[str, Any] = Field(description="The inputs the rule read.")


class SubjectActions(BaseModel):
    type: Literal["deal", "contact"]
    id: str
    actions: list[ActionOut]


class ActionsResponse(BaseModel):
    version: str
    results: list[SubjectActions]


FieldValue = str | int | float | bool | None


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="A built-in template id (GET /v1/email-templates); or give subject+body."
    )
    language: Annotated[str, Field(min_length=2, max_length=8)] = "en"
    subject: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Custom template."
    )
    body: Annotated[str, Field(max_length=20_000)] | None = None
    fields: dict[str, dict[str, FieldValue] | FieldValue] = Field(
        default_factory=dict, description="Merge fields, e.g. {'contact': {'first_name': 'Marta'}}."
    )
    use_llm: bool = Field(default=False, description="Personalise with the configured LLM (PII redacted).")
    instructions: Annotated[str, Field(max_length=1000)] | None = None
    people: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="More names to keep from the LLM."
    )
    allow_missing: bool = Field(default=False, description="Return a draft even if merge fields are missing.")

    @model_validator(mode="after")
    def _one_source(self) -> DraftRequest:
        custom = self.subject is not None or self.body is not None
        if custom == (self.template is not None):
            raise ValueError("give either template or subject and body")
        if custom and (self.subject is None or self.body is None):
            raise ValueError("a custom template needs both subject and body")
        return self


class DraftResponse(BaseModel):
    subject: str
    body: str
    generator: Literal["template", "llm"]
    template: str | None
    language: str
    model: str | None = None
    llm_error: str | None = Field(default=None, description="Why the LLM was not used, if it was asked for.")
    missing_fields: list[str]
    redacted: dict[str, int] = Field(description="Placeholders sent instead of personal data, by kind.")


class TemplateOut(BaseModel):
    id: str
    language: str
    purpose: str
    subject: str
    body: str
    fields: list[str]
