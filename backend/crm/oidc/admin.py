"""Managing an organisation's identity providers (admin service layer); e-mail domains: domains.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.config import Environment, Settings
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.security.crypto import keystore_for, org_cipher
from crm.models import Organization
from crm.models.oidc import OidcProvider
from crm.models.tenancy import Role
from crm.oidc import presets, repository
from crm.oidc.client import OidcClient, forget_discovery
from crm.oidc.schemas import ProviderCreate, ProviderOut, ProviderUpdate
from crm.oidc.validation import OidcError, check_url, discovery_url_for

CALLBACK_PATH = "/api/v1/auth/oidc/callback"
_TABLE, _SECRET_COLUMN = "oidc_providers", "client_secret"


def _public(settings: Settings) -> str:
    return str(settings.public_url).rstrip("/")


def redirect_uri(settings: Settings) -> str:
    return _public(settings) + CALLBACK_PATH


def start_url(settings: Settings, organization_slug: str, provider_id: uuid.UUID) -> str:
    return f"{_public(settings)}/api/v1/auth/oidc/{organization_slug}/{provider_id}/start"


def allow_insecure(settings: Settings) -> bool:
    """Plain-http and loopback providers are for development and tests only."""
    return settings.environment is not Environment.production


def client_for(settings: Settings) -> OidcClient:
    return OidcClient(allow_insecure=allow_insecure(settings))


def platform_credentials(settings: Settings, kind: str) -> tuple[str | None, str | None]:
    """The platform's own app at Google or Microsoft (``CRM_OIDC_<KIND>_CLIENT_ID`` and ``_SECRET``)."""
    client_id = getattr(settings, f"oidc_{kind}_client_id", None)
    secret = getattr(settings, f"oidc_{kind}_client_secret", None)
    return (
        client_id if isinstance(client_id, str) and client_id else None,
        secret.get_secret_value() if isinstance(secret, SecretStr) and secret.get_secret_value() else None,
    )


def client_id_of(settings: Settings, provider: OidcProvider) -> str:
    client_id = provider.client_id or platform_credentials(settings, provider.kind)[0]
    if client_id is None:
        raise OidcError(
            "invalid_provider", "no client id: the platform has no app registered for this preset"
        )
    return client_id


async def credentials(
    session: AsyncSession, settings: Settings, provider: OidcProvider
) -> tuple[str, str | None]:
    """Client id and secret for the token request: the organisation's own, else the platform's (presets)."""
    if provider.client_id:
        secret = None
        if provider.client_secret is not None:
            cipher = await org_cipher(session, keystore_for(settings), provider.organization_id)
            secret = cipher.decrypt(provider.client_secret, _TABLE, _SECRET_COLUMN, provider.id)
        return provider.client_id, secret
    return client_id_of(settings, provider), platform_credentials(settings, provider.kind)[1]


def provider_out(provider: OidcProvider, settings: Settings, organization_slug: str) -> ProviderOut:
    return ProviderOut(
        id=provider.id,
        kind=provider.kind,
        name=provider.name,
        issuer=provider.issuer,
        discovery_url=provider.discovery_url,
        microsoft_tenant=presets.microsoft_tenant_of(provider),
        client_id=provider.client_id,
        has_client_secret=provider.client_secret is not None,
        scopes=provider.scopes,
        default_role=Role(provider.default_role) if provider.default_role else None,
        allowed_tenant_ids=list(provider.allowed_tenant_ids),
        enabled=provider.enabled,
        redirect_uri=redirect_uri(settings),
        start_url=start_url(settings, organization_slug, provider.id),
        created_at=provider.created_at,
        updated_at=provider.updated_at,
    )


async def organization_slug(session: AsyncSession, organization_id: uuid.UUID) -> str:
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("no such organisation")
    return organization.slug


# --- providers ------------------------------------------------------------------------------


def _endpoints(settings: Settings, kind: str, issuer: str | None, tenant: str | None) -> presets.Endpoints:
    if kind == "google":
        if issuer:
            raise BadRequest("the Google preset knows its issuer", code="invalid_provider")
        return presets.google()
    if kind == "microsoft":
        if issuer:
            raise BadRequest(
                "the Microsoft preset takes microsoft_tenant, not an issuer", code="invalid_provider"
            )
        tenant = (tenant or "organizations").lower()
        if tenant not in presets.MICROSOFT_MULTI_TENANT and not presets.is_tenant_id(tenant):
            raise BadRequest(
                'microsoft_tenant is a directory id, "organizations" or "common"', code="invalid_provider"
            )
        return presets.microsoft(tenant)
    if not issuer:
        raise BadRequest("issuer is required", code="invalid_provider")
    try:
        check_url(issuer, allow_insecure=allow_insecure(settings))
    except OidcError as exc:
        raise BadRequest(f"issuer: {exc}", code="invalid_provider") from None
    return presets.Endpoints(issuer, discovery_url_for(issuer))


def _check_rules(settings: Settings, provider: OidcProvider) -> None:
    if provider.default_role == Role.admin.value:
        raise BadRequest("people signing in for the first time cannot become admins", code="invalid_role")
    if "openid" not in provider.scopes.split():
        raise BadRequest('scopes must include "openid"', code="invalid_provider")
    tenants = [tenant.lower() for tenant in provider.allowed_tenant_ids]
    if not all(presets.is_tenant_id(tenant) for tenant in tenants):
        raise BadRequest("allowed_tenant_ids must be directory ids", code="invalid_provider")
    provider.allowed_tenant_ids = sorted(set(tenants))
    if "{tenantid}" in provider.issuer and not provider.allowed_tenant_ids:
        # Anyone with any Entra directory could sign in otherwise.
        raise BadRequest(
            "a multi-tenant Microsoft endpoint needs allowed_tenant_ids", code="invalid_provider"
        )
    if provider.kind == "oidc" and not provider.client_id:
        raise BadRequest("client_id is required", code="invalid_provider")
    if not provider.client_id and platform_credentials(settings, provider.kind)[0] is None:
        raise BadRequest(
            "client_id is required: no platform app is registered for this preset", code="invalid_provider"
        )


async def _check_discovery(client: OidcClient, provider: OidcProvider) -> None:
    """Fetch the discovery document now, so a typo shows up here rather than at someone's sign-in."""
    if provider.kind != "oidc":
        return
    forget_discovery(provider.discovery_url)
    try:
        await client.metadata(provider.discovery_url, presets.issuer_rule(provider))
    except OidcError as exc:
        raise BadRequest(
            f"the issuer's discovery document is not usable: {exc}", code="invalid_provider"
        ) from None


async def _seal_secret(
    session: AsyncSession, settings: Settings, provider: OidcProvider, secret: SecretStr | None
) -> None:
    if secret is None or not secret.get_secret_value():
        provider.client_secret = None
        return
    cipher = await org_cipher(session, keystore_for(settings), provider.organization_id)
    provider.client_secret = cipher.encrypt(secret.get_secret_value(), _TABLE, _SECRET_COLUMN, provider.id)


def _snapshot(provider: OidcProvider) -> dict[str, Any]:
    return {
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "scopes": provider.scopes,
        "default_role": provider.default_role,
        "allowed_tenant_ids": list(provider.allowed_tenant_ids),
        "enabled": provider.enabled,
    }


async def create_provider(
    session: AsyncSession, settings: Settings, client: OidcClient, principal: Principal, body: ProviderCreate
) -> OidcProvider:
    endpoints = _endpoints(settings, body.kind, body.issuer, body.microsoft_tenant)
    if await repository.provider_name_taken(session, body.name):
        raise Conflict("a provider with this name exists", code="name_taken")
    provider = OidcProvider(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        kind=body.kind,
        name=body.name.strip(),
        issuer=endpoints.issuer,
        discovery_url=endpoints.discovery_url,
        client_id=body.client_id,
        scopes=" ".join(body.scopes.split()),
        default_role=body.default_role.value if body.default_role else None,
        allowed_tenant_ids=list(body.allowed_tenant_ids),
        enabled=body.enabled,
    )
    _check_rules(settings, provider)
    await _check_discovery(client, provider)
    await _seal_secret(session, settings, provider, body.client_secret)
    await repository.add(session, provider)
    await session.refresh(provider)
    changes: dict[str, tuple[Any, Any]] = {name: (None, value) for name, value in _snapshot(provider).items()}
    changes["kind"] = (None, provider.kind)
    if provider.client_secret is not None:
        changes["client_secret"] = (None, "set")
    await record_event(
        session,
        action="oidc_provider.create",
        actor=principal,
        entity_type="oidc_provider",
        entity_id=provider.id,
        changes=changes,
    )
    return provider


async def _provider(session: AsyncSession, provider_id: uuid.UUID) -> OidcProvider:
    provider = await repository.get_provider(session, provider_id)
    if provider is None:
        raise NotFound("no such identity provider")
    return provider


async def get_provider(session: AsyncSession, provider_id: uuid.UUID) -> OidcProvider:
    return await _provider(session, provider_id)


async def update_provider(
    session: AsyncSession,
    settings: Settings,
    client: OidcClient,
    principal: Principal,
    provider_id: uuid.UUID,
    body: ProviderUpdate,
) -> OidcProvider:
    provider = await _provider(session, provider_id)
    before = _snapshot(provider)
    sent = body.model_fields_set
    if body.name is not None and body.name.strip() != provider.name:
        if await repository.provider_name_taken(session, body.name.strip(), provider.id):
            raise Conflict("a provider with this name exists", code="name_taken")
        provider.name = body.name.strip()
    if "issuer" in sent or "microsoft_tenant" in sent:
        tenant = body.microsoft_tenant or presets.microsoft_tenant_of(provider)
        issuer = (body.issuer or provider.issuer) if provider.kind == "oidc" else None
        endpoints = _endpoints(settings, provider.kind, issuer, tenant)
        provider.issuer, provider.discovery_url = endpoints.issuer, endpoints.discovery_url
    if body.client_id is not None:
        provider.client_id = body.client_id
    if body.scopes is not None:
        provider.scopes = " ".join(body.scopes.split())
    if "default_role" in sent:
        provider.default_role = body.default_role.value if body.default_role else None
    if body.allowed_tenant_ids is not None:
        provider.allowed_tenant_ids = list(body.allowed_tenant_ids)
    if body.enabled is not None:
        provider.enabled = body.enabled
    _check_rules(settings, provider)
    if provider.issuer != before["issuer"]:
        await _check_discovery(client, provider)
    changes: dict[str, tuple[Any, Any]] = {
        name: (before[name], value) for name, value in _snapshot(provider).items() if before[name] != value
    }
    if "client_secret" in sent:
        await _seal_secret(session, settings, provider, body.client_secret)
        changes["client_secret"] = ("set", "set" if provider.client_secret is not None else None)
    provider.updated_at = dt.datetime.now(dt.UTC)
    await session.flush()
    if changes:
        await record_event(
            session,
            action="oidc_provider.update",
            actor=principal,
            entity_type="oidc_provider",
            entity_id=provider.id,
            changes=changes,
        )
    return provider


async def delete_provider(session: AsyncSession, principal: Principal, provider_id: uuid.UUID) -> None:
    """Remove a provider; its linked identities go with it (members keep their accounts)."""
    if not await repository.delete_provider(session, provider_id):
        raise NotFound("no such identity provider")
    await record_event(
        session,
        action="oidc_provider.delete",
        actor=principal,
        entity_type="oidc_provider",
        entity_id=provider_id,
    )


async def unlink_member(
    session: AsyncSession, principal: Principal, provider_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Forget which provider account a member signs in with (their next sign-in links again by e-mail)."""
    await _provider(session, provider_id)
    if not await repository.unlink_user(session, provider_id, user_id):
        raise NotFound("this member has no linked identity at that provider")
    await record_event(
        session,
        action="oidc_identity.unlink",
        actor=principal,
        entity_type="user",
        entity_id=user_id,
        meta={"provider_id": str(provider_id)},
    )
