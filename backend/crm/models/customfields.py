"""Custom fields: definitions per organisation and object, values in one typed table.

No migration per field and no index created at run time: each value type has its own
column and a composite index (organisation, field, value, record), so filtering or sorting
on a custom field walks an index exactly like a standard column does. PII-marked fields
store ciphertext plus a blind index, and support only equality and is-empty.

Each typed index holds only the rows of its type. Each value row also carries its record's
liveness (``record_live``, kept by triggers when the record is deleted or restored: migration
0029), included in every typed index, so a list narrowed by one field is counted from that
index alone. Numbers have a float8 twin
(``value_float``): float8 comparisons are leakproof, numeric ones are not, and under RLS only a
leakproof comparison may bound an index scan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin

FIELD_TYPES = (
    "text",
    "number",
    "date",
    "boolean",
    "select",
    "multiselect",
    "currency",
    "url",
    "email",
    "phone",
)
OBJECT_TYPES = ("contact", "company", "lead", "deal")


class CustomFieldDefinition(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "custom_field_definitions"
    __table_args__ = (UniqueConstraint("organization_id", "object_type", "key"),)

    object_type: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    field_type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_pii: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    options: Mapped[list[str] | None] = mapped_column(JSONB)
    currency: Mapped[str | None] = mapped_column(String(3))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


def _typed_index(name: str, value: str, *more: str) -> Index:
    """(organisation, field, value...) over the rows holding a value of this type only, carrying
    ``record_live`` so a count needs nothing but the index."""
    return Index(
        name,
        "organization_id",
        "field_id",
        value,
        *more,
        postgresql_include=["record_live"],
        postgresql_where=text(f"{value} IS NOT NULL"),
    )


class CustomFieldValue(TenantMixin, Base):
    __tablename__ = "custom_field_values"
    __table_args__ = (
        _typed_index("ix_cfv_text", "value_text", "record_id"),
        _typed_index("ix_cfv_number", "value_float", "value_number", "record_id"),
        _typed_index("ix_cfv_date", "value_date", "record_id"),
        _typed_index("ix_cfv_bool", "value_bool", "record_id"),
        _typed_index("ix_cfv_bidx", "value_bidx"),
        Index("ix_cfv_options", "value_options", postgresql_using="gin"),
    )

    field_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("custom_field_definitions.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    value_float: Mapped[float | None] = mapped_column(
        Double, Computed("value_number::double precision", persisted=True)
    )
    value_date: Mapped[dt.date | None] = mapped_column(Date)
    value_bool: Mapped[bool | None] = mapped_column(Boolean)
    value_options: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))
    value_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    value_bidx: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    record_live: Mapped[bool] = mapped_column(Boolean, server_default="true")
