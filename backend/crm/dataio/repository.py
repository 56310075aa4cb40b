"""SQL for imports: runs and their row errors, and the set-based writes of an import batch.

A batch is written with a handful of statements whatever its size: one look-up of every
blind index it holds, one INSERT of all its contacts (arrays unnested server-side: COPY
is refused on tables under row-level security), one of their identifiers, one of their
custom values. The organisation comes from the column default (the transaction's tenant).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import orjson
from psycopg import AsyncConnection
from sqlalchemy import ColumnElement, Select, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import (
    Company,
    Contact,
    ImportRowError,
    ImportRun,
    JobRun,
    Membership,
    TeamMember,
    User,
)


async def _raw(session: AsyncSession) -> AsyncConnection[Any]:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, AsyncConnection)
    return driver


# --- runs ---------------------------------------------------------------------------------


async def get_run(
    session: AsyncSession, import_id: uuid.UUID, scope: ColumnElement[bool]
) -> ImportRun | None:
    statement = select(ImportRun).where(ImportRun.id == import_id, scope)
    return (await session.execute(statement)).scalar_one_or_none()


async def page_runs(
    session: AsyncSession,
    scope: ColumnElement[bool],
    *,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[ImportRun]:
    statement: Select[Any] = select(ImportRun).where(scope)
    if after is not None:
        statement = statement.where(tuple_(ImportRun.created_at, ImportRun.id) < tuple_(*after))
    statement = statement.order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(limit + 1)
    return list((await session.execute(statement)).scalars())


async def job_runs(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, JobRun]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(select(JobRun).where(JobRun.id.in_(wanted)))
    return {row.id: row for row in rows.scalars()}


async def status_of(session: AsyncSession, import_id: uuid.UUID) -> str | None:
    row = await session.execute(select(ImportRun.status).where(ImportRun.id == import_id))
    return row.scalar_one_or_none()


async def set_status(
    session: AsyncSession,
    import_id: uuid.UUID,
    status: str,
    *,
    only_from: Sequence[str] | None = None,
    **values: Any,
) -> bool:
    """Move the run to ``status`` (from one of ``only_from``); False when it was in another state."""
    statement = update(ImportRun).where(ImportRun.id == import_id)
    if only_from is not None:
        statement = statement.where(ImportRun.status.in_(list(only_from)))
    result = await session.execute(
        statement.values(status=status, updated_at=func.now(), **values).returning(ImportRun.id)
    )
    return result.first() is not None


async def add_counts(
    session: AsyncSession, import_id: uuid.UUID, *, created: int, updated: int, skipped: int, failed: int
) -> None:
    await session.execute(
        update(ImportRun)
        .where(ImportRun.id == import_id)
        .values(
            created_count=ImportRun.created_count + created,
            updated_count=ImportRun.updated_count + updated,
            skipped_count=ImportRun.skipped_count + skipped,
            failed_count=ImportRun.failed_count + failed,
            updated_at=func.now(),
        )
    )


async def insert_errors(
    session: AsyncSession, import_id: uuid.UUID, errors: Sequence[tuple[int, str]]
) -> None:
    if not errors:
        return
    async with (await _raw(session)).cursor() as cursor:
        await cursor.execute(
            "INSERT INTO import_row_errors (import_id, row_number, error)"
            " SELECT %s, r, e FROM unnest(%s::int[], %s::text[]) AS u(r, e)"
            " ON CONFLICT (import_id, row_number) DO NOTHING",
            (import_id, [row for row, _ in errors], [error[:2000] for _, error in errors]),
        )


async def errors_page(
    session: AsyncSession, import_id: uuid.UUID, *, after: int | None, limit: int | None
) -> list[ImportRowError]:
    statement = select(ImportRowError).where(ImportRowError.import_id == import_id)
    if after is not None:
        statement = statement.where(ImportRowError.row_number > after)
    statement = statement.order_by(ImportRowError.row_number)
    if limit is not None:
        statement = statement.limit(limit + 1)
    return list((await session.execute(statement)).scalars())


# --- look-ups -----------------------------------------------------------------------------


# The values travel as arrays compared with ``= ANY``: an index condition on the lookup index
# (organization_id, kind, blind_index), one descent per value, whatever the statistics say. A
# join against the batch's values let the planner, misled by stale estimates while an import
# grows the table, read every identifier of the organisation for each batch. A kind found with
# another kind's value cannot match (each kind has its own blind-index key), and rows are
# keyed by their own kind. The explicit organisation matches RLS's own filter.
_IDENTIFIER_PROBE = """
SELECT i.kind, i.blind_index, i.contact_id FROM contact_identifiers i
WHERE i.organization_id = %s AND i.kind = ANY(%s::text[])
    AND i.blind_index = ANY(ARRAY(SELECT decode(h, 'hex') FROM json_array_elements_text(%s::json) AS h))
"""
_LIVE_CONTACTS = """
SELECT c.id FROM json_array_elements_text(%s::json) AS u(id)
CROSS JOIN LATERAL (SELECT id FROM contacts WHERE id = u.id::uuid AND deleted_at IS NULL) AS c
"""


async def identifier_matches(
    session: AsyncSession, organization_id: uuid.UUID, keys: Sequence[tuple[str, bytes]]
) -> dict[tuple[str, bytes], list[uuid.UUID]]:
    """Live contacts holding any of these (kind, blind index) pairs: two statements per batch."""
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    raw = await _raw(session)
    async with raw.cursor() as cursor:
        kinds = sorted({kind for kind, _ in unique})
        values = orjson.dumps([index.hex() for _, index in unique]).decode()
        await cursor.execute(_IDENTIFIER_PROBE, (organization_id, kinds, values))
        rows = await cursor.fetchall()
        candidates = list({str(row[2]) for row in rows})
        live: set[uuid.UUID] = set()
        if candidates:
            await cursor.execute(_LIVE_CONTACTS, (orjson.dumps(candidates).decode(),))
            live = {row[0] for row in await cursor.fetchall()}
    found: dict[tuple[str, bytes], list[uuid.UUID]] = {}
    for kind, index, contact_id in rows:
        if contact_id in live:
            ids = found.setdefault((kind, bytes(index)), [])
            if contact_id not in ids:
                ids.append(contact_id)
    return found


async def companies_named(session: AsyncSession, names: Iterable[str]) -> dict[str, uuid.UUID]:
    wanted = sorted(set(names))
    if not wanted:
        return {}
    statement = (
        select(Company.name, Company.id)
        .where(Company.name.in_(wanted), Company.deleted_at.is_(None))
        .order_by(Company.name, Company.created_at)
    )
    found: dict[str, uuid.UUID] = {}
    for name, company_id in (await session.execute(statement)).all():
        found.setdefault(name, company_id)
    return found


async def members(session: AsyncSession) -> dict[str, uuid.UUID]:
    """Members by lower-case e-mail and by lower-case full name (an ambiguous name is left out)."""
    rows = (
        await session.execute(
            select(User.id, User.email, User.full_name).join(Membership, Membership.user_id == User.id)
        )
    ).all()
    found: dict[str, uuid.UUID] = {}
    names: dict[str, list[uuid.UUID]] = {}
    for user_id, email, full_name in rows:
        found[email.lower()] = user_id
        names.setdefault(" ".join(full_name.lower().split()), []).append(user_id)
    for name, ids in names.items():
        if len(ids) == 1:
            found.setdefault(name, ids[0])
    return found


# --- writes -------------------------------------------------------------------------------

# A batch of new contacts is COPYed (binary: no text to parse, no hex to decode) into a
# temporary staging table, then moved by ONE statement into contacts and, with their blind
# indexes, into contact_identifiers. COPY straight into contacts is refused (row-level
# security); into a temporary table it is not, and the table, private to the connection,
# holds nothing beyond the statement that empties it (and ON COMMIT DELETE ROWS besides). A
# JSON parameter read by json_to_recordset cost a sixth of the database's time of an import.
# The rows are encoded ahead (``contact_staging_row``), in the process preparing the batch.
_STAGING = "import_contact_rows"
# (column, type) in the order of a staged row
STAGING_COLUMNS = (
    ("id", "uuid"), ("first_name", "text"), ("last_name", "text"), ("job_title", "text"),
    ("company_name", "text"), ("stage", "text"), ("owner_id", "uuid"), ("c_email", "bool"),
    ("c_sms", "bool"), ("c_whatsapp", "bool"), ("consented", "bool"), ("emails", "bytea"),
    ("phones", "bytea"), ("dob", "bytea"), ("address", "bytea"), ("tags", "text[]"),
    ("ek", "bytea[]"), ("pk", "bytea[]"),
)  # fmt: skip
_CREATE_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ("
    + ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)
_COPY_STAGING = (
    f"COPY {_STAGING} ({', '.join(name for name, _ in STAGING_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
)
_INSERT_CONTACTS = """
WITH u AS (DELETE FROM import_contact_rows RETURNING *),
inserted AS (
    INSERT INTO contacts (
        id, first_name, last_name, job_title, company_id, company_name, lifecycle_stage, owner_id,
        created_by, consent_email, consent_sms, consent_whatsapp, consent_updated_at,
        emails, phones, date_of_birth, address, tags, import_id
    )
    SELECT u.id, u.first_name, u.last_name, u.job_title, co.value::uuid, u.company_name, u.stage,
        u.owner_id, %(created_by)s, u.c_email, u.c_sms, u.c_whatsapp,
        CASE WHEN u.consented THEN now() END, u.emails, u.phones, u.dob, u.address,
        u.tags::varchar(60)[], %(import_id)s
    FROM u LEFT JOIN json_each_text(%(companies)s::json) AS co ON co.key = u.company_name
)
INSERT INTO contact_identifiers (contact_id, kind, blind_index, is_primary)
SELECT u.id, 'email', e.b, e.n = 1 FROM u, unnest(u.ek) WITH ORDINALITY AS e(b, n)
UNION ALL
SELECT u.id, 'phone', p.b, p.n = 1 FROM u, unnest(u.pk) WITH ORDINALITY AS p(b, n)
"""
# PostgreSQL's binary COPY framing, and the type oids of array elements.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
_TEXT_OID, _BYTEA_OID = 25, 17
_NULL = struct.pack("!i", -1)


def _sized(data: bytes) -> bytes:
    return struct.pack("!i", len(data)) + data


def _array(items: Sequence[bytes], oid: int) -> bytes:
    if not items:
        return struct.pack("!iii", 0, 0, oid)
    return struct.pack("!iiiii", 1, 0, oid, len(items), 1) + b"".join(map(_sized, items))


_ENCODE: dict[str, Callable[[Any], bytes]] = {
    "uuid": lambda value: value.bytes,
    "text": lambda value: value.encode(),
    "bool": lambda value: b"\x01" if value else b"\x00",
    "bytea": bytes,
    "text[]": lambda values: _array([value.encode() for value in values], _TEXT_OID),
    "bytea[]": lambda values: _array(values, _BYTEA_OID),
}
_STAGED_FIELDS = struct.pack("!h", len(STAGING_COLUMNS))
_STAGING_ENCODERS = tuple((name, _ENCODE[kind]) for name, kind in STAGING_COLUMNS)


def contact_staging_row(row: dict[str, Any]) -> bytes:
    """One row of binary COPY for the staging table: ``row`` holds STAGING_COLUMNS' values
    (UUIDs, str, bool, bytes, lists of str or bytes; None for NULL)."""
    parts = [_STAGED_FIELDS]
    for name, encode in _STAGING_ENCODERS:
        value = row[name]
        parts.append(_NULL if value is None else _sized(encode(value)))
    return b"".join(parts)


def json_rows(fragments: Sequence[bytes]) -> str:
    """A JSON array from rows already serialised one by one (UTF-8, as orjson writes them)."""
    return (b"[" + b",".join(fragments) + b"]").decode()


def hex_or_none(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


async def insert_contacts(
    session: AsyncSession,
    rows: Sequence[bytes],
    companies: dict[str, str],
    *,
    created_by: uuid.UUID | None,
    import_id: uuid.UUID,
) -> None:
    """New contacts and their blind indexes; ``rows`` are staged rows (``contact_staging_row``),
    ``companies`` maps a company name to the id it links to."""
    if not rows:
        return
    params = {"companies": json.dumps(companies), "created_by": created_by, "import_id": import_id}
    async with (await _raw(session)).cursor() as cursor:
        await cursor.execute(_CREATE_STAGING)
        async with cursor.copy(_COPY_STAGING) as copy:
            await copy.write(COPY_SIGNATURE + b"".join(rows) + COPY_TRAILER)
        await cursor.execute(_INSERT_CONTACTS, params)


_INSERT_IDENTIFIERS = """
INSERT INTO contact_identifiers (contact_id, kind, blind_index, is_primary)
SELECT u.c, u.k, decode(u.b, 'hex'), u.p FROM json_to_recordset(%s::json) AS u(c uuid, k text, b text, p bool)
ON CONFLICT (contact_id, kind, blind_index) DO NOTHING
"""


async def add_identifiers(session: AsyncSession, rows: Sequence[tuple[uuid.UUID, str, bytes, bool]]) -> None:
    """Blind indexes added to existing contacts (a value they already hold is left alone)."""
    if not rows:
        return
    payload = json.dumps([{"c": str(c), "k": k, "b": b.hex(), "p": p} for c, k, b, p in rows])
    async with (await _raw(session)).cursor() as cursor:
        await cursor.execute(_INSERT_IDENTIFIERS, (payload,))


_UPSERT_CUSTOM = """
INSERT INTO custom_field_values (field_id, record_id, value_text, value_number, value_date, value_bool,
    value_encrypted, value_bidx, value_options)
SELECT u.field_id, u.record_id, u.value_text, u.value_number, u.value_date, u.value_bool,
    decode(u.value_encrypted, 'hex'), decode(u.value_bidx, 'hex'),
    CASE WHEN u.value_options IS NULL THEN NULL
        ELSE ARRAY(SELECT json_array_elements_text(u.value_options)) END
FROM json_to_recordset(%s::json) AS u(field_id uuid, record_id uuid, value_text text, value_number numeric,
    value_date date, value_bool bool, value_encrypted text, value_bidx text, value_options json)
ON CONFLICT (field_id, record_id) DO UPDATE SET value_text = EXCLUDED.value_text,
    value_number = EXCLUDED.value_number, value_date = EXCLUDED.value_date, value_bool = EXCLUDED.value_bool,
    value_encrypted = EXCLUDED.value_encrypted, value_bidx = EXCLUDED.value_bidx,
    value_options = EXCLUDED.value_options
"""


def _custom_json(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, uuid.UUID | Decimal | dt.date):
            value = str(value)
        out[key] = value
    return out


async def upsert_custom_values(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One upsert for every custom value of a batch."""
    if not rows:
        return
    payload = json.dumps([_custom_json(row) for row in rows])
    async with (await _raw(session)).cursor() as cursor:
        await cursor.execute(_UPSERT_CUSTOM, (payload,))


_LOCK_CONTACTS = text(
    "SELECT c.* FROM unnest(CAST(:ids AS uuid[])) AS u(id) CROSS JOIN LATERAL"
    " (SELECT * FROM contacts WHERE contacts.id = u.id AND contacts.deleted_at IS NULL FOR UPDATE) AS c"
)


async def lock_for_update(
    session: AsyncSession, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    """These live contacts, locked for this transaction (one primary-key probe each)."""
    if not contact_ids:
        return {}
    statement = select(Contact).from_statement(_LOCK_CONTACTS.bindparams(ids=list(contact_ids)))
    return {row.id: row for row in (await session.execute(statement)).scalars()}


async def teammates(session: AsyncSession, user_id: uuid.UUID | None) -> set[uuid.UUID]:
    """Everyone who shares a team with this user (and the user)."""
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    rows = await session.execute(select(TeamMember.user_id).where(TeamMember.team_id.in_(mine)))
    return {*rows.scalars(), *([user_id] if user_id else [])}


async def relax_commit(session: AsyncSession) -> None:
    """Do not wait for this transaction's WAL flush. A crash can lose the last batches, never half
    of one: rows, errors, counts and progress commit together, and the job resumes from there."""
    await session.execute(text("SET LOCAL synchronous_commit = off"))


async def progress(session: AsyncSession, job_run_id: uuid.UUID, *, done: int, total: int | None) -> None:
    values: dict[str, Any] = {"done": done, "updated_at": func.now()}
    if total is not None:
        values["total"] = total
    await session.execute(update(JobRun).where(JobRun.id == job_run_id).values(**values))
