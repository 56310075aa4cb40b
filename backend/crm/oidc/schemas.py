"""Bodies of the identity-provider and e-mail-domain admin API, and of the public provider list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from crm.kit import examples as ex
from crm.kit.examples import example, list_example
from crm.models.tenancy import Role

ProviderKind = Literal["google", "microsoft", "oidc"]


class ProviderCreate(BaseModel):
    model_config = example(
        {
            "kind": "microsoft",
            "name": "Sonrisa Microsoft 365",
            "microsoft_tenant": "9188040d-6c67-4c5b-b112-36a304b66dad",
            "client_id": "0f4c2d1e-8a7b-4c3d-9e2f-1a0b9c8d7e6f",
            "client_secret": "s3cr3t-from-entra",
            "default_role": "sales",
            "enabled": True,
        },
        extra="forbid",
    )
    kind: ProviderKind
    name: str = Field(min_length=1, max_length=120)
    issuer: str | None = Field(
        default=None, max_length=500, description="The issuer URL (kind `oidc` only; presets know theirs)."
    )
    microsoft_tenant: str | None = Field(
        default=None,
        max_length=64,
        description='Kind `microsoft`: a directory (tenant) id, or "organizations" / "common".',
    )
    client_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Required for `oidc`; presets fall back to the platform's registered app.",
    )
    client_secret: SecretStr | None = Field(default=None, max_length=2048)
    scopes: str = Field(default="openid email profile", max_length=300)
    default_role: Role | None = Field(
        default=None,
        description="Role of people signing in for the first time with an e-mail at a verified domain; "
        "null: only existing members may sign in.",
    )
    allowed_tenant_ids: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Microsoft multi-tenant endpoints: the directory ids whose users may sign in.",
    )
    enabled: bool = True


class ProviderUpdate(BaseModel):
    model_config = example(
        {"name": "Sonrisa Google Workspace", "enabled": False},
        extra="forbid",
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    issuer: str | None = Field(default=None, max_length=500)
    microsoft_tenant: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, min_length=1, max_length=255)
    client_secret: SecretStr | None = Field(
        default=None, max_length=2048, description="A new secret; send null explicitly to remove it."
    )
    scopes: str | None = Field(default=None, max_length=300)
    default_role: Role | None = None
    allowed_tenant_ids: list[str] | None = Field(default=None, max_length=50)
    enabled: bool | None = None


class ProviderOut(BaseModel):
    model_config = example(
        {
            "id": ex.PROVIDER_ID,
            "kind": "google",
            "name": "Sonrisa Google Workspace",
            "issuer": "https://accounts.google.com",
            "discovery_url": "https://accounts.google.com/.well-known/openid-configuration",
            "microsoft_tenant": None,
            "client_id": "123456789012-abc.apps.googleusercontent.com",
            "has_client_secret": True,
            "scopes": "openid email profile",
            "default_role": "sales",
            "allowed_tenant_ids": [],
            "enabled": True,
            "redirect_uri": "https://crm.example.com/api/v1/auth/oidc/callback",
            "start_url": "https://crm.example.com/api/v1/auth/oidc/sonrisa/8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e/start",
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
        }
    )
    id: uuid.UUID
    kind: ProviderKind
    name: str
    issuer: str
    discovery_url: str
    microsoft_tenant: str | None
    client_id: str | None
    has_client_secret: bool
    scopes: str
    default_role: Role | None
    allowed_tenant_ids: list[str]
    enabled: bool
    redirect_uri: str = Field(description="Register this redirect URI with the provider.")
    start_url: str = Field(description="Send people here to sign in with this provider.")
    created_at: dt.datetime
    updated_at: dt.datetime


class ProviderList(BaseModel):
    model_config = example(list_example(ProviderOut))
    items: list[ProviderOut]


class PublicProvider(BaseModel):
    model_config = example(
        {
            "id": ex.PROVIDER_ID,
            "kind": "google",
            "name": "Sonrisa Google Workspace",
            "start_url": "https://crm.example.com/api/v1/auth/oidc/sonrisa/8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e/start",
        }
    )
    id: uuid.UUID
    kind: ProviderKind
    name: str
    start_url: str


class PublicProviderList(BaseModel):
    model_config = example(list_example(PublicProvider))
    items: list[PublicProvider]


class DomainCreate(BaseModel):
    model_config = example(
        {"domain": "sonrisa-dental.example"},
        extra="forbid",
    )
    domain: str = Field(min_length=3, max_length=253)


class DomainOut(BaseModel):
    model_config = example(
        {
            "id": ex.TEAM_ID,
            "domain": "sonrisa-dental.example",
            "verified": False,
            "verified_at": None,
            "last_checked_at": None,
            "txt_record_name": "_cliniglobal-verify.sonrisa-dental.example",
            "txt_record_value": "cliniglobal-verify=5d41402abc4b2a76b9719d911017c592",
            "created_at": ex.CREATED_AT,
        }
    )
    id: uuid.UUID
    domain: str
    verified: bool
    verified_at: dt.datetime | None
    last_checked_at: dt.datetime | None
    txt_record_name: str = Field(description="Publish a TXT record with this name ...")
    txt_record_value: str = Field(description="... and this value, then ask for verification.")
    created_at: dt.datetime


class DomainList(BaseModel):
    model_config = example(list_example(DomainOut))
    items: list[DomainOut]
