"""Saved views: private, team and organisation visibility, who may change them, validation against
the object's list rules (no personal data kept in clear), applying one, and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def tokens(client: httpx.AsyncClient, tenant: Tenant) -> dict[Role, dict[str, str]]:
    return {role: bearer(await token_for(client, person)) for role, person in tenant.people.items()}


def _view(**extra: object) -> dict[str, object]:
    return {
        "object_type": "contact",
        "name": "Patients",
        "columns": ["first_name", "last_name", "emails", "company_name"],
        "filters": {"lifecycle_stage": "patient", "tags__contains": "vip"},
        "sort": "-updated_at",
    } | extra


async def test_private_team_and_organisation_visibility(
    client: httpx.AsyncClient, tokens: dict[Role, dict[str, str]], tenant: Tenant
) -> None:
    sales, support, marketing, admin = (
        tokens[r] for r in (Role.sales, Role.support, Role.marketing, Role.admin)
    )
    team = await client.post(
        "/api/v1/teams",
        json={
            "name": "Front desk",
            "member_ids": [str(tenant.people[r].user_id) for r in (Role.sales, Role.support)],
        },
        headers=admin,
    )
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]

    private = await client.post("/api/v1/saved-views", json=_view(name="Mine"), headers=sales)
    assert private.status_code == 201, private.text
    assert private.json()["query"] == "lifecycle_stage=patient&tags__contains=vip&sort=-updated_at"
    shared_team = (
        await client.post(
            "/api/v1/saved-views", json=_view(name="Desk", visibility="team", team_id=team_id), headers=sales
        )
    ).json()
    shared_org = (
        await client.post(
            "/api/v1/saved-views", json=_view(name="All", visibility="organization"), headers=sales
        )
    ).json()

    def names(response: httpx.Response) -> list[str]:
        return [v["name"] for v in response.json()["items"]]

    assert names(await client.get("/api/v1/saved-views", headers=sales)) == ["All", "Desk", "Mine"]
    assert names(await client.get("/api/v1/saved-views", headers=support)) == ["All", "Desk"]
    assert names(await client.get("/api/v1/saved-views", headers=marketing)) == ["All"]
    # Private views stay private, from admins too.
    assert names(await client.get("/api/v1/saved-views", headers=admin)) == ["All"]
    assert (await client.get(f"/api/v1/saved-views/{private.json()['id']}", headers=admin)).status_code == 404
    assert names(await client.get("/api/v1/saved-views", params={"object_type": "deal"}, headers=sales)) == []
    first = (await client.get("/api/v1/saved-views", params={"limit": 2}, headers=sales)).json()
    rest = (
        await client.get("/api/v1/saved-views", params={"cursor": first["next_cursor"]}, headers=sales)
    ).json()
    assert [v["name"] for v in first["items"] + rest["items"]] == ["All", "Desk", "Mine"]

    # Sharing with a team needs membership, unless you are an admin.
    refused = await client.post(
        "/api/v1/saved-views", json=_view(visibility="team", team_id=team_id), headers=marketing
    )
    assert refused.status_code == 403
    assert (
        await client.post(
            "/api/v1/saved-views", json=_view(visibility="team", team_id=team_id), headers=admin
        )
    ).status_code == 201
    missing_team = await client.post("/api/v1/saved-views", json=_view(visibility="team"), headers=sales)
    assert missing_team.status_code == 400

    # Only the owner edits; admins may also edit or delete shared views.
    org_view = f"/api/v1/saved-views/{shared_org['id']}"
    assert (await client.get(org_view, headers=marketing)).json()["editable"] is False
    assert (await client.patch(org_view, json={"name": "Hijacked"}, headers=marketing)).status_code == 403
    assert (await client.delete(org_view, headers=support)).status_code == 403
    renamed = await client.patch(org_view, json={"name": "Everyone", "sort": "name"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Everyone"
    assert renamed.json()["query"].endswith("sort=name")
    back_private = await client.patch(
        f"/api/v1/saved-views/{shared_team['id']}", json={"visibility": "private"}, headers=sales
    )
    assert back_private.json()["team_id"] is None
    assert (await client.get(f"/api/v1/saved-views/{shared_team['id']}", headers=support)).status_code == 404
    assert (await client.delete(org_view, headers=admin)).status_code == 204
    assert (await client.get(org_view, headers=sales)).status_code == 404


async def test_views_follow_the_list_rules(
    client: httpx.AsyncClient, tokens: dict[Role, dict[str, str]], db: AsyncSession, tenant: Tenant
) -> None:
    admin = tokens[Role.admin]
    field = {"object_type": "contact", "key": "visits", "label": "Visits", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    pii = {"object_type": "contact", "key": "nhs", "label": "NHS", "field_type": "text", "is_pii": True}
    assert (await client.post("/api/v1/custom-fields", json=pii, headers=admin)).status_code == 201
    good = await client.post(
        "/api/v1/saved-views",
        json=_view(
            filters={"cf.visits__gte": "3", "q": "cardio", "lifecycle_stage__in": "patient,lead"},
            columns=["name", "cf.visits"],
            sort="-cf.visits",
        ),
        headers=admin,
    )
    assert good.status_code == 201, good.text
    for bad in (
        {"filters": {"nope": "1"}},
        {"filters": {"lifecycle_stage": "alien"}},
        {"filters": {"email": "ada@example.org"}},
        {"filters": {"cf.nhs": "943 476 5919"}},
        {"filters": {"limit": "5"}},
        {"sort": "emails"},
        {"columns": ["first_name", "password_hash"]},
        {"columns": ["name", "name"]},
        {"filters": {"Robert'); DROP TABLE": "x"}},
    ):
        response = await client.post("/api/v1/saved-views", json=_view(**bad), headers=admin)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"] == "invalid_view"
    wrong_shape = await client.post("/api/v1/saved-views", json=_view(object_type="invoice"), headers=admin)
    assert wrong_shape.status_code == 422
    # Objects whose lists live elsewhere get the structural check.
    deal_view = await client.post(
        "/api/v1/saved-views",
        json=_view(object_type="deal", columns=["name", "amount"], filters={}),
        headers=admin,
    )
    assert deal_view.status_code == 201

    # The saved query opens the list as it was saved.
    await client.post("/api/v1/contacts", json={"first_name": "P", "lifecycle_stage": "patient", "tags": ["vip"]},
                      headers=admin)  # fmt: skip
    await client.post("/api/v1/contacts", json={"first_name": "L", "lifecycle_stage": "lead"}, headers=admin)
    query = (await client.post("/api/v1/saved-views", json=_view(), headers=admin)).json()["query"]
    listed = (await client.get(f"/api/v1/contacts?{query}", headers=admin)).json()["items"]
    assert [c["first_name"] for c in listed] == ["P"]

    await set_tenant(db, tenant.id)
    audit = (
        await db.execute(
            text("SELECT changes::text, redacted_fields FROM audit_events WHERE entity_id = :id"),
            {"id": good.json()["id"]},
        )
    ).one()
    assert "cardio" not in (audit[0] or "") and "filters" in audit[1]


async def test_other_tenants_views_are_invisible(
    client: httpx.AsyncClient, tokens: dict[Role, dict[str, str]], other_tenant: Tenant
) -> None:
    view = (
        await client.post(
            "/api/v1/saved-views", json=_view(visibility="organization"), headers=tokens[Role.admin]
        )
    ).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/saved-views", headers=theirs)).json()["items"] == []
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        response = await client.request(
            method, f"/api/v1/saved-views/{view['id']}", json=body, headers=theirs
        )
        assert response.status_code == 404, method
    assert (await client.get(f"/api/v1/saved-views/{uuid.uuid4()}", headers=theirs)).status_code == 404
    their_team = await client.post(
        "/api/v1/saved-views", json=_view(visibility="team", team_id=str(uuid.uuid4())), headers=theirs
    )
    assert their_team.status_code == 404
