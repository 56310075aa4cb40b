"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from crm.core.deps import RuntimeDep
from crm.health.schemas import Health, Readiness

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process is up and serving."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(runtime: RuntimeDep) -> Response:
    """Readiness: the database (as the app role) and the cache answer; the job worker is alive."""
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
    ready = checks.get("database") == "ok" and checks.get("cache") == "ok"
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
