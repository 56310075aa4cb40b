"""Every way a token can be wrong gets the same bare 401; only a proper backend token gets in."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from crm_ai.core.service_auth import (
    InvalidServiceToken,
    ServiceTokenVerifier,
    key_id,
    mint_service_token,
)

from .conftest import ORG

REFUSAL = {"error": "unauthorized", "detail": "invalid or missing service token"}


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "crm-backend",
        "aud": "crm-ai",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        "org_id": ORG,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: Ed25519PrivateKey, claims: dict[str, Any], kid: str | None = None) -> str:
    kid = kid or key_id(key.public_key())
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _assert_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/v1/whoami", headers=headers)
    assert response.status_code == 401
    assert response.json() == REFUSAL
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_backend_token_is_accepted_and_carries_the_org(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/v1/whoami", headers=auth())
    assert response.status_code == 200
    assert response.json() == {"org_id": ORG}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer " + "a" * 5000},
    ],
    ids=["missing", "empty", "no-token", "basic", "garbage", "huge"],
)
def test_missing_or_malformed(client: TestClient, headers: dict[str, str]) -> None:
    _assert_refused(client, headers)


def test_expired(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    past = int(time.time()) - 600
    _assert_refused(
        client, {"Authorization": "Bearer " + _sign(private_key, _claims(iat=past, exp=past + 60))}
    )


def test_issued_in_the_future(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    future = int(time.time()) + 600
    token = _sign(private_key, _claims(iat=future, exp=future + 60))
    _assert_refused(client, {"Authorization": f"Bearer {token}"})


def test_lifetime_over_five_minutes(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    now = int(time.time())
    token = _sign(private_key, _claims(iat=now, exp=now + 3600))
    _assert_refused(client, {"Authorization": f"Bearer {token}"})


def test_forged_with_another_key_claiming_our_kid(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    attacker = Ed25519PrivateKey.generate()
    token = _sign(attacker, _claims(), kid=key_id(private_key.public_key()))
    _assert_refused(client, {"Authorization": f"Bearer {token}"})


def test_signed_by_an_unknown_key(client: TestClient) -> None:
    token = _sign(Ed25519PrivateKey.generate(), _claims())
    _assert_refused(client, {"Authorization": f"Bearer {token}"})


def test_tampered_payload(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    header, _payload, signature = auth()["Authorization"].removeprefix("Bearer ").split(".")
    other_org = _b64(json.dumps(_claims(org_id="another-org")).encode())
    _assert_refused(client, {"Authorization": f"Bearer {header}.{other_org}.{signature}"})


def test_alg_none(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key_id(private_key.public_key())}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    _assert_refused(client, {"Authorization": f"Bearer {header}.{payload}."})


def test_hs256_keyed_with_the_public_key(client: TestClient, private_key: Ed25519PrivateKey) -> None:
    # The classic algorithm-confusion attack: the public key is no secret.
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(private_key.public_key())}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    import hashlib
    import hmac

    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    _assert_refused(client, {"Authorization": f"Bearer {signing_input}.{_b64(mac)}"})


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "crm-backend"},
        {"aud": None},
        {"iss": "someone-else"},
        {"iss": None},
        {"org_id": None},
        {"org_id": ""},
        {"org_id": "../../etc"},
        {"org_id": 42},
        {"jti": None},
        {"jti": "short"},
        {"exp": None},
        {"iat": None},
        {"exp": "tomorrow"},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_wrong_or_missing_claims(
    client: TestClient, private_key: Ed25519PrivateKey, overrides: dict[str, Any]
) -> None:
    claims = _claims()
    for key, value in overrides.items():
        if value is None:
            claims.pop(key)
        else:
            claims[key] = value
    _assert_refused(client, {"Authorization": f"Bearer {_sign(private_key, claims)}"})


def test_replayed_token(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    headers = auth()
    assert client.get("/v1/whoami", headers=headers).status_code == 200
    _assert_refused(client, headers)


def test_refusal_reason_is_logged_but_not_returned(
    client: TestClient, private_key: Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    past = int(time.time()) - 600
    token = _sign(private_key, _claims(iat=past, exp=past + 60))
    with caplog.at_level("WARNING", logger="crm_ai.auth"):
        response = client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert "expired" not in response.text
    assert [r.__dict__.get("reason") for r in caplog.records] == ["expired"]
    assert token not in caplog.text


def test_minting_refuses_bad_input(private_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="ttl"):
        mint_service_token(private_key, ORG, ttl_seconds=301)
    with pytest.raises(ValueError, match="org_id"):
        mint_service_token(private_key, "../other")


def test_verifier_time_checks_use_the_given_clock(private_key: Ed25519PrivateKey) -> None:
    verifier = ServiceTokenVerifier([private_key.public_key()], leeway_seconds=10)
    token = mint_service_token(private_key, ORG, ttl_seconds=60, now=1_000_000)
    assert verifier.verify(token, now=1_000_030).org_id == ORG
    with pytest.raises(InvalidServiceToken, match="expired"):
        ServiceTokenVerifier([private_key.public_key()]).verify(token, now=1_000_071)


def test_rotation_accepts_both_keys(private_key: Ed25519PrivateKey) -> None:
    new_key = Ed25519PrivateKey.generate()
    verifier = ServiceTokenVerifier([private_key.public_key(), new_key.public_key()])
    assert verifier.verify(mint_service_token(private_key, ORG)).org_id == ORG
    assert verifier.verify(mint_service_token(new_key, "org-2")).org_id == "org-2"
