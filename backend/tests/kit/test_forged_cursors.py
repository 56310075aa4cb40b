"""Cursors are encoded, not signed: one written by hand with values of the wrong type is refused
(400 invalid_cursor), never sent to the database as a comparison it cannot make (500)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from crm.kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

ID = "00000000-0000-4000-8000-000000000000"


def forged(sort: str, values: list[Any]) -> str:
    payload = json.dumps({"s": sort, "v": values}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    headers = bearer(await token_for(client, tenant.people[Role.admin]))
    field = {"object_type": "contact", "key": "visits", "label": "Visits", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=headers)).status_code == 201
    return headers


@pytest.mark.parametrize(
    ("path", "sort", "values"),
    [
        ("contacts", "-updated_at", ["yesterday", ID]),
        ("contacts", "-updated_at", [{"t": "dt", "v": "2026-01-01T00:00:00+00:00"}, "not-a-uuid"]),
        ("contacts", "-updated_at", [12, ID]),
        ("contacts", "name", [["a"], "b", ID]),
        ("contacts", "-cf.visits", ["abc", {"t": "n", "v": "1"}, ID]),
        ("contacts", "-cf.visits", [1.5, 2, ID]),
        ("contacts", "-cf.visits", [1.5, {"t": "n", "v": "1"}, True]),
        ("deals", "-amount", ["abc", ID]),
        ("deals", "-amount", [True, ID]),
        ("deals", "expected_close_date", [{"t": "dt", "v": "2026-01-01T00:00:00+00:00"}, ID]),
        ("deals", "-probability", [{"t": "n", "v": "1"}, ID]),
        ("imports", None, ["soon", ID]),
    ],
)
async def test_a_cursor_with_values_of_the_wrong_type_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str], path: str, sort: str | None, values: list[Any]
) -> None:
    if sort is None:  # the import runs list has a fixed order
        sort = "-created_at"
    params = {"cursor": forged(sort, values)} | ({"sort": sort} if path != "imports" else {})
    response = await client.get(f"/api/v1/{path}", params=params, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_cursor"


def test_typed_values_round_trip_and_others_are_refused() -> None:
    when, day, an_id = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.date(2026, 1, 1), uuid.uuid4()
    values = [when, day, Decimal("1.50"), 2.5, 3, "x", True, an_id]
    types = [dt.datetime, dt.date, Decimal, float, int, str, bool, uuid.UUID]
    assert decode_cursor(encode_cursor("k", values), "k", 8, types) == values
    assert decode_cursor(encode_cursor("k", [None, 4]), "k", 2, [dt.date, float]) == [None, 4.0]
    for value, expected in (
        (when, dt.date),
        (1, bool),
        (True, int),
        ("1", float),
        (1.5, Decimal),
        ("zz", uuid.UUID),
    ):
        with pytest.raises(InvalidCursor):
            decode_cursor(encode_cursor("k", [value]), "k", 1, [expected])
