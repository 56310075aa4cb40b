"""Organisations' keys, stored wrapped by a master key: the envelope of PII encryption at rest.

Per organisation: ``data`` keys (AES-256-GCM, one version ``active`` for new values,
older ones kept to decrypt until re-encryption finishes) and one ``index`` key (the
root of the blind-index HMAC keys; it does not rotate with the data key, so lookups
keep working during a rotation).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin

KEY_PURPOSES = ("data", "index")
# pending: known to every node, not yet used to encrypt; active: encrypts; retiring: only decrypts,
# re-encryption under way; retired: nothing was left under it at the last check (kept, still decrypts).
KEY_STATES = ("pending", "active", "retiring", "retired")


class OrganizationKey(IdMixin, TenantMixin, Base):
    __tablename__ = "organization_keys"
    __table_args__ = (
        UniqueConstraint("organization_id", "purpose", "version"),
        Index(
            "uq_organization_keys_one_active",
            "organization_id",
            "purpose",
            unique=True,
            postgresql_where=text("state = 'active'"),
        ),
        CheckConstraint("purpose IN ('data', 'index')", name="purpose"),
        CheckConstraint("state IN ('pending', 'active', 'retiring', 'retired')", name="state"),
        CheckConstraint("version > 0", name="version"),
    )

    purpose: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    master_key_id: Mapped[str] = mapped_column(String(200))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return (
            f"OrganizationKey(organization_id={self.organization_id}, purpose={self.purpose!r}, "
            f"version={self.version}, state={self.state!r}, master_key_id={self.master_key_id!r})"
        )
