"""Saved views: private to their owner, or shared with a team or the whole organisation.

Everyone sees their own views, the organisation's and those of their teams; private views
of others are invisible, to admins too. The owner may change or delete a view; beyond
that, the ``saved_views`` scope of the action reaches shared views (team: views of my
teams' members; all: every shared view, so admins can tidy up). Filters and sort are
checked with the object's own list rules, so a view always opens.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.company import service as companies
from crm.company.schemas import CompanyOut
from crm.contact import service as contacts
from crm.contact.schemas import ContactOut
from crm.core.errors import BadRequest, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.kit.listing import RESERVED, FieldSpec, InvalidFilter, Kind, SortSpec, parse_params
from crm.kit.pagination import Page, decode_cursor, encode_cursor
from crm.kit.records import scope_clause
from crm.lead import service as leads
from crm.lead.schemas import LeadOut
from crm.models import SavedView
from crm.view import repository
from crm.view.schemas import SavedViewCreate, SavedViewOut, SavedViewPatch

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}(\.[a-z][a-z0-9_]{0,59})?(__[a-z]{1,10})?$")
LIST_SORT = "name"


class InvalidView(BadRequest):
    code = "invalid_view"


# Objects whose list rules are known here; the others get a structural check until their lists land.
SpecsFor = Callable[[], Mapping[str, FieldSpec]]
LIST_RULES: dict[str, tuple[SpecsFor, type[BaseModel], str]] = {
    "contact": (contacts.field_specs, ContactOut, "updated_at"),
    "company": (companies.field_specs, CompanyOut, "updated_at"),
    "lead": (leads.field_specs, LeadOut, "updated_at"),
}


def _pairs(filters: Mapping[str, str | list[str]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in sorted(filters.items()):
        for item in value if isinstance(value, list) else [value]:
            if len(item) > 500:
                raise InvalidView(f"filter {key!r}: value too long")
            pairs.append((key, item))
    return pairs


async def _validate(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    object_type: str,
    columns: list[str],
    filters: Mapping[str, str | list[str]],
    sort: str | None,
) -> None:
    reserved = (set(filters) & RESERVED) - {"q"}
    if reserved:
        raise InvalidView(f"not filters: {', '.join(sorted(reserved))} (sort is its own field)")
    pairs = _pairs(filters)
    for name in [*columns, *filters, sort.lstrip("-") if sort else "name"]:
        if name != "q" and not _NAME.match(name):
            raise InvalidView(f"{name[:80]!r} is not a field name")
    if len(set(columns)) != len(columns):
        raise InvalidView("a column is listed twice")
    rules = LIST_RULES.get(object_type)
    if rules is None:
        return
    specs_for, out_model, _ = rules
    specs = specs_for()
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, object_type)
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    query = [pair for pair in pairs if pair[0] != "q"] + ([("sort", sort)] if sort else [])
    try:
        parsed = parse_params(query, specs, custom_specs, SortSpec("updated_at", True))
    except InvalidFilter as error:
        raise InvalidView(error.detail) from None
    for condition in parsed.conditions:
        if specs[condition.field].kind is Kind.encrypted:
            raise InvalidView(f"a view cannot keep a filter on {condition.field} (personal data)")
    for condition in parsed.custom_conditions:
        if custom_specs[condition.field].kind is Kind.encrypted:
            raise InvalidView(f"a view cannot keep a filter on cf.{condition.field} (personal data)")
    known = set(out_model.model_fields) | set(specs) | {f"cf.{key}" for key in definitions}
    unknown = [column for column in columns if column not in known]
    if unknown:
        raise InvalidView(f"unknown columns: {', '.join(unknown[:10])}")


def _query(view: SavedView) -> str:
    pairs = _pairs(view.filters or {})
    if view.sort:
        pairs.append(("sort", view.sort))
    return urlencode(pairs)


def to_out(view: SavedView, editable: bool) -> SavedViewOut:
    return SavedViewOut(
        id=view.id,
        object_type=view.object_type,
        name=view.name,
        owner_id=view.owner_id,
        visibility=view.visibility,
        team_id=view.team_id,
        columns=list(view.columns or []),
        filters=dict(view.filters or {}),
        sort=view.sort,
        query=_query(view),
        editable=editable,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def _editable(principal: Principal, action: Action) -> Any:
    shared = scope_clause(principal.scope("saved_views", action), SavedView.owner_id, principal)
    return repository.editable_by(principal.user_id, shared)


async def _check_sharing(
    session: AsyncSession, principal: Principal, visibility: str, team_id: uuid.UUID | None, action: Action
) -> uuid.UUID | None:
    if visibility != "team":
        if team_id is not None:
            raise InvalidView("team_id is only for views shared with a team")
        return None
    if team_id is None:
        raise InvalidView("name the team to share this view with (team_id)")
    exists, member = await repository.team_membership(session, team_id, principal.user_id)
    if not exists:
        raise NotFound("no such team")
    if not member and principal.scope("saved_views", action) is not Scope.all:
        raise Forbidden("you can share a view only with a team you are in", code="forbidden")
    return team_id


async def create(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: SavedViewCreate
) -> SavedViewOut:
    if principal.user_id is None:
        raise Forbidden("saved views belong to people, not API keys", code="forbidden")
    await _validate(session, runtime, principal, body.object_type, body.columns, body.filters, body.sort)
    team_id = await _check_sharing(session, principal, body.visibility, body.team_id, Action.create)
    view = SavedView(
        object_type=body.object_type,
        name=body.name.strip(),
        owner_id=principal.user_id,
        visibility=body.visibility,
        team_id=team_id,
        columns=body.columns,
        filters=body.filters,
        sort=body.sort,
    )
    session.add(view)
    await session.flush()
    await session.refresh(view)
    await record_event(
        session,
        action="saved_view.create",
        actor=principal,
        entity_type="saved_view",
        entity_id=view.id,
        changes={"name": (None, view.name), "visibility": (None, view.visibility), "filters": (None, "set")},
        pii_fields={"name", "filters"},
    )
    return to_out(view, True)


async def list_views(
    session: AsyncSession,
    principal: Principal,
    *,
    object_type: str | None,
    limit: int,
    cursor: str | None,
) -> Page[SavedViewOut]:
    after = None
    if cursor:
        name, last_id = decode_cursor(cursor, LIST_SORT, 2)
        after = (str(name), uuid.UUID(str(last_id)))
    rows = await repository.page(
        session,
        repository.visible_to(principal.user_id),
        _editable(principal, Action.update),
        object_type=object_type,
        limit=limit,
        after=after,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(LIST_SORT, [rows[-1][0].name, rows[-1][0].id])
    return Page[SavedViewOut](
        items=[to_out(view, editable) for view, editable in rows], next_cursor=next_cursor
    )


async def _visible(
    session: AsyncSession, principal: Principal, view_id: uuid.UUID, action: Action
) -> tuple[SavedView, bool]:
    found = await repository.get(
        session, view_id, repository.visible_to(principal.user_id), _editable(principal, action)
    )
    if found is None:
        raise NotFound("no such saved view")
    return found


async def get(session: AsyncSession, principal: Principal, view_id: uuid.UUID) -> SavedViewOut:
    return to_out(*await _visible(session, principal, view_id, Action.update))


async def update(
    session: AsyncSession, runtime: Runtime, principal: Principal, view_id: uuid.UUID, body: SavedViewPatch
) -> SavedViewOut:
    view, editable = await _visible(session, principal, view_id, Action.update)
    if not editable:
        raise Forbidden(
            "only its owner (or an admin, for a shared view) may change this view", code="forbidden"
        )
    data = body.model_dump(exclude_unset=True)
    columns = data.get("columns", view.columns) or []
    filters = data.get("filters", view.filters) or {}
    sort = data.get("sort", view.sort)
    await _validate(session, runtime, principal, view.object_type, columns, filters, sort)
    visibility = data.get("visibility") or view.visibility
    team_id = data.get("team_id", view.team_id if visibility == "team" else None)
    team_id = await _check_sharing(session, principal, visibility, team_id, Action.update)
    changes: dict[str, tuple[Any, Any]] = {}
    if "name" in data and data["name"] is not None:
        changes["name"] = (view.name, data["name"].strip())
        view.name = data["name"].strip()
    changes["visibility"] = (view.visibility, visibility)
    changes["team_id"] = (view.team_id, team_id)
    view.visibility, view.team_id = visibility, team_id
    if "columns" in data:
        changes["columns"] = (view.columns, columns)
        view.columns = columns
    if "filters" in data or "sort" in data:
        changes["filters"] = ("before", "after")
        view.filters, view.sort = filters, sort
    await session.flush()
    await session.refresh(view)
    await record_event(
        session,
        action="saved_view.update",
        actor=principal,
        entity_type="saved_view",
        entity_id=view.id,
        changes=changes,
        pii_fields={"name", "filters"},
    )
    return to_out(view, True)


async def delete(session: AsyncSession, principal: Principal, view_id: uuid.UUID) -> None:
    view, editable = await _visible(session, principal, view_id, Action.delete)
    if not editable:
        raise Forbidden(
            "only its owner (or an admin, for a shared view) may delete this view", code="forbidden"
        )
    await repository.remove(session, view.id)
    await record_event(
        session, action="saved_view.delete", actor=principal, entity_type="saved_view", entity_id=view.id
    )


async def resolve(
    session: AsyncSession, principal: Principal, view_id: uuid.UUID, object_type: str
) -> SavedView:
    """A view the caller can see, for applying it to a list or an export."""
    view, _ = await _visible(session, principal, view_id, Action.read)
    if view.object_type != object_type:
        raise InvalidView(f"this view is for {view.object_type} lists")
    return view


def view_pairs(view: SavedView) -> list[tuple[str, str]]:
    """The view's filters and sort as list query parameters."""
    pairs = _pairs(view.filters or {})
    if view.sort:
        pairs.append(("sort", view.sort))
    return pairs
