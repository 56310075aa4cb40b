"""SQL over the registered encrypted columns (identifiers are validated at registration).

Rows are found by their ciphertext's 5-byte header (format + data key version), so a
re-run after an interruption only touches values not yet under the active key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.security.crypto import EncryptedColumn, SealedColumn


@dataclass(frozen=True)
class StaleRow:
    keys: dict[str, Any]
    value: bytes


@dataclass(frozen=True)
class Reencrypted:
    keys: dict[str, Any]
    old_value: bytes
    new_value: bytes


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
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[StaleRow]:
    """The next rows in key order not yet under ``prefix``; rows the app holds locked are skipped
    (a later pass picks them up) so the job never makes a request wait."""
    keys = ", ".join(spec.key_columns)
    params: dict[str, Any] = {"org": organization_id, "prefix": prefix, "limit": limit}
    where = _stale(spec)
    if after is not None:
        # A row comparison walks the primary key index, composite keys included.
        where += f" AND ({keys}) > (" + ", ".join(f":after_{i}" for i in range(len(after))) + ")"
        params.update({f"after_{i}": value for i, value in enumerate(after)})
    sql = (
        f"SELECT {keys}, {spec.column} FROM {spec.table} WHERE {where}"  # noqa: S608 - registered identifiers
        f" ORDER BY {keys} LIMIT :limit FOR UPDATE SKIP LOCKED"
    )
    width = len(spec.key_columns)
    return [
        StaleRow(dict(zip(spec.key_columns, row[:width], strict=True)), bytes(row[width]))
        for row in await session.execute(text(sql), params)
    ]


async def write_batch(session: AsyncSession, spec: EncryptedColumn, rows: Sequence[Reencrypted]) -> None:
    """Pipelined updates by primary key; a value changed since it was read is left alone."""
    if not rows:
        return
    match = " AND ".join(f"{name} = :k_{name}" for name in spec.key_columns)
    sql = f"UPDATE {spec.table} SET {spec.column} = :new WHERE {match} AND {spec.column} = :old"  # noqa: S608
    await session.execute(
        text(sql),
        [
            {"new": row.new_value, "old": row.old_value, **{f"k_{k}": v for k, v in row.keys.items()}}
            for row in rows
        ],
    )


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
    return {str(key_id): int(n) for key_id, n in (await session.execute(text(sql))).all()}


async def owner_bypasses_rls(session: AsyncSession) -> bool:
    sql = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    return bool((await session.execute(text(sql))).scalar_one())
