"""Bulk edits of companies: owner, industry and tags; one result per row (crm.kit.bulk)."""

from __future__ import annotations

from crm.company import service
from crm.company.schemas import CompanyBulkUpdate, CompanyPatch
from crm.kit.bulk import RecordBulk

companies = RecordBulk[CompanyBulkUpdate](
    patch_model=CompanyPatch,
    fields=frozenset({"owner_id", "industry"}),
    get=service.get,
    update=service.update,
    soft_delete=service.soft_delete,
)
bulk_update, bulk_delete = companies.bulk_update, companies.bulk_delete
