"""Request and response bodies of the /auth endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, IPvAnyAddress


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    organization_id: uuid.UUID | None = None


class MfaVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = Field(min_length=10, max_length=2048)
    code: str = Field(min_length=6, max_length=32)


class SwitchOrganizationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization_id: uuid.UUID


class OrganizationChoice(BaseModel):
    id: uuid.UUID
    name: str
    role: str


class TokenResponse(BaseModel):
    status: Literal["signed_in"] = "signed_in"
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_at: dt.datetime
    organization_id: uuid.UUID
    role: str
    mfa_enrollment_required: bool = False


class MfaRequiredResponse(BaseModel):
    status: Literal["mfa_required"] = "mfa_required"
    mfa_token: str


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    user_id: uuid.UUID
    method: str
    mfa: bool
    ip: IPvAnyAddress | None
    browser: str | None
    os: str | None
    device: str | None
    new_device: bool
    created_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None
    current: bool = False


class SessionList(BaseModel):
    items: list[SessionOut]


class MeResponse(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    organization_id: uuid.UUID
    organization_name: str
    role: str
    mfa_enabled: bool
    mfa_enrollment_required: bool
    recovery_codes_remaining: int = Field(description="unused MFA recovery codes (0 without MFA)")
    permissions: dict[str, str]
    organizations: list[OrganizationChoice]


class TotpSetupResponse(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


class TotpCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=32)


class RecoveryCodesResponse(BaseModel):
    recovery_codes: list[str]


class SignedOut(BaseModel):
    sessions_ended: int
