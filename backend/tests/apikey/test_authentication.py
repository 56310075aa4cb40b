"""Authenticating with an API key, end to end through the real ``current_principal``
(``Authorization: Bearer crm_key_...``): the key's cells and nothing more, its organisation and no
other, last use written at most once a minute, and 401 for revoked, expired, forged or unknown keys."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.apikey import auth, service
from crm.apikey.schemas import ApiKeyCreate, PermissionGrant
from crm.auth.permissions import Action, Scope
from crm.auth.principal import ActorType
from crm.core.cache import MemoryCache
from crm.core.db import set_tenant
from crm.core.errors import Unauthorized
from crm.core.runtime import Runtime
from tests.conftest import make_org
from tests.flags.support import GATED, audit_trail, count_statements, principal

FLAGS = "/api/v1/flags"
KEYS = "/api/v1/api-keys"


async def mint(
    db: AsyncSession,
    organization_id: uuid.UUID,
    *cells: tuple[str, str, str],
    expires_at: dt.datetime | None = None,
) -> tuple[uuid.UUID, str]:
    await set_tenant(db, organization_id)
    grants = [PermissionGrant(resource=r, action=Action(a), scope=s) for r, a, s in cells]
    created = await service.create_key(
        db,
        principal(organization_id),
        ApiKeyCreate(name="integration", permissions=grants, expires_at=expires_at),
    )
    return created.id, created.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def last_used(db: AsyncSession, organization_id: uuid.UUID, key_id: uuid.UUID) -> tuple[object, object]:
    await set_tenant(db, organization_id)
    row = (
        await db.execute(
            text("SELECT last_used_at, last_used_ip FROM api_keys WHERE id = :id"), {"id": key_id}
        )
    ).one()
    return row.last_used_at, row.last_used_ip


async def test_the_principal_is_the_key_with_exactly_its_cells(
    db: AsyncSession, org: uuid.UUID, runtime: Runtime
) -> None:
    key_id, token = await mint(db, org, ("flags", "read", "all"), ("users", "read", "team"))
    found = await auth.authenticate_api_key(runtime, token, "10.1.2.3")
    assert found.actor_type is ActorType.api_key
    assert found.api_key_id == key_id and found.actor_id == key_id
    assert found.organization_id == org
    assert found.user_id is None and found.role is None and found.session_id is None
    assert dict(found.permissions) == {("flags", Action.read): Scope.all, ("users", Action.read): Scope.team}
    assert found.ip == "10.1.2.3"


async def test_a_key_acts_within_its_cells(db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient) -> None:
    _, token = await mint(db, org, ("flags", "read", "all"), ("api_keys", "read", "all"))
    listed = await http.get(FLAGS, headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert (await http.get(f"{FLAGS}/effective", headers=bearer(token))).status_code == 200
    assert (await http.get(KEYS, headers=bearer(token))).status_code == 200
    assert (await http.get(GATED, headers=bearer(token))).status_code == 200  # a flag-gated route

    # Outside its cells: refused like any caller lacking the permission.
    put = await http.put(f"{FLAGS}/ai.sentiment", json={"enabled": False}, headers=bearer(token))
    assert put.status_code == 403 and put.json()["error"] == "forbidden"
    minted = await http.post(KEYS, json={"name": "x", "permissions": []}, headers=bearer(token))
    assert minted.status_code == 403
    assert (await http.delete(f"{KEYS}/{uuid.uuid4()}", headers=bearer(token))).status_code == 403


async def test_a_key_may_mint_keys_only_within_its_own_cells(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient
) -> None:
    _, token = await mint(db, org, ("flags", "read", "all"), ("api_keys", "create", "all"))
    narrower = {"name": "child", "permissions": [{"resource": "flags", "action": "read", "scope": "all"}]}
    created = await http.post(KEYS, json=narrower, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] is None  # made by a key, not a person
    wider = {"name": "child", "permissions": [{"resource": "flags", "action": "update", "scope": "all"}]}
    refused = await http.post(KEYS, json=wider, headers=bearer(token))
    assert refused.status_code == 403 and refused.json()["error"] == "permission_not_held"
    # The child works on its own.
    assert (await http.get(FLAGS, headers=bearer(created.json()["token"]))).status_code == 200


async def test_flag_changes_made_with_a_key_stay_in_its_organisation(
    db: AsyncSession, http: httpx.AsyncClient
) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    _, token_a = await mint(db, org_a, ("flags", "read", "all"), ("flags", "update", "all"))
    _, token_b = await mint(db, org_b, ("flags", "read", "all"))

    changed = await http.put(f"{FLAGS}/messaging.sms", json={"enabled": True}, headers=bearer(token_a))
    assert changed.status_code == 200, changed.text
    effective_a = (await http.get(f"{FLAGS}/effective", headers=bearer(token_a))).json()["flags"]
    effective_b = (await http.get(f"{FLAGS}/effective", headers=bearer(token_b))).json()["flags"]
    assert effective_a["messaging.sms"] is True and effective_b["messaging.sms"] is False
    listed_b = (await http.get(FLAGS, headers=bearer(token_b))).json()["items"]
    assert all(item["overrides"] == [] for item in listed_b)


async def test_a_key_of_one_organisation_cannot_reach_another(
    db: AsyncSession, http: httpx.AsyncClient
) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    a_id, token_a = await mint(db, org_a, ("api_keys", "read", "all"), ("api_keys", "delete", "all"))
    b_id, _ = await mint(db, org_b, ("flags", "read", "all"))

    listed = (await http.get(KEYS, headers=bearer(token_a))).json()["items"]
    assert [item["id"] for item in listed] == [str(a_id)]
    assert (await http.get(f"{KEYS}/{b_id}", headers=bearer(token_a))).status_code == 404
    assert (await http.delete(f"{KEYS}/{b_id}", headers=bearer(token_a))).status_code == 404
    await set_tenant(db, org_b)
    still = (await db.execute(text("SELECT revoked_at FROM api_keys WHERE id = :id"), {"id": b_id})).scalar()
    assert still is None


async def test_revoked_keys_get_401_at_once_even_when_cached(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient
) -> None:
    key_id, token = await mint(db, org, ("flags", "read", "all"), ("api_keys", "delete", "all"))
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200  # the record is cached now

    assert (await http.delete(f"{KEYS}/{key_id}", headers=bearer(token))).status_code == 204  # revokes itself
    (event,) = await audit_trail(db, org, "api_key.revoke")
    assert (event["actor_type"], event["actor_id"]) == ("api_key", key_id)
    refused = await http.get(FLAGS, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_token", "detail": "invalid or expired token"}
    assert refused.headers["www-authenticate"] == "Bearer"


async def test_revoked_in_the_database_is_refused_once_the_cache_is_cold(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient
) -> None:
    key_id, token = await mint(db, org, ("flags", "read", "all"))
    await service.revoke_key(db, MemoryCache(), principal(org), key_id)  # nothing to invalidate
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 401


async def test_expired_keys_get_401(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    key_id, token = await mint(db, org, ("flags", "read", "all"), expires_at=soon)
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200

    # An hour later (the looked-up record is still cached): expiry is checked on every request.
    later = soon + dt.timedelta(seconds=1)
    monkeypatch.setattr(auth, "now", lambda: later)
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 401

    # And a key whose row says it already expired, never cached.
    monkeypatch.undo()
    other_id, other = await mint(db, org, ("flags", "read", "all"), expires_at=soon)
    await db.execute(
        text("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = :id"), {"id": other_id}
    )
    assert (await http.get(FLAGS, headers=bearer(other))).status_code == 401
    assert key_id != other_id


async def test_forged_unknown_and_malformed_keys_get_401(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, token = await mint(db, org, ("flags", "read", "all"))
    parts = auth.split_token(token)
    assert parts is not None
    public_id, secret = parts
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    forged = [
        f"crm_key_{public_id}_{flipped}",  # right id, wrong secret
        f"crm_key_{public_id}_{secret}x",  # right secret plus a byte
        f"crm_key_{public_id}_{secret[:-1]}",  # one byte short
        f"crm_key_{'0' * 20}_{secret}",  # the secret under an id that does not exist
        f"crm_key_{public_id.upper()}_{secret}",  # ids are lower-case hex
        f"crm_key_{public_id}",  # no secret
        f"crm_key_{public_id}_",
        "crm_key_",
        "crm_key_' OR 1=1 --_" + secret,
        "crm_key_" + "a" * 5000,
    ]
    for candidate in forged:
        response = await http.get(FLAGS, headers=bearer(candidate))
        assert response.status_code == 401, candidate
        assert response.json()["error"] == "invalid_token"
        with pytest.raises(Unauthorized) as refused:
            await auth.authenticate_api_key(runtime, candidate, None)
        assert refused.value.code == "invalid_token"
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200
    assert (await http.get(FLAGS, headers={"Authorization": token})).status_code == 401  # no scheme


async def test_last_use_is_recorded_at_most_once_a_minute(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, runtime: Runtime, connection: AsyncConnection
) -> None:
    key_id, token = await mint(db, org, ("flags", "read", "all"))
    assert await last_used(db, org, key_id) == (None, None)

    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200
    first_at, first_ip = await last_used(db, org, key_id)
    assert first_at is not None and str(first_ip) == "127.0.0.1"

    # Half a minute ago: a second request within the minute writes nothing ...
    await db.execute(
        text("UPDATE api_keys SET last_used_at = now() - interval '30 seconds' WHERE id = :id"),
        {"id": key_id},
    )
    half_minute_ago = (await last_used(db, org, key_id))[0]
    with count_statements(connection) as sent:
        assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200
    assert (await last_used(db, org, key_id))[0] == half_minute_ago
    # Not even an UPDATE attempt, nor a look-up: the cache answers both.
    assert not [s for s in sent if "api_keys" in s or "auth_api_key" in s]
    # ... even when the cache forgot (the SQL guard) ...
    await runtime.cache.delete(f"apikey:used:{key_id}")
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200
    assert (await last_used(db, org, key_id))[0] == half_minute_ago

    # ... and once the minute has passed, the next request records itself.
    await db.execute(
        text("UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = :id"), {"id": key_id}
    )
    await runtime.cache.delete(f"apikey:used:{key_id}")
    assert (await http.get(FLAGS, headers=bearer(token))).status_code == 200
    assert (await last_used(db, org, key_id))[0] > half_minute_ago  # type: ignore[operator]


async def test_the_lookup_function_finds_one_key_by_exact_public_id(db: AsyncSession, org: uuid.UUID) -> None:
    await mint(db, org, ("flags", "read", "all"))
    await set_tenant(db, None)  # before the tenant is known
    for probe in ("", "%", "' OR '1'='1"):
        rows = (await db.execute(text("SELECT * FROM auth_api_key(:p)"), {"p": probe})).all()
        assert rows == []


def test_tokens_look_like_crm_keys() -> None:
    public_id, token, hashed = auth.mint()
    assert token.startswith(f"crm_key_{public_id}_")
    assert auth.split_token(token) == (public_id, token[len(f"crm_key_{public_id}_") :])
    assert len(hashed) == 32
    assert auth.split_token("Bearer nope") is None
