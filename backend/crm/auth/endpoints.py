"""/api/v1/auth: sign in (password, MFA step), refresh, sign out, sessions, MFA enrolment, who am I."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm.audit.service import record_event
from crm.auth import account, mfa, repository, service, signin
from crm.auth.account import PasswordChange, PasswordChanged
from crm.auth.cookies import clear_session_cookies, refresh_token_from, set_session_cookies
from crm.auth.dependencies import CurrentPrincipal, TenantSession, client_ip
from crm.auth.schemas import (
    MeResponse,
    MfaRequiredResponse,
    MfaVerifyRequest,
    OrganizationChoice,
    RecoveryCodesResponse,
    SessionList,
    SessionOut,
    SignedOut,
    SignInRequest,
    SwitchOrganizationRequest,
    TokenResponse,
    TotpCodeRequest,
    TotpSetupResponse,
)
from crm.core.deps import PublicSession, RuntimeDep
from crm.core.errors import AppError, BadRequest
from crm.models import Organization, User

router = APIRouter(prefix="/auth", tags=["auth"])


def _token_body(tokens: service.IssuedTokens) -> TokenResponse:
    return TokenResponse(
        access_token=tokens.access_token,
        expires_at=tokens.access_expires_at,
        organization_id=tokens.organization_id,
        role=tokens.role.value,
        mfa_enrollment_required=tokens.mfa_pending,
    )


def _signed_in(runtime: RuntimeDep, tokens: service.IssuedTokens) -> JSONResponse:
    response = JSONResponse(_token_body(tokens).model_dump(mode="json"))
    set_session_cookies(response, runtime.settings, tokens)
    return response


def _committed_error(error: AppError) -> JSONResponse:
    """An error answer whose transaction still commits (its audit rows or revocations must stay)."""
    return JSONResponse(
        {"error": error.code, "detail": error.detail}, status_code=error.status_code, headers=error.headers
    )


@router.post(
    "/sign-in",
    response_model=TokenResponse | MfaRequiredResponse,
    responses={401: {"description": "wrong e-mail or password"}, 429: {"description": "rate limited"}},
)
async def sign_in(
    body: SignInRequest, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """Sign in with e-mail and password. Users with MFA get an `mfa_token` for `/auth/mfa/verify`;
    everyone else gets an access token, with the refresh token in an httpOnly cookie."""
    try:
        outcome = await signin.sign_in(
            session,
            runtime,
            email=body.email,
            password=body.password,
            organization_id=body.organization_id,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except signin.SignInFailed as failure:
        return _committed_error(failure)
    if isinstance(outcome, signin.MfaChallenge):
        return JSONResponse(MfaRequiredResponse(mfa_token=outcome.mfa_token).model_dump())
    return _signed_in(runtime, outcome)


@router.post("/mfa/verify", response_model=TokenResponse)
async def verify_mfa(
    body: MfaVerifyRequest, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """Second step of sign-in: a TOTP code or a recovery code (each usable once)."""
    tokens = await signin.complete_mfa(
        session,
        runtime,
        mfa_token=body.mfa_token,
        code=body.code,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _signed_in(runtime, tokens)


@router.post("/refresh", response_model=TokenResponse)
async def refresh(request: Request, session: PublicSession, runtime: RuntimeDep) -> Response:
    """Rotate the refresh cookie and get a new access token. Needs the `X-CSRF-Token` header.
    A refresh token used twice ends its whole session."""
    token = refresh_token_from(request)
    try:
        tokens = await service.refresh(
            session, runtime, token, ip=client_ip(request), user_agent=request.headers.get("user-agent")
        )
    except service.RefreshReuse as reuse:
        response = _committed_error(reuse)
        clear_session_cookies(response, runtime.settings)
        return response
    return _signed_in(runtime, tokens)


@router.post("/sign-out", response_model=SignedOut)
async def sign_out(
    principal: CurrentPrincipal, session: TenantSession, runtime: RuntimeDep, everywhere: bool = False
) -> Response:
    """End this session, or with `?everywhere=true` every session of yours in this organisation."""
    ended = await service.sign_out(session, runtime, principal, everywhere=everywhere)
    response = JSONResponse(SignedOut(sessions_ended=ended).model_dump())
    clear_session_cookies(response, runtime.settings)
    return response


@router.post("/switch-organization", response_model=TokenResponse)
async def switch_organization(
    body: SwitchOrganizationRequest,
    request: Request,
    principal: CurrentPrincipal,
    session: TenantSession,
    runtime: RuntimeDep,
) -> Response:
    """Sign in to another organisation you belong to, without typing your password again."""
    tokens = await signin.switch_organization(
        session,
        runtime,
        principal,
        body.organization_id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _signed_in(runtime, tokens)


@router.get("/me", response_model=MeResponse)
async def me(principal: CurrentPrincipal, session: TenantSession) -> MeResponse:
    """The signed-in user, their role and effective permissions in this organisation."""
    assert principal.user_id is not None
    user = await session.get(User, principal.user_id)
    organization = await session.get(Organization, principal.organization_id)
    if user is None or organization is None or principal.role is None:
        raise BadRequest("not a user session", code="not_a_user")
    memberships = await repository.memberships_of(session, user.id)
    return MeResponse(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        organization_id=organization.id,
        organization_name=organization.name,
        role=principal.role.value,
        mfa_enabled=user.totp_enabled_at is not None,
        mfa_enrollment_required=principal.mfa_pending,
        recovery_codes_remaining=await account.recovery_codes_left(session, user.id),
        permissions={
            f"{resource}:{action.value}": scope.label
            for (resource, action), scope in sorted(principal.permissions.items())
            if scope
        },
        organizations=[
            OrganizationChoice(id=m.organization_id, name=m.organization_name, role=m.role)
            for m in memberships
        ],
    )


@router.post("/password", response_model=PasswordChanged)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, session: TenantSession, runtime: RuntimeDep
) -> PasswordChanged:
    """Change your password: give the current one and a new one (same rules as sign-up). Every
    other session of yours, in every organisation, is signed out; this one stays. Wrong current
    passwords count towards the same lockout as sign-in."""
    return await account.change_password(session, runtime, principal, body)


@router.get("/sessions", response_model=SessionList)
async def my_sessions(principal: CurrentPrincipal, session: TenantSession) -> SessionList:
    """Your sessions (devices) in this organisation, most recent first."""
    rows = await repository.list_sessions(session, user_id=principal.user_id)
    items = [
        SessionOut.model_validate(row).model_copy(update={"current": row.id == principal.session_id})
        for row in rows
    ]
    return SessionList(items=items)


@router.delete("/sessions/{session_id}", status_code=204)
async def revoke_my_session(
    session_id: uuid.UUID, principal: CurrentPrincipal, session: TenantSession, runtime: RuntimeDep
) -> Response:
    """Sign out one of your devices."""
    await service.revoke_session(session, runtime, principal, session_id, any_user=False)
    return Response(status_code=204)


async def _me(session: TenantSession, principal: CurrentPrincipal) -> User:
    user = await session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise BadRequest("not a user session", code="not_a_user")
    return user


@router.post("/mfa/totp/setup", response_model=TotpSetupResponse)
async def totp_setup(principal: CurrentPrincipal, session: TenantSession) -> TotpSetupResponse:
    """Start TOTP enrolment: scan the QR code (or type the secret), then confirm with a code."""
    setup = await mfa.begin_setup(session, await _me(session, principal))
    return TotpSetupResponse(
        secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_svg_data_uri=setup.qr_svg_data_uri
    )


@router.post("/mfa/totp/enable", response_model=RecoveryCodesResponse)
async def totp_enable(
    body: TotpCodeRequest, principal: CurrentPrincipal, session: TenantSession, runtime: RuntimeDep
) -> RecoveryCodesResponse:
    """Confirm enrolment with a first code; returns 10 single-use recovery codes, shown only now.
    This session counts as MFA-verified from here on (refresh to drop an enrolment requirement)."""
    user = await _me(session, principal)
    codes = await mfa.enable(session, user, body.code)
    if principal.session_id is not None:
        await repository.mark_session_mfa(session, principal.session_id)
    await record_event(
        session, action="auth.mfa_enabled", actor=principal, entity_type="user", entity_id=user.id
    )
    return RecoveryCodesResponse(recovery_codes=codes)


@router.post("/mfa/totp/disable", status_code=204)
async def totp_disable(
    body: TotpCodeRequest, principal: CurrentPrincipal, session: TenantSession
) -> Response:
    """Switch MFA off (needs a current code). Refused when your organisation requires MFA."""
    user = await _me(session, principal)
    if principal.role is not None and principal.role.value in await repository.mfa_required_roles(session):
        raise BadRequest("your organisation requires MFA", code="mfa_required_by_organization")
    if await mfa.verify(session, user, body.code) is None:
        raise BadRequest("that code is not valid", code="invalid_mfa_code")
    await mfa.reset(session, user)
    await record_event(
        session, action="auth.mfa_disabled", actor=principal, entity_type="user", entity_id=user.id
    )
    return Response(status_code=204)
