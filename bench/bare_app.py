"""The framework floor: a bare FastAPI app running each scenario's SQL, nothing else.

Per request: one pooled psycopg connection, one transaction, the RLS ``set_config``, the
scenario's statements, pydantic models for the response. No auth, no RBAC, no ORM, no
decryption, no middleware. Served by uvicorn with uvloop and httptools, like ``crm api``:

    BENCH_BARE_CONFIG=/path/config.json python -m uvicorn bare_app:app --app-dir bench \\
        --loop uvloop --http httptools --port 8199 --no-access-log
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import load
from sqlrun import run_async

CONFIG = json.loads(Path(os.environ["BENCH_BARE_CONFIG"]).read_text())
SCENARIOS = {s.name: s for s in load(CONFIG["scenarios"])}


class Total(BaseModel):
    value: int
    exact: bool


class ContactRow(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    job_title: str | None
    company_id: uuid.UUID | None
    company_name: str | None
    lifecycle_stage: str
    owner_id: uuid.UUID | None
    consent_email: bool
    consent_sms: bool
    consent_whatsapp: bool
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class ContactPage(BaseModel):
    items: list[ContactRow]
    next_cursor: str | None
    total: Total | None


class Rows(BaseModel):
    results: list[list[dict[str, Any]]]


_CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "job_title",
    "company_id",
    "company_name",
    "lifecycle_stage",
    "owner_id",
    "emails",
    "phones",
    "date_of_birth",
    "address",
    "consent_email",
    "consent_sms",
    "consent_whatsapp",
    "tags",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
)


def _contact(row: tuple[Any, ...], custom: dict[uuid.UUID, dict[str, Any]]) -> ContactRow:
    values = dict(zip(_CONTACT_FIELDS, row[: len(_CONTACT_FIELDS)], strict=True))
    for pii in ("emails", "phones", "date_of_birth", "address"):
        values.pop(pii)  # ciphertext: the bare floor does not decrypt
    return ContactRow(**values, custom_fields=custom.get(row[0], {}))


def _custom(rows: list[tuple[Any, ...]], keys: dict[uuid.UUID, str]) -> dict[uuid.UUID, dict[str, Any]]:
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for record_id, field_id, text, number, date, boolean, options, _enc in rows:
        value = next((v for v in (text, number, date, boolean, options) if v is not None), None)
        out.setdefault(record_id, {})[keys.get(field_id, str(field_id))] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool = AsyncConnectionPool(
        CONFIG["conninfo"],
        min_size=CONFIG.get("pool_size", 10),
        max_size=CONFIG.get("pool_size", 10),
        open=False,
    )
    await pool.open(wait=True)
    app.state.pool = pool
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
FIELD_KEYS = {uuid.UUID(v): k for k, v in CONFIG["field_keys"].items()}


@app.get("/bare/contacts_page/{name}", response_model=ContactPage)
async def contacts_page(name: str) -> ContactPage:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise HTTPException(404)
    async with app.state.pool.connection() as conn:
        page, custom_rows, *total_rows = await run_async(conn, scenario, CONFIG["org"], CONFIG["user"])
    custom = _custom(custom_rows, FIELD_KEYS)
    items = [_contact(row, custom) for row in page[:50]]
    cursor = None
    if len(page) > 50:
        last = items[-1]
        cursor = base64.urlsafe_b64encode(
            json.dumps([last.updated_at.isoformat(), str(last.id)]).encode()
        ).decode()
    if "count(*) OVER ()" in scenario.statements[0].sql:  # the total rides on the page's rows
        total = page[0][-1] if page else 0
    elif not total_rows:  # count=false: the page only
        return ContactPage(items=items, next_cursor=cursor, total=None)
    else:
        total = total_rows[0][0][0]
    return ContactPage(items=items, next_cursor=cursor, total=Total(value=total, exact=total < 10_001))


@app.get("/bare/contact_one/{name}", response_model=ContactRow)
async def contact_one(name: str) -> ContactRow:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise HTTPException(404)
    async with app.state.pool.connection() as conn:
        rows, custom_rows = await run_async(conn, scenario, CONFIG["org"], CONFIG["user"])
    if not rows:
        raise HTTPException(404)
    return _contact(rows[0], _custom(custom_rows, FIELD_KEYS))


@app.get("/bare/rows/{name}", response_model=Rows)
async def rows(name: str) -> Rows:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise HTTPException(404)
    async with app.state.pool.connection() as conn:
        results = await run_async(conn, scenario, CONFIG["org"], CONFIG["user"])
    return Rows(results=[[{str(i): _jsonable(v) for i, v in enumerate(r)} for r in rs] for rs in results])
