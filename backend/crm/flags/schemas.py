"""Shapes of the flags API."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example, list_example
from crm.models.tenancy import Role


class FlagOverrideRead(BaseModel):
    model_config = example(
        {"role": "marketing", "enabled": False, "updated_at": ex.UPDATED_AT, "updated_by": ex.USER_ID}
    )
    role: Role | None = Field(description="The role it applies to; null for the whole organisation.")
    enabled: bool
    updated_at: dt.datetime
    updated_by: uuid.UUID | None


class FlagRead(BaseModel):
    model_config = example(
        {
            "key": "ai.sentiment",
            "description": "Sentiment of emails, calls, chats and notes.",
            "default": True,
            "enabled": True,
            "overrides": [
                {"role": "marketing", "enabled": False, "updated_at": ex.UPDATED_AT, "updated_by": ex.USER_ID}
            ],
            "effective_by_role": {"admin": True, "sales": True, "marketing": False, "support": True},
        }
    )
    key: str
    description: str
    default: bool = Field(description="The value coded into the app, used when nothing overrides it.")
    enabled: bool = Field(
        description="Effective for the organisation: its org-wide override, else the default."
    )
    overrides: list[FlagOverrideRead]
    effective_by_role: dict[Role, bool] = Field(
        description="Effective for members of each role: the role's override, else the org-wide value."
    )


class FlagList(BaseModel):
    model_config = example(list_example(FlagRead))
    items: list[FlagRead]


class FlagUpdate(BaseModel):
    model_config = example(
        {"enabled": False, "role": "marketing"},
        extra="forbid",
    )

    enabled: bool
    role: Role | None = Field(default=None, description="Override for one role only; omit for everyone.")


class EffectiveFlags(BaseModel):
    model_config = example({"flags": {"ai.sentiment": True, "ai.forecasting": False}})
    flags: dict[str, bool] = Field(description="Every flag's value for the caller.")
