"""Access tokens: short-lived JWTs signed with Ed25519, verified against a keyring.

The keyring is a folder of PEM private keys named ``<kid>.pem``; the newest signs,
all verify, so a new key can be added and the old one removed 15 minutes later
without signing anyone out. Refresh tokens are not JWTs: see ``opaque_token``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ISSUER = "cliniglobal-crm"
AUDIENCE = "crm-api"
ALGORITHM = "EdDSA"


class InvalidToken(Exception):
    """Any reason a token is refused; the reason is logged, never shown."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    token_id: str
    expires_at: dt.datetime
    mfa_pending: bool = False


class Keyring:
    def __init__(self, keys: dict[str, Ed25519PrivateKey]) -> None:
        if not keys:
            raise ValueError("the JWT keyring is empty")
        self._private = keys
        self._public: dict[str, Ed25519PublicKey] = {kid: key.public_key() for kid, key in keys.items()}
        self.active_kid = max(keys)

    @classmethod
    def load(cls, folder: Path, *, create: bool) -> Keyring:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys: dict[str, Ed25519PrivateKey] = {}
        for path in sorted(folder.glob("*.pem")):
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(key, Ed25519PrivateKey):
                keys[path.stem] = key
        if not keys and create:
            new_key(folder)
            return cls.load(folder, create=False)
        return cls(keys)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, self._private[self.active_kid], algorithm=ALGORITHM, headers={"kid": self.active_kid}
        )

    def verify(self, token: str, audience: str = AUDIENCE) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed") from exc
        key = self._public.get(str(header.get("kid")))
        if key is None or header.get("alg") != ALGORITHM:
            raise InvalidToken("unknown key or algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from exc
        return claims


def new_key(folder: Path) -> str:
    """Write a new signing key; it becomes the active one (kids sort by creation time)."""
    kid = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = folder / f"{kid}.pem"
    path.write_bytes(pem)
    path.chmod(0o600)
    return kid


def issue_access_token(
    keyring: Keyring,
    *,
    user_id: uuid.UUID,
    organization_id: uuid.UUID,
    role: str,
    session_id: uuid.UUID,
    ttl_seconds: int,
    mfa_pending: bool = False,
) -> tuple[str, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(seconds=ttl_seconds)
    token = keyring.sign(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "org": str(organization_id),
            "role": role,
            "sid": str(session_id),
            "jti": secrets.token_urlsafe(12),
            "typ": "access",
            # The organisation requires MFA and this user has not enrolled yet: only enrolment is allowed.
            "mfa_pending": mfa_pending,
            "iat": now,
            "nbf": now,
            "exp": expires,
        }
    )
    return token, expires


def read_access_token(keyring: Keyring, token: str) -> AccessClaims:
    claims = keyring.verify(token)
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            organization_id=uuid.UUID(claims["org"]),
            role=str(claims["role"]),
            session_id=uuid.UUID(claims["sid"]),
            token_id=str(claims["jti"]),
            expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
            mfa_pending=bool(claims.get("mfa_pending", False)),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken("claims") from exc


def issue_purpose_token(keyring: Keyring, purpose: str, claims: dict[str, Any], ttl_seconds: int) -> str:
    """A short-lived signed token for one step of a flow (e.g. the MFA step after the password)."""
    now = dt.datetime.now(dt.UTC)
    return keyring.sign(
        {
            **claims,
            "iss": ISSUER,
            "aud": f"{AUDIENCE}:{purpose}",
            "typ": purpose,
            "jti": secrets.token_urlsafe(12),
            "iat": now,
            "exp": now + dt.timedelta(seconds=ttl_seconds),
        }
    )


def read_purpose_token(keyring: Keyring, purpose: str, token: str) -> dict[str, Any]:
    claims = keyring.verify(token, audience=f"{AUDIENCE}:{purpose}")
    if claims.get("typ") != purpose:
        raise InvalidToken("wrong purpose")
    return claims


def opaque_token(prefix: str = "") -> tuple[str, bytes]:
    """A random token for the client and the SHA-256 the database keeps."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
