"""Lists narrowed by custom fields: totals counted on the field's value rows (which know whether
their record is live), number ranges bounded by the float twin, exact order between numbers too
close for a float, and keyset pages sorted by a standard field."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def _field(client: httpx.AsyncClient, admin: dict[str, str], key: str, field_type: str) -> None:
    field = {"object_type": "contact", "key": key, "label": key.title(), "field_type": field_type}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201


async def _contact(client: httpx.AsyncClient, admin: dict[str, str], name: str, **custom: object) -> str:
    body = {"first_name": name, "custom_fields": custom}
    response = await client.post("/api/v1/contacts", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _list(
    client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, str]
) -> dict[str, object]:
    response = await client.get("/api/v1/contacts", params={"limit": "200", **params}, headers=admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_totals_of_a_list_narrowed_by_one_custom_field_leave_out_deleted_records(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    await _field(client, admin, "visits", "number")
    await _field(client, admin, "insurer", "text")
    ids = [
        await _contact(client, admin, f"C{n}", visits=n, insurer="AXA" if n % 2 else "Bupa")
        for n in range(10)
    ]
    await _contact(client, admin, "no values")
    # One soft delete, one bulk delete, and a deleted contact brought back.
    assert (await client.delete(f"/api/v1/contacts/{ids[9]}", headers=admin)).status_code == 204
    bulk = await client.post("/api/v1/contacts/bulk-delete", headers=admin, json={"ids": [ids[7], ids[4]]})
    assert [r["ok"] for r in bulk.json()["results"]] == [True, True]
    assert (await client.post(f"/api/v1/contacts/{ids[4]}/restore", headers=admin)).status_code == 200
    live = [n for n in range(10) if n not in (7, 9)]

    statements: list[str] = []

    def capture(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    cases = [
        ({"cf.visits__gte": "3"}, [n for n in live if n >= 3]),
        ({"cf.visits__gte": "3", "sort": "-cf.visits"}, [n for n in live if n >= 3]),
        ({"cf.visits__lt": "6", "sort": "-updated_at"}, [n for n in live if n < 6]),
        ({"cf.visits": "4"}, [4]),
        ({"cf.visits__in": "1,7,8"}, [1, 8]),
        ({"sort": "cf.visits"}, live),
        ({"cf.visits__empty": "false"}, live),
        ({"cf.insurer": "AXA"}, [n for n in live if n % 2]),
    ]
    event.listen(connection.sync_connection, "before_cursor_execute", capture)  # type: ignore[arg-type]
    try:
        for params, expected in cases:
            statements.clear()
            page = await _list(client, admin, params)
            names = sorted(int(str(c["first_name"])[1:]) for c in page["items"])  # type: ignore[attr-defined]
            assert names == sorted(expected), params
            assert page["total"] == {"value": len(expected), "exact": True}, params
            # Counted on the value rows alone: no contact read per match.
            (counted,) = [s for s in statements if s.startswith("SELECT count(")]
            assert "custom_field_values" in counted and "contacts" not in counted, params
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", capture)  # type: ignore[arg-type]

    # Anything else in the list, and the count reads the records as before; still right.
    both = await _list(client, admin, {"cf.visits__gte": "3", "cf.insurer": "AXA"})
    assert both["total"] == {"value": len([n for n in live if n >= 3 and n % 2]), "exact": True}
    unset = await _list(client, admin, {"cf.visits__empty": "true"})
    assert unset["total"] == {"value": 1, "exact": True}
    trash = await _list(client, admin, {"cf.visits__gte": "0", "include_deleted": "true"})
    assert trash["total"] == {"value": 10, "exact": True}


async def test_value_rows_follow_their_records_deletion_on_every_object(
    db: AsyncSession, tenant: Tenant
) -> None:
    """The triggers of migration 0029, table by table (the API tests above go through contacts)."""
    await set_tenant(db, tenant.id)
    for object_type, table, columns in (
        ("contact", "contacts", "first_name"),
        ("company", "companies", "name"),
        ("lead", "leads", "first_name"),
    ):
        field_id, record_id = uuid.uuid4(), uuid.uuid4()
        await db.execute(
            text(
                "INSERT INTO custom_field_definitions (id, object_type, key, label, field_type)"
                " VALUES (:id, :object, :key, 'Tier', 'text')"
            ),
            {"id": field_id, "object": object_type, "key": f"tier_{object_type}"},
        )
        await db.execute(text(f"INSERT INTO {table} (id, {columns}) VALUES (:id, 'X')"), {"id": record_id})
        await db.execute(
            text("INSERT INTO custom_field_values (field_id, record_id, value_text) VALUES (:f, :r, 'gold')"),
            {"f": field_id, "r": record_id},
        )

        async def live(field: uuid.UUID = field_id) -> bool:
            query = text("SELECT record_live FROM custom_field_values WHERE field_id = :f")
            return bool((await db.execute(query, {"f": field})).scalar_one())

        assert await live()
        await db.execute(text(f"UPDATE {table} SET deleted_at = now() WHERE id = :id"), {"id": record_id})
        assert not await live(), table
        await db.execute(text(f"UPDATE {table} SET {columns} = 'Y' WHERE id = :id"), {"id": record_id})
        assert not await live(), table
        await db.execute(text(f"UPDATE {table} SET deleted_at = NULL WHERE id = :id"), {"id": record_id})
        assert await live(), table


async def test_numbers_too_close_for_a_float_keep_their_exact_order_and_filters(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """numeric(20, 6) holds numbers float8 cannot tell apart: the float twin only bounds the
    scan, and the exact value decides filters and order."""
    await _field(client, admin, "balance", "number")
    base = Decimal("12345678901234")
    values = [base + Decimal(f"0.00000{k}") for k in (3, 1, 2)]
    assert len({float(v) for v in values}) == 1  # the premise: one float for all three
    for k, value in enumerate(values):
        await _contact(client, admin, f"B{k}", balance=str(value))
    await _contact(client, admin, "small", balance="1")

    def balances(page: dict[str, object]) -> list[Decimal]:
        return [Decimal(str(c["custom_fields"]["balance"])) for c in page["items"]]  # type: ignore[attr-defined]

    middle = str(values[2])  # ...234.000002
    for op, expected in (
        ("gt", [values[0]]),
        ("gte", [values[2], values[0]]),
        ("lt", ["1", values[1]]),
        ("lte", ["1", values[1], values[2]]),
    ):
        page = await _list(client, admin, {f"cf.balance__{op}": middle, "sort": "cf.balance"})
        assert balances(page) == [Decimal(e) for e in expected], op
    assert balances(await _list(client, admin, {"cf.balance": middle})) == [values[2]]

    # One row per page, both directions: the cursor continues between equal floats.
    for sort, expected in (("cf.balance", sorted(values)), ("-cf.balance", sorted(values, reverse=True))):
        seen: list[Decimal] = []
        cursor = None
        while True:
            params = {"limit": "1", "sort": sort, "cf.balance__gt": "1000"} | (
                {"cursor": cursor} if cursor else {}
            )
            response = await client.get("/api/v1/contacts", params=params, headers=admin)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += balances(page)
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == expected, sort


async def test_a_number_filter_that_is_not_a_number_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _field(client, admin, "visits", "number")
    for raw in ("NaN", "sNaN", "Infinity", "-inf", "1e999999999999"):
        response = await client.get("/api/v1/contacts", params={"cf.visits__gte": raw}, headers=admin)
        assert response.status_code == 400, raw
        assert response.json()["error"] == "invalid_filter"


async def test_pages_narrowed_by_custom_fields_come_in_the_standard_sort_order(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection, tenant: Tenant
) -> None:
    await _field(client, admin, "insurer", "text")
    await _field(client, admin, "visits", "number")
    insured = set()
    for n in range(16):
        custom = {"insurer": "Adeslas" if n % 3 else "Sanitas", "visits": n % 4}
        contact_id = await _contact(client, admin, f"P{n % 5}", **custom)
        insured |= {contact_id} if n % 3 and n % 4 else set()
    scoped = "SELECT set_config('app.org_id', %(org)s, true)"
    await connection.exec_driver_sql(scoped, {"org": str(tenant.id)})
    # Ties and NULLs in a nullable sort column.
    await connection.execute(
        text(
            "UPDATE contacts SET sentiment_score = CASE WHEN random() < 0.3 THEN NULL ELSE round(random()) END"
        )
    )
    narrowed = {"cf.insurer": "Adeslas", "cf.visits__gte": "1"}
    for sort, keys in (
        ("-updated_at", "updated_at DESC, id DESC"),
        ("name", "last_name, first_name, id"),
        ("sentiment_score", "sentiment_score ASC NULLS LAST, id"),
        ("-sentiment_score", "sentiment_score DESC NULLS FIRST, id DESC"),
    ):
        await connection.exec_driver_sql(scoped, {"org": str(tenant.id)})
        expected = [
            str(row[0])
            for row in await connection.execute(
                text(f"SELECT id FROM contacts WHERE id = ANY(:ids) ORDER BY {keys}"),
                {"ids": [uuid.UUID(i) for i in insured]},
            )
        ]
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params = {**narrowed, "sort": sort, "limit": "3", "count": "false"}
            page = await _list(client, admin, {**params, **({"cursor": cursor} if cursor else {})})
            seen += [str(item["id"]) for item in page["items"]]  # type: ignore[attr-defined]
            cursor = page["next_cursor"]  # type: ignore[assignment]
            if cursor is None:
                break
        assert seen == expected, sort
