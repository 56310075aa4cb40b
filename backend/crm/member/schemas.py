from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example, list_example
from crm.models.tenancy import Role


class MemberOut(BaseModel):
    model_config = example(
        {
            "user_id": ex.USER_ID,
            "email": ex.CONTACT_EMAIL,
            "full_name": ex.CONTACT_NAME,
            "role": "sales",
            "mfa_enabled": True,
            "joined_at": ex.CREATED_AT,
        }
    )
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    mfa_enabled: bool
    joined_at: dt.datetime


class MemberList(BaseModel):
    model_config = example(list_example(MemberOut))
    items: list[MemberOut]


class MemberUpdate(BaseModel):
    model_config = example(
        {"role": "marketing"},
        extra="forbid",
    )
    role: Role


class InvitationCreate(BaseModel):
    model_config = example(
        {"email": "javier.moreno@example.com", "role": "support"},
        extra="forbid",
    )
    email: str = Field(min_length=3, max_length=320)
    role: Role


class InvitationOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "email": "javier.moreno@example.com",
            "role": "support",
            "created_at": ex.CREATED_AT,
            "expires_at": "2026-03-09T09:15:00Z",
        },
        from_attributes=True,
    )
    id: uuid.UUID
    email: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationList(BaseModel):
    model_config = example(list_example(InvitationOut))
    items: list[InvitationOut]


class InvitationAccept(BaseModel):
    model_config = example(
        {
            "token": "inv_Jx8kQ2mZ7pL4vN9r",
            "full_name": "Javier Moreno",
            "password": "correct horse battery staple",
        },
        extra="forbid",
    )
    token: str = Field(min_length=10, max_length=200)
    full_name: str | None = Field(default=None, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
