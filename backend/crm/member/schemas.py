from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from crm.models.tenancy import Role


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    mfa_enabled: bool
    joined_at: dt.datetime


class MemberList(BaseModel):
    items: list[MemberOut]


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    role: Role


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    email: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationList(BaseModel):
    items: list[InvitationOut]


class InvitationAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=10, max_length=200)
    full_name: str | None = Field(default=None, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
