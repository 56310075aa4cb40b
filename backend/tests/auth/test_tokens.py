"""Forged, expired, alg:none, wrong-key, wrong-audience and tampered tokens are refused without detail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm.core.runtime import Runtime
from crm.core.security.tokens import AUDIENCE, ISSUER, Keyring, issue_access_token
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

REFUSED = {"error": "invalid_token", "detail": "invalid or expired token"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(person_org: uuid.UUID, user: uuid.UUID, **extra: object) -> dict[str, object]:
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user),
        "org": str(person_org),
        "role": "admin",
        "sid": str(uuid.uuid4()),
        "jti": "x",
        "typ": "access",
        "iat": now,
        "exp": now + dt.timedelta(minutes=5),
    }
    claims.update(extra)
    return claims


async def _status(client: httpx.AsyncClient, token: str) -> tuple[int, dict[str, str]]:
    response = await client.get("/api/v1/auth/me", headers=bearer(token))
    return response.status_code, response.json()


async def test_access_tokens_live_at_most_fifteen_minutes(runtime: Runtime) -> None:
    token, expires = issue_access_token(
        runtime.keyring,
        user_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        role="admin",
        session_id=uuid.uuid4(),
        ttl_seconds=runtime.settings.access_token_ttl_seconds,
    )
    assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == runtime.keyring.active_kid
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"sub", "org", "role", "sid", "jti", "exp", "iat"} <= set(claims)


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant) -> None:
    admin = tenant.people[Role.admin]
    good = await token_for(client, admin)
    assert (await _status(client, good))[0] == 200
    kid = runtime.keyring.active_kid
    stranger = Ed25519PrivateKey.generate()
    now = dt.datetime.now(dt.UTC)
    forged = {
        "alg none": _b64({"alg": "none", "typ": "JWT", "kid": kid})
        + "."
        + _b64({**jwt.decode(good, options={"verify_signature": False})})
        + ".",
        "wrong key": jwt.encode(
            _claims(tenant.id, admin.user_id), stranger, algorithm="EdDSA", headers={"kid": kid}
        ),
        "HS256 with public key": jwt.encode(
            _claims(tenant.id, admin.user_id), "secret", algorithm="HS256", headers={"kid": kid}
        ),
        "expired": runtime.keyring.sign(
            _claims(
                tenant.id, admin.user_id, iat=now - dt.timedelta(hours=1), exp=now - dt.timedelta(minutes=1)
            )
        ),
        "wrong audience": runtime.keyring.sign(_claims(tenant.id, admin.user_id, aud="crm-ai")),
        "wrong issuer": runtime.keyring.sign(_claims(tenant.id, admin.user_id, iss="someone-else")),
        "not an access token": runtime.keyring.sign(_claims(tenant.id, admin.user_id, typ="mfa")),
        "tampered payload": good.split(".")[0]
        + "."
        + _b64(
            {
                **jwt.decode(good, options={"verify_signature": False}),
                "role": "admin",
                "org": str(uuid.uuid4()),
            }
        )
        + "."
        + good.split(".")[2],
        "garbage": "not.a.token",
    }
    for name, token in forged.items():
        status, body = await _status(client, token)
        assert status == 401, name
        assert body == REFUSED, name


async def test_unknown_session_in_a_valid_token_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    admin = tenant.people[Role.admin]
    token = runtime.keyring.sign(_claims(tenant.id, admin.user_id))
    response = await client.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401


async def test_missing_or_malformed_authorization(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        response = await client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_keys_rotate_without_signing_anyone_out(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from crm.core.security.tokens import new_key, read_access_token

    folder = Path(str(tmp_path))
    old = Keyring.load(folder, create=True)
    token, _ = issue_access_token(
        old,
        user_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        role="sales",
        session_id=uuid.uuid4(),
        ttl_seconds=60,
    )
    new_kid = new_key(folder)
    rotated = Keyring.load(folder, create=False)
    assert rotated.active_kid == new_kid != old.active_kid
    assert read_access_token(rotated, token).role == "sales"
