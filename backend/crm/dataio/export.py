"""Exports: any filtered list as CSV (streamed), and everything held on one contact as JSON (GDPR).

A CSV export takes the list endpoint's own filters, sort and ``q`` (or a saved view's),
checks them before the response starts (a bad filter is a 400, not a broken file), then
streams keyset pages of ``EXPORT_BATCH`` rows from their own transaction: memory stays
flat whatever the count. Every cell is neutralised against formula injection.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.attachment import repository as attachments
from crm.attachment import service as attachment_service
from crm.attachment.schemas import AttachmentOut
from crm.audit import service as audit
from crm.audit.schemas import AuditEventRead
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.company import service as companies
from crm.contact import service as contacts
from crm.contact.schemas import ContactOut
from crm.core.deps import tenant_unit_of_work
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.dataio.csvfile import CsvWriter
from crm.kit.listing import FieldSpec, ListParams, SortSpec, parse_params
from crm.kit.query import run_list
from crm.kit.records import scope_clause
from crm.lead import service as leads
from crm.lead.schemas import LeadOut
from crm.models import (
    Activity,
    AuditEvent,
    Company,
    Contact,
    CustomFieldDefinition,
    Deal,
    DealContact,
    Lead,
    Stage,
)
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
ACTIVITY_FIELDS = (
    *("id", "kind", "subject", "body", "occurred_at", "due_at", "completed_at", "duration_minutes"),
    *("owner_id", "company_id", "lead_id", "deal_id", "created_at", "deleted_at"),
)
DEAL_FIELDS = (
    "id",
    "name",
    "amount",
    "currency",
    "status",
    "expected_close_date",
    "closed_at",
    "owner_id",
    "created_at",
)


@dataclass(frozen=True)
class ExportSpec:
    object_type: str
    resource: str
    model: Any
    field_specs: Callable[[OrgCipher], dict[str, FieldSpec]]
    columns: tuple[str, ...]
    to_out: Callable[[Any, OrgCipher, dict[str, Any]], BaseModel]
    aliases: dict[str, tuple[str, ...]]


CONTACTS = ExportSpec(
    object_type="contact",
    resource="contacts",
    model=Contact,
    field_specs=contacts.field_specs,
    columns=CONTACT_COLUMNS,
    to_out=contacts.to_out,
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
    field_specs=lambda _cipher: companies.field_specs(),
    columns=COMPANY_COLUMNS,
    to_out=lambda row, _cipher, custom: companies.to_out(row, custom),
    aliases={"address": ADDRESS_COLUMNS},
)


LEADS = ExportSpec(
    object_type="lead",
    resource="leads",
    model=Lead,
    field_specs=leads.field_specs,
    columns=LEAD_COLUMNS,
    to_out=leads.to_out,
    aliases={"name": ("first_name", "last_name")},
)


@dataclass
class ExportPlan:
    spec: ExportSpec
    params: ListParams
    specs: dict[str, FieldSpec]
    definitions: dict[str, CustomFieldDefinition]
    cipher: OrgCipher
    columns: list[str]
    q: str | None


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
    specs = spec.field_specs(cipher)
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
    params = parse_params(pairs, specs, custom_specs, SortSpec("updated_at", descending=True))
    plan = ExportPlan(
        spec, params, specs, dict(definitions), cipher, _columns(spec, wanted, dict(definitions)), q
    )
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
                q=plan.q,
                cursor=cursor,
                limit=EXPORT_BATCH,
                want_total=False,
            )
            ids = [row.id for row in result.rows]
            custom = await custom_values.read(session, plan.cipher, plan.definitions, ids)
            for row in result.rows:
                out = spec.to_out(row, plan.cipher, custom[row.id])
                writer.row(_value(out, column) for column in plan.columns)
            session.expunge_all()  # keep memory flat: nothing read is needed again
            yield writer.take()
            if result.next_cursor is None:
                return
            cursor = result.next_cursor


# --- GDPR ---------------------------------------------------------------------------------


class GdprExport(BaseModel):
    format: str = "cliniglobal-crm.gdpr-export.v1"
    exported_at: dt.datetime
    organization_id: uuid.UUID
    contact: ContactOut
    provenance: dict[str, Any]
    activities: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    leads: list[LeadOut]
    attachments: list[AttachmentOut]
    audit_events: list[AuditEventRead]


def _plain(row: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


async def gdpr_export(
    session: AsyncSession, runtime: Runtime, principal: Principal, contact_id: uuid.UUID
) -> GdprExport:
    """Everything held on one person: the contact decrypted (custom fields included), activities,
    deals and leads linked to them, attachments (metadata), and the audit trail about them."""
    scope = scope_clause(principal.scope("gdpr", Action.export), Contact.owner_id, principal)
    row = (await session.execute(select(Contact).where(Contact.id == contact_id, scope))).scalar_one_or_none()
    if row is None:
        raise NotFound("no such contact")
    cipher = await contacts.cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "contact")
    custom = await custom_values.read(session, cipher, definitions, [row.id])
    activities = (
        await session.execute(
            select(Activity)
            .where(Activity.contact_id == contact_id)
            .order_by(Activity.occurred_at, Activity.id)
        )
    ).scalars()
    deals = (
        await session.execute(
            select(Deal, Stage.name)
            .join(DealContact, DealContact.deal_id == Deal.id)
            .join(Stage, Stage.id == Deal.stage_id)
            .where(DealContact.contact_id == contact_id)
            .order_by(Deal.created_at)
        )
    ).all()
    converted = list(
        (
            await session.execute(
                select(Lead).where(Lead.converted_contact_id == contact_id).order_by(Lead.created_at)
            )
        ).scalars()
    )
    lead_definitions = await custom_fields.definitions(session, runtime, principal.organization_id, "lead")
    lead_custom = await custom_values.read(session, cipher, lead_definitions, [lead.id for lead in converted])
    files = await attachments.of_record(session, "contact", contact_id)
    events = (
        await session.execute(
            select(AuditEvent.__table__)
            .where(
                or_(
                    and_(AuditEvent.entity_type == "contact", AuditEvent.entity_id == str(contact_id)),
                    and_(
                        AuditEvent.entity_type == "attachment",
                        AuditEvent.entity_id.in_([str(f.id) for f in files]),
                    ),
                )
            )
            .order_by(AuditEvent.occurred_at, AuditEvent.seq)
        )
    ).all()
    export = GdprExport(
        exported_at=dt.datetime.now(dt.UTC),
        organization_id=principal.organization_id,
        contact=contacts.to_out(row, cipher, custom[row.id]),
        provenance={"created_by": row.created_by, "import_id": row.import_id, "created_at": row.created_at},
        activities=[_plain(activity, ACTIVITY_FIELDS) for activity in activities],
        deals=[_plain(deal, DEAL_FIELDS) | {"stage": stage} for deal, stage in deals],
        leads=[leads.to_out(lead, cipher, lead_custom[lead.id]) for lead in converted],
        attachments=[attachment_service.to_out(f) for f in files],
        audit_events=[audit.to_read(event) for event in events],
    )
    await record_event(
        session, action="contact.gdpr_export", actor=principal, entity_type="contact", entity_id=contact_id
    )
    return export
