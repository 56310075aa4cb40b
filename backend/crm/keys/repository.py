"""SQL over the registered encrypted columns (identifiers are validated at registration).

Rows are found by their ciphertext's 5-byte header (format + data key version), so a
re-run after an interruption only touches values not yet under the active key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.security.crypto import EncryptedColumn, SealedColumn

FIRST_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class Reencrypted:
    id: uuid.UUID
    old_value: bytes
    new_value: bytes
    blind_index: bytes | None


def _stale(spec: EncryptedColumn) -> str:
    return (
        f"organization_id = :org AND {spec.column} IS NOT NULL"
        f" AND substring({spec.column} FROM 1 FOR 5) <> :prefix"
    )


async def count_stale(
    session: AsyncSession, spec: EncryptedColumn, organization_id: uuid.UUID, prefix: bytes
) -> int:
    sql = f"SELECT count(*) FROM {spec.table} WHERE {_stale(spec)}"  # noqa: S608 - registered identifiers
    result = await session.execute(text(sql), {"org": organization_id, "prefix": prefix})
    return int(result.scalar_one())


async def lock_stale_batch(
    session: AsyncSession,
    spec: EncryptedColumn,
    organization_id: uuid.UUID,
    prefix: bytes,
    after: uuid.UUID,
    limit: int,
) -> list[tuple[uuid.UUID, bytes]]:
    """The next rows in id order not yet under ``prefix``; rows the app holds locked are skipped
    (a later pass picks them up) so the job never makes a request wait."""
    sql = (
        f"SELECT {spec.id_column} AS id, {spec.column} AS value FROM {spec.table}"  # noqa: S608
        f" WHERE {_stale(spec)} AND {spec.id_column} > :after"
        f" ORDER BY {spec.id_column} LIMIT :limit FOR UPDATE SKIP LOCKED"
    )
    params = {"org": organization_id, "prefix": prefix, "after": after, "limit": limit}
    return [(row[0], bytes(row[1])) for row in await session.execute(text(sql), params)]


async def write_batch(session: AsyncSession, spec: EncryptedColumn, rows: Sequence[Reencrypted]) -> int:
    """One UPDATE for the batch; a row changed since it was read (same value check) is left alone."""
    if not rows:
        return 0
    sets = f"{spec.column} = u.new_value"
    if spec.blind_index_column:
        sets += f", {spec.blind_index_column} = u.blind_index"
    sql = (
        f"UPDATE {spec.table} AS t SET {sets}"  # noqa: S608 - registered identifiers
        " FROM unnest(CAST(:ids AS uuid[]), CAST(:olds AS bytea[]), CAST(:news AS bytea[]),"
        " CAST(:bidx AS bytea[])) AS u(id, old_value, new_value, blind_index)"
        f" WHERE t.{spec.id_column} = u.id AND t.{spec.column} = u.old_value"
    )
    result = await session.execute(
        text(sql),
        {
            "ids": [row.id for row in rows],
            "olds": [row.old_value for row in rows],
            "news": [row.new_value for row in rows],
            "bidx": [row.blind_index for row in rows],
        },
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def sealed_values(session: AsyncSession, spec: SealedColumn) -> list[tuple[uuid.UUID, bytes]]:
    sql = (
        f"SELECT {spec.id_column} AS id, {spec.column} AS value FROM {spec.table}"  # noqa: S608
        f" WHERE {spec.column} IS NOT NULL ORDER BY {spec.id_column} FOR UPDATE"
    )
    return [(row[0], bytes(row[1])) for row in await session.execute(text(sql))]


async def write_sealed(
    session: AsyncSession, spec: SealedColumn, row_id: uuid.UUID, old: bytes, new: bytes
) -> None:
    sql = (
        f"UPDATE {spec.table} SET {spec.column} = :new"  # noqa: S608 - registered identifiers
        f" WHERE {spec.id_column} = :id AND {spec.column} = :old"
    )
    await session.execute(text(sql), {"id": row_id, "old": old, "new": new})


async def sealed_usage(session: AsyncSession, spec: SealedColumn) -> dict[str, int]:
    """How many values each master key version sealed (header: 0x02, id length, id)."""
    sql = (
        f"SELECT convert_from(substring({spec.column} FROM 3 FOR get_byte({spec.column}, 1)),"  # noqa: S608
        f" 'SQL_ASCII') AS key_id, count(*) AS n FROM {spec.table}"
        f" WHERE {spec.column} IS NOT NULL GROUP BY 1"
    )
    return {str(key_id): int(n) for key_id, n in (await session.execute(text(sql))).tuples().all()}


async def owner_bypasses_rls(session: AsyncSession) -> bool:
    sql = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    return bool((await session.execute(text(sql))).scalar_one())
