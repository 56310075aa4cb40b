"""Shapes of the API-keys API. The full key appears in one response only: the one that creates it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from crm.auth.permissions import Action
from crm.kit import examples as ex
from crm.kit.examples import example, list_example

ScopeName = Literal["own", "team", "all"]


class KeyStatus(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class PermissionGrant(BaseModel):
    """One cell of the permission matrix, with the record scope the key gets on it."""

    model_config = example(
        {"resource": "contacts", "action": "read", "scope": "all"},
        extra="forbid",
    )

    resource: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    action: Action
    scope: ScopeName = "all"


class ApiKeyCreate(BaseModel):
    model_config = example(
        {
            "name": "Booking system sync",
            "permissions": [
                {"resource": "contacts", "action": "read", "scope": "all"},
                {"resource": "activities", "action": "create", "scope": "all"},
            ],
            "expires_at": "2027-03-01T00:00:00Z",
        },
        extra="forbid",
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    permissions: list[PermissionGrant] = Field(
        min_length=1, max_length=200, description="Cells you hold yourself, each at most at your own scope."
    )
    expires_at: AwareDatetime | None = Field(default=None, description="Omit for a key that never expires.")


class ApiKeyRead(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "name": "Booking system sync",
            "prefix": "cgk_7Hq2",
            "permissions": [{"resource": "contacts", "action": "read", "scope": "all"}],
            "status": "active",
            "created_by": ex.USER_ID,
            "created_at": ex.CREATED_AT,
            "expires_at": "2027-03-01T00:00:00Z",
            "last_used_at": ex.UPDATED_AT,
            "last_used_ip": "198.51.100.7",
            "revoked_at": None,
        }
    )
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's public start, to tell keys apart; not a secret.")
    permissions: list[PermissionGrant]
    status: KeyStatus
    created_by: uuid.UUID | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None = Field(description="Updated at most once a minute.")
    last_used_ip: str | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyRead):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "name": "Booking system sync",
            "prefix": "cgk_7Hq2",
            "permissions": [{"resource": "contacts", "action": "read", "scope": "all"}],
            "status": "active",
            "created_by": ex.USER_ID,
            "created_at": ex.CREATED_AT,
            "expires_at": "2027-03-01T00:00:00Z",
            "last_used_at": None,
            "last_used_ip": None,
            "revoked_at": None,
            "token": "cgk_7Hq2.b3BlbmFwaS1leGFtcGxlLW9ubHk",
        }
    )
    token: str = Field(description="The key itself. Shown only now: store it, it cannot be read again.")


class ApiKeyPage(BaseModel):
    model_config = example(list_example(ApiKeyRead, next_cursor=None))
    items: list[ApiKeyRead]
    next_cursor: str | None
