"""Tamper evidence: sealing committed events into a per-organisation hash chain, and verifying it.

Writers never wait: an event is a plain INSERT stamped with its transaction's id (``txid``)
and a global ``seq``. A job (every minute, or on demand) extends each organisation's chain
with the events committed since its head, in ``(txid, seq)`` order, but only those whose
transaction is older than the oldest one still running (the snapshot's xmin). Any event
committed later therefore sorts after the head: none is ever skipped or left behind a seal.

Each seal stores, for a batch of events, their seqs, one SHA-256 digest per event over a
canonical serialization of every column, the previous seal's hash and
``hash = SHA-256(previous hash, organisation, last key, seqs, digests)``. ``verify`` recomputes
all of it as the database owner and names each changed, removed or inserted event, and any
altered or missing seal. A party able to rewrite the whole chain (the owner) can only be
caught against a head recorded elsewhere: each seal logs its head hash for that purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.audit import repository
from crm.audit.repository import AnyRow, ChainKey
from crm.core.db import unit_of_work

log = logging.getLogger(__name__)

EVENT_VERSION = "crm.audit.event.v1"
SEAL_DOMAIN = b"crm.audit.seal.v1\x00"
GENESIS_DOMAIN = b"crm.audit.genesis.v1\x00"
DIGEST_SIZE = 32
BATCH = 1000
START: ChainKey = (-1, -1)


def genesis(organization_id: uuid.UUID) -> bytes:
    """The "previous hash" of an organisation's first seal: a chain cannot be moved to another tenant."""
    return hashlib.sha256(GENESIS_DOMAIN + organization_id.bytes).digest()


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def canonical(event: AnyRow) -> bytes:
    """Every column of an event, in a fixed order, as compact JSON with sorted keys."""
    fields = [
        EVENT_VERSION,
        event.seq,
        event.txid,
        str(event.organization_id),
        _utc(event.occurred_at),
        event.actor_type,
        _str(event.actor_id),
        _str(event.session_id),
        event.action,
        event.entity_type,
        event.entity_id,
        event.changes,
        event.redacted_fields,
        _str(event.ip),
        event.user_agent,
        event.request_id,
        event.trace_id,
        event.meta,
    ]
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(event: AnyRow) -> bytes:
    return hashlib.sha256(canonical(event)).digest()


def seal_hash(
    organization_id: uuid.UUID, prev_hash: bytes, last: ChainKey, seqs: Sequence[int], digests: bytes
) -> bytes:
    h = hashlib.sha256(SEAL_DOMAIN)
    h.update(prev_hash)
    h.update(organization_id.bytes)
    for number in (*last, len(seqs), *seqs):
        h.update(number.to_bytes(8, "big", signed=True))
    h.update(digests)
    return h.digest()


# --- sealing ------------------------------------------------------------------------------


async def seal_organization(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    *,
    batch: int = BATCH,
    max_batches: int = 100,
) -> int:
    """Seal the organisation's committed, unsealed events, one transaction per batch; return how many.

    Another sealer holding the chain makes this one return at once (it will do the work).
    """
    sealed = 0
    for _ in range(max_batches):
        async with unit_of_work(sessions, organization_id) as session:
            if not await repository.try_lock_chain(session, organization_id):
                return sealed
            head = await repository.head(session, organization_id)
            after: ChainKey = (head.last_txid, head.last_seq) if head else START
            prev_hash: bytes = head.hash if head else genesis(organization_id)
            events = await repository.events_to_seal(session, organization_id, after=after, limit=batch)
            if not events:
                return sealed
            last: ChainKey = (events[-1].txid, events[-1].seq)
            seqs = [event.seq for event in events]
            digests = b"".join(digest(event) for event in events)
            new_hash = seal_hash(organization_id, prev_hash, last, seqs, digests)
            await repository.insert_seal(
                session,
                organization_id=organization_id,
                last_txid=last[0],
                last_seq=last[1],
                seqs=seqs,
                digests=digests,
                prev_hash=prev_hash,
                hash=new_hash,
            )
        sealed += len(events)
        # Shipped logs keep every head: a rewrite of the whole chain cannot match them.
        log.info(
            "audit events sealed",
            extra={
                "organization_id": str(organization_id),
                "events": len(events),
                "last_seq": last[1],
                "head": new_hash.hex(),
            },
        )
        if len(events) < batch:
            break
    return sealed


async def seal_all(sessions: async_sessionmaker[AsyncSession], *, batch: int = BATCH) -> dict[uuid.UUID, int]:
    """Seal every organisation that has committed, unsealed events. One failing does not stop the rest."""
    async with unit_of_work(sessions) as session:
        organization_ids = await repository.organizations_to_seal(session)
    counts: dict[uuid.UUID, int] = {}
    failed: list[uuid.UUID] = []
    for organization_id in organization_ids:
        try:
            counts[organization_id] = await seal_organization(sessions, organization_id, batch=batch)
        except Exception:
            log.exception("sealing audit events failed", extra={"organization_id": str(organization_id)})
            failed.append(organization_id)
    if failed:
        raise RuntimeError(f"sealing failed for {len(failed)} organisation(s); see the log")
    return counts


# --- verifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, removed, inserted, seal_altered, chain_broken
    seq: int | None
    detail: str


@dataclass
class ChainReport:
    organization_id: uuid.UUID
    seals: int = 0
    sealed_events: int = 0
    pending_events: int = 0
    head: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization_id": str(self.organization_id),
            "ok": self.ok,
            "seals": self.seals,
            "sealed_events": self.sealed_events,
            "pending_events": self.pending_events,
            "head": self.head,
            "problems": [problem.__dict__ for problem in self.problems],
        }


def _split(digests: bytes) -> Iterable[bytes]:
    return (digests[i : i + DIGEST_SIZE] for i in range(0, len(digests), DIGEST_SIZE))


async def verify_organization(
    session: AsyncSession, organization_id: uuid.UUID, *, page: int = 100
) -> ChainReport:
    """Recompute the organisation's chain from its events; run as the owner, on one snapshot.

    Walks the seals in order; each accounts for exactly the events between the previous
    seal's last key and its own. A broken link is reported and the walk continues from the
    stored hash, so one problem does not hide the others.
    """
    report = ChainReport(organization_id)
    expected_prev = genesis(organization_id)
    after = START
    while True:
        seals = await repository.seals_after(session, organization_id, after=after, limit=page)
        for seal in seals:
            _check_seal(report, organization_id, seal, expected_prev)
            last: ChainKey = (seal.last_txid, seal.last_seq)
            expected = dict(zip(seal.seqs, _split(seal.digests), strict=False))
            events = await repository.events_between(session, organization_id, after=after, upto=last)
            seen: set[int] = set()
            for event in events:
                seen.add(event.seq)
                stored = expected.get(event.seq)
                if stored is None:
                    report.problems.append(
                        Problem("inserted", event.seq, f"event {event.seq} is not in the seal covering it")
                    )
                elif digest(event) != stored:
                    report.problems.append(
                        Problem("changed", event.seq, f"event {event.seq} differs from what was sealed")
                    )
            for seq in seal.seqs:
                if seq not in seen:
                    report.problems.append(Problem("removed", seq, f"sealed event {seq} is missing"))
            report.seals += 1
            report.sealed_events += len(seal.seqs)
            report.head = seal.hash.hex()
            expected_prev = seal.hash
            after = last
        if len(seals) < page:
            break
    pending, forged = await repository.unsealed(session, organization_id, after=after)
    report.pending_events = pending
    for seq in forged:
        report.problems.append(
            Problem("inserted", seq, f"event {seq} names a transaction that has not happened yet")
        )
    return report


def _check_seal(report: ChainReport, organization_id: uuid.UUID, seal: AnyRow, expected_prev: bytes) -> None:
    if seal.prev_hash != expected_prev:
        report.problems.append(
            Problem(
                "chain_broken",
                seal.last_seq,
                f"seal {seal.id} does not follow the previous one: a seal was removed, replaced or added",
            )
        )
    if len(seal.digests) != DIGEST_SIZE * len(seal.seqs) or seal.hash != seal_hash(
        organization_id, seal.prev_hash, (seal.last_txid, seal.last_seq), seal.seqs, seal.digests
    ):
        report.problems.append(
            Problem("seal_altered", seal.last_seq, f"seal {seal.id} does not match its own contents")
        )
