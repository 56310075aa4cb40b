"""SQL for saved views: who sees which, who may change which."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import SavedView, Team, TeamMember


def visible_to(user_id: uuid.UUID | None) -> ColumnElement[bool]:
    """Mine, shared with the organisation, or shared with a team I am in."""
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    return or_(
        SavedView.owner_id == user_id,
        SavedView.visibility == "organization",
        and_(SavedView.visibility == "team", SavedView.team_id.in_(my_teams)),
    )


def editable_by(user_id: uuid.UUID | None, shared_scope: ColumnElement[bool]) -> ColumnElement[bool]:
    """Mine, or a shared view within the caller's scope (own/team/all) of the action."""
    return or_(SavedView.owner_id == user_id, and_(SavedView.visibility != "private", shared_scope))


async def page(
    session: AsyncSession,
    visible: ColumnElement[bool],
    editable: ColumnElement[bool],
    *,
    object_type: str | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[tuple[SavedView, bool]]:
    statement = select(SavedView, editable.label("editable")).where(visible)
    if object_type is not None:
        statement = statement.where(SavedView.object_type == object_type)
    if after is not None:
        statement = statement.where(tuple_(SavedView.name, SavedView.id) > tuple_(*after))
    statement = statement.order_by(SavedView.name, SavedView.id).limit(limit + 1)
    return [(row[0], bool(row[1])) for row in (await session.execute(statement)).all()]


async def get(
    session: AsyncSession, view_id: uuid.UUID, visible: ColumnElement[bool], editable: ColumnElement[bool]
) -> tuple[SavedView, bool] | None:
    statement = select(SavedView, editable.label("editable")).where(SavedView.id == view_id, visible)
    row = (await session.execute(statement)).first()
    return None if row is None else (row[0], bool(row[1]))


async def team_membership(session: AsyncSession, team_id: uuid.UUID, user_id: uuid.UUID | None) -> Any:
    """(team exists, caller is a member)."""
    team = (await session.execute(select(Team.id).where(Team.id == team_id))).first()
    if team is None:
        return (False, False)
    member = await session.execute(
        select(TeamMember.user_id).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    )
    return (True, member.first() is not None)


async def remove(session: AsyncSession, view_id: uuid.UUID) -> None:
    await session.execute(delete(SavedView).where(SavedView.id == view_id))
