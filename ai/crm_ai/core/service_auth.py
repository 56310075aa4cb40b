"""Service tokens between the CRM backend and the AI service (see ai/docs/adr-service-auth.md).

The backend signs a short-lived JWT with an Ed25519 private key that only it holds; the AI service
verifies with the public key. This module depends only on PyJWT, cryptography and the standard
library so the backend can import or copy it unchanged: `mint_service_token()` is its side,
`ServiceTokenVerifier` is ours.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
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
PUBLIC_KEY_FILENAME = "service-token.pub"

# Organisation ids become folder names for per-organisation models, so they are restricted to a
# charset that cannot escape a directory (UUIDs fit).
ORG_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_PEM_BLOCK_RE = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class InvalidServiceToken(Exception):
    """Refused token. `reason` is for our logs only; callers always see the same 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServiceClaims:
    org_id: str
    jti: str
    expires_at: int
    subject: str | None  # the user or job on whose behalf the backend calls, for our logs


# --- keys ---------------------------------------------------------------------------------------


def generate_keypair() -> tuple[bytes, bytes]:
    """Return (private PEM, public PEM) of a fresh Ed25519 key pair."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_pem, public_pem_of(private)


def public_pem_of(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ensure_keypair(directory: Path) -> tuple[Path, Path]:
    """Create the dev key pair in `directory` unless it exists; return (private path, public path).

    Both the backend and the AI service may call this at start in the embedded setup, in either
    order, so the pair is written to temporary files and linked into place atomically: whoever links
    first wins and the other keeps the winner's keys.
    """
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILENAME
    public_path = directory / PUBLIC_KEY_FILENAME
    if not private_path.exists():
        private_pem, _ = generate_keypair()
        tmp = directory / f".{PRIVATE_KEY_FILENAME}.{uuid.uuid4().hex}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_pem)
        try:
            os.link(tmp, private_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if not public_path.exists():
        # Derived from whichever private key won, so the two files always match.
        private = load_private_key(private_path.read_bytes())
        tmp = directory / f".{PUBLIC_KEY_FILENAME}.{uuid.uuid4().hex}"
        tmp.write_bytes(public_pem_of(private))
        os.replace(tmp, public_path)
    return private_path, public_path


def load_private_key(pem: bytes | str) -> Ed25519PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("service token private key must be Ed25519")
    return key


def load_public_keys(pem_text: str) -> list[Ed25519PublicKey]:
    """Parse one or more concatenated PEM public keys (several = rotation in progress)."""
    blocks = _PEM_BLOCK_RE.findall(pem_text)
    if not blocks:
        raise ValueError("no PEM public key found")
    keys = []
    for block in blocks:
        key = serialization.load_pem_public_key(block.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("service token public keys must be Ed25519")
        keys.append(key)
    return keys


def key_id(public: Ed25519PublicKey) -> str:
    """Stable short id of a public key, sent as the JWT `kid` so the verifier picks the right key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# --- backend side -------------------------------------------------------------------------------


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
    """Sign a token for one call to the AI service on behalf of organisation `org_id`.

    Mint one per request (it is cheap: ~0.1 ms); the AI service refuses a replayed `jti`.
    """
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


# --- AI service side ----------------------------------------------------------------------------


class _ReplayCache:
    """jti -> expiry, forgotten once the token could no longer verify anyway."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def check_and_add(self, jti: str, expires_at: int, now: float) -> bool:
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
                if len(self._seen) >= self._max:
                    # Refuse rather than forget: forgetting would reopen replay under a flood.
                    return False
            if jti in self._seen:
                return False
            self._seen[jti] = expires_at
            return True


class ServiceTokenVerifier:
    def __init__(
        self,
        public_keys: Iterable[Ed25519PublicKey],
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        max_ttl_seconds: int = MAX_TTL_SECONDS,
        leeway_seconds: int = 10,
        reject_replay: bool = True,
    ) -> None:
        self._keys = {key_id(k): k for k in public_keys}
        if not self._keys:
            raise ValueError("at least one public key is required")
        self._issuer = issuer
        self._audience = audience
        self._max_ttl = max_ttl_seconds
        self._leeway = leeway_seconds
        self._replay = _ReplayCache() if reject_replay else None

    def verify(self, token: str, *, now: float | None = None) -> ServiceClaims:
        current = time.time() if now is None else now
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidServiceToken("malformed") from None
        # Pin the algorithm before anything else: `none` and HS256-with-the-public-key are refused here.
        if header.get("alg") != ALGORITHM:
            raise InvalidServiceToken("algorithm")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidServiceToken("unknown_key")
        try:
            # Signature, audience, issuer and presence of claims here; the time checks are ours,
            # against one clock (`now`), so they can be tested without sleeping.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "iss", "aud", "jti", "org_id"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise InvalidServiceToken("audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidServiceToken("issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidServiceToken(f"missing_{exc.claim}") from None
        except jwt.PyJWTError:
            raise InvalidServiceToken("signature_or_claims") from None
        return self._check_claims(claims, current)

    def _check_claims(self, claims: dict[str, Any], now: float) -> ServiceClaims:
        exp, iat, jti, org_id = claims["exp"], claims["iat"], claims["jti"], claims["org_id"]
        nbf = claims.get("nbf", iat)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (exp, iat, nbf)):
            raise InvalidServiceToken("time_claims")
        if exp + self._leeway < now:
            raise InvalidServiceToken("expired")
        if iat - self._leeway > now or nbf - self._leeway > now:
            raise InvalidServiceToken("not_yet_valid")
        # A long-lived token, even validly signed, means a misconfigured or compromised minter.
        if exp - iat > self._max_ttl:
            raise InvalidServiceToken("lifetime")
        if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
            raise InvalidServiceToken("jti")
        if not isinstance(org_id, str) or not ORG_ID_RE.match(org_id):
            raise InvalidServiceToken("org_id")
        if self._replay is not None and not self._replay.check_and_add(jti, exp + self._leeway, now):
            raise InvalidServiceToken("replayed")
        sub = claims.get("sub")
        subject = sub if isinstance(sub, str) else None
        return ServiceClaims(org_id=org_id, jti=jti, expires_at=exp, subject=subject)
