"""Answering a list with JSON written straight from plain values.

A page of 50 records built as 50 pydantic models, validated, then validated and serialised again
by FastAPI's ``response_model`` cost more CPU than everything else a list does (ADR 0009). A list
service builds each item as a dict in the API's shape instead (the same function that feeds the
record's model for single reads, so there is one definition of the shape), and this writes the
page with orjson. The endpoint still declares ``response_model=Page[XOut]`` for the OpenAPI
document; tests check that every list's JSON is exactly what that model would have written.

Encoding matches pydantic's JSON mode: UUIDs and dates as strings, UTC datetimes ending in
``Z``, Decimals as strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Response

from crm.kit.pagination import Total

_OPTIONS = orjson.OPT_UTC_Z


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


@dataclass(frozen=True)
class ItemPage:
    """A list service's page: items already in their API shape, as plain values."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: Total | None


def page_response(page: ItemPage) -> Response:
    """The bytes of ``Page[...]`` for the endpoint to answer with as they are."""
    total = page.total
    body = {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "total": None if total is None else {"value": total.value, "exact": total.exact},
    }
    return Response(json_bytes(body), media_type="application/json")
