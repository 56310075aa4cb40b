"""Bulk edits of deals: owner, stage (with a lost reason) and tags; one result per row (crm.kit.bulk)."""

from __future__ import annotations

from crm.deal import service
from crm.deal.schemas import DealBulkUpdate, DealPatch
from crm.kit.bulk import RecordBulk

deals = RecordBulk[DealBulkUpdate](
    patch_model=DealPatch,
    fields=frozenset({"owner_id", "stage_id", "lost_reason"}),
    only_with={"lost_reason": "stage_id"},
    get=service.get,
    update=service.update,
    soft_delete=service.soft_delete,
)
bulk_update, bulk_delete = deals.bulk_update, deals.bulk_delete
