"""OpenID Connect sign-in (/auth/oidc/...) and its admin API (/identity-providers, /email-domains)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from crm.auth.cookies import set_session_cookies
from crm.auth.dependencies import TenantSession, client_ip, require_permission
from crm.auth.principal import Principal
from crm.core.config import Settings
from crm.core.deps import PublicSession, RuntimeDep
from crm.core.errors import AppError
from crm.core.security.crypto import keystore_for
from crm.oidc import admin, dns_txt, domains, repository, service
from crm.oidc.client import OidcClient
from crm.oidc.flow import FLOW_COOKIE, clear_flow_cookie, open_flow, set_flow_cookie
from crm.oidc.schemas import (
    DomainCreate,
    DomainList,
    DomainOut,
    ProviderCreate,
    ProviderList,
    ProviderOut,
    ProviderUpdate,
    PublicProvider,
    PublicProviderList,
)
from crm.oidc.validation import OidcError

router = APIRouter()

_NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def oidc_client(runtime: RuntimeDep) -> OidcClient:
    return admin.client_for(runtime.settings)


def txt_resolver() -> dns_txt.TxtResolver:
    """The DNS boundary of domain verification (tests answer here)."""
    return dns_txt.default_resolver()


Client = Annotated[OidcClient, Depends(oidc_client)]
Resolver = Annotated[dns_txt.TxtResolver, Depends(txt_resolver)]


def _web(settings: Settings, path: str) -> str:
    return str(settings.public_url).rstrip("/") + path


# --- sign-in --------------------------------------------------------------------------------


@router.get("/auth/oidc/{organization_slug}/providers", response_model=PublicProviderList, tags=["auth"])
async def sign_in_providers(
    organization_slug: Annotated[str, Path(max_length=63)],
    session: PublicSession,
    runtime: RuntimeDep,
) -> PublicProviderList:
    """The identity providers an organisation's sign-in page offers (empty for an unknown organisation)."""
    slug, providers = await service.public_providers(session, organization_slug)
    return PublicProviderList(
        items=[
            PublicProvider(
                id=p.id,
                kind=p.kind,
                name=p.name,
                start_url=admin.start_url(runtime.settings, slug, p.id),
            )
            for p in providers
        ]
    )


@router.get(
    "/auth/oidc/{organization_slug}/{provider_id}/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={404: {"description": "no such provider"}, 503: {"description": "provider unreachable"}},
    tags=["auth"],
)
async def start_sign_in(
    organization_slug: Annotated[str, Path(max_length=63)],
    provider_id: uuid.UUID,
    request: Request,
    session: PublicSession,
    runtime: RuntimeDep,
    client: Client,
    login_hint: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    """Start signing in with an identity provider: redirects to it with PKCE (S256), state and nonce,
    which a short-lived, sealed, httpOnly, SameSite=Lax cookie keeps for the callback."""
    started = await service.start(
        session,
        runtime,
        client,
        organization_slug=organization_slug,
        provider_id=provider_id,
        login_hint=login_hint,
        ip=client_ip(request),
    )
    response = RedirectResponse(started.redirect_url, status_code=302, headers=_NO_STORE)
    set_flow_cookie(response, runtime.settings, started.cookie)
    return response


@router.get("/auth/oidc/callback", status_code=303, response_class=RedirectResponse, tags=["auth"])
async def sign_in_callback(
    request: Request,
    session: PublicSession,
    runtime: RuntimeDep,
    client: Client,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    iss: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Where the provider sends the browser back. On success: the session cookies are set and the
    browser goes to the web app, which calls `/auth/refresh` for its access token. With a TOTP
    step still due: to `/sign-in#mfa_token=…` (finish at `/auth/mfa/verify`). On failure: to
    `/sign-in?sso_error=<reason>`."""
    settings = runtime.settings
    flow = open_flow(keystore_for(settings), request.cookies.get(FLOW_COOKIE))
    try:
        outcome = await service.complete(
            session,
            runtime,
            client,
            flow=flow,
            params=service.CallbackParams(code=code, state=state, iss=iss, error=error),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except OidcError as exc:
        response = RedirectResponse(_web(settings, f"/sign-in?sso_error={quote(exc.reason)}"), 303, _NO_STORE)
    except AppError as exc:  # rate limited
        response = RedirectResponse(_web(settings, f"/sign-in?sso_error={quote(exc.code)}"), 303, _NO_STORE)
    else:
        if isinstance(outcome, service.MfaStep):
            target = _web(settings, f"/sign-in#mfa_token={quote(outcome.mfa_token)}")
            response = RedirectResponse(target, 303, _NO_STORE)
        else:
            response = RedirectResponse(_web(settings, "/"), 303, _NO_STORE)
            set_session_cookies(response, settings, outcome.tokens)
    clear_flow_cookie(response, settings)
    return response


# --- admin: identity providers --------------------------------------------------------------


@router.get("/identity-providers", response_model=ProviderList, tags=["identity providers"])
async def list_providers(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("oidc", "read"))],
) -> ProviderList:
    """The organisation's identity providers (client secrets are never returned)."""
    slug = await admin.organization_slug(session, principal.organization_id)
    providers = await repository.list_providers(session)
    return ProviderList(items=[admin.provider_out(p, runtime.settings, slug) for p in providers])


@router.post("/identity-providers", response_model=ProviderOut, status_code=201, tags=["identity providers"])
async def create_provider(
    body: ProviderCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    client: Client,
    principal: Annotated[Principal, Depends(require_permission("oidc", "create"))],
) -> ProviderOut:
    """Add Google, Microsoft or any OpenID Connect issuer. A custom issuer's discovery document is
    fetched and checked now. The client secret is stored encrypted and never shown again."""
    provider = await admin.create_provider(session, runtime.settings, client, principal, body)
    slug = await admin.organization_slug(session, principal.organization_id)
    return admin.provider_out(provider, runtime.settings, slug)


@router.get("/identity-providers/{provider_id}", response_model=ProviderOut, tags=["identity providers"])
async def get_provider(
    provider_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("oidc", "read"))],
) -> ProviderOut:
    """One identity provider."""
    provider = await admin.get_provider(session, provider_id)
    slug = await admin.organization_slug(session, principal.organization_id)
    return admin.provider_out(provider, runtime.settings, slug)


@router.patch("/identity-providers/{provider_id}", response_model=ProviderOut, tags=["identity providers"])
async def update_provider(
    provider_id: uuid.UUID,
    body: ProviderUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    client: Client,
    principal: Annotated[Principal, Depends(require_permission("oidc", "update"))],
) -> ProviderOut:
    """Change a provider. Send `client_secret` to replace the secret (null removes it)."""
    provider = await admin.update_provider(session, runtime.settings, client, principal, provider_id, body)
    slug = await admin.organization_slug(session, principal.organization_id)
    return admin.provider_out(provider, runtime.settings, slug)


@router.delete("/identity-providers/{provider_id}", status_code=204, tags=["identity providers"])
async def delete_provider(
    provider_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("oidc", "delete"))],
) -> Response:
    """Remove a provider and its account links; members keep their accounts and other sign-in methods."""
    await admin.delete_provider(session, principal, provider_id)
    return Response(status_code=204)


@router.delete(
    "/identity-providers/{provider_id}/identities/{user_id}", status_code=204, tags=["identity providers"]
)
async def unlink_member(
    provider_id: uuid.UUID,
    user_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("oidc", "update"))],
) -> Response:
    """Forget the provider account a member is linked to (e.g. a mailbox that was reassigned)."""
    await admin.unlink_member(session, principal, provider_id, user_id)
    return Response(status_code=204)


# --- admin: e-mail domains ------------------------------------------------------------------


@router.get("/email-domains", response_model=DomainList, tags=["identity providers"])
async def list_domains(
    session: TenantSession, _: Annotated[Principal, Depends(require_permission("oidc", "read"))]
) -> DomainList:
    """The organisation's e-mail domains and their verification state."""
    return DomainList(items=[domains.domain_out(row) for row in await repository.list_domains(session)])


@router.post("/email-domains", response_model=DomainOut, status_code=201, tags=["identity providers"])
async def add_domain(
    body: DomainCreate,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("oidc", "create"))],
) -> DomainOut:
    """Claim an e-mail domain: publish the returned TXT record, then call `/verify`. Only verified
    domains let a provider link accounts by e-mail or create members."""
    return domains.domain_out(await domains.add(session, principal, body))


@router.post("/email-domains/{domain_id}/verify", response_model=DomainOut, tags=["identity providers"])
async def verify_domain(
    domain_id: uuid.UUID,
    session: TenantSession,
    resolver: Resolver,
    principal: Annotated[Principal, Depends(require_permission("oidc", "update"))],
) -> DomainOut:
    """Look the TXT record up now; `verified` says whether it was found."""
    return domains.domain_out(await domains.verify(session, principal, domain_id, resolver))


@router.delete("/email-domains/{domain_id}", status_code=204, tags=["identity providers"])
async def delete_domain(
    domain_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("oidc", "delete"))],
) -> Response:
    """Stop trusting a domain for linking and creating members."""
    await domains.delete(session, principal, domain_id)
    return Response(status_code=204)
