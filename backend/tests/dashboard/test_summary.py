"""GET /dashboards/summary: every widget in one call, equal to the single endpoints, skipping what a role may not read."""

from __future__ import annotations

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.runtime import Runtime
from crm.kit.hotcache import bump_generation
from crm.models import Lead, Role
from tests.dashboard.test_dashboards import _seed
from tests.fixtures.people import Tenant, bearer, token_for

ALL = "pipeline,win_rate,closing,lead_sources,activities,top_accounts"


async def test_combined_equals_the_single_endpoints(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    pipeline_id = await _seed(db, tenant)
    for role in (Role.admin, Role.sales, Role.marketing):
        headers = bearer(await token_for(client, tenant.people[role]))
        params = {"widgets": ALL, "from": "2025-01-01", "to": "2026-12-31", "interval": "month", "limit": "5"}
        combined = await client.get("/api/v1/dashboards/summary", params=params, headers=headers)
        assert combined.status_code == 200, combined.text
        body = combined.json()
        rng = {"start": "2025-01-01", "end": "2026-12-31"}
        single = {
            "pipeline": await client.get("/api/v1/dashboards/pipeline", headers=headers),
            "win_rate": await client.get(
                "/api/v1/dashboards/win-rate", params={**rng, "interval": "month"}, headers=headers
            ),
            "closing": await client.get("/api/v1/dashboards/closing", params={"limit": 5}, headers=headers),
            "lead_sources": await client.get("/api/v1/dashboards/lead-sources", params=rng, headers=headers),
            "activities": await client.get("/api/v1/dashboards/activities", headers=headers),
            "top_accounts": await client.get(
                "/api/v1/dashboards/top-accounts", params={**rng, "limit": 5}, headers=headers
            ),
        }
        for name, response in single.items():
            assert response.status_code == 200, (role, name, response.text)
            assert body[name] == response.json(), (role, name)
        assert body["skipped"] == []
        # The default pipeline is the one summarised when none is named, and naming it gives the same.
        assert body["pipeline"]["pipeline_id"] == str(pipeline_id)
        named = await client.get(
            "/api/v1/dashboards/summary",
            params={"widgets": "pipeline", "pipeline_id": str(pipeline_id)},
            headers=headers,
        )
        assert named.json()["pipeline"] == body["pipeline"]
    # Amounts: per currency for admin, hidden for marketing (counts stay).
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    hidden = (
        await client.get("/api/v1/dashboards/summary", params={"widgets": ALL}, headers=marketing)
    ).json()
    assert hidden["closing"]["amounts"] is None and hidden["closing"]["count"] == 3
    assert all(d["amount"] is None for d in hidden["closing"]["deals"])


async def test_widgets_a_role_may_not_read_are_skipped(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    await _seed(db, tenant)
    support = bearer(await token_for(client, tenant.people[Role.support]))
    answer = await client.get("/api/v1/dashboards/summary", params={"widgets": ALL}, headers=support)
    assert answer.status_code == 200
    body = answer.json()
    assert body["skipped"] == [{"widget": "lead_sources", "reason": "forbidden", "permission": "leads:read"}]
    assert body["lead_sources"] is None
    assert body["activities"]["overdue"] == 1 and body["pipeline"]["stages"]
    # Asking only for what is forbidden is still an answer, with nothing but the reason.
    only = await client.get("/api/v1/dashboards/summary", params={"widgets": "lead_sources"}, headers=support)
    assert only.status_code == 200 and only.json()["skipped"][0]["widget"] == "lead_sources"
    # Widgets not asked for are absent.
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    one = (
        await client.get("/api/v1/dashboards/summary", params={"widgets": "activities"}, headers=admin)
    ).json()
    assert one["activities"] is not None and one["pipeline"] is None and one["skipped"] == []


async def test_other_tenants_see_none_of_it(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _seed(db, tenant)
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    body = (await client.get("/api/v1/dashboards/summary", params={"widgets": ALL}, headers=theirs)).json()
    assert body["pipeline"] == {"pipeline_id": None, "pipeline_name": None, "stages": []}
    assert body["win_rate"] == {"periods": []} and body["top_accounts"] == {"accounts": []}
    assert body["closing"] == {"count": 0, "amounts": [], "deals": []}
    assert body["lead_sources"] == {"sources": []}
    assert body["activities"] == {"overdue": 0, "today": 0, "next_7_days": 0, "later": 0}


async def test_bad_input_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    for widgets in ("pipeline,bogus", "", " , ", "Pipeline"):
        response = await client.get("/api/v1/dashboards/summary", params={"widgets": widgets}, headers=admin)
        assert response.status_code == 400, widgets
        assert response.json()["error"] == "invalid_widgets"
    missing = await client.get("/api/v1/dashboards/summary", headers=admin)
    assert missing.status_code == 422
    backwards = await client.get(
        "/api/v1/dashboards/summary",
        params={"widgets": "win_rate", "from": "2026-05-01", "to": "2026-01-01"},
        headers=admin,
    )
    assert backwards.status_code == 400


async def test_query_count_is_constant(
    client: httpx.AsyncClient,
    db: AsyncSession,
    tenant: Tenant,
    runtime: Runtime,
    connection: AsyncConnection,
) -> None:
    await _seed(db, tenant)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    # Warm the per-request caches (principal, permission matrix) so only the widgets are counted.
    await client.get("/api/v1/dashboards/activities", headers=admin)
    counts = []
    for extra in (0, 40):
        db.add_all([Lead(source=f"s{i % 7}") for i in range(extra)])
        await db.flush()
        await bump_generation(runtime.cache, tenant.id)  # a fresh compute, not a cache hit
        statements: list[str] = []

        def count(
            conn: object, cursor: object, statement: str, *args: object, sink: list[str] = statements
        ) -> None:
            sink.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        try:
            answer = await client.get("/api/v1/dashboards/summary", params={"widgets": ALL}, headers=admin)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        assert answer.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # Cached: the same call again runs none of the aggregates.
    statements = []
    event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
    try:
        await client.get("/api/v1/dashboards/summary", params={"widgets": ALL}, headers=admin)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
    assert len(statements) < counts[0] - 5, (statements, counts)
