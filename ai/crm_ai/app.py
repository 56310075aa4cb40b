"""The AI service's FastAPI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from crm_ai.core.config import Settings, SettingsError, load_settings
from crm_ai.core.deps import build_verifier
from crm_ai.core.errors import install_error_handlers
from crm_ai.core.logging import configure_logging
from crm_ai.core.middleware import RequestContextMiddleware
from crm_ai.core.models import ModelHub
from crm_ai.health.endpoints import router as health_router

log = logging.getLogger("crm_ai.app")


def register_models(hub: ModelHub, settings: Settings) -> None:
    """Declare every model the service serves; the hub loads them at start or on first use."""
    # Imported here so `crm-ai --help` and the plumbing tests do not pay for torch.
    from crm_ai.models_registry import register_all

    register_all(hub, settings)


def create_app(settings: Settings | None = None, hub: ModelHub | None = None) -> FastAPI:
    """Build the app. Raises `SettingsError` (naming the variable) if a setting is wrong."""
    settings = settings or load_settings()
    try:
        verifier = build_verifier(settings)
    except (OSError, ValueError) as exc:
        raise SettingsError(str(exc)) from None
    if hub is None:
        hub = ModelHub()
        register_models(hub, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task: asyncio.Task[Any] | None = None
        if settings.preload_models:
            # In the background so /healthz answers at once and /readyz says "loading".
            task = asyncio.create_task(asyncio.to_thread(_load_quietly, hub))
        yield
        if task is not None and not task.done():
            task.cancel()

    app = FastAPI(
        title="CliniGlobal CRM AI service",
        version="0.1.0",
        lifespan=lifespan,
        description="Called by the CRM backend only, with a short-lived service token per organisation.",
    )
    app.state.settings = settings
    app.state.verifier = verifier
    app.state.hub = hub
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        path_limits={"/v1/transcriptions": settings.transcription_max_bytes},
    )
    app.include_router(health_router)
    from crm_ai.api import v1_router

    app.include_router(v1_router)
    return app


def _load_quietly(hub: ModelHub) -> None:
    # Already logged by the hub, and /readyz reports it: nothing to add here.
    with contextlib.suppress(Exception):
        hub.load_all()


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory crm_ai.app:app_from_env`."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format.value)
    return create_app(settings)
