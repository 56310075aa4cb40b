"""/api/v1/auth: the endpoints used before anyone is signed in — sign-up, invitations, password reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from crm.auth import account, onboarding
from crm.auth.account import InvitationPreview
from crm.auth.cookies import set_session_cookies
from crm.auth.dependencies import client_ip
from crm.auth.schemas import MfaRequiredResponse, TokenResponse
from crm.auth.service import IssuedTokens
from crm.auth.signin import MfaChallenge
from crm.core.deps import PublicSession, RuntimeDep
from crm.core.runtime import Runtime
from crm.kit import examples as ex
from crm.kit.examples import example
from crm.member import invitations
from crm.member.schemas import InvitationAccept

router = APIRouter(prefix="/auth", tags=["auth"])


class SignUpRequest(BaseModel):
    model_config = example(
        {
            "organization_name": "Sonrisa Dental Group",
            "full_name": ex.CONTACT_NAME,
            "email": ex.CONTACT_EMAIL,
            "password": "correct horse battery staple",
        },
        extra="forbid",
    )
    organization_name: str = Field(min_length=1, max_length=200)
    full_name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class ForgotPasswordRequest(BaseModel):
    model_config = example(
        {"email": ex.CONTACT_EMAIL},
        extra="forbid",
    )
    email: str = Field(min_length=1, max_length=320)


class ResetPasswordRequest(BaseModel):
    model_config = example(
        {"token": "rst_Q2mZ7pL4vN9rJx8k", "new_password": "a longer passphrase for 2026"},
        extra="forbid",
    )
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=1, max_length=1024)


def _signed_in(runtime: Runtime, tokens: IssuedTokens, status_code: int = 200) -> JSONResponse:
    body = TokenResponse(
        access_token=tokens.access_token,
        expires_at=tokens.access_expires_at,
        organization_id=tokens.organization_id,
        role=tokens.role.value,
        mfa_enrollment_required=tokens.mfa_pending,
    )
    response = JSONResponse(body.model_dump(mode="json"), status_code=status_code)
    set_session_cookies(response, runtime.settings, tokens)
    return response


@router.post("/sign-up", response_model=TokenResponse, status_code=201)
async def sign_up(
    body: SignUpRequest, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """Create an organisation and become its first admin (signed in on success)."""
    tokens = await onboarding.sign_up(
        session,
        runtime,
        organization_name=body.organization_name,
        full_name=body.full_name,
        email=body.email,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _signed_in(runtime, tokens, 201)


@router.get("/invitations/{token}", response_model=InvitationPreview)
async def preview_invitation(
    token: Annotated[str, Path(min_length=10, max_length=200)],
    request: Request,
    session: PublicSession,
    runtime: RuntimeDep,
) -> InvitationPreview:
    """What an invitation link is for, before accepting it: organisation, e-mail, role, who sent
    it, and whether that e-mail already has an account. 404 unknown link, 409 already accepted,
    410 expired or withdrawn."""
    return await account.preview_invitation(session, runtime, token, client_ip(request))


@router.post("/invitations/accept", response_model=TokenResponse | MfaRequiredResponse)
async def accept_invitation(
    body: InvitationAccept, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """Accept an invitation: new people choose a name and password; existing accounts give theirs
    (and, when they use MFA, get an `mfa_token` for `/auth/mfa/verify`, as at sign-in)."""
    outcome = await invitations.accept(
        session,
        runtime,
        token=body.token,
        full_name=body.full_name,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    if isinstance(outcome, MfaChallenge):
        return JSONResponse(MfaRequiredResponse(mfa_token=outcome.mfa_token).model_dump())
    return _signed_in(runtime, outcome)


@router.post("/password/forgot", status_code=202)
async def forgot_password(
    body: ForgotPasswordRequest, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """E-mail a single-use reset link if the account exists. The answer is the same either way."""
    await onboarding.request_reset(session, runtime, email=body.email, ip=client_ip(request))
    return Response(status_code=202)


@router.post("/password/reset", status_code=204)
async def reset_password(
    body: ResetPasswordRequest, request: Request, session: PublicSession, runtime: RuntimeDep
) -> Response:
    """Set a new password with the e-mailed token; every existing session ends."""
    await onboarding.reset_password(
        session, runtime, token=body.token, new_password=body.new_password, ip=client_ip(request)
    )
    return Response(status_code=204)
