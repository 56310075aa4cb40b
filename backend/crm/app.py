"""The FastAPI application: middleware, error rendering, lifespan, routers and the web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm.api import mount_routes
from crm.core.config import Settings, get_settings
from crm.core.errors import AppError, refused_value
from crm.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.core.web import SpaFiles

log = logging.getLogger(__name__)

MAX_JSON_BODY_BYTES = 1024 * 1024
UPLOAD_PREFIXES = ("/api/v1/attachments", "/api/v1/imports")


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors()[:20]:
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        return _error(422, "validation_error", "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(sqlalchemy.exc.DataError)
    @app.exception_handler(psycopg.DataError)
    async def data_error(_: Request, exc: Exception) -> JSONResponse:
        # A value the database refuses (a NUL character in text, a number out of its column's
        # range): the client's data, so 400; the transaction was rolled back, nothing is written.
        # Only the server's short message is shown, never the statement or its parameters, and
        # the log keeps the SQLSTATE alone (the message may quote the value).
        sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None)
        log.warning("value refused by the database", extra={"sqlstate": sqlstate})
        return _error(400, "invalid_value", f"a value was refused: {refused_value(exc)}")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "internal_error", "something went wrong; the request id identifies it in the logs")


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    resolved: Settings = settings or (runtime.settings if runtime else get_settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        current = runtime if runtime is not None else await asyncio.to_thread(build_runtime, resolved)
        app.state.runtime = current
        install_runtime(current)
        try:
            yield
        finally:
            install_runtime(None)
            if own:
                await current.close()

    app = FastAPI(
        title="CliniGlobal CRM API",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    _install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=MAX_JSON_BODY_BYTES, exempt_prefixes=UPLOAD_PREFIXES
    )
    app.add_middleware(RequestContextMiddleware)
    mount_routes(app)
    if resolved.web_dist_dir.is_dir():
        app.mount("/", SpaFiles(resolved.web_dist_dir), name="web")
    return app
