"""Bulk edits of activities: owner and completion; one result per row (crm.kit.bulk).

Activities have no tags, so a row is not read before it is updated."""

from __future__ import annotations

from crm.activity import service
from crm.activity.schemas import ActivityBulkUpdate, ActivityPatch
from crm.kit.bulk import RecordBulk

activities = RecordBulk[ActivityBulkUpdate](
    patch_model=ActivityPatch,
    fields=frozenset({"owner_id", "completed"}),
    update=service.update,
    soft_delete=service.soft_delete,
)
bulk_update, bulk_delete = activities.bulk_update, activities.bulk_delete
