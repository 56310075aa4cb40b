"""id-token validation rule by rule, provider metadata, key-set caching, URL checks and the flow cookie."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crm.core.config import Settings
from crm.core.security.crypto import keystore_for
from crm.oidc import client as oidc
from crm.oidc import presets, validation
from crm.oidc.flow import Flow, open_flow, seal_flow
from crm.oidc.validation import IssuerRule, OidcError, UnknownSigningKey, verify_id_token

ISSUER = "https://idp.example"
CLIENT = "crm-client"
NONCE = "the-nonce-of-this-flow"
TENANT = "9b8c1b2a-1d3e-4f5a-8b7c-0123456789ab"
MS_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.get_algorithm_by_name(alg)
    public = json.loads(algorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "alg": alg, "use": "sig"}


KEYS = validation.parse_key_set(
    {"keys": [_jwk(RSA_KEY, "rsa-1", "RS256"), _jwk(EC_KEY, "ec-1", "ES256")]}, 0.0
)


def _metadata(**overrides: Any) -> validation.ProviderMetadata:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/auth",
        "token_endpoint": ISSUER + "/token",
        "jwks_uri": ISSUER + "/jwks",
        "userinfo_endpoint": ISSUER + "/me",
        "id_token_algorithms": frozenset({"RS256", "ES256"}),
        "token_auth_methods": ("client_secret_basic",),
        "iss_parameter_supported": True,
    }
    return validation.ProviderMetadata(**{**values, **overrides})


def _token(key: Any = RSA_KEY, alg: str = "RS256", kid: str | None = "rsa-1", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "sub": "user-1", "aud": CLIENT, "iat": now, "exp": now + 300, "nonce": NONCE}
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


def _verify(token: str, rule: IssuerRule | None = None, **kwargs: Any) -> dict[str, Any]:
    return verify_id_token(
        token,
        keys=kwargs.pop("keys", KEYS),
        metadata=kwargs.pop("metadata", _metadata()),
        rule=rule or IssuerRule(accepted=frozenset({ISSUER})),
        client_id=CLIENT,
        nonce=NONCE,
        **kwargs,
    )


def _refused(token: str, reason: str = "invalid_id_token", **kwargs: Any) -> None:
    with pytest.raises(OidcError) as error:
        _verify(token, **kwargs)
    assert error.value.reason == reason, str(error.value)


def test_a_good_token_passes_with_either_key() -> None:
    assert _verify(_token())["sub"] == "user-1"
    assert _verify(_token(EC_KEY, "ES256", "ec-1"))["sub"] == "user-1"
    assert _verify(_token(aud=[CLIENT, "other"], azp=CLIENT))["sub"] == "user-1"


def test_signature_and_algorithm() -> None:
    _refused(_token(OTHER_RSA_KEY))  # right kid, wrong key
    _refused(_token(alg="PS256"))  # a fine algorithm, but not one the discovery document lists
    _refused(_token(), metadata=_metadata(id_token_algorithms=frozenset({"ES256"})))
    unsigned = jwt.encode({"iss": ISSUER, "sub": "x", "aud": CLIENT, "nonce": NONCE}, None, algorithm="none")
    _refused(unsigned)
    hmac_signed = jwt.encode(
        {"iss": ISSUER, "sub": "x", "aud": CLIENT, "nonce": NONCE}, "secret" * 6, "HS256"
    )
    _refused(hmac_signed)
    _refused("not.a.jwt")
    with pytest.raises(UnknownSigningKey):
        _verify(_token(kid="rotated-away"))


def test_a_token_without_kid_needs_an_unambiguous_key() -> None:
    assert _verify(_token(kid=None))["sub"] == "user-1"  # one RSA key in the set
    two_rsa = validation.parse_key_set(
        {"keys": [_jwk(RSA_KEY, "a", "RS256"), _jwk(OTHER_RSA_KEY, "b", "RS256")]}, 0.0
    )
    with pytest.raises(UnknownSigningKey):
        _verify(_token(kid=None), keys=two_rsa)


def test_claims() -> None:
    _refused(_token(iss="https://other.example"))
    _refused(_token(aud="someone-else"))
    _refused(_token(aud=[CLIENT, "other"]))  # several audiences and no azp
    _refused(_token(azp="someone-else"))
    _refused(_token(nonce="another-flow"), "invalid_nonce")
    _refused(_token(nonce=None), "invalid_nonce")
    _refused(_token(exp=int(time.time()) - 120), "id_token_expired")
    _refused(_token(iat=int(time.time()) - 3600, exp=int(time.time()) + 60), "id_token_expired")
    _refused(_token(iat=int(time.time()) + 3600))  # issued in the future
    _refused(_token(sub=None))
    _refused(_token(exp=None))
    _refused(_token(sub="x" * 300))


def test_microsoft_multi_tenant_issuer() -> None:
    rule = IssuerRule(template=MS_TEMPLATE, allowed_tenants=frozenset({TENANT}))
    metadata = _metadata(issuer=MS_TEMPLATE)
    good = _token(iss=MS_TEMPLATE.replace("{tenantid}", TENANT), tid=TENANT)
    assert _verify(good, rule, metadata=metadata)["tid"] == TENANT

    other = "11111111-2222-3333-4444-555555555555"
    stranger = _token(iss=MS_TEMPLATE.replace("{tenantid}", other), tid=other)
    _refused(stranger, "tenant_not_allowed", rule=rule, metadata=metadata)
    # A token claiming an allowed tid but issued by another directory.
    mismatched = _token(iss=MS_TEMPLATE.replace("{tenantid}", other), tid=TENANT)
    _refused(mismatched, rule=rule, metadata=metadata)
    _refused(_token(iss=MS_TEMPLATE.replace("{tenantid}", TENANT)), rule=rule, metadata=metadata)  # no tid
    _refused(_token(iss=MS_TEMPLATE, tid="{tenantid}"), rule=rule, metadata=metadata)

    assert rule.matches_document(MS_TEMPLATE) and not rule.matches_document(ISSUER)
    assert rule.matches_response(MS_TEMPLATE.replace("{tenantid}", TENANT))
    assert not rule.matches_response(MS_TEMPLATE.replace("{tenantid}", other))
    assert not rule.matches_response("https://login.microsoftonline.com/v2.0")


def test_presets() -> None:
    assert presets.microsoft("organizations").issuer == MS_TEMPLATE
    assert presets.microsoft(TENANT).issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert presets.google().discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert presets.email_verified("microsoft", {"xms_edov": True})
    assert not presets.email_verified("microsoft", {"email": "a@b.example"})
    assert not presets.email_verified("oidc", {"xms_edov": True})
    assert presets.email_verified("google", {"email_verified": "true"})
    assert (
        presets.full_name({"given_name": "Ada", "family_name": "Lovelace"}, "a@b.example") == "Ada Lovelace"
    )
    assert presets.full_name({}, "ada@b.example") == "ada"


def test_metadata_must_name_its_issuer_and_offer_s256_and_an_asymmetric_algorithm() -> None:
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/auth",
        "token_endpoint": ISSUER + "/token",
        "jwks_uri": ISSUER + "/jwks",
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        "code_challenge_methods_supported": ["plain", "S256"],
    }
    rule = IssuerRule(accepted=frozenset({ISSUER}))
    parsed = validation.parse_metadata(document, rule, allow_insecure=False)
    assert parsed.id_token_algorithms == {"RS256"} and parsed.token_auth_methods == ("client_secret_basic",)
    for change in (
        {"issuer": ISSUER + "/"},
        {"id_token_signing_alg_values_supported": ["HS256", "none"]},
        {"code_challenge_methods_supported": ["plain"]},
        {"token_endpoint": "http://idp.example/token"},
        {"jwks_uri": None},
    ):
        with pytest.raises(OidcError):
            validation.parse_metadata({**document, **change}, rule, allow_insecure=False)


def test_urls_the_server_fetches() -> None:
    ok = "https://idp.example/.well-known/openid-configuration"
    assert validation.check_url(ok, allow_insecure=False) == ok
    for bad in (
        "http://idp.example/x",
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://user:pw@idp.example/x",
        "file:///etc/passwd",
        "https://idp.internal/x",
    ):
        with pytest.raises(OidcError):
            validation.check_url(bad, allow_insecure=False)
    assert validation.check_url("http://127.0.0.1:4000/x", allow_insecure=True)


async def test_key_sets_are_cached_and_refetched_at_most_so_often(monkeypatch: pytest.MonkeyPatch) -> None:
    oidc.forget_cached()
    served = {"keys": [_jwk(RSA_KEY, "rsa-1", "RS256")]}
    fetches: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json=served)

    client = oidc.OidcClient(allow_insecure=False, transport=httpx.MockTransport(handler))
    metadata = _metadata()
    rule = IssuerRule(accepted=frozenset({ISSUER}))
    assert (await client.verified_claims(metadata, rule, _token(), client_id=CLIENT, nonce=NONCE))["sub"]
    assert (await client.verified_claims(metadata, rule, _token(), client_id=CLIENT, nonce=NONCE))["sub"]
    assert len(fetches) == 1

    # The provider rotates: the unknown kid triggers one refetch, which finds the new key.
    served = {"keys": [_jwk(OTHER_RSA_KEY, "rsa-2", "RS256")]}
    monkeypatch.setattr(oidc, "JWKS_MIN_REFRESH_S", 0.0)
    rotated = _token(OTHER_RSA_KEY, kid="rsa-2")
    assert (await client.verified_claims(metadata, rule, rotated, client_id=CLIENT, nonce=NONCE))["sub"]
    assert len(fetches) == 2

    # Unknown kids cannot make us hammer the provider: within the interval the cache answers.
    monkeypatch.setattr(oidc, "JWKS_MIN_REFRESH_S", 3600.0)
    with pytest.raises(OidcError):
        await client.verified_claims(metadata, rule, _token(kid="nope"), client_id=CLIENT, nonce=NONCE)
    assert len(fetches) == 2
    oidc.forget_cached()


async def test_responses_are_bounded_and_must_be_json() -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" + b"0," * (oidc.MAX_DOCUMENT_BYTES // 2) + b"0]")

    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>")

    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://169.254.169.254/"})

    for handler in (huge, html, redirect):
        client = oidc.OidcClient(allow_insecure=False, transport=httpx.MockTransport(handler))
        with pytest.raises(OidcError) as error:
            await client.metadata(
                ISSUER + "/.well-known/openid-configuration", IssuerRule(frozenset({ISSUER}))
            )
        assert error.value.reason == "provider_unavailable"


def test_the_flow_cookie_is_sealed_and_expires(settings: Settings) -> None:
    keystore = keystore_for(settings)
    flow = Flow("state", "nonce", "verifier", uuid.uuid4(), uuid.uuid4(), time.time() + 60)
    sealed = seal_flow(keystore, flow)
    assert "state" not in sealed and open_flow(keystore, sealed) == flow
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert open_flow(keystore, tampered) is None
    assert open_flow(keystore, sealed, now=time.time() + 120) is None
    assert open_flow(keystore, "") is None and open_flow(keystore, "%%%") is None
