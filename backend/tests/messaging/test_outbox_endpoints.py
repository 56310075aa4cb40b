"""GET /api/v1/outbox/emails: admins only, keyset pages, one tenant's mail only.

Signing in belongs to the auth tests; here the caller is given as a principal, so what is
tested is the permission the endpoint declares, its tenant scoping and its paging.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import current_principal
from crm.auth.permissions import DEFAULTS
from crm.auth.principal import ActorType, Principal
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.messaging import service
from crm.models.tenancy import Role
from tests.conftest import make_org

URL = "/api/v1/outbox/emails"


def principal(organization_id: uuid.UUID, role: Role) -> Principal:
    return Principal(
        actor_type=ActorType.user,
        organization_id=organization_id,
        user_id=None,
        role=role,
        permissions=DEFAULTS[role],
    )


@pytest.fixture
async def app(runtime: Runtime) -> FastAPI:
    from crm.app import create_app

    return create_app(runtime.settings, runtime)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def sign_in(app: FastAPI) -> Callable[[uuid.UUID, Role], None]:
    def as_(organization_id: uuid.UUID, role: Role) -> None:
        app.dependency_overrides[current_principal] = lambda: principal(organization_id, role)

    return as_


async def test_admin_pages_through_the_outbox(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: Callable[[uuid.UUID, Role], None]
) -> None:
    for n in range(3):
        await service.queue_email(db, f"user{n}@example.com", f"Invitation {n}", "Join us", "<p>Join</p>")
    sign_in(org, Role.admin)

    first = await http.get(URL, params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 2 and body["next_cursor"]
    item = body["items"][0]
    assert set(item) == {
        "id", "to_address", "subject", "text_body", "html_body", "status", "driver",
        "provider_message_id", "error", "sent_at", "created_at",
    }  # fmt: skip
    assert item["status"] == "queued"

    second = (await http.get(URL, params={"limit": 2, "cursor": body["next_cursor"]})).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    subjects = {i["subject"] for i in body["items"] + second["items"]}
    assert subjects == {"Invitation 0", "Invitation 1", "Invitation 2"}


@pytest.mark.parametrize("role", [Role.sales, Role.marketing, Role.support])
async def test_other_roles_are_refused(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: Callable[[uuid.UUID, Role], None], role: Role
) -> None:
    sign_in(org, role)
    response = await http.get(URL)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


async def test_no_caller_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get(URL)
    assert response.status_code == 401


async def test_another_tenant_sees_none_of_it(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: Callable[[uuid.UUID, Role], None]
) -> None:
    await service.queue_email(db, "ada@example.com", "Ours", "x")
    other = await make_org(db, "Other Clinic")
    await service.queue_email(db, "eve@example.com", "Theirs", "x")
    await set_tenant(db, org)

    sign_in(other, Role.admin)
    items = (await http.get(URL)).json()["items"]
    assert [i["subject"] for i in items] == ["Theirs"]


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"limit": 0}, 422, "validation_error"),
        ({"limit": 201}, 422, "validation_error"),
    ],
)
async def test_bad_paging_input(
    org: uuid.UUID,
    http: httpx.AsyncClient,
    sign_in: Callable[[uuid.UUID, Role], None],
    params: dict[str, str | int],
    status: int,
    error: str,
) -> None:
    sign_in(org, Role.admin)
    response = await http.get(URL, params=params)
    assert response.status_code == status
    assert response.json()["error"] == error
