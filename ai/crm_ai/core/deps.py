"""FastAPI dependencies: the verified service caller and the shared app state."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from crm_ai.core.config import Environment, Settings
from crm_ai.core.errors import Unauthorized
from crm_ai.core.logging import org_id_var
from crm_ai.core.models import ModelHub
from crm_ai.core.service_auth import (
    InvalidServiceToken,
    ServiceClaims,
    ServiceTokenVerifier,
    ensure_keypair,
    load_public_keys,
)

log = logging.getLogger("crm_ai.auth")


def public_key_text(settings: Settings) -> tuple[str, str]:
    """Return (PEM text, where it came from). Raises ValueError naming the setting if unusable."""
    if settings.service_token_public_key:
        return settings.service_token_public_key, "CRM_AI_SERVICE_TOKEN_PUBLIC_KEY"
    if settings.service_token_public_key_file:
        return settings.service_token_public_key_file.read_text(), str(settings.service_token_public_key_file)
    # dev/test only (production is refused by Settings): the embedded setup shares a generated pair
    # through the data dir, see docs/adr-service-auth.md.
    assert settings.env is not Environment.production
    _, public_path = ensure_keypair(Path(settings.dev_key_dir))
    return public_path.read_text(), str(public_path)


def build_verifier(settings: Settings) -> ServiceTokenVerifier:
    text, source = public_key_text(settings)
    try:
        keys = load_public_keys(text)
    except ValueError as exc:
        raise ValueError(f"CRM_AI_SERVICE_TOKEN_PUBLIC_KEY(_FILE) from {source}: {exc}") from None
    return ServiceTokenVerifier(
        keys,
        issuer=settings.service_token_issuer,
        audience=settings.service_token_audience,
        max_ttl_seconds=settings.service_token_max_ttl_seconds,
        leeway_seconds=settings.service_token_leeway_seconds,
        reject_replay=settings.service_token_reject_replay,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 4096:
        return None
    return token.strip()


async def service_caller(request: Request) -> ServiceClaims:
    """Every /v1 endpoint depends on this: no valid service token, no work."""
    token = _bearer(request)
    if token is None:
        log.warning("service token refused", extra={"reason": "missing"})
        raise Unauthorized()
    verifier: ServiceTokenVerifier = request.app.state.verifier
    try:
        claims = verifier.verify(token)
    except InvalidServiceToken as exc:
        log.warning("service token refused", extra={"reason": exc.reason})
        raise Unauthorized() from None
    org_id_var.set(claims.org_id)
    return claims


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_hub(request: Request) -> ModelHub:
    hub: ModelHub = request.app.state.hub
    return hub


Caller = Annotated[ServiceClaims, Depends(service_caller)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HubDep = Annotated[ModelHub, Depends(get_hub)]
