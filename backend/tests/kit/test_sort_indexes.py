"""Every sort a list offers is served in index order: no list sorts an organisation's records.

For each list and each field it declares sortable (both directions, plus custom-field sorts),
the test asks the API for a page, takes the page statement the API ran, and plans it with
sorting disabled: where no index yields the order the planner must still sort, and the test
fails. A sortable field added without its index (``crm.models.record.sort_indexes``) fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from crm.activity.service import field_specs as activity_fields
from crm.company.service import field_specs as company_fields
from crm.contact.service import field_specs as contact_fields
from crm.deal.service import field_specs as deal_fields
from crm.kit.listing import FieldSpec
from crm.lead.service import field_specs as lead_fields
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

LISTS: dict[str, Callable[[], dict[str, FieldSpec]]] = {
    "contacts": lambda: contact_fields(None),  # type: ignore[arg-type]  # the cipher only matches PII
    "companies": company_fields,
    "deals": deal_fields,
    "leads": lambda: lead_fields(None),  # type: ignore[arg-type]
    "activities": activity_fields,
}
CUSTOM_FIELDS = {"visits": "number", "insurer": "text", "renewal": "date", "vip": "boolean"}


def _sorts() -> list[tuple[str, str]]:
    return [
        (resource, field)
        for resource, specs in LISTS.items()
        for field, spec in specs().items()
        if spec.sortable
    ] + [("contacts", f"cf.{key}") for key in CUSTOM_FIELDS]


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    headers = bearer(await token_for(client, tenant.people[Role.admin]))
    for key, field_type in CUSTOM_FIELDS.items():
        field = {"object_type": "contact", "key": key, "label": key.title(), "field_type": field_type}
        assert (await client.post("/api/v1/custom-fields", json=field, headers=headers)).status_code == 201
    return headers


def test_every_list_offers_sorts() -> None:
    assert {resource for resource, _ in _sorts()} == set(LISTS)
    assert len(_sorts()) > 25


@pytest.mark.parametrize(("resource", "field"), _sorts())
async def test_a_sorted_page_is_an_index_range(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    connection: AsyncConnection,
    tenant: Tenant,
    resource: str,
    field: str,
) -> None:
    for sort in (field, f"-{field}"):
        pages: list[tuple[str, Any]] = []

        def capture(
            conn: object,
            cursor: object,
            statement: str,
            parameters: Any,
            *args: object,
            sink: list[Any] = pages,
        ) -> None:
            if statement.startswith("SELECT") and "ORDER BY" in statement and "LIMIT" in statement:
                sink.append((statement, parameters))

        event.listen(connection.sync_connection, "before_cursor_execute", capture)  # type: ignore[arg-type]
        try:
            response = await client.get(
                f"/api/v1/{resource}", params={"sort": sort, "limit": "5", "count": "false"}, headers=admin
            )
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", capture)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        (statement, parameters), *_ = pages
        await connection.exec_driver_sql(
            "SELECT set_config('app.org_id', %(org)s, true), set_config('enable_sort', 'off', true)",
            {"org": str(tenant.id)},
        )
        plan = "\n".join(
            row[0] for row in await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        )
        assert "Sort" not in plan, f"{resource} sorted by {sort} sorts its rows:\n{plan}"
