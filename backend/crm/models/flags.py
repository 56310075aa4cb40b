"""Feature-flag overrides: an organisation's choice (org-wide, or for one role) over a flag's coded default.

Flags themselves, their descriptions and defaults live in code (``crm.flags.registry``); a row
exists only where an organisation departs from the default.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class FlagOverride(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "flag_overrides"
    # NULLS NOT DISTINCT: one org-wide row (role NULL) per flag, like one row per role.
    __table_args__ = (UniqueConstraint("organization_id", "key", "role", postgresql_nulls_not_distinct=True),)

    key: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(20))  # NULL: the whole organisation
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
