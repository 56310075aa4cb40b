"""Bulk edits of contacts: owner, lifecycle stage and tags; one result per row (crm.kit.bulk)."""

from __future__ import annotations

from crm.contact import service
from crm.contact.schemas import BulkUpdate, ContactPatch
from crm.kit.bulk import RecordBulk

contacts = RecordBulk[BulkUpdate](
    patch_model=ContactPatch,
    fields=frozenset({"owner_id", "lifecycle_stage"}),
    get=service.get,
    update=service.update,
    soft_delete=service.soft_delete,
)
bulk_update, bulk_delete = contacts.bulk_update, contacts.bulk_delete
