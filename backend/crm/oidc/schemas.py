"""Bodies of the identity-provider and e-mail-domain admin API, and of the public provider list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from crm.models.tenancy import Role

ProviderKind = Literal["google", "microsoft", "oidc"]


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    model_config = ConfigDict(extra="forbid")
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
    items: list[ProviderOut]


class PublicProvider(BaseModel):
    id: uuid.UUID
    kind: ProviderKind
    name: str
    start_url: str


class PublicProviderList(BaseModel):
    items: list[PublicProvider]


class DomainCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: str = Field(min_length=3, max_length=253)


class DomainOut(BaseModel):
    id: uuid.UUID
    domain: str
    verified: bool
    verified_at: dt.datetime | None
    last_checked_at: dt.datetime | None
    txt_record_name: str = Field(description="Publish a TXT record with this name ...")
    txt_record_value: str = Field(description="... and this value, then ask for verification.")
    created_at: dt.datetime


class DomainList(BaseModel):
    items: list[DomainOut]
