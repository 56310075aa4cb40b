"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from crm.ai.client import private_key_path
from crm.core.deps import RuntimeDep
from crm.core.runtime import Runtime
from crm.health.schemas import Health, Readiness

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
AI_CHECK_TIMEOUT_S = 1.0


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process is up and serving."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(runtime: RuntimeDep) -> Response:
    """Readiness: the database (as the app role) and the cache answer; the job worker is alive.
    The AI service's state (ok, loading, unavailable, disabled) is reported without deciding it."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            heartbeat = await conn.execute(
                text(
                    "SELECT count(*) FROM procrastinate_workers"
                    " WHERE last_heartbeat > now() - interval '1 minute'"
                )
            )
            workers = heartbeat.scalar_one()
            checks["jobs"] = f"ok ({workers} worker{'s' if workers != 1 else ''})" if workers else "no worker"
    except Exception as exc:  # a readiness probe reports, it never raises
        log.warning("database not ready", extra={"error": type(exc).__name__})
        checks["database"] = "unavailable"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await runtime.cache.ping()
            checks["cache"] = "ok"
    except Exception as exc:
        log.warning("cache not ready", extra={"error": type(exc).__name__})
        checks["cache"] = "unavailable"
    # The CRM works without the AI service (AI endpoints answer 503): reported, never blocking.
    checks["ai"] = await _ai_status(runtime)
    ready = checks.get("database") == "ok" and checks.get("cache") == "ok"
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def _ai_status(runtime: Runtime) -> str:
    """ok, loading (models still loading), unavailable, or disabled (no service key on this server)."""
    if not private_key_path(runtime.settings).exists():
        return "disabled"
    try:
        async with httpx.AsyncClient(timeout=AI_CHECK_TIMEOUT_S) as http:
            response = await http.get(str(runtime.settings.ai_service_url).rstrip("/") + "/readyz")
    except httpx.HTTPError as exc:
        log.warning("AI service not ready", extra={"error": type(exc).__name__})
        return "unavailable"
    if response.status_code == 200:
        return "ok"
    return "loading" if response.status_code == 503 else "unavailable"


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
