"""Writing a deal's fields: validation, links within the caller's reach, the owner's scope, amounts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.deal import repository, stages
from crm.kit.records import scope_clause
from crm.models import Company, Contact, CustomFieldDefinition, Deal, Membership
from crm.pipeline import service as pipelines_service
from crm.pipeline.board import amounts_visible


def clean_tags(tags: list[str]) -> list[str]:
    return sorted({tag.strip()[:60] for tag in tags if tag.strip()})


def deny_amounts() -> Forbidden:
    return Forbidden("your role may not see deal amounts", code="forbidden")


def visible(scope: Scope, owner_column: Any, principal: Principal) -> ColumnElement[bool]:
    return false() if scope is Scope.none else scope_clause(scope, owner_column, principal)


async def check_owner(
    session: AsyncSession, principal: Principal, action: Action, owner_id: uuid.UUID | None
) -> None:
    """The owner is a member, and within the caller's scope for ``action`` (Sales: themself)."""
    if owner_id is not None:
        found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
        if found.first() is None:
            raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")
    scope = principal.scope("deals", action)
    if scope is not Scope.all and not await repository.reaches(
        session, visible(scope, repository.owner_literal(owner_id), principal)
    ):
        raise Forbidden(
            f"your role may only give deals to owners within its {scope.label} scope", code="forbidden"
        )


async def apply(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    row: Deal,
    data: dict[str, Any],
    definitions: dict[str, CustomFieldDefinition],
    *,
    creating: bool,
) -> dict[str, tuple[Any, Any]]:
    """Write ``data`` into ``row`` and return the audit changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    if "amount" in data and not amounts_visible(principal):
        raise deny_amounts()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise BadRequest("a deal needs a name", code="invalid_name")
    for name in ("name", "amount", "currency", "expected_close_date"):
        settable = name in data and (data[name] is not None or name in ("amount", "expected_close_date"))
        if settable and (creating or data[name] != getattr(row, name)):
            changes[name] = (None if creating else getattr(row, name), data[name])
            setattr(row, name, data[name])
    if "owner_id" in data and (creating or data["owner_id"] != row.owner_id):
        await check_owner(session, principal, Action.create if creating else Action.update, data["owner_id"])
        changes["owner_id"] = (None if creating else row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    if "company_id" in data and (creating or data["company_id"] != row.company_id):
        if data["company_id"] is not None and not await repository.company_visible(
            session,
            data["company_id"],
            visible(principal.scope("companies", Action.read), Company.owner_id, principal),
        ):
            raise NotFound("no such company")
        changes["company_id"] = (None if creating else row.company_id, data["company_id"])
        row.company_id = data["company_id"]
    if data.get("contact_ids") is not None:
        wanted = list(dict.fromkeys(data["contact_ids"]))
        scope = visible(principal.scope("contacts", Action.read), Contact.owner_id, principal)
        if wanted and len(await repository.visible_contacts(session, wanted, scope)) != len(wanted):
            raise NotFound("no such contact")
        before = [] if creating else (await repository.contacts_of(session, [row.id]))[row.id]
        if creating or sorted(before) != sorted(wanted):
            changes["contact_ids"] = (before, wanted)
            row.__dict__["_pending_contacts"] = wanted
    if "tags" in data:
        changes["tags"] = (list(row.tags or []), clean_tags(data["tags"] or []))
        row.tags = clean_tags(data["tags"] or [])
    pipelines = await pipelines_service.ensure(session, runtime, principal)
    stage = stages.target_stage(pipelines, None if creating else row, data)
    if stage is not None:
        changes |= await stages.enter_stage(
            session,
            pipelines,
            principal,
            row,
            stage,
            lost_reason=data.get("lost_reason"),
            probability=data.get("probability"),
            creating=creating,
        )
    else:
        if "probability" in data and data["probability"] != row.probability:
            changes["probability"] = (row.probability, data["probability"])
            row.probability = data["probability"]
        if "lost_reason" in data and data["lost_reason"] != row.lost_reason:
            reason = (data["lost_reason"] or "").strip() or None
            if row.status != "lost" and reason is not None:
                raise BadRequest("only a lost deal has a lost reason", code="not_lost")
            if row.status == "lost" and reason is None:
                raise BadRequest("a lost deal needs a reason (lost_reason)", code="lost_reason_required")
            changes["lost_reason"] = (row.lost_reason, reason)
            row.lost_reason = reason
    if "custom_fields" in data and data["custom_fields"] is not None:
        checked = custom_values.validate(definitions, data["custom_fields"], creating=creating)
        row.__dict__["_pending_custom"] = checked
        for key, value in checked.items():
            changes[f"cf.{key}"] = ("before", "after") if definitions[key].is_pii else (None, value)
    elif creating:
        custom_values.validate(definitions, {}, creating=True)
    return changes


async def flush_related(
    session: AsyncSession,
    principal: Principal,
    cipher: OrgCipher,
    row: Deal,
    definitions: dict[str, CustomFieldDefinition],
) -> None:
    stages.record_stage_change(session, principal, row)
    contacts = row.__dict__.pop("_pending_contacts", None)
    if contacts is not None:
        await repository.replace_contacts(session, row.id, contacts)
    custom = row.__dict__.pop("_pending_custom", None)
    if custom:
        await custom_values.write(session, cipher, definitions, row.id, custom)
    await session.flush()
