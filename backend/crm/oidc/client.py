"""The relying party's wire protocol: discovery, JWKS, the token request, userinfo (checks: validation.py).

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
import json
import logging
import secrets
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from crm.oidc.validation import (
    IssuerRule,
    KeySet,
    OidcError,
    ProviderMetadata,
    UnknownSigningKey,
    check_url,
    parse_key_set,
    parse_metadata,
    verify_id_token,
)

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 5.0
MAX_DOCUMENT_BYTES = 512 * 1024
DISCOVERY_TTL_S = 3600.0
JWKS_TTL_S = 3600.0
JWKS_MIN_REFRESH_S = 30.0


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
