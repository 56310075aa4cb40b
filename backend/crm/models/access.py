"""Teams and per-organisation overrides of the permission matrix."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class Team(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))


class TeamMember(TenantMixin, Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RolePermission(IdMixin, TimestampMixin, TenantMixin, Base):
    """One overridden cell of the matrix for one role in one organisation."""

    __tablename__ = "role_permissions"
    __table_args__ = (UniqueConstraint("organization_id", "role", "resource", "action"),)

    role: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(10))
