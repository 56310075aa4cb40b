"""/api/v1/users, /invitations and /security/sessions: managing the people of an organisation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import delete, select

from crm.audit.service import record_event
from crm.auth import access, mfa
from crm.auth import repository as auth_repository
from crm.auth import service as auth_service
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.auth.schemas import SessionList, SessionOut
from crm.core.deps import RuntimeDep
from crm.core.errors import BadRequest, NotFound
from crm.member import invitations, repository
from crm.member.schemas import (
    InvitationCreate,
    InvitationList,
    InvitationOut,
    MemberList,
    MemberOut,
    MemberUpdate,
)
from crm.models import Membership, User
from crm.models.tenancy import Role

router = APIRouter(tags=["members"])


def _member(user: User, membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=membership.role,
        mfa_enabled=user.totp_enabled_at is not None,
        joined_at=membership.created_at,
    )


async def _membership(session: TenantSession, user_id: uuid.UUID) -> tuple[User, Membership]:
    row = (
        await session.execute(
            select(User, Membership).join(Membership, Membership.user_id == User.id).where(User.id == user_id)
        )
    ).first()
    if row is None:
        raise NotFound("no such member")
    return row[0], row[1]


@router.get("/users", response_model=MemberList)
async def list_members(
    session: TenantSession, _: Annotated[Principal, Depends(require_permission("users", "read"))]
) -> MemberList:
    """Everyone in the organisation with their role."""
    return MemberList(items=[_member(u, m) for u, m in await repository.list_members(session)])


@router.patch("/users/{user_id}", response_model=MemberOut)
async def change_role(
    user_id: uuid.UUID,
    body: MemberUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("users", "update"))],
) -> MemberOut:
    """Change a member's role; it applies from their next token refresh (at most 15 minutes)."""
    user, membership = await _membership(session, user_id)
    if user_id == principal.user_id and body.role is not Role.admin:
        raise BadRequest("you cannot demote yourself; ask another admin", code="self_demotion")
    before = membership.role
    membership.role = body.role
    await record_event(
        session,
        action="user.role_change",
        actor=principal,
        entity_type="user",
        entity_id=user_id,
        changes={"role": (before.value, body.role.value)},
    )
    await access.forget_role_permissions(runtime, principal.organization_id)
    return _member(user, membership)


@router.delete("/users/{user_id}", status_code=204)
async def remove_member(
    user_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("users", "delete"))],
) -> Response:
    """Remove someone from the organisation and end their sessions here."""
    if user_id == principal.user_id:
        raise BadRequest("you cannot remove yourself", code="self_removal")
    await _membership(session, user_id)
    revoked = await auth_repository.revoke_sessions(session, reason="removed", user_id=user_id)
    await access.mark_sessions_revoked(runtime, revoked)
    await session.execute(delete(Membership).where(Membership.user_id == user_id))
    await record_event(session, action="user.remove", actor=principal, entity_type="user", entity_id=user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/mfa/reset", status_code=204)
async def reset_member_mfa(
    user_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("users", "update"))],
) -> Response:
    """Admin reset of a member's MFA (lost phone): they enrol again at next sign-in."""
    user, _ = await _membership(session, user_id)
    await mfa.reset(session, user)
    revoked = await auth_repository.revoke_sessions(session, reason="mfa_reset", user_id=user_id)
    await access.mark_sessions_revoked(runtime, revoked)
    await record_event(
        session, action="auth.mfa_reset", actor=principal, entity_type="user", entity_id=user_id
    )
    return Response(status_code=204)


@router.get("/invitations", response_model=InvitationList)
async def list_invitations(
    session: TenantSession, _: Annotated[Principal, Depends(require_permission("invitations", "read"))]
) -> InvitationList:
    """Pending invitations."""
    return InvitationList(
        items=[InvitationOut.model_validate(i) for i in await invitations.list_pending(session)]
    )


@router.post("/invitations", response_model=InvitationOut, status_code=201)
async def create_invitation(
    body: InvitationCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("invitations", "create"))],
) -> InvitationOut:
    """Invite someone by e-mail with a role; they get a link valid for 7 days."""
    invitation = await invitations.invite(session, runtime, principal, email=body.email, role=body.role)
    return InvitationOut.model_validate(invitation)


@router.delete("/invitations/{invitation_id}", status_code=204)
async def revoke_invitation(
    invitation_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("invitations", "delete"))],
) -> Response:
    """Withdraw a pending invitation."""
    await invitations.revoke(session, principal, invitation_id)
    return Response(status_code=204)


@router.get("/security/sessions", response_model=SessionList)
async def organization_sessions(
    session: TenantSession,
    _: Annotated[Principal, Depends(require_permission("sessions", "read"))],
    user_id: uuid.UUID | None = None,
    new_devices_only: bool = False,
) -> SessionList:
    """Sign-ins across the organisation (filter by user, or only sign-ins from new devices)."""
    rows = await auth_repository.list_sessions(session, user_id=user_id, new_devices_only=new_devices_only)
    return SessionList(items=[SessionOut.model_validate(row) for row in rows])


@router.delete("/security/sessions/{session_id}", status_code=204)
async def revoke_any_session(
    session_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("sessions", "delete"))],
) -> Response:
    """End anyone's session in this organisation."""
    await auth_service.revoke_session(session, runtime, principal, session_id, any_user=True)
    return Response(status_code=204)
