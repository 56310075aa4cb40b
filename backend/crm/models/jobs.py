"""Progress of long-running jobs (imports, exports, model training), readable by the tenant."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class JobRun(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "job_runs"

    task_name: Mapped[str] = mapped_column(String(200))
    procrastinate_job_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="queued", server_default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
