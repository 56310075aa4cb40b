"""Every model, imported so Alembic and the mappers see the whole schema."""

from crm.models.base import Base
from crm.models.jobs import JobRun
from crm.models.outbox import EmailMessage
from crm.models.tenancy import Membership, Organization, Role, User

__all__ = ["Base", "EmailMessage", "JobRun", "Membership", "Organization", "Role", "User"]
