"""Every model, imported so Alembic and the mappers see the whole schema."""

from crm.models.access import RolePermission, Team, TeamMember
from crm.models.activity import Activity
from crm.models.apikeys import ApiKey
from crm.models.audit import AuditEvent, AuditSeal
from crm.models.base import Base
from crm.models.company import Company
from crm.models.contact import Contact, ContactIdentifier
from crm.models.customfields import CustomFieldDefinition, CustomFieldValue
from crm.models.deal import Deal, DealContact, DealStageChange, Pipeline, Stage
from crm.models.flags import FlagOverride
from crm.models.identity import AuthSession, Invitation, PasswordReset, RecoveryCode, RefreshToken
from crm.models.jobs import JobRun
from crm.models.keys import OrganizationKey
from crm.models.lead import Lead
from crm.models.notification import Notification
from crm.models.oidc import OidcIdentity, OidcProvider, OrganizationDomain
from crm.models.outbox import EmailMessage, SmsMessage
from crm.models.rollup import (
    DealCloseTotal,
    DealCompanyWonTotal,
    DealStageTotal,
    LeadSourceTotal,
    OpenTaskTotal,
)
from crm.models.search import Embedding, SearchIndexQueue
from crm.models.tenancy import Membership, Organization, Role, User
from crm.models.transcript import Transcript, TranscriptProposal
from crm.models.workspace import Attachment, DuplicateSuggestion, ImportRowError, ImportRun, SavedView, Tag

__all__ = [
    "Activity",
    "ApiKey",
    "Attachment",
    "AuditEvent",
    "AuditSeal",
    "AuthSession",
    "Base",
    "Company",
    "Contact",
    "ContactIdentifier",
    "CustomFieldDefinition",
    "CustomFieldValue",
    "Deal",
    "DealCloseTotal",
    "DealCompanyWonTotal",
    "DealContact",
    "DealStageChange",
    "DealStageTotal",
    "DuplicateSuggestion",
    "EmailMessage",
    "Embedding",
    "FlagOverride",
    "ImportRowError",
    "ImportRun",
    "Invitation",
    "JobRun",
    "Lead",
    "LeadSourceTotal",
    "Membership",
    "Notification",
    "OidcIdentity",
    "OidcProvider",
    "OpenTaskTotal",
    "Organization",
    "OrganizationDomain",
    "OrganizationKey",
    "PasswordReset",
    "Pipeline",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "RolePermission",
    "SavedView",
    "SearchIndexQueue",
    "SmsMessage",
    "Stage",
    "Tag",
    "Team",
    "TeamMember",
    "Transcript",
    "TranscriptProposal",
    "User",
]
