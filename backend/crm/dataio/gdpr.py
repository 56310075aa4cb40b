"""GDPR export: everything held on one contact, as JSON (access and portability requests)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
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
from crm.contact import service as contacts
from crm.contact.schemas import ContactOut
from crm.core.errors import NotFound
from crm.core.runtime import Runtime
from crm.customfield import service as custom_fields
from crm.customfield import values as custom_values
from crm.kit import examples as ex
from crm.kit.examples import declared_examples, example
from crm.kit.records import scope_clause
from crm.lead import service as leads
from crm.lead.schemas import LeadOut
from crm.models import Activity, AuditEvent, Contact, Deal, DealContact, Lead, Stage

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


class GdprExport(BaseModel):
    model_config = example(
        {
            "format": "cliniglobal-crm.gdpr-export.v1",
            "exported_at": ex.UPDATED_AT,
            "organization_id": ex.ORGANIZATION_ID,
            "contact": declared_examples(ContactOut)[0],
            "provenance": {"created_by": ex.USER_ID, "import_id": ex.IMPORT_ID, "created_at": ex.CREATED_AT},
            "activities": [
                {
                    "id": ex.ACTIVITY_ID,
                    "kind": "call",
                    "subject": "Follow-up call about the implant plan",
                    "body": "Lucía asked for the financing options.",
                    "occurred_at": ex.UPDATED_AT,
                    "due_at": None,
                    "completed_at": ex.UPDATED_AT,
                    "duration_minutes": 15,
                    "owner_id": ex.USER_ID,
                    "company_id": ex.COMPANY_ID,
                    "lead_id": None,
                    "deal_id": ex.DEAL_ID,
                    "created_at": ex.UPDATED_AT,
                    "deleted_at": None,
                }
            ],
            "deals": [
                {
                    "id": ex.DEAL_ID,
                    "name": "Implant treatment — Lucía Fernández",
                    "amount": "4500.00",
                    "currency": "EUR",
                    "status": "open",
                    "expected_close_date": ex.DATE,
                    "closed_at": None,
                    "owner_id": ex.USER_ID,
                    "created_at": ex.CREATED_AT,
                }
            ],
            "leads": [],
            "attachments": declared_examples(AttachmentOut),
            "audit_events": declared_examples(AuditEventRead),
        }
    )
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
