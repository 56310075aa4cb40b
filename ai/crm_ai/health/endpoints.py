"""Liveness and readiness probes; no auth, no secrets, nothing tenant-specific."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from crm_ai.core.deps import HubDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving HTTP (it may still be loading models)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(hub: HubDep) -> JSONResponse | dict[str, object]:
    """Every model is loaded: send traffic. Otherwise 503 with Retry-After and each model's state."""
    status = hub.status()
    if hub.ready:
        return {"status": "ready", "models": status}
    failed = [name for name, state in status.items() if state == "failed"]
    detail = f"models failed to load: {', '.join(failed)}" if failed else "models are loading"
    return JSONResponse(
        {"error": "not_ready", "detail": detail, "models": status},
        status_code=503,
        headers={"Retry-After": "5"},
    )
