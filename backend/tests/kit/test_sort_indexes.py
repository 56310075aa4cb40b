"""Every sort a list offers is served in index order: no list sorts an organisation's records,
and no later page reads the pages before it.

For each list and each field it declares sortable (both directions, plus custom-field sorts),
the test asks the API for a page, takes the page statement the API ran, and plans it with
sorting disabled: where no index yields the order the planner must still sort, and the test
fails. A sortable field added without its index (``crm.models.record.sort_indexes``) fails it.

Then every standard sort is paged to its end over records with ties and NULLs (and amounts a
float cannot tell apart): every record comes exactly once, in the order of one plain ORDER BY,
and each continuation statement, run with EXPLAIN ANALYZE, reads no row its index range did not
bound (``Rows Removed by Filter``): a keyset condition the index cannot start from (a numeric
comparison under RLS, ``x > v OR x IS NULL``) fails it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import Column
from sqlalchemy.ext.asyncio import AsyncConnection

from crm.activity.service import field_specs as activity_fields
from crm.company.service import field_specs as company_fields
from crm.contact.service import field_specs as contact_fields
from crm.deal.service import field_specs as deal_fields
from crm.kit.listing import FieldSpec
from crm.lead.service import field_specs as lead_fields
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.statements import recorded_pages

LISTS: dict[str, Callable[[], Mapping[str, FieldSpec]]] = {
    "contacts": contact_fields,
    "companies": company_fields,
    "deals": deal_fields,
    "leads": lead_fields,
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
        with recorded_pages(connection) as pages:
            response = await client.get(
                f"/api/v1/{resource}", params={"sort": sort, "limit": "5", "count": "false"}, headers=admin
            )
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


# One record of each list made through the API (its required columns right), cloned in SQL.
SEED_BODIES: dict[str, dict[str, Any]] = {
    "contacts": {"first_name": "Seed"},
    "companies": {"name": "Seed"},
    "deals": {"name": "Seed"},
    "leads": {"first_name": "Seed"},
    "activities": {"kind": "task", "subject": "Seed"},
}
CLONES = 31
PAGE = 4
# A sort key's value for clone n: five values (ties), NULL for every fourth where the column
# allows it; numbers include amounts 0.01 apart at 10^15, which share a float8.
VALUE_OF_TYPE = {
    "numeric": "CASE WHEN mod(n, 5) = 4 THEN 1e15 + mod(n, 3) * 0.01 ELSE mod(n, 5) END",
    "integer": "mod(n, 5)",
    "double precision": "(mod(n, 5)) / 10.0",
    "timestamp with time zone": "timestamptz '2026-01-01' + (mod(n, 5)) * interval '1 day'",
    "date": "date '2026-01-01' + mod(n, 5)::int",
    "character varying": "'n' || (mod(n, 5))",
    "text": "'n' || (mod(n, 5))",
}


def _plain_columns(spec: FieldSpec) -> list[Column[Any]]:
    """The table columns a sort reads: generated twins and expressions (a lead's score with its
    default) stand for the stored column they are computed from."""
    stored = (
        c if isinstance(c, Column) and c.computed is None else spec.column for c in spec.sort_columns or ()
    )
    return list(stored) or [spec.column]


async def _clone_records(
    client: httpx.AsyncClient, connection: AsyncConnection, admin: dict[str, str], resource: str
) -> str:
    """CLONES copies of one record, with every sort column set from the clone's number; the table."""
    body = dict(SEED_BODIES[resource])
    if resource == "activities":
        contact = await client.post("/api/v1/contacts", json={"first_name": "Linked"}, headers=admin)
        body["contact_id"] = contact.json()["id"]
    created = await client.post(f"/api/v1/{resource}", json=body, headers=admin)
    assert created.status_code == 201, created.text
    specs = LISTS[resource]()
    table = next(iter(_plain_columns(next(s for s in specs.values() if s.sortable)))).table
    stored = [c.name for c in table.columns if c.computed is None and c.name != "id"]
    await connection.exec_driver_sql(
        f"INSERT INTO {table.name} (id, {', '.join(stored)}) "
        f"SELECT gen_random_uuid(), {', '.join(stored)} FROM {table.name}, generate_series(1, {CLONES}) "
        "WHERE id = %(id)s",
        {"id": created.json()["id"]},
    )
    types = dict(
        (
            await connection.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %(table)s",
                {"table": table.name},
            )
        ).all()
    )
    assignments = {}
    for spec in specs.values():
        for column in _plain_columns(spec) if spec.sortable else ():
            value = VALUE_OF_TYPE[types[column.name]]
            assignments[column.name] = (
                f"CASE WHEN mod(n, 4) = 0 THEN NULL ELSE {value} END" if column.nullable else value
            )
    await connection.exec_driver_sql(
        f"UPDATE {table.name} t SET {', '.join(f'{k} = {v}' for k, v in assignments.items())} "
        f"FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table.name}) numbered "
        "WHERE t.id = numbered.id"
    )
    return table.name


def _removed(plan: dict[str, Any]) -> int:
    own = plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
    return int(own) + sum(_removed(child) for child in plan.get("Plans", ()))


@pytest.mark.parametrize("resource", list(LISTS))
async def test_every_page_reads_only_its_own_rows(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    connection: AsyncConnection,
    tenant: Tenant,
    resource: str,
) -> None:
    table = await _clone_records(client, connection, admin, resource)
    settings = (
        "SELECT set_config('app.org_id', %(org)s, true), set_config('enable_sort', 'off', true), "
        "set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)"
    )
    for field, spec in LISTS[resource]().items():
        if not spec.sortable:
            continue
        # A float twin bounds the range at the cursor's float; the exact check then passes over
        # the numbers sharing that float, which are at most the largest group of one float.
        passed_over = 0
        if spec.float_twin is not None:
            groups = f"SELECT count(*) FROM {table} GROUP BY {spec.float_twin.name}"
            passed_over = (
                await connection.exec_driver_sql(f"SELECT max(count) FROM ({groups}) g")
            ).scalar_one()
            assert passed_over < CLONES // 3
        for descending in (False, True):
            direction = "DESC NULLS FIRST" if descending else "ASC NULLS LAST"
            await connection.exec_driver_sql(settings, {"org": str(tenant.id)})
            keys = ", ".join(f"{column.name} {direction}" for column in spec.sort_columns or (spec.column,))
            expected = [
                str(row[0])
                for row in await connection.exec_driver_sql(
                    f"SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY {keys}, id {direction[:4]}"
                )
            ]
            assert len(expected) > CLONES
            seen: list[str] = []
            cursor: str | None = None
            while True:
                params = {"sort": ("-" if descending else "") + field, "limit": str(PAGE), "count": "false"}
                if cursor:
                    params["cursor"] = cursor
                with recorded_pages(connection) as pages:
                    response = await client.get(f"/api/v1/{resource}", params=params, headers=admin)
                assert response.status_code == 200, response.text
                seen += [item["id"] for item in response.json()["items"]]
                if cursor:
                    await connection.exec_driver_sql(settings, {"org": str(tenant.id)})
                    for statement, parameters in pages:
                        explained = await connection.exec_driver_sql(
                            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
                        )
                        plan = explained.scalar_one()[0]["Plan"]
                        assert _removed(plan) <= passed_over, (
                            f"{resource} by {params['sort']} reads rows before its page: {plan}"
                        )
                cursor = response.json()["next_cursor"]
                if cursor is None:
                    break
            assert seen == expected, f"{resource} by {'-' if descending else ''}{field}"
