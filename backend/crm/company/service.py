"""Companies (accounts): create, read, list, edit, soft delete/restore, hard delete, bulk edits.

Renaming a company rewrites ``contacts.company_name`` (denormalised for text search) in the
same transaction. Every write is audited and announced on pub/sub after commit.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.attachment.service import purge_record
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.company import repository
from crm.company.schemas import CompanyCreate, CompanyOut, CompanyPatch
from crm.contact.schemas import address_shape
from crm.contact.service import cipher_for
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.kit.followups import Change, record_change
from crm.kit.jsonout import ItemPage
from crm.kit.listing import FieldSpec, Kind, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import check_version, scope_clause
from crm.kit.rows import get_row, out_columns
from crm.models import Company, CustomFieldDefinition, Membership

OBJECT = "company"
DEFAULT_SORT = SortSpec("updated_at", descending=True)
SENTIMENT_LABELS = frozenset({"negative", "neutral", "positive"})
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str) -> str:
    """``https://www.Clinic.example/about`` -> ``clinic.example``; 400 for anything not a host name."""
    domain = value.strip().lower()
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain).split("/", 1)[0].split("?", 1)[0]
    domain = domain.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".").removeprefix("www.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadRequest(f"{value[:80]!r} is not a domain name", code="invalid_domain") from None
    if not _HOST.match(domain):
        raise BadRequest(f"{value[:80]!r} is not a domain name", code="invalid_domain")
    return domain


@cache
def field_specs() -> Mapping[str, FieldSpec]:
    """How the list filters and sorts each field: built once, shared, read-only."""
    return MappingProxyType(
        {
            "name": FieldSpec(Kind.text, Company.name, sortable=True, nullable=False),
            "domain": FieldSpec(Kind.text, Company.domain),
            "industry": FieldSpec(Kind.text, Company.industry),
            "employee_count": FieldSpec(Kind.number, Company.employee_count, sortable=True),
            "annual_revenue": FieldSpec(
                Kind.number,
                Company.annual_revenue,
                sortable=True,
                float_twin=Company.annual_revenue_float,
                sort_columns=(
                    Company.annual_revenue_float,
                    Company.annual_revenue,
                ),  # see FieldSpec.float_twin
            ),
            "currency": FieldSpec(Kind.text, Company.currency),
            "owner_id": FieldSpec(Kind.uuid, Company.owner_id),
            "tags": FieldSpec(Kind.tags, Company.tags),
            "created_at": FieldSpec(Kind.datetime, Company.created_at, sortable=True, nullable=False),
            "updated_at": FieldSpec(Kind.datetime, Company.updated_at, sortable=True, nullable=False),
            # Stored rollup (crm.ai.sentiment_rollup); indexed per organisation for filter + sort.
            "sentiment_label": FieldSpec(Kind.enum, Company.sentiment_label, choices=SENTIMENT_LABELS),
            "sentiment_score": FieldSpec(Kind.number, Company.sentiment_score, sortable=True),
            "sentiment_count": FieldSpec(Kind.number, Company.sentiment_count, nullable=False),
            "sentiment_at": FieldSpec(Kind.datetime, Company.sentiment_at),
        }
    )


# What ``to_out`` reads: lists and gets select these as plain rows (crm.kit.rows).
OUT_COLUMNS = out_columns(Company, CompanyOut)


def item(row: Any, custom: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a company: a ``Company`` instance or a row of ``OUT_COLUMNS``."""
    return {
        "id": row.id,
        "name": row.name,
        "domain": row.domain,
        "industry": row.industry,
        "employee_count": row.employee_count,
        "annual_revenue": row.annual_revenue,
        "currency": row.currency,
        "address": address_shape(row.address),
        "owner_id": row.owner_id,
        "tags": list(row.tags or []),
        "custom_fields": custom,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": row.deleted_at,
        "sentiment_label": row.sentiment_label,
        "sentiment_score": row.sentiment_score,
        "sentiment_count": row.sentiment_count,
        "sentiment_at": row.sentiment_at,
    }


def to_out(row: Any, custom: dict[str, Any]) -> CompanyOut:
    """The API shape of a company as its model."""
    return CompanyOut.model_validate(item(row, custom))


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    found = await session.execute(select(Membership.id).where(Membership.user_id == owner_id))
    if found.first() is None:
        raise BadRequest("the owner must be a member of this organisation", code="invalid_owner")


def _tags(tags: list[str]) -> list[str]:
    return sorted({tag.strip()[:60] for tag in tags if tag.strip()})


async def _apply(
    session: AsyncSession,
    row: Company,
    data: dict[str, Any],
    definitions: dict[str, CustomFieldDefinition],
    *,
    creating: bool,
) -> dict[str, tuple[Any, Any]]:
    """Write ``data`` into ``row`` and return the audit changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise BadRequest("a company needs a name", code="invalid_name")
        data["name"] = name
    if data.get("domain"):
        data["domain"] = normalize_domain(data["domain"])
    if data.get("industry") is not None:
        data["industry"] = data["industry"].strip() or None
    for name in ("name", "domain", "industry", "employee_count", "annual_revenue", "currency", "address"):
        if name in data and (creating or data[name] != getattr(row, name)):
            changes[name] = (None if creating else getattr(row, name), data[name])
            setattr(row, name, data[name])
    if "owner_id" in data:
        await _check_owner(session, data["owner_id"])
        changes["owner_id"] = (row.owner_id, data["owner_id"])
        row.owner_id = data["owner_id"]
    if "tags" in data:
        changes["tags"] = (list(row.tags or []), _tags(data["tags"] or []))
        row.tags = _tags(data["tags"] or [])
    if "custom_fields" in data and data["custom_fields"] is not None:
        checked = custom_values.validate(definitions, data["custom_fields"], creating=creating)
        row.__dict__["_pending_custom"] = checked
        for key, value in checked.items():
            changes[f"cf.{key}"] = ("before", "after") if definitions[key].is_pii else (None, value)
    elif creating:
        custom_values.validate(definitions, {}, creating=True)
    return changes


async def _flush_related(
    session: AsyncSession, cipher: OrgCipher, row: Company, definitions: dict[str, CustomFieldDefinition]
) -> None:
    custom = row.__dict__.pop("_pending_custom", None)
    if custom:
        await custom_values.write(session, cipher, definitions, row.id, custom)


def _pii_custom(definitions: dict[str, CustomFieldDefinition]) -> set[str]:
    return {f"cf.{key}" for key, definition in definitions.items() if definition.is_pii}


def _body(body: CompanyCreate | CompanyPatch) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"version"})
    if "address" in data:
        data["address"] = body.address.model_dump(exclude_none=True) if body.address else None
    return data


async def create(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: CompanyCreate
) -> CompanyOut:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    data = _body(body)
    data.setdefault("owner_id", principal.user_id)
    row = Company(id=uuid.uuid4(), created_by=principal.user_id, tags=[])
    changes = await _apply(session, row, data, definitions, creating=True)
    session.add(row)
    await session.flush()
    await _flush_related(session, cipher, row, definitions)
    await session.refresh(row)
    await record_event(
        session,
        action="company.create",
        actor=principal,
        entity_type=OBJECT,
        entity_id=row.id,
        changes=changes,
        pii_fields=_pii_custom(definitions),
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "created", actor_id=principal.user_id),
    )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, custom[row.id])


async def in_scope(
    session: AsyncSession,
    principal: Principal,
    company_id: uuid.UUID,
    action: Action,
    *,
    include_deleted: bool = False,
) -> Company:
    """The company if the caller's scope for ``action`` reaches it; otherwise 404 (never 403)."""
    statement = select(Company).where(
        Company.id == company_id,
        scope_clause(principal.scope("companies", action), Company.owner_id, principal),
    )
    if not include_deleted:
        statement = statement.where(Company.deleted_at.is_(None))
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("no such company")
    return row


async def get(
    session: AsyncSession, runtime: Runtime, principal: Principal, company_id: uuid.UUID
) -> CompanyOut:
    scope = scope_clause(principal.scope("companies", Action.read), Company.owner_id, principal)
    row = await get_row(
        session, Company, (*OUT_COLUMNS, custom_values.values_column("companies")), company_id, scope
    )
    if row is None:
        raise NotFound("no such company")
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    return to_out(row, custom_values.Decoder(cipher, definitions)(row.id, row.custom_values))


async def list_companies(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    query: Sequence[tuple[str, str]],
    limit: int,
    cursor: str | None,
    q: str | None,
    include_deleted: bool,
    want_total: bool,
) -> ItemPage:
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    specs = field_specs()
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    params: ListParams = parse_params(query, specs, custom_specs, DEFAULT_SORT)
    result = await run_list(
        session,
        Company,
        params=params,
        fields=specs,
        custom_definitions=definitions,
        cipher=cipher,
        scope=scope_clause(principal.scope("companies", Action.read), Company.owner_id, principal),
        q=q,
        cursor=cursor,
        limit=limit,
        include_deleted=include_deleted,
        want_total=want_total,
        columns=(*OUT_COLUMNS, custom_values.values_column("companies")),
    )
    custom = custom_values.Decoder(cipher, definitions)
    return ItemPage(
        [item(row, custom(row.id, row.custom_values)) for row in result.rows],
        result.next_cursor,
        result.total,
    )


async def update(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    company_id: uuid.UUID,
    body: CompanyPatch,
    *,
    expected_version: int | None,
) -> CompanyOut:
    row = await in_scope(session, principal, company_id, Action.update)
    check_version(row.version, expected_version if expected_version is not None else body.version)
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    changes = await _apply(session, row, _body(body), definitions, creating=False)
    if changes:
        row.version += 1
        row.updated_at = (await session.execute(text("SELECT now()"))).scalar_one()
        await session.flush()
        await _flush_related(session, cipher, row, definitions)
        if "name" in changes:
            await repository.rename_in_contacts(session, row.id, row.name)
        await record_event(
            session,
            action="company.update",
            actor=principal,
            entity_type=OBJECT,
            entity_id=row.id,
            changes=changes,
            pii_fields=_pii_custom(definitions),
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id,
                OBJECT,
                (row.id,),
                "updated",
                frozenset(changes),
                actor_id=principal.user_id,
            ),
        )
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    return to_out(row, custom[row.id])


async def soft_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, company_id: uuid.UUID
) -> None:
    row = await in_scope(session, principal, company_id, Action.delete)
    row.deleted_at = dt.datetime.now(dt.UTC)
    row.version += 1
    await record_event(
        session, action="company.delete", actor=principal, entity_type=OBJECT, entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "deleted", actor_id=principal.user_id),
    )


async def restore(
    session: AsyncSession, runtime: Runtime, principal: Principal, company_id: uuid.UUID
) -> CompanyOut:
    row = await in_scope(session, principal, company_id, Action.delete, include_deleted=True)
    if row.deleted_at is None:
        raise Conflict("this company is not deleted", code="not_deleted")
    row.deleted_at = None
    row.version += 1
    await record_event(
        session, action="company.restore", actor=principal, entity_type=OBJECT, entity_id=row.id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "restored", actor_id=principal.user_id),
    )
    return await get(session, runtime, principal, company_id)


async def erase(session: AsyncSession, runtime: Runtime, principal: Principal, company_id: uuid.UUID) -> None:
    """Hard delete: the company goes for good (contacts and deals stay, unlinked); the audit remains."""
    await in_scope(session, principal, company_id, Action.delete, include_deleted=True)
    await purge_record(session, runtime, OBJECT, company_id)
    await repository.erase(session, company_id)
    await record_event(
        session, action="company.erase", actor=principal, entity_type=OBJECT, entity_id=company_id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (company_id,), "erased", actor_id=principal.user_id),
    )
