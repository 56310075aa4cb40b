"""Mounts every domain router's endpoints on the app: health at /, the rest under /api/v1."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

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

ROOT_ROUTERS = (health_router,)
# Routes are matched in order, one pattern at a time: the busiest record lists and pages come
# first. No path of a later router can match theirs (checked when this order was set: the
# routers sharing a first segment keep their relative order), so only the search got shorter.
API_ROUTERS = (
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
)


def _add_flat(app: FastAPI, prefix: str, route: APIRoute) -> None:
    app.router.add_api_route(
        prefix + route.path,
        route.endpoint,
        response_model=route.response_model,
        status_code=route.status_code,
        tags=route.tags,
        dependencies=route.dependencies,
        summary=route.summary,
        description=route.description,
        response_description=route.response_description,
        responses=route.responses,
        deprecated=route.deprecated,
        methods=route.methods,
        operation_id=route.operation_id,
        response_model_include=route.response_model_include,
        response_model_exclude=route.response_model_exclude,
        response_model_by_alias=route.response_model_by_alias,
        response_model_exclude_unset=route.response_model_exclude_unset,
        response_model_exclude_defaults=route.response_model_exclude_defaults,
        response_model_exclude_none=route.response_model_exclude_none,
        include_in_schema=route.include_in_schema,
        response_class=route.response_class,
        name=route.name,
        callbacks=route.callbacks,
        openapi_extra=route.openapi_extra,
        generate_unique_id_function=route.generate_unique_id_function,
        strict_content_type=route.strict_content_type,
    )


def mount_routes(app: FastAPI) -> None:
    """Copy every endpoint into the app's own, flat route list.

    ``include_router`` keeps each router as a nested branch, matched and version-checked
    (recursively, over all of them) on every request; copying the routes, as FastAPI itself
    did before it kept the branches, makes routing one pass over plain routes. The OpenAPI
    document is the same either way.
    """
    for prefix, routers in (("", ROOT_ROUTERS), ("/api/v1", API_ROUTERS)):
        for router in routers:
            for route in router.routes:
                if not isinstance(route, APIRoute):
                    raise TypeError(f"only API routes can be mounted flat, not {route!r}")
                _add_flat(app, prefix, route)
