"""Authentication and authorization as FastAPI dependencies.

Endpoints declare what they need: ``Depends(require_permission("users", "read"))`` returns
the caller's ``Principal`` or refuses with 403; ``TenantSession`` is the request's single
transaction scoped to the caller's organisation. No endpoint checks roles by hand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import access
from crm.auth.permissions import Action, is_valid_cell
from crm.auth.principal import ActorType, Principal
from crm.core.db import unit_of_work
from crm.core.deps import app_runtime
from crm.core.errors import Forbidden, Unauthorized
from crm.core.security.tokens import AccessClaims, InvalidToken, Keyring, read_access_token
from crm.core.telemetry import request_id_var
from crm.models.tenancy import Role

log = logging.getLogger(__name__)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("sign in first", code="unauthenticated", headers=_CHALLENGE)
    return token.strip()


# Access tokens already verified by this process, until they expire. A token is a fixed string
# signed by a key of a keyring that does not change while the process runs, so its signature,
# issuer and audience check gives the same answer every time; only expiry moves, and it is
# checked on every use. (Revocation is checked per request below, never cached here.)
_VERIFIED_MAX = 4096
_verified: dict[str, tuple[Keyring, AccessClaims, float]] = {}


def _access_claims(keyring: Keyring, token: str) -> AccessClaims:
    hit = _verified.get(token)
    if hit is not None and hit[0] is keyring and time.time() < hit[2]:
        return hit[1]
    claims = read_access_token(keyring, token)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()  # crude but bounded: a burst of new tokens only costs re-verification
    _verified[token] = (keyring, claims, claims.expires_at.timestamp())
    return claims


def _session_ended() -> Unauthorized:
    return Unauthorized("session ended", code="invalid_token", headers=_CHALLENGE)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_principal(request: Request) -> Principal:
    """The caller, from a bearer access token (or API key); 401 for anything doubtful."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    runtime = app_runtime(request)
    token = _bearer(request)
    if token.startswith(access.API_KEY_PREFIX):
        principal = await access.principal_for_api_key(runtime, token, client_ip(request))
    else:
        try:
            claims = _access_claims(runtime.keyring, token)
        except InvalidToken as exc:
            log.info("access token refused", extra={"reason": str(exc)})
            raise Unauthorized("invalid or expired token", code="invalid_token", headers=_CHALLENGE) from None
        if await access.session_revoked(runtime, claims.session_id):
            raise _session_ended()
        try:
            role = Role(claims.role)
        except ValueError:
            raise Unauthorized("invalid or expired token", code="invalid_token", headers=_CHALLENGE) from None
        principal = Principal(
            actor_type=ActorType.user,
            organization_id=claims.organization_id,
            user_id=claims.user_id,
            role=role,
            session_id=claims.session_id,
            permissions=await access.role_permissions(runtime, claims.organization_id, role),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            request_id=request_id_var.get(),
            mfa_pending=claims.mfa_pending,
        )
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_permission(resource: str, action: Action | str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold (resource, action) with any scope."""
    wanted = Action(action)
    if not is_valid_cell(resource, wanted):
        raise ValueError(f"unknown permission {resource}:{wanted}")

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.mfa_pending:
            raise Forbidden("your organisation requires MFA: enrol first", code="mfa_enrollment_required")
        if not principal.can(resource, wanted):
            raise Forbidden(f"your role may not {wanted.value} {resource}", code="forbidden")
        return principal

    check.__name__ = f"require_{resource}_{wanted.value}"
    # Lets the permission test find every endpoint's declared cell.
    check.permission = (resource, wanted)  # type: ignore[attr-defined]
    return check


async def _tenant_session(request: Request, principal: CurrentPrincipal) -> AsyncIterator[AsyncSession]:
    runtime = app_runtime(request)
    guard = (
        access.session_active_guard(principal.session_id, _session_ended)
        if principal.session_id is not None
        else None
    )
    async with unit_of_work(
        runtime.sessions,
        principal.organization_id,
        principal.user_id,
        guard,
        interactive=True,
        read_only=request.method in ("GET", "HEAD"),
    ) as session:
        yield session


TenantSession = Annotated[AsyncSession, Depends(_tenant_session, scope="function")]
