"""The audit trail: append-only events, and the seals that chain them per organisation.

The app role may only SELECT and INSERT these tables (the migration revokes UPDATE and
DELETE), so nothing the app does can rewrite history. Writers never wait on each other:
an event is one plain INSERT. A job later seals committed events into a per-organisation
hash chain (``crm.audit.chain``), in ``(txid, seq)`` order, up to the oldest transaction
still running, so an event committed late can never land behind a seal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base

# The inserting transaction's 64-bit id: sealing waits until every transaction that might
# still add an event before this one has ended.
CURRENT_TXID = text("(pg_current_xact_id()::text)::bigint")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        # Composite indexes lead with the tenant (RLS adds organization_id = … to every query).
        Index("ix_audit_events_org_time", "organization_id", "occurred_at", "seq"),
        Index("ix_audit_events_org_entity", "organization_id", "entity_type", "entity_id"),
        Index("ix_audit_events_org_actor", "organization_id", "actor_id"),
        Index("ix_audit_events_org_chain", "organization_id", "txid", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), server_default=text("app_current_org()")
    )
    txid: Mapped[int] = mapped_column(BigInteger, server_default=CURRENT_TXID)
    occurred_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    actor_type: Mapped[str | None] = mapped_column(String(20))  # user, api_key, service, ai; NULL: anonymous
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    # {"field": {"before": …, "after": …}} for ordinary fields only.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Changed fields whose values are never stored: personal data and secrets.
    redacted_fields: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))
    ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # e.g. model and version of an AI action


class AuditSeal(Base):
    """One link of an organisation's chain: the digests of a batch of events and the running hash.

    ``hash = SHA-256(prev_hash, organisation, seqs, digests)``; ``prev_hash`` is the previous
    seal's hash (a per-organisation genesis value for the first). The batch covers every event
    after the previous seal's ``(last_txid, last_seq)`` up to this one's.
    """

    __tablename__ = "audit_seals"
    __table_args__ = (
        # The chain cannot fork: two seals never extend the same link.
        UniqueConstraint("organization_id", "prev_hash"),
        Index("ix_audit_seals_org_head", "organization_id", "last_txid", "last_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), server_default=text("app_current_org()")
    )
    last_txid: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    seqs: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    digests: Mapped[bytes] = mapped_column(LargeBinary)  # 32 bytes per event, in seqs order
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
