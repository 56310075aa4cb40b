"""Bulk edits of leads: owner, status (with its lost reason) and tags; one result per row (crm.kit.bulk)."""

from __future__ import annotations

from crm.kit.bulk import RecordBulk
from crm.lead import service
from crm.lead.schemas import LeadBulkUpdate, LeadPatch

leads = RecordBulk[LeadBulkUpdate](
    patch_model=LeadPatch,
    fields=frozenset({"owner_id", "status", "lost_reason"}),
    only_with={"lost_reason": "status"},
    get=service.get,
    update=service.update,
    soft_delete=service.soft_delete,
)
bulk_update, bulk_delete = leads.bulk_update, leads.bulk_delete
