"""SQL of lead imports: the dedupe look-up by blind index, and the set-based insert of a batch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import orjson
from sqlalchemy import Uuid, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm.dataio.repository import _raw, json_rows
from crm.models import Lead

# One index probe per key (LATERAL), on ix_leads_email_bidx / ix_leads_phone_bidx.
_MATCHES_EMAIL = """
SELECT 'email', u.b, l.id FROM json_array_elements_text(%s::json) AS u(b)
CROSS JOIN LATERAL (SELECT id FROM leads WHERE organization_id = %s AND deleted_at IS NULL
    AND email_bidx = decode(u.b, 'hex')) AS l
"""
_MATCHES_PHONE = """
SELECT 'phone', u.b, l.id FROM json_array_elements_text(%s::json) AS u(b)
CROSS JOIN LATERAL (SELECT id FROM leads WHERE organization_id = %s AND deleted_at IS NULL
    AND phone_bidx = decode(u.b, 'hex')) AS l
"""


async def matches(
    session: AsyncSession, organization_id: uuid.UUID, keys: Sequence[tuple[str, bytes]]
) -> dict[tuple[str, bytes], list[uuid.UUID]]:
    """Live leads holding any of these (kind, blind index) pairs: one probe per kind and key."""
    found: dict[tuple[str, bytes], list[uuid.UUID]] = {}
    raw = await _raw(session)
    async with raw.cursor() as cursor:
        for kind, statement in (("email", _MATCHES_EMAIL), ("phone", _MATCHES_PHONE)):
            wanted = list(dict.fromkeys(index.hex() for k, index in keys if k == kind))
            if not wanted:
                continue
            await cursor.execute(statement, (orjson.dumps(wanted).decode(), organization_id))
            for _, index_hex, lead_id in await cursor.fetchall():
                ids = found.setdefault((kind, bytes.fromhex(index_hex)), [])
                if lead_id not in ids:
                    ids.append(lead_id)
    return found


_INSERT_LEADS = """
INSERT INTO leads (id, first_name, last_name, job_title, company_name, email, email_bidx, phone, phone_bidx,
    source, status, lost_reason, owner_id, created_by, tags, import_id)
SELECT u.id, u.first_name, u.last_name, u.job_title, u.company_name, decode(u.email, 'hex'),
    decode(u.email_bidx, 'hex'), decode(u.phone, 'hex'), decode(u.phone_bidx, 'hex'), u.source, u.status,
    u.lost_reason, u.owner_id, %(created_by)s, u.tags::varchar(60)[], %(import_id)s
FROM json_to_recordset(%(rows)s::json) AS u(
    id uuid, first_name text, last_name text, job_title text, company_name text, email text, email_bidx text,
    phone text, phone_bidx text, source text, status text, lost_reason text, owner_id uuid, tags text[])
"""


async def insert_leads(
    session: AsyncSession, rows: Sequence[bytes], *, created_by: uuid.UUID | None, import_id: uuid.UUID
) -> None:
    """New leads (JSON rows, PII already encrypted), each carrying the import's id (provenance)."""
    if not rows:
        return
    params = {"rows": json_rows(rows), "created_by": created_by, "import_id": import_id}
    async with (await _raw(session)).cursor() as cursor:
        await cursor.execute(_INSERT_LEADS, params)


async def lock_for_update(session: AsyncSession, lead_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Lead]:
    """These live leads, locked for this transaction."""
    if not lead_ids:
        return {}
    statement = (
        select(Lead)
        .where(Lead.id == any_(bindparam("ids", list(lead_ids), type_=ARRAY(Uuid()))))
        .where(Lead.deleted_at.is_(None))
        .order_by(Lead.id)
        .with_for_update()
    )
    return {row.id: row for row in (await session.execute(statement)).scalars()}
