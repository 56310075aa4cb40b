"""Typed, status-coded errors rendered as ``{"error": "<code>", "detail": "<message>"}``.

Services raise these; the handlers in app.py render them. Anything else is a bug and
becomes a 500 whose body says nothing about internals.
"""

from __future__ import annotations


class AppError(Exception):
    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.headers = headers or {}


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(AppError):
    status_code = 412
    code = "precondition_failed"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


def refused_value(exc: BaseException) -> str:
    """The database's short reason for refusing a value (the server's primary message, or the
    driver's own for what it would not send, such as a NUL character in text), without the
    statement or its parameters."""
    original = getattr(exc, "orig", None) or exc
    diag = getattr(original, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)[:200]
    first_line = str(original).strip().splitlines()[:1]
    return first_line[0][:200] if first_line else "invalid value"
