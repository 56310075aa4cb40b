"""Checking what providers say: discovery documents, key sets and id tokens (no I/O here).

``verify_id_token`` follows OpenID Connect Core 3.1.3.7: the signature with a key from the
provider's key set and an algorithm its discovery document lists (asymmetric only), then
``iss`` (exact, or Microsoft's per-tenant template), ``aud`` (and ``azp`` when there are several
audiences), ``exp``/``iat`` with a minute of leeway, and the flow's ``nonce``.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt

CLOCK_LEEWAY_S = 60
MAX_ID_TOKEN_AGE_S = 600  # an id token is used the moment it is issued: an older one is a replay
# Asymmetric algorithms only: HS* would make the client secret a signing key, and "none" is no signature.
SAFE_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}
)
TENANT_PLACEHOLDER = "{tenantid}"
_TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class OidcError(Exception):
    """A sign-in step failed. ``reason`` is a stable code for the audit trail and the redirect;
    the message (logged, never shown) says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownSigningKey(OidcError):
    def __init__(self, kid: str | None) -> None:
        super().__init__("invalid_id_token", f"no key {kid!r} in the provider's key set")


# --- URLs ---------------------------------------------------------------------------------


def check_url(url: str, *, allow_insecure: bool) -> str:
    """Refuse URLs the server must not fetch: not https (outside tests), credentials, internal hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OidcError("invalid_provider", "not an absolute http(s) URL")
    if parts.username or parts.password or parts.fragment:
        raise OidcError("invalid_provider", "URL carries credentials or a fragment")
    if allow_insecure:
        return url
    if parts.scheme != "https":
        raise OidcError("invalid_provider", "the provider must use https")
    host = parts.hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".internal", ".local")):
        raise OidcError("invalid_provider", "the provider's host is internal")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address.is_global:
        raise OidcError("invalid_provider", "the provider's host is internal")
    return url


def discovery_url_for(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


# --- provider metadata --------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    id_token_algorithms: frozenset[str]
    token_auth_methods: tuple[str, ...]
    iss_parameter_supported: bool


@dataclass(frozen=True)
class IssuerRule:
    """Which ``iss`` values an id token may carry.

    ``accepted`` lists exact issuers; ``template`` (Microsoft's multi-tenant endpoints) is an
    issuer with ``{tenantid}`` that each token fills from its own ``tid`` claim, and then
    ``allowed_tenants`` must list that tenant.
    """

    accepted: frozenset[str] = frozenset()
    template: str | None = None
    allowed_tenants: frozenset[str] = frozenset()

    def expected(self, unverified: Mapping[str, Any]) -> frozenset[str]:
        if self.template is None:
            return self.accepted
        tenant = unverified.get("tid")
        if not isinstance(tenant, str) or not _TENANT_ID.fullmatch(tenant.lower()):
            raise OidcError("invalid_id_token", "multi-tenant issuer without a tenant id")
        if tenant.lower() not in self.allowed_tenants:
            raise OidcError("tenant_not_allowed", "the user's directory is not allowed")
        return frozenset({self.template.replace(TENANT_PLACEHOLDER, tenant.lower())})

    def matches_document(self, document_issuer: str) -> bool:
        return document_issuer == self.template if self.template else document_issuer in self.accepted

    def matches_response(self, iss: str) -> bool:
        """RFC 9207: the ``iss`` of the authorization response names the provider we sent the user to."""
        if self.template is None:
            return iss in self.accepted
        prefix, _, suffix = self.template.partition(TENANT_PLACEHOLDER)
        if len(iss) < len(prefix) + len(suffix) or not (iss.startswith(prefix) and iss.endswith(suffix)):
            return False
        return iss[len(prefix) : len(iss) - len(suffix)] in self.allowed_tenants


def _strings(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise OidcError("invalid_provider", "malformed discovery document")
    return tuple(value)


def parse_metadata(
    document: Mapping[str, Any], rule: IssuerRule, *, allow_insecure: bool
) -> ProviderMetadata:
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not rule.matches_document(issuer):
        # OpenID Connect Discovery 4.3: the document must name exactly the issuer it was fetched for.
        raise OidcError("invalid_provider", f"discovery names issuer {str(issuer)[:200]!r}")
    endpoints: dict[str, str] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str):
            raise OidcError("invalid_provider", f"discovery has no {name}")
        endpoints[name] = check_url(value, allow_insecure=allow_insecure)
    userinfo = document.get("userinfo_endpoint")
    algorithms = frozenset(_strings(document.get("id_token_signing_alg_values_supported"), ("RS256",)))
    if not algorithms & SAFE_ALGORITHMS:
        raise OidcError("invalid_provider", "the provider signs id tokens with no algorithm we accept")
    challenge_methods = _strings(document.get("code_challenge_methods_supported"), ("S256",))
    if "S256" not in challenge_methods:
        raise OidcError("invalid_provider", "the provider does not support PKCE with S256")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        jwks_uri=endpoints["jwks_uri"],
        userinfo_endpoint=check_url(userinfo, allow_insecure=allow_insecure)
        if isinstance(userinfo, str)
        else None,
        id_token_algorithms=algorithms & SAFE_ALGORITHMS,
        token_auth_methods=_strings(
            document.get("token_endpoint_auth_methods_supported"), ("client_secret_basic",)
        ),
        iss_parameter_supported=document.get("authorization_response_iss_parameter_supported") is True,
    )


# --- keys and id tokens -------------------------------------------------------------------


@dataclass
class KeySet:
    keys: list[dict[str, Any]]
    fetched_at: float
    _built: dict[int, jwt.PyJWK] = field(default_factory=dict)

    def find(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        family = _KEY_TYPES.get(algorithm[:2])
        candidates = [
            (index, key)
            for index, key in enumerate(self.keys)
            if key.get("use", "sig") == "sig"
            and key.get("kty") == family
            and key.get("alg", algorithm) == algorithm
            and (kid is None or key.get("kid") == kid)
        ]
        if len(candidates) != 1:
            # A token without a kid is accepted only when the key set leaves no choice.
            return None
        index, key = candidates[0]
        built = self._built.get(index)
        if built is None:
            try:
                built = self._built[index] = jwt.PyJWK(key, algorithm)
            except jwt.PyJWTError as exc:
                raise OidcError("invalid_id_token", f"unusable key: {type(exc).__name__}") from None
        return built


def parse_key_set(document: Mapping[str, Any], fetched_at: float) -> KeySet:
    keys = document.get("keys")
    if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
        raise OidcError("invalid_provider", "malformed key set")
    # Private members have no business in a published key set; never keep them.
    public = [
        {k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "k")} for key in keys
    ]
    return KeySet(keys=public, fetched_at=fetched_at)


def verify_id_token(
    token: str,
    *,
    keys: KeySet,
    metadata: ProviderMetadata,
    rule: IssuerRule,
    client_id: str,
    nonce: str,
    now: float | None = None,
) -> dict[str, Any]:
    """Validate an id token (OpenID Connect Core 3.1.3.7) and return its claims.

    Raises ``UnknownSigningKey`` when the key set has no key for the token (the caller may
    refetch the key set once), ``OidcError`` for everything else.
    """
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OidcError("invalid_id_token", "malformed id token") from None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in metadata.id_token_algorithms:
        raise OidcError("invalid_id_token", f"algorithm {str(algorithm)[:20]!r} is not allowed")
    kid = header.get("kid")
    key = keys.find(kid if isinstance(kid, str) else None, algorithm)
    if key is None:
        raise UnknownSigningKey(kid if isinstance(kid, str) else None)
    expected_issuers = rule.expected(unverified)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=expected_issuers,
            leeway=CLOCK_LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise OidcError("id_token_expired", "the id token has expired") from None
    except jwt.PyJWTError as exc:
        raise OidcError("invalid_id_token", f"id token refused: {type(exc).__name__}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != client_id):
        raise OidcError("invalid_id_token", "the id token was issued to another party (azp)")
    received_nonce = claims.get("nonce")
    if not isinstance(received_nonce, str) or not hmac.compare_digest(received_nonce, nonce):
        raise OidcError("invalid_nonce", "the id token's nonce is not this sign-in's")
    issued_at = claims["iat"]
    if (
        not isinstance(issued_at, (int, float))
        or (now or time.time()) - issued_at > MAX_ID_TOKEN_AGE_S + CLOCK_LEEWAY_S
    ):
        raise OidcError("id_token_expired", "the id token was issued too long ago")
    subject = claims["sub"]
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise OidcError("invalid_id_token", "the id token has no usable subject")
    return claims
