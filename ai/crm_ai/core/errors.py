"""Typed errors, all rendered as `{"error": "<code>", "detail": "<message>"}`.

422 is reserved for payload validation; everything else raised on purpose is an `AIError` with its
own code and status. Unexpected exceptions become a bare 500 whose detail says nothing about the
cause (it is in the logs, with the request id).
"""

from __future__ import annotations

import logging
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("crm_ai.errors")


class AIError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code.replace("_", " ")


class Unauthorized(AIError):
    status_code = 401
    code = "unauthorized"
    # One message for every refusal: which check failed is for our logs, not for the caller.
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": 'Bearer realm="crm-ai"'}

    def __init__(self) -> None:
        super().__init__("invalid or missing service token")


class InvalidPayload(AIError):
    """Payload checks that depend on settings (batch size, text length): same shape as schema errors."""

    status_code = 422
    code = "validation_error"


class NotFound(AIError):
    status_code = 404
    code = "not_found"


class Conflict(AIError):
    status_code = 409
    code = "conflict"


class NotEnoughData(AIError):
    """Training or scoring asked for something the data cannot support yet; never a made-up number."""

    status_code = 409
    code = "not_enough_data"


class PayloadTooLarge(AIError):
    status_code = 413
    code = "payload_too_large"


class NotReady(AIError):
    status_code = 503
    code = "not_ready"
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": "5"}


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:10]:
        # Skip "body" so paths read like the payload the caller sent: texts.3
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid payload"


def _body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AIError)
    async def _ai_error(_: Request, exc: AIError) -> JSONResponse:
        return JSONResponse(_body(exc.code, exc.detail), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body("validation_error", _validation_detail(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Routing errors (404 unknown path, 405 wrong method) from Starlette itself.
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            _body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(_body("internal_error", "internal error"), status_code=500)
