"""The columns a read selects as plain rows: what the API shape shows, id first."""

from __future__ import annotations

from sqlalchemy import func

from crm.activity.schemas import ActivityOut
from crm.deal.schemas import DealOut
from crm.kit.rows import out_columns
from crm.models import Activity, Deal


def test_the_columns_are_those_the_shape_shows() -> None:
    columns = out_columns(Deal, DealOut)
    names = [column.key for column in columns]
    assert names[0] == "id" and names.count("id") == 1
    # Not columns (filled by the service) or not shown (never read).
    assert "contact_ids" not in names and "custom_fields" not in names
    assert "search_vector" not in names and "organization_id" not in names
    assert set(names) == set(DealOut.model_fields) - {"contact_ids", "custom_fields"}


def test_extra_expressions_come_last() -> None:
    now = func.now().label("now")
    columns = out_columns(Activity, ActivityOut, now)
    assert columns[-1] is now and columns[0] is Activity.id
