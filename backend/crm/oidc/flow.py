"""The sign-in flow's state, kept by the browser between the start and the callback.

State, nonce and PKCE verifier (and which organisation and provider the flow is for) travel
in one cookie, sealed with AES-GCM under a key derived from the master key: the browser can
neither read nor alter it. The cookie is SameSite=Lax because the provider's redirect back
is a cross-site top-level navigation, which a Strict cookie would not be sent with; it is
httpOnly, Secure, scoped to the OIDC path, and lives ten minutes.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass

from fastapi import Response

from crm.core.config import Settings
from crm.core.security.crypto import CryptoError, KeyStore

FLOW_COOKIE = "crm_oidc_flow"
FLOW_PATH = "/api/v1/auth/oidc"
FLOW_TTL_S = 600
_AAD = b"oidc-flow-cookie:v1"


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    code_verifier: str
    organization_id: uuid.UUID
    provider_id: uuid.UUID
    expires_at: float


def seal_flow(keystore: KeyStore, flow: Flow) -> str:
    payload = json.dumps(
        {
            "s": flow.state,
            "n": flow.nonce,
            "v": flow.code_verifier,
            "o": str(flow.organization_id),
            "p": str(flow.provider_id),
            "e": flow.expires_at,
        },
        separators=(",", ":"),
    ).encode()
    return base64.urlsafe_b64encode(keystore.seal_global(payload, _AAD)).rstrip(b"=").decode("ascii")


def open_flow(keystore: KeyStore, value: str | None, now: float | None = None) -> Flow | None:
    """The flow in the cookie, or None when it is missing, altered, malformed or expired."""
    if not value or len(value) > 4096:
        return None
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(keystore.open_global(sealed, _AAD))
        flow = Flow(
            state=str(data["s"]),
            nonce=str(data["n"]),
            code_verifier=str(data["v"]),
            organization_id=uuid.UUID(data["o"]),
            provider_id=uuid.UUID(data["p"]),
            expires_at=float(data["e"]),
        )
    except (CryptoError, binascii.Error, ValueError, KeyError, TypeError):
        return None
    return flow if flow.expires_at > (now or time.time()) else None


def set_flow_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        FLOW_COOKIE,
        value,
        max_age=FLOW_TTL_S,
        path=FLOW_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def clear_flow_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        FLOW_COOKIE, path=FLOW_PATH, httponly=True, secure=settings.cookie_secure, samesite="lax"
    )
