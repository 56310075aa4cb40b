"""Minting service tokens for the AI service (the backend's half of ai/docs/adr-service-auth.md).

Copied from ``crm_ai.core.service_auth`` (PyJWT + cryptography only) so the backend never depends
on the AI package: keep ``ALGORITHM``, ``ISSUER``, ``AUDIENCE``, ``ORG_ID_RE`` and ``key_id`` in
step with it. The AI service holds only the public key; this process holds the private one.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
ISSUER = "crm-backend"
AUDIENCE = "crm-ai"
MAX_TTL_SECONDS = 300
DEFAULT_TTL_SECONDS = 60
PRIVATE_KEY_FILENAME = "service-token.key"
ORG_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def load_private_key(pem: bytes | str) -> Ed25519PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("service token private key must be Ed25519")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    """First 16 hex of SHA-256 of the raw public key: the JWT ``kid`` the verifier selects by."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def mint_service_token(
    private_key: Ed25519PrivateKey | bytes | str,
    org_id: str,
    *,
    subject: str | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    now: float | None = None,
) -> str:
    """Sign a token for one call on behalf of organisation ``org_id``; mint one per attempt
    (the AI service refuses a replayed ``jti``)."""
    if not ORG_ID_RE.match(org_id):
        raise ValueError("org_id must match " + ORG_ID_RE.pattern)
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}")
    key = private_key if isinstance(private_key, Ed25519PrivateKey) else load_private_key(private_key)
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "org_id": org_id,
    }
    if subject is not None:
        claims["sub"] = subject
    headers = {"kid": key_id(key.public_key()), "typ": "JWT"}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=headers)
