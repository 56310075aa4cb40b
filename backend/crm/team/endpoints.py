"""/api/v1/teams: teams group people; "team" scope reaches records owned by members of my teams."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from crm.audit.service import record_event
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.kit import examples as ex
from crm.kit.examples import example, list_example
from crm.models import Membership, Team, TeamMember

router = APIRouter(prefix="/teams", tags=["teams"])


class TeamIn(BaseModel):
    model_config = example(
        {"name": "Madrid front desk", "member_ids": [ex.USER_ID, ex.OTHER_USER_ID]},
        extra="forbid",
    )
    name: str = Field(min_length=1, max_length=120)
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class TeamOut(BaseModel):
    model_config = example(
        {"id": ex.TEAM_ID, "name": "Madrid front desk", "member_ids": [ex.USER_ID, ex.OTHER_USER_ID]}
    )
    id: uuid.UUID
    name: str
    member_ids: list[uuid.UUID]


class TeamList(BaseModel):
    model_config = example(list_example(TeamOut))
    items: list[TeamOut]


async def _members(session: TenantSession) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.execute(select(TeamMember.team_id, TeamMember.user_id))
    grouped: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team_id, user_id in rows:
        grouped.setdefault(team_id, []).append(user_id)
    return grouped


async def _set_members(session: TenantSession, team_id: uuid.UUID, member_ids: list[uuid.UUID]) -> None:
    wanted = set(member_ids)
    known = set(
        (await session.execute(select(Membership.user_id).where(Membership.user_id.in_(wanted)))).scalars()
    )
    if wanted - known:
        raise BadRequest("some members are not in this organisation", code="unknown_member")
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    session.add_all(TeamMember(team_id=team_id, user_id=user_id) for user_id in sorted(wanted))
    await session.flush()


@router.get("", response_model=TeamList)
async def list_teams(
    session: TenantSession, _: Annotated[Principal, Depends(require_permission("teams", "read"))]
) -> TeamList:
    """Teams and their members."""
    members = await _members(session)
    teams = (await session.execute(select(Team).order_by(Team.name))).scalars()
    return TeamList(
        items=[TeamOut(id=t.id, name=t.name, member_ids=sorted(members.get(t.id, []))) for t in teams]
    )


@router.post("", response_model=TeamOut, status_code=201)
async def create_team(
    body: TeamIn,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("teams", "create"))],
) -> TeamOut:
    """Create a team with its members."""
    team = Team(name=body.name.strip())
    session.add(team)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("a team with this name exists", code="team_exists") from None
    await _set_members(session, team.id, body.member_ids)
    await record_event(
        session,
        action="team.create",
        actor=principal,
        entity_type="team",
        entity_id=team.id,
        changes={"name": (None, team.name)},
    )
    return TeamOut(id=team.id, name=team.name, member_ids=sorted(set(body.member_ids)))


@router.put("/{team_id}", response_model=TeamOut)
async def update_team(
    team_id: uuid.UUID,
    body: TeamIn,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("teams", "update"))],
) -> TeamOut:
    """Rename a team and replace its members."""
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound("no such team")
    before = team.name
    team.name = body.name.strip()
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("a team with this name exists", code="team_exists") from None
    await _set_members(session, team.id, body.member_ids)
    await record_event(
        session,
        action="team.update",
        actor=principal,
        entity_type="team",
        entity_id=team.id,
        changes={"name": (before, team.name), "members": (None, len(set(body.member_ids)))},
    )
    return TeamOut(id=team.id, name=team.name, member_ids=sorted(set(body.member_ids)))


@router.delete("/{team_id}", status_code=204)
async def delete_team(
    team_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("teams", "delete"))],
) -> Response:
    """Delete a team (its members stay in the organisation)."""
    result = await session.execute(delete(Team).where(Team.id == team_id).returning(Team.id))
    if result.first() is None:
        raise NotFound("no such team")
    await record_event(session, action="team.delete", actor=principal, entity_type="team", entity_id=team_id)
    return Response(status_code=204)
