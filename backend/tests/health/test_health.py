from __future__ import annotations

import httpx

from crm.core.runtime import Runtime


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) >= 8


async def test_readiness_checks_database_and_cache(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert "jobs" in body["checks"]


async def test_readiness_reports_a_dead_database(client: httpx.AsyncClient, runtime: Runtime) -> None:
    from crm.core.db import make_engine

    good = runtime.engine
    runtime.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=1)
    try:
        response = await client.get("/readyz")
    finally:
        await runtime.engine.dispose()
        runtime.engine = good
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


async def test_request_id_is_echoed_when_safe(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "abc12345-trace"})
    assert response.headers["x-request-id"] == "abc12345-trace"
    response = await client.get("/healthz", headers={"x-request-id": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"


async def test_metrics_are_exposed(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "crm_http_requests_total" in response.text


async def test_unknown_api_path_is_a_typed_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
