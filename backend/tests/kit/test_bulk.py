"""What a bulk update sets on every row: the given fields, a dependent field only with its anchor."""

from __future__ import annotations

import uuid

from crm.deal import bulk as deal_bulk
from crm.deal.schemas import DealBulkUpdate
from crm.kit.bulk import retagged


def test_a_lost_reason_goes_only_with_a_stage_change() -> None:
    owner, stage, ids = uuid.uuid4(), uuid.uuid4(), [uuid.uuid4()]
    alone = DealBulkUpdate(ids=ids, owner_id=owner, lost_reason="price")
    assert deal_bulk.deals.patch_of(alone) == {"owner_id": owner}
    with_stage = DealBulkUpdate(ids=ids, stage_id=stage, lost_reason="price")
    assert deal_bulk.deals.patch_of(with_stage) == {"stage_id": stage, "lost_reason": "price"}
    # Tags are not a field of the patch: they are computed per row from its current tags.
    assert deal_bulk.deals.patch_of(DealBulkUpdate(ids=ids, add_tags=["vip"])) == {}


def test_tags_are_added_and_removed_sorted_without_repeats() -> None:
    assert retagged(["b", "a"], ["c", "a"], ["b"]) == ["a", "c"]
    assert retagged([], None, None) == []
