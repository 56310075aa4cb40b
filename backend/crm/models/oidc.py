"""OpenID Connect sign-in: an organisation's identity providers, its verified e-mail domains, and the
links between a provider's subjects and the organisation's members.

All three are tenant tables under row-level security: nothing an organisation configures is
visible to, or can match, another organisation's rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.security.crypto_registry import register_encrypted_column
from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class OidcProvider(IdMixin, TimestampMixin, TenantMixin, Base):
    """One identity provider an organisation signs its members in with (Google, Microsoft, any issuer)."""

    __tablename__ = "oidc_providers"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    kind: Mapped[str] = mapped_column(String(20))  # google, microsoft, oidc
    name: Mapped[str] = mapped_column(String(120))
    # The issuer the id tokens must name; for Microsoft's multi-tenant endpoints a template
    # with "{tenantid}", filled from each token's ``tid``.
    issuer: Mapped[str] = mapped_column(String(500))
    discovery_url: Mapped[str] = mapped_column(String(600))
    client_id: Mapped[str | None] = mapped_column(String(255))  # None: the platform's app (presets)
    # AES-256-GCM under the organisation's data key, bound to this row (crm.core.security.crypto).
    client_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    scopes: Mapped[str] = mapped_column(String(300), default="openid email profile")
    # Role of members created at their first sign-in (verified domains only); None: no one is created.
    default_role: Mapped[str | None] = mapped_column(String(20))
    # Microsoft multi-tenant endpoints: the directory (tenant) ids whose users may sign in.
    allowed_tenant_ids: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), default=list, server_default="{}"
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


register_encrypted_column("oidc_providers", "client_secret")


class OrganizationDomain(IdMixin, TenantMixin, Base):
    """An e-mail domain an organisation claims; verified by a DNS TXT record before it counts."""

    __tablename__ = "organization_domains"
    __table_args__ = (
        UniqueConstraint("organization_id", "domain"),
        Index("ix_organization_domains_domain", "domain"),
    )

    domain: Mapped[str] = mapped_column(String(253))
    verification_token: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OidcIdentity(IdMixin, TenantMixin, Base):
    """A provider's subject (``sub``) linked to a member: later sign-ins match on it, not on e-mail."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("oidc_providers.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
