"""Request and response bodies of the /auth endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field, IPvAnyAddress

from crm.kit import examples as ex
from crm.kit.examples import example, list_example


class SignInRequest(BaseModel):
    model_config = example(
        {"email": ex.CONTACT_EMAIL, "password": "correct horse battery staple"},
        extra="forbid",
    )
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    organization_id: uuid.UUID | None = None


class MfaVerifyRequest(BaseModel):
    model_config = example(
        {"mfa_token": "mfa.eyJzdWIiOiIyYjdlMWYzYyJ9.R2p4", "code": "492817"},
        extra="forbid",
    )
    mfa_token: str = Field(min_length=10, max_length=2048)
    code: str = Field(min_length=6, max_length=32)


class SwitchOrganizationRequest(BaseModel):
    model_config = example(
        {"organization_id": ex.ORGANIZATION_ID},
        extra="forbid",
    )
    organization_id: uuid.UUID


class OrganizationChoice(BaseModel):
    model_config = example({"id": ex.ORGANIZATION_ID, "name": "Sonrisa Dental Group", "role": "sales"})
    id: uuid.UUID
    name: str
    role: str


class TokenResponse(BaseModel):
    model_config = example(
        {
            "status": "signed_in",
            "access_token": "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIyYjdlMWYzYyJ9.c2lnbmF0dXJl",
            "token_type": "Bearer",
            "expires_at": "2026-03-05T16:55:00Z",
            "organization_id": ex.ORGANIZATION_ID,
            "role": "sales",
            "mfa_enrollment_required": False,
        }
    )
    status: Literal["signed_in"] = "signed_in"
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_at: dt.datetime
    organization_id: uuid.UUID
    role: str
    mfa_enrollment_required: bool = False


class MfaRequiredResponse(BaseModel):
    model_config = example({"status": "mfa_required", "mfa_token": "mfa.eyJzdWIiOiIyYjdlMWYzYyJ9.R2p4"})
    status: Literal["mfa_required"] = "mfa_required"
    mfa_token: str


class SessionOut(BaseModel):
    model_config = example(
        {
            "id": ex.SESSION_ID,
            "user_id": ex.USER_ID,
            "method": "password",
            "mfa": True,
            "ip": "203.0.113.24",
            "browser": "Firefox 132",
            "os": "macOS",
            "device": "desktop",
            "new_device": False,
            "created_at": ex.CREATED_AT,
            "last_seen_at": ex.UPDATED_AT,
            "revoked_at": None,
            "current": True,
        },
        from_attributes=True,
    )
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
    model_config = example(list_example(SessionOut))
    items: list[SessionOut]


class MeResponse(BaseModel):
    model_config = example(
        {
            "user_id": ex.USER_ID,
            "email": ex.CONTACT_EMAIL,
            "full_name": ex.CONTACT_NAME,
            "organization_id": ex.ORGANIZATION_ID,
            "organization_name": "Sonrisa Dental Group",
            "role": "sales",
            "mfa_enabled": True,
            "mfa_enrollment_required": False,
            "recovery_codes_remaining": 8,
            "permissions": {"contacts:read": "all", "deals:update": "own"},
            "organizations": [{"id": ex.ORGANIZATION_ID, "name": "Sonrisa Dental Group", "role": "sales"}],
        }
    )
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
    model_config = example(
        {
            "secret": "JBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/CliniGlobal:lucia.fernandez%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CliniGlobal",
            "qr_svg_data_uri": "data:image/svg+xml;base64,PHN2Zy8+",
        }
    )
    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


class TotpCodeRequest(BaseModel):
    model_config = example(
        {"code": "492817"},
        extra="forbid",
    )
    code: str = Field(min_length=6, max_length=32)


class RecoveryCodesResponse(BaseModel):
    model_config = example({"recovery_codes": ["7f3k-9q2m", "c8v1-x4zt", "p0r6-b5nh"]})
    recovery_codes: list[str]


class SignedOut(BaseModel):
    model_config = example({"sessions_ended": 1})
    sessions_ended: int
