"""The relying party's wire protocol: discovery, JWKS, the token request, id-token validation, userinfo.

Discovery documents and key sets are cached in-process (an hour); an id token signed with a key
the cache does not know triggers one refetch of the key set (at most every ``JWKS_MIN_REFRESH_S``
per key set), which is how a provider's key rotation is picked up without a restart.

Every URL the server fetches comes from an organisation's configuration, so requests go out
only over https (plain http only outside production, for loopback test providers), never
follow redirects, time out quickly and read at most ``MAX_DOCUMENT_BYTES``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 5.0
MAX_DOCUMENT_BYTES = 512 * 1024
DISCOVERY_TTL_S = 3600.0
JWKS_TTL_S = 3600.0
JWKS_MIN_REFRESH_S = 30.0
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


# --- PKCE, state, nonce -------------------------------------------------------------------


def random_token() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    nonce: str,
    code_verifier: str,
    login_hint: str | None = None,
) -> str:
    params = {
        "response_type": "code",
        "response_mode": "query",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    separator = "&" if urlsplit(metadata.authorization_endpoint).query else "?"
    return metadata.authorization_endpoint + separator + urlencode(params, quote_via=quote)


# --- the HTTP side ------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenResponse:
    id_token: str
    access_token: str | None


_discovery_cache: dict[str, tuple[float, ProviderMetadata]] = {}
_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for the process: building one reads the CA bundle (~0.2 s)."""
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


_jwks_cache: dict[str, KeySet] = {}


def forget_cached() -> None:
    """Drop every cached discovery document and key set (tests; an admin changing a provider)."""
    _discovery_cache.clear()
    _jwks_cache.clear()


def forget_discovery(discovery_url: str) -> None:
    _discovery_cache.pop(discovery_url, None)


class OidcClient:
    """Talks to identity providers. Cheap to build: caches are shared, the HTTP client is per use."""

    def __init__(self, *, allow_insecure: bool, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.allow_insecure = allow_insecure
        self._transport = transport

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=HTTP_TIMEOUT_S,
            follow_redirects=False,
            transport=self._transport,
            verify=_tls_context(),
            headers={"accept": "application/json", "user-agent": "CliniGlobal-CRM-OIDC/1"},
        )

    async def _json(self, request: httpx.Request, what: str) -> tuple[int, dict[str, Any]]:
        check_url(str(request.url), allow_insecure=self.allow_insecure)
        try:
            async with self._http() as http:
                response = await http.send(request, stream=True)
                try:
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_DOCUMENT_BYTES:
                            raise OidcError("provider_unavailable", f"{what}: response too large")
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            raise OidcError("provider_unavailable", f"{what}: {type(exc).__name__}") from None
        try:
            document = json.loads(body) if body else {}
        except ValueError:
            raise OidcError(
                "provider_unavailable", f"{what}: not JSON (status {response.status_code})"
            ) from None
        if not isinstance(document, dict):
            raise OidcError("provider_unavailable", f"{what}: not a JSON object")
        return response.status_code, document

    async def _get(self, url: str, what: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        status, document = await self._json(httpx.Request("GET", url, headers=headers), what)
        if status != 200:
            raise OidcError("provider_unavailable", f"{what}: status {status}")
        return document

    async def metadata(self, discovery_url: str, rule: IssuerRule) -> ProviderMetadata:
        cached = _discovery_cache.get(discovery_url)
        if (
            cached is not None
            and time.monotonic() - cached[0] < DISCOVERY_TTL_S
            and rule.matches_document(cached[1].issuer)
        ):
            return cached[1]
        document = await self._get(discovery_url, "discovery")
        metadata = parse_metadata(document, rule, allow_insecure=self.allow_insecure)
        _discovery_cache[discovery_url] = (time.monotonic(), metadata)
        return metadata

    async def key_set(self, jwks_uri: str, *, refresh: bool = False) -> KeySet:
        cached = _jwks_cache.get(jwks_uri)
        now = time.monotonic()
        if cached is not None:
            age = now - cached.fetched_at
            if (not refresh and age < JWKS_TTL_S) or (refresh and age < JWKS_MIN_REFRESH_S):
                return cached
        key_set = parse_key_set(await self._get(jwks_uri, "jwks"), now)
        _jwks_cache[jwks_uri] = key_set
        return key_set

    async def exchange_code(
        self,
        metadata: ProviderMetadata,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        client_id: str,
        client_secret: str | None,
    ) -> TokenResponse:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if client_secret is None:
            form["client_id"] = client_id
        elif "client_secret_basic" in metadata.token_auth_methods:
            # RFC 6749 2.3.1: each part form-encoded before the Basic encoding.
            pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
            headers["authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif "client_secret_post" in metadata.token_auth_methods:
            form |= {"client_id": client_id, "client_secret": client_secret}
        else:
            raise OidcError("invalid_provider", "the provider supports no client authentication we can do")
        request = httpx.Request("POST", metadata.token_endpoint, headers=headers, content=urlencode(form))
        status, document = await self._json(request, "token")
        if status != 200:
            error = document.get("error")
            raise OidcError("code_exchange_failed", f"token endpoint said {str(error)[:60]!r} ({status})")
        id_token = document.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("code_exchange_failed", "the token response has no id token")
        access_token = document.get("access_token")
        return TokenResponse(id_token, access_token if isinstance(access_token, str) else None)

    async def verified_claims(
        self,
        metadata: ProviderMetadata,
        rule: IssuerRule,
        id_token: str,
        *,
        client_id: str,
        nonce: str,
    ) -> dict[str, Any]:
        """Validate the id token, refetching the key set once if it was signed with a new key."""
        keys = await self.key_set(metadata.jwks_uri)
        try:
            return verify_id_token(
                id_token, keys=keys, metadata=metadata, rule=rule, client_id=client_id, nonce=nonce
            )
        except UnknownSigningKey:
            log.info("id token signed with an unknown key; refetching the key set")
            keys = await self.key_set(metadata.jwks_uri, refresh=True)
            return verify_id_token(
                id_token, keys=keys, metadata=metadata, rule=rule, client_id=client_id, nonce=nonce
            )

    async def userinfo(self, metadata: ProviderMetadata, access_token: str, subject: str) -> dict[str, Any]:
        """Claims kept out of the id token (OpenID Connect Core 5.3): same subject or nothing."""
        if metadata.userinfo_endpoint is None:
            return {}
        document = await self._get(
            metadata.userinfo_endpoint, "userinfo", headers={"authorization": f"Bearer {access_token}"}
        )
        if document.get("sub") != subject:
            raise OidcError("invalid_id_token", "userinfo describes another subject")
        return document
