"""GET /api/v1/forecast through the real AI service: bands per period, movers, the time series with
its backtest once 8 past periods exist (and the explicit "not enough history" before), the sales
rep's own-deals scope, amounts permission, tenancy, audit and the AI-down 503."""

from __future__ import annotations

import datetime as dt

import httpx
from pydantic import AnyHttpUrl

from crm.ai.client import AIClient, CircuitBreaker, install_client
from crm.core.runtime import Runtime
from crm.forecast.periods import period_of, preceding
from crm.models import Role
from tests.ai import factories
from tests.ai.conftest import AIService, audit_events, switch_off
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.redis import free_port


async def _pipeline_with_history(db, tenant: Tenant, months_of_wins: int) -> dict:
    stages = await factories.pipeline(db, tenant.id)
    sales = tenant.people[Role.sales].user_id
    admin = tenant.people[Role.admin].user_id
    today = dt.datetime.now(dt.UTC).date()
    current = period_of(today, "month")
    # Open deals closing this month: two of the rep's, one big one of the admin's.
    close = max(today, current.start)
    await factories.deal(db, tenant.id, stages, name="Rep small", amount=10_000, close=close, owner_id=sales)
    await factories.deal(
        db, tenant.id, stages, name="Rep early", amount=20_000, stage="Qualified", close=close, owner_id=sales
    )
    await factories.deal(db, tenant.id, stages, name="Admin big", amount=500_000, close=close, owner_id=admin)
    await factories.deal(db, tenant.id, stages, name="Undated", amount=5_000, owner_id=admin)
    # Won revenue in each of the past months (the admin's), and a few lost deals.
    for i, period in enumerate(preceding(current, "month", months_of_wins)):
        at = dt.datetime.combine(period.start + dt.timedelta(days=10), dt.time(12), dt.UTC)
        await factories.deal(
            db,
            tenant.id,
            stages,
            name=f"Won {i}",
            amount=40_000 + 5_000 * (i % 3),
            stage="Won",
            closed_at=at,
            owner_id=admin,
        )
        await factories.deal(
            db, tenant.id, stages, name=f"Lost {i}", amount=30_000, stage="Lost", closed_at=at, owner_id=admin
        )
    return stages


async def test_forecast_bands_movers_and_time_series(
    client: httpx.AsyncClient, db, tenant: Tenant, other_tenant: Tenant, ai: AIClient
) -> None:
    stages = await _pipeline_with_history(db, tenant, months_of_wins=10)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    response = await client.get(
        "/api/v1/forecast", params={"pipeline_id": str(stages["pipeline"]), "periods": 2}, headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "all" and body["currency"] == "EUR" and body["undated_deals"] == 1
    first, second = body["periods"]
    assert first["period"] == period_of(dt.datetime.now(dt.UTC).date(), "month").label
    assert first["deals"] == 3 and second["deals"] == 0
    assert 0 <= first["p10"] <= first["p50"] <= first["p90"] <= 530_000
    # The big deal moves the range most.
    assert first["movers"][0]["name"] == "Admin big"
    assert first["movers"][0]["if_won"]["p50"] > first["movers"][0]["if_lost"]["p50"]
    assert {d["name"] for d in body["deals"]} == {"Rep small", "Rep early", "Admin big"}
    assert all(d["reasons"] for d in body["deals"])
    assert len(body["history"]) == 10 and body["history"][0]["won_amount"] > 0
    series = body["time_series"]
    assert series["status"] == "ok" and series["periods"] == 10 and len(series["forecast"]) == 2
    methods = {row["method"] for row in series["backtest"]}
    assert "naive" in methods and len(methods) > 1

    events = await audit_events(db, tenant.id, "ai.forecast")
    assert len(events) == 1 and events[0]["actor_type"] == "ai"
    assert events[0]["meta"]["model"] == "forecasting" and events[0]["meta"]["version"]

    # A sales rep's forecast covers their own deals only (and their own, empty, history).
    rep = bearer(await token_for(client, tenant.people[Role.sales]))
    mine = (await client.get("/api/v1/forecast", headers=rep)).json()
    assert mine["scope"] == "own" and mine["periods"][0]["deals"] == 2
    assert mine["periods"][0]["p90"] <= 30_000
    assert {d["name"] for d in mine["deals"]} == {"Rep small", "Rep early"}
    assert mine["time_series"]["status"] == "not_enough_data" and mine["history"] == []

    # Marketing may not see amounts, so no forecast; bad input is a 422.
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (await client.get("/api/v1/forecast", headers=marketing)).status_code == 403
    for params in ({"period": "week"}, {"periods": 0}, {"periods": 13}, {"pipeline_id": "x"}):
        assert (await client.get("/api/v1/forecast", params=params, headers=admin)).status_code == 422

    # Another organisation's pipeline does not exist for this one.
    other = bearer(await token_for(client, other_tenant.people[Role.admin]))
    answer = await client.get(
        "/api/v1/forecast", params={"pipeline_id": str(stages["pipeline"])}, headers=other
    )
    assert answer.status_code == 404


async def test_not_enough_history_is_explicit(
    client: httpx.AsyncClient, db, tenant: Tenant, ai: AIClient
) -> None:
    await _pipeline_with_history(db, tenant, months_of_wins=5)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    body = (await client.get("/api/v1/forecast", params={"period": "quarter"}, headers=admin)).json()
    assert body["period_kind"] == "quarter" and body["periods"][0]["period"][4:6] == "-Q"
    series = body["time_series"]
    assert series["status"] == "not_enough_data" and series["forecast"] == [] and series["min_periods"] == 8
    assert "need at least 8" in series["detail"]


async def test_ai_down_is_503_and_flag_off_is_403(
    client: httpx.AsyncClient, db, runtime: Runtime, tenant: Tenant, ai_service: AIService
) -> None:
    await _pipeline_with_history(db, tenant, months_of_wins=1)
    dead = f"http://127.0.0.1:{free_port()}"
    settings = runtime.settings.model_copy(
        update={"ai_service_url": AnyHttpUrl(dead), "ai_service_private_key_file": ai_service.private_key}
    )
    runtime.settings = settings
    client_ = AIClient(dead, ai_service.private_key, backoff=0.01, breaker=CircuitBreaker(threshold=2))
    install_client(settings, client_)
    try:
        admin = bearer(await token_for(client, tenant.people[Role.admin]))
        response = await client.get("/api/v1/forecast", headers=admin)
        assert response.status_code == 503 and response.json()["error"] == "ai_unavailable"
        assert int(response.headers["Retry-After"]) >= 1
        # Nothing else broke: the deals are still listed.
        assert (await client.get("/api/v1/deals", headers=admin)).status_code == 200
        await switch_off(db, runtime, tenant, "ai.forecasting")
        assert (await client.get("/api/v1/forecast", headers=admin)).status_code == 403
    finally:
        install_client(settings, None)
        await client_.close()
