"""Exports: any filtered list as CSV, streamed (the GDPR export of one person is in ``gdpr``).

A CSV export takes the list endpoint's own filters, sort and ``q`` (or a saved view's),
checks them before the response starts (a bad filter is a 400, not a broken file), then
streams keyset pages of ``EXPORT_BATCH`` rows from their own transaction: memory stays
flat whatever the count. Every cell is neutralised against formula injection.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.company import service as companies
from crm.contact import service as contacts
from crm.core.deps import tenant_unit_of_work
from crm.core.errors import BadRequest
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.dataio.csvfile import CsvWriter
from crm.deal import repository as deal_repository
from crm.deal import service as deals
from crm.deal import writes as deal_writes
from crm.kit.examples import declared_examples
from crm.kit.listing import FieldSpec, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import scope_clause
from crm.lead import service as leads
from crm.models import Company, Contact, CustomFieldDefinition, Deal, Lead
from crm.pipeline.board import amounts_visible
from crm.view import service as views

EXPORT_BATCH = 1000
EXPORT_PARAMS = frozenset({"columns", "view_id"})
ADDRESS = ("street", "city", "postal_code", "region", "country")
ADDRESS_COLUMNS = tuple(f"address.{part}" for part in ADDRESS)
CONTACT_COLUMNS = (
    *("id", "first_name", "last_name", "job_title", "company_name", "lifecycle_stage"),
    *("emails", "phones", "date_of_birth", *ADDRESS_COLUMNS, "tags", "owner_id"),
    *("consent_email", "consent_sms", "consent_whatsapp", "created_at", "updated_at"),
)
COMPANY_COLUMNS = (
    *("id", "name", "domain", "industry", "employee_count", "annual_revenue", "currency"),
    *(*ADDRESS_COLUMNS, "tags", "owner_id", "created_at", "updated_at"),
)
LEAD_COLUMNS = (
    *("id", "first_name", "last_name", "company_name", "job_title", "email", "phone", "source", "status"),
    *("lost_reason", "score", "converted_at", "converted_contact_id", "tags", "owner_id"),
    *("created_at", "updated_at"),
)
DEAL_COLUMNS = (
    *("id", "name", "amount", "currency", "pipeline_id", "stage_id", "status", "probability"),
    *("expected_close_date", "closed_at", "lost_reason", "owner_id", "company_id", "contact_ids", "tags"),
    *("created_at", "updated_at"),
)

Related = Callable[[AsyncSession, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]]
Where = list[ColumnElement[bool]]


def _plain_query(query: Sequence[tuple[str, str]]) -> tuple[list[tuple[str, str]], Where]:
    return list(query), []


@dataclass(frozen=True)
class ExportSpec:
    object_type: str
    resource: str
    model: Any
    field_specs: Callable[[], Mapping[str, FieldSpec]]
    columns: tuple[str, ...]
    # row, cipher, its custom values, what ``related`` found for it, whether amounts show
    to_out: Callable[[Any, OrgCipher, dict[str, Any], Any, bool], BaseModel]
    aliases: dict[str, tuple[str, ...]]
    # per page: values from other tables, keyed by record id (a deal's contacts)
    related: Related | None = None
    # list filters the generic parser does not know (a deal's contact_id) become SQL conditions
    split_query: Callable[[Sequence[tuple[str, str]]], tuple[list[tuple[str, str]], Where]] = _plain_query
    # columns only people allowed to see amounts may export or filter on
    amount_columns: frozenset[str] = frozenset()


CONTACTS = ExportSpec(
    object_type="contact",
    resource="contacts",
    model=Contact,
    field_specs=contacts.field_specs,
    columns=CONTACT_COLUMNS,
    to_out=lambda row, cipher, custom, _related, _amounts: contacts.to_out(row, cipher, custom),
    aliases={
        "name": ("first_name", "last_name"),
        "email": ("emails",),
        "phone": ("phones",),
        "address": ADDRESS_COLUMNS,
    },
)
COMPANIES = ExportSpec(
    object_type="company",
    resource="companies",
    model=Company,
    field_specs=companies.field_specs,
    columns=COMPANY_COLUMNS,
    to_out=lambda row, _cipher, custom, _related, _amounts: companies.to_out(row, custom),
    aliases={"address": ADDRESS_COLUMNS},
)


LEADS = ExportSpec(
    object_type="lead",
    resource="leads",
    model=Lead,
    field_specs=leads.field_specs,
    columns=LEAD_COLUMNS,
    to_out=lambda row, cipher, custom, _related, _amounts: leads.to_out(row, cipher, custom),
    aliases={"name": ("first_name", "last_name")},
)


async def _deal_contacts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return dict(await deal_repository.contacts_of(session, ids))


DEALS = ExportSpec(
    object_type="deal",
    resource="deals",
    model=Deal,
    field_specs=deals.field_specs,
    columns=DEAL_COLUMNS,
    to_out=lambda row, _cipher, custom, contact_ids, amounts: deals.to_out(row, custom, contact_ids, amounts),
    aliases={"contacts": ("contact_ids",)},
    related=_deal_contacts,
    split_query=deals._contact_filter,  # the list's own parser: an export filters exactly like it
    amount_columns=frozenset(deals.AMOUNT_FIELDS),
)


@dataclass
class ExportPlan:
    spec: ExportSpec
    params: ListParams
    specs: Mapping[str, FieldSpec]
    definitions: dict[str, CustomFieldDefinition]
    cipher: OrgCipher
    columns: list[str]
    q: str | None
    where: Where = field(default_factory=list)
    show_amounts: bool = True


def _columns(
    spec: ExportSpec, wanted: Sequence[str], definitions: dict[str, CustomFieldDefinition]
) -> list[str]:
    known = set(spec.columns) | {f"cf.{key}" for key in definitions}
    if not wanted:
        return [*spec.columns, *(f"cf.{key}" for key in definitions)]
    columns: list[str] = []
    for name in wanted:
        for column in spec.aliases.get(name, (name,)):
            if column not in known:
                raise BadRequest(f"unknown column {column[:80]!r}", code="invalid_columns")
            if column not in columns:
                columns.append(column)
    return columns


async def prepare(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    spec: ExportSpec,
    *,
    query: Sequence[tuple[str, str]],
    q: str | None,
    columns: str | None,
    view_id: uuid.UUID | None,
) -> ExportPlan:
    """Check the filters and columns, and record the export; the rows are read by ``stream``."""
    cipher = await contacts.cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(
        session, runtime, principal.organization_id, spec.object_type
    )
    show_amounts = not spec.amount_columns or amounts_visible(principal)
    specs = spec.field_specs()
    custom_specs = {key: custom_values.field_spec(d) for key, d in definitions.items()}
    pairs = [(key, value) for key, value in query if key not in EXPORT_PARAMS]
    wanted = [c.strip() for c in (columns or "").split(",") if c.strip()]
    if view_id is not None:
        view = await views.resolve(session, principal, view_id, spec.object_type)
        explicit = {key for key, _ in pairs}
        pairs = [(k, v) for k, v in views.view_pairs(view) if k not in explicit] + pairs
        q = q or next((v for k, v in views.view_pairs(view) if k == "q"), None)
        wanted = wanted or list(view.columns or [])
    pairs = [(key, value) for key, value in pairs if key != "q"]
    hidden = set() if show_amounts else spec.amount_columns
    if any(
        key.partition("__")[0] in hidden or (key == "sort" and value.lstrip("-") in hidden)
        for key, value in pairs
    ) or hidden & set(wanted):
        raise deal_writes.deny_amounts()
    pairs, where = spec.split_query(pairs)
    params = parse_params(pairs, specs, custom_specs, SortSpec("updated_at", descending=True))
    chosen = [c for c in _columns(spec, wanted, dict(definitions)) if c not in hidden]
    plan = ExportPlan(spec, params, specs, dict(definitions), cipher, chosen, q, where, show_amounts)
    await record_event(
        session,
        action=f"{spec.object_type}.export",
        actor=principal,
        meta={
            # Field names only: a filter value may be personal data (a name, an e-mail).
            "filters": sorted(
                {c.field for c in params.conditions} | {f"cf.{c.field}" for c in params.custom_conditions}
            ),
            "search": bool(q),
            "columns": len(plan.columns),
            "view_id": str(view_id) if view_id else None,
        },
    )
    return plan


def _value(out: BaseModel, column: str) -> Any:
    if column.startswith("cf."):
        return getattr(out, "custom_fields", {}).get(column[3:])
    if column.startswith("address."):
        address = getattr(out, "address", None)
        return getattr(address, column[8:], None) if address is not None else None
    return getattr(out, column, None)


def example_csv(spec: ExportSpec, out_model: type[BaseModel]) -> str:
    """What exporting the out model's declared examples gives, all columns, written as ``stream``
    writes rows: the example of the export in the OpenAPI document."""
    writer = CsvWriter()
    writer.row(spec.columns)
    for example in declared_examples(out_model):
        writer.row(_value(out_model.model_validate(example), column) for column in spec.columns)
    return writer.take()


async def stream(runtime: Runtime, principal: Principal, plan: ExportPlan) -> AsyncIterator[str]:
    """The CSV text, in chunks of one keyset page each (with a BOM, so spreadsheets read UTF-8)."""
    writer = CsvWriter()
    writer.row(plan.columns)
    yield "\ufeff" + writer.take()
    spec = plan.spec
    # The request's transaction has ended by now: the rows are read in a transaction of their own.
    async with tenant_unit_of_work(runtime, principal.organization_id, principal.user_id) as session:
        scope = scope_clause(principal.scope(spec.resource, Action.export), spec.model.owner_id, principal)
        cursor: str | None = None
        while True:
            result = await run_list(
                session,
                spec.model,
                params=plan.params,
                fields=plan.specs,
                custom_definitions=plan.definitions,
                cipher=plan.cipher,
                scope=scope,
                extra_where=plan.where,
                q=plan.q,
                cursor=cursor,
                limit=EXPORT_BATCH,
                want_total=False,
            )
            ids = [row.id for row in result.rows]
            custom = await custom_values.read(session, plan.cipher, plan.definitions, ids)
            related = await spec.related(session, ids) if spec.related is not None else {}
            for row in result.rows:
                out = spec.to_out(row, plan.cipher, custom[row.id], related.get(row.id), plan.show_amounts)
                writer.row(_value(out, column) for column in plan.columns)
            session.expunge_all()  # keep memory flat: nothing read is needed again
            yield writer.take()
            if result.next_cursor is None:
                return
            cursor = result.next_cursor
