"""Mounts every domain router: ``root_router`` at /, ``api_router`` under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from crm.activity.endpoints import router as activities_router
from crm.ai.endpoints import router as ai_router
from crm.ai.personalization_endpoints import router as personalization_router
from crm.apikey.endpoints import router as api_keys_router
from crm.attachment.endpoints import router as attachments_router
from crm.audit.endpoints import router as audit_router
from crm.auth.endpoints import router as auth_router
from crm.auth.onboarding_endpoints import router as onboarding_router
from crm.auth.roles_endpoints import router as roles_router
from crm.company.endpoints import router as companies_router
from crm.contact.endpoints import router as contacts_router
from crm.customfield.endpoints import router as custom_fields_router
from crm.dashboard.endpoints import router as dashboards_router
from crm.dataio.endpoints import exports_router
from crm.dataio.endpoints import router as imports_router
from crm.deal.endpoints import router as deals_router
from crm.dedupe.endpoints import router as duplicates_router
from crm.flags.endpoints import router as flags_router
from crm.forecast.endpoints import router as forecast_router
from crm.health.endpoints import router as health_router
from crm.jobrun.endpoints import router as jobs_router
from crm.lead.endpoints import router as leads_router
from crm.member.endpoints import router as members_router
from crm.messaging.endpoints import router as outbox_router
from crm.notification.endpoints import router as notifications_router
from crm.oidc.endpoints import router as oidc_router
from crm.organization.endpoints import router as organization_router
from crm.pipeline.endpoints import router as pipelines_router
from crm.search.endpoints import router as search_router
from crm.team.endpoints import router as teams_router
from crm.transcript.endpoints import router as transcripts_router
from crm.view.endpoints import router as saved_views_router

root_router = APIRouter()
root_router.include_router(health_router)

api_router = APIRouter()
# Routes are matched in order, one pattern at a time: the busiest record lists and pages come
# first. No path of a later router can match theirs (checked when this order was set: the
# routers sharing a first segment keep their relative order), so only the search got shorter.
for router in (
    contacts_router,
    companies_router,
    deals_router,
    leads_router,
    auth_router,
    oidc_router,
    onboarding_router,
    organization_router,
    members_router,
    roles_router,
    teams_router,
    outbox_router,
    jobs_router,
    custom_fields_router,
    pipelines_router,
    dashboards_router,
    audit_router,
    flags_router,
    api_keys_router,
    duplicates_router,
    ai_router,
    personalization_router,
    forecast_router,
    activities_router,
    attachments_router,
    transcripts_router,
    saved_views_router,
    imports_router,
    exports_router,
    notifications_router,
    search_router,
):
    api_router.include_router(router)
