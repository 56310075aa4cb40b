"""The refresh-token cookie and its CSRF companion.

The refresh token lives in an httpOnly, Secure, SameSite=Strict cookie scoped to the auth
path, so scripts cannot read it and other sites cannot send it. As defence in depth, the
endpoints that use it also demand a double-submit CSRF header: the value of the readable
``crm_csrf`` cookie, which another origin cannot read.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from crm.auth.service import IssuedTokens
from crm.core.config import Settings
from crm.core.errors import Forbidden, Unauthorized

REFRESH_COOKIE = "crm_refresh"
CSRF_COOKIE = "crm_csrf"
CSRF_HEADER = "x-csrf-token"
AUTH_PATH = "/api/v1/auth"


def set_session_cookies(response: Response, settings: Settings, tokens: IssuedTokens) -> None:
    max_age = int((tokens.refresh_expires_at - tokens.access_expires_at).total_seconds())
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=max_age,
        path=AUTH_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(24),
        max_age=max_age,
        path="/",
        httponly=False,
        secure=settings.cookie_secure,
        samesite="strict",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=AUTH_PATH, secure=settings.cookie_secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=settings.cookie_secure, samesite="strict")


def refresh_token_from(request: Request) -> str:
    """The refresh cookie, after checking the CSRF header matches the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie, header):
        raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized("sign in again", code="invalid_refresh_token")
    return token
