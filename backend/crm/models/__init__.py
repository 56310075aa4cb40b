"""Every model, imported so Alembic and the mappers see the whole schema."""

from crm.models.access import RolePermission, Team, TeamMember
from crm.models.apikeys import ApiKey
from crm.models.audit import AuditEvent, AuditSeal
from crm.models.base import Base
from crm.models.flags import FlagOverride
from crm.models.identity import AuthSession, Invitation, PasswordReset, RecoveryCode, RefreshToken
from crm.models.jobs import JobRun
from crm.models.keys import OrganizationKey
from crm.models.oidc import OidcIdentity, OidcProvider, OrganizationDomain
from crm.models.outbox import EmailMessage
from crm.models.tenancy import Membership, Organization, Role, User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditSeal",
    "AuthSession",
    "Base",
    "FlagOverride",
    "Invitation",
    "PasswordReset",
    "RecoveryCode",
    "RefreshToken",
    "RolePermission",
    "Team",
    "TeamMember",
    "EmailMessage",
    "JobRun",
    "Membership",
    "OidcIdentity",
    "OidcProvider",
    "Organization",
    "OrganizationDomain",
    "OrganizationKey",
    "Role",
    "User",
]
