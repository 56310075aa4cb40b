"""Every endpoint declares its permission, and every role gets exactly what the matrix grants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from crm.app import create_app
from crm.auth.permissions import DEFAULTS, RESOURCES, Action, Scope
from crm.core.runtime import Runtime
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

# Routes a signed-in person uses on themself, or that work before sign-in: no matrix cell.
SELF_SERVICE_PREFIX = "/api/v1/auth/"
SELF_SERVICE_PATHS = frozenset(
    {
        "/api/v1/flags/effective",
        # Your own notifications: any signed-in member (crm.notification.endpoints.member).
        "/api/v1/notifications",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/{notification_id}/read",
    }
)


def _cells(dependant: Dependant) -> Iterator[tuple[str, Action]]:
    for dependency in dependant.dependencies:
        cell = getattr(dependency.call, "permission", None)
        if cell is not None:
            yield cell
        yield from _cells(dependency)


def _api_routes(app: FastAPI) -> list[tuple[RouteContext, str]]:
    # Included routers appear as contexts in app.routes (FastAPI >= 0.16x): walk them all.
    routes = [
        (route, method)
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and (route.path or "").startswith("/api/v1/")
        for method in sorted(route.methods or ())
    ]
    assert len(routes) > 40, "the route walk found too few endpoints"
    return routes


def test_every_endpoint_declares_one_permission(runtime: Runtime) -> None:
    missing, extra = [], []
    for route, method in _api_routes(create_app(runtime.settings, runtime)):
        cells = set(_cells(route.dependant))
        if route.path.startswith(SELF_SERVICE_PREFIX) or route.path in SELF_SERVICE_PATHS:
            if cells:
                extra.append(f"{method} {route.path}")
        elif len(cells) != 1:
            missing.append(f"{method} {route.path}: {cells}")
    assert not missing, f"endpoints without exactly one declared permission: {missing}"
    assert not extra, f"self-service endpoints should not need a matrix cell: {extra}"


def test_defaults_fit_a_crm() -> None:
    assert all(scope is Scope.all for scope in DEFAULTS[Role.admin].values())
    assert len(DEFAULTS[Role.admin]) == sum(len(actions) for actions in RESOURCES.values())
    for role in (Role.sales, Role.marketing, Role.support):
        granted = {cell for cell, scope in DEFAULTS[role].items() if scope is not Scope.none}
        assert ("users", Action.read) in granted
        assert not {("roles", Action.update), ("users", Action.update), ("audit", Action.read)} & granted


@pytest.mark.parametrize("role", list(Role))
async def test_the_whole_matrix_over_http(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, role: Role
) -> None:
    token = await token_for(client, tenant.people[role])
    for route, method in _api_routes(create_app(runtime.settings, runtime)):
        cells = set(_cells(route.dependant))
        if not cells:
            continue
        ((resource, action),) = cells
        allowed = DEFAULTS[role].get((resource, action), Scope.none) is not Scope.none
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", str(uuid.uuid4()))
        response = await client.request(method, path, headers=bearer(token), json={})
        if allowed:
            assert response.status_code not in (401, 403, 500), (role, method, route.path, response.text)
        else:
            assert response.status_code == 403, (role, method, route.path, response.status_code)
            assert response.json()["error"] == "forbidden"


async def test_admin_adjusts_a_role(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = await token_for(client, tenant.people[Role.admin])
    support = await token_for(client, tenant.people[Role.support])
    assert (await client.get("/api/v1/invitations", headers=bearer(support))).status_code == 403
    updated = await client.put(
        "/api/v1/roles/support", json={"cells": {"invitations:read": "all"}}, headers=bearer(admin)
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["roles"]["support"]["invitations:read"] == "all"
    assert (await client.get("/api/v1/invitations", headers=bearer(support))).status_code == 200
    bad = await client.put(
        "/api/v1/roles/support", json={"cells": {"nukes:launch": "all"}}, headers=bearer(admin)
    )
    assert bad.status_code == 400
    fixed = await client.put(
        "/api/v1/roles/admin", json={"cells": {"users:read": "none"}}, headers=bearer(admin)
    )
    assert fixed.status_code == 400 and fixed.json()["error"] == "admin_role_fixed"


async def test_another_tenants_ids_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await token_for(client, tenant.people[Role.admin])
    theirs = await token_for(client, other_tenant.people[Role.admin])
    their_user = other_tenant.people[Role.sales].user_id
    team = (
        await client.post(
            "/api/v1/teams",
            json={"name": "Beta team", "member_ids": [str(their_user)]},
            headers=bearer(theirs),
        )
    ).json()
    invitation = (
        await client.post(
            "/api/v1/invitations", json={"email": "z@beta.example", "role": "sales"}, headers=bearer(theirs)
        )
    ).json()
    their_sessions = (await client.get("/api/v1/security/sessions", headers=bearer(theirs))).json()["items"]
    probes = [
        ("PATCH", f"/api/v1/users/{their_user}", {"role": "admin"}),
        ("DELETE", f"/api/v1/users/{their_user}", None),
        ("POST", f"/api/v1/users/{their_user}/mfa/reset", None),
        ("PUT", f"/api/v1/teams/{team['id']}", {"name": "hijacked", "member_ids": []}),
        ("DELETE", f"/api/v1/teams/{team['id']}", None),
        ("DELETE", f"/api/v1/invitations/{invitation['id']}", None),
        ("DELETE", f"/api/v1/security/sessions/{their_sessions[0]['id']}", None),
        ("DELETE", f"/api/v1/auth/sessions/{their_sessions[0]['id']}", None),
    ]
    for method, path, body in probes:
        response = await client.request(method, path, headers=bearer(mine), json=body)
        assert response.status_code == 404, (method, path, response.status_code)
    # Lists show only my tenant.
    listed = {
        "/api/v1/users": [
            u["user_id"] for u in (await client.get("/api/v1/users", headers=bearer(mine))).json()["items"]
        ],
        "/api/v1/teams": [
            t["id"] for t in (await client.get("/api/v1/teams", headers=bearer(mine))).json()["items"]
        ],
        "/api/v1/invitations": [
            i["id"] for i in (await client.get("/api/v1/invitations", headers=bearer(mine))).json()["items"]
        ],
        "/api/v1/security/sessions": [
            s["id"]
            for s in (await client.get("/api/v1/security/sessions", headers=bearer(mine))).json()["items"]
        ],
    }
    assert str(their_user) not in listed["/api/v1/users"]
    assert team["id"] not in listed["/api/v1/teams"]
    assert invitation["id"] not in listed["/api/v1/invitations"]
    assert not {s["id"] for s in their_sessions} & set(listed["/api/v1/security/sessions"])
    # And their team is intact.
    assert [
        t["name"] for t in (await client.get("/api/v1/teams", headers=bearer(theirs))).json()["items"]
    ] == ["Beta team"]
