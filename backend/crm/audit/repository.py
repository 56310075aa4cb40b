"""SQL of the audit trail. Row-level security scopes every statement to the transaction's tenant;
the explicit ``organization_id`` conditions are there for the indexes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, func, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.schemas import AuditFilters
from crm.models.audit import AuditEvent, AuditSeal

EVENTS = AuditEvent.__table__
SEALS = AuditSeal.__table__
ChainKey = tuple[int, int]  # (txid, seq): the order events are sealed in
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

# A materialized CTE reads the old value before the outer projection sets the new one.
_SWITCH_TENANT = text(
    "WITH previous AS MATERIALIZED (SELECT current_setting('app.org_id', true) AS org_id)"
    " SELECT previous.org_id, set_config('app.org_id', :org, true) FROM previous"
)
_RESTORE_TENANT = text("SELECT set_config('app.org_id', :org, true)")


async def current_org(session: AsyncSession) -> uuid.UUID | None:
    found: uuid.UUID | None = (await session.execute(text("SELECT app_current_org()"))).scalar_one()
    return found


async def insert_event(session: AsyncSession, values: Mapping[str, Any], *, switch_tenant: bool) -> None:
    """One INSERT in the caller's transaction.

    ``switch_tenant``: the transaction may not be scoped to the event's organisation (a security
    event before sign-in), so claim it for this one statement and put the previous scope back.
    A failed INSERT aborts the transaction (or savepoint), which undoes the claim as well.
    """
    statement = insert(AuditEvent).values(**values)
    if not switch_tenant:
        await session.execute(statement)
        return
    previous = (await session.execute(_SWITCH_TENANT, {"org": str(values["organization_id"])})).scalar_one()
    await session.execute(statement)
    await session.execute(_RESTORE_TENANT, {"org": previous or ""})


def _filtered(statement: Select[Any], filters: AuditFilters) -> Select[Any]:
    if filters.actor_id is not None:
        statement = statement.where(EVENTS.c.actor_id == filters.actor_id)
    if filters.actor_type is not None:
        statement = statement.where(EVENTS.c.actor_type == filters.actor_type.value)
    if filters.action:
        if filters.action.endswith("*"):
            prefix = filters.action.rstrip("*")
            statement = statement.where(EVENTS.c.action.startswith(prefix, autoescape=True))
        else:
            statement = statement.where(EVENTS.c.action == filters.action)
    if filters.entity_type is not None:
        statement = statement.where(EVENTS.c.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        statement = statement.where(EVENTS.c.entity_id == filters.entity_id)
    if filters.since is not None:
        statement = statement.where(EVENTS.c.occurred_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(EVENTS.c.occurred_at < filters.until)
    return statement


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    filters: AuditFilters,
    *,
    limit: int,
    after: tuple[dt.datetime, int] | None,
) -> Sequence[AnyRow]:
    """Newest first; ``limit + 1`` rows so the caller knows whether another page exists."""
    statement = _filtered(select(EVENTS).where(EVENTS.c.organization_id == organization_id), filters)
    if after is not None:
        statement = statement.where(tuple_(EVENTS.c.occurred_at, EVENTS.c.seq) < tuple_(*after))
    statement = statement.order_by(EVENTS.c.occurred_at.desc(), EVENTS.c.seq.desc()).limit(limit + 1)
    rows: Sequence[AnyRow] = (await session.execute(statement)).all()
    return rows


async def stream(
    session: AsyncSession, organization_id: uuid.UUID, filters: AuditFilters, *, batch: int = 1000
) -> AsyncIterator[AnyRow]:
    """Every matching event, oldest first, through a server-side cursor (constant memory)."""
    statement = _filtered(select(EVENTS).where(EVENTS.c.organization_id == organization_id), filters)
    statement = statement.order_by(EVENTS.c.occurred_at, EVENTS.c.seq)
    result = await session.stream(statement.execution_options(yield_per=batch))
    async for row in result:
        yield row


# --- sealing ------------------------------------------------------------------------------


async def try_lock_chain(session: AsyncSession, organization_id: uuid.UUID) -> bool:
    """Only one sealer extends an organisation's chain at a time; the others skip it."""
    locked: bool = (
        await session.execute(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"crm.audit.seal:{organization_id}"},
        )
    ).scalar_one()
    return locked


async def head(session: AsyncSession, organization_id: uuid.UUID) -> AnyRow | None:
    statement = (
        select(SEALS.c.last_txid, SEALS.c.last_seq, SEALS.c.hash)
        .where(SEALS.c.organization_id == organization_id)
        .order_by(SEALS.c.last_txid.desc(), SEALS.c.last_seq.desc())
        .limit(1)
    )
    return (await session.execute(statement)).first()


async def events_to_seal(
    session: AsyncSession, organization_id: uuid.UUID, *, after: ChainKey, limit: int
) -> Sequence[AnyRow]:
    """Committed events past ``after``, written by transactions older than every one still running.

    A running transaction may yet commit an event with a smaller ``(txid, seq)``; stopping at
    the snapshot's xmin means no such event can ever appear behind the seal.
    """
    safe_point = text("(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint")
    statement = (
        select(EVENTS)
        .where(
            EVENTS.c.organization_id == organization_id,
            tuple_(EVENTS.c.txid, EVENTS.c.seq) > tuple_(*after),
            EVENTS.c.txid < safe_point,
        )
        .order_by(EVENTS.c.txid, EVENTS.c.seq)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def insert_seal(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(AuditSeal).values(**values))


async def organizations_to_seal(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.execute(text("SELECT * FROM audit_orgs_to_seal()"))
    return [row[0] for row in rows]


# --- verifying (as the owner) -------------------------------------------------------------


async def seals_after(
    session: AsyncSession, organization_id: uuid.UUID, *, after: ChainKey, limit: int
) -> Sequence[AnyRow]:
    statement = (
        select(SEALS)
        .where(
            SEALS.c.organization_id == organization_id,
            tuple_(SEALS.c.last_txid, SEALS.c.last_seq) > tuple_(*after),
        )
        .order_by(SEALS.c.last_txid, SEALS.c.last_seq)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def events_between(
    session: AsyncSession, organization_id: uuid.UUID, *, after: ChainKey, upto: ChainKey
) -> Sequence[AnyRow]:
    """Events with ``after < (txid, seq) <= upto``: everything one seal must account for."""
    key = tuple_(EVENTS.c.txid, EVENTS.c.seq)
    statement = (
        select(EVENTS)
        .where(EVENTS.c.organization_id == organization_id, key > tuple_(*after), key <= tuple_(*upto))
        .order_by(EVENTS.c.txid, EVENTS.c.seq)
    )
    return (await session.execute(statement)).all()


async def unsealed(
    session: AsyncSession, organization_id: uuid.UUID, *, after: ChainKey
) -> tuple[int, list[int]]:
    """How many events wait past the head, and the seqs of those claiming an impossible txid.

    An event this snapshot can see was committed, so its transaction ended before the
    snapshot's xmax; a larger txid can only have been written by hand.
    """
    xmax = text("(pg_snapshot_xmax(pg_current_snapshot())::text)::bigint")
    base = select(EVENTS.c.seq).where(
        EVENTS.c.organization_id == organization_id, tuple_(EVENTS.c.txid, EVENTS.c.seq) > tuple_(*after)
    )
    count = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    forged = (await session.execute(base.where(EVENTS.c.txid >= xmax).order_by(EVENTS.c.seq))).scalars()
    return int(count), list(forged)


async def organizations(session: AsyncSession, slug: str | None) -> list[tuple[uuid.UUID, str]]:
    statement = "SELECT id, slug FROM organizations"
    if slug is not None:
        rows = await session.execute(text(statement + " WHERE slug = :slug"), {"slug": slug})
    else:
        rows = await session.execute(text(statement + " ORDER BY slug"))
    return [(row.id, row.slug) for row in rows]
